using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels;

/// <summary>One optimizer's update of a parameter vector and its state, as a vector step and a scalar step.</summary>
internal interface IParameterUpdate<T, TResult> where T : unmanaged
{
    /// <summary>The new parameters and state for the vector starting at <paramref name="offset"/>; writes nothing.</summary>
    TResult Compute(nuint offset);

    /// <summary>Writes a computed vector back and clears its gradients.</summary>
    void Store(nuint offset, in TResult result);

    /// <summary>Updates one element in place.</summary>
    void Scalar(nuint index);
}

/// <summary>The one loop shape for parameter updates.</summary>
internal static class UpdateLoop
{
    /// <summary>
    /// Runs <paramref name="update"/> over <paramref name="length"/> elements in whole vectors. The last vector ends
    /// at the last element and overlaps the main loop; it is computed from the original values before the loop writes
    /// anything and stored after it, so every element is updated exactly once and no scalar tail is needed.
    /// The updates' Compute, Store and Scalar are AggressiveInlining: called instead, they would run as tier-0 code,
    /// once per vector, for the hundreds of steps it takes tiered compilation to replace them.
    /// </summary>
    /// <remarks>
    /// An update of at least two threads' worth of <see cref="KernelThreads.MinimumElementsPerThread"/> elements is
    /// cut into ranges, one per thread, each a whole number of vectors but the last; every range runs the loop above.
    /// </remarks>
    public static void Run<T, TUpdate, TResult>(ref TUpdate update, int length)
        where T : unmanaged
        where TUpdate : struct, IParameterUpdate<T, TResult>
    {
        int parts = KernelThreads.PartsForElements(length);
        if (parts == 1)
        {
            RunRange<T, TUpdate, TResult>(ref update, 0, length);
            return;
        }

        UpdateJob<T, TUpdate, TResult> job = UpdateJob<T, TUpdate, TResult>.OfThisThread;
        job.Set(update, length);
        KernelThreads.Run(parts, job);
    }

    // Never inlined: when tiered compilation recompiles Run with profile data, it would take this loop in and then,
    // over its inlining budget, leave Compute and Store as calls per vector. Adam over 270k parameters went from 220 µs
    // to 500–700 µs a few hundred steps into training that way. Every kernel loop of NetGen is NoInlining for this reason.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RunRange<T, TUpdate, TResult>(ref TUpdate update, int start, int end)
        where T : unmanaged
        where TUpdate : struct, IParameterUpdate<T, TResult>
    {
        int width = Vector<T>.Count;
        if (!Vector.IsHardwareAccelerated || KernelPaths.VectorWidth < 8 * Vector<byte>.Count || end - start < width)
        {
            for (nuint i = (nuint)start; i < (nuint)end; i++)
            {
                update.Scalar(i);
            }

            return;
        }

        nuint last = (nuint)(end - width);
        TResult tail = update.Compute(last);
        for (nuint i = (nuint)start; i < last; i += (nuint)width)
        {
            update.Store(i, update.Compute(i));
        }

        update.Store(last, tail);
    }

    /// <summary>A split update: each part runs the loop over its own range of elements (the update holds pinned pointers).</summary>
    private sealed class UpdateJob<T, TUpdate, TResult> : KernelJob
        where T : unmanaged
        where TUpdate : struct, IParameterUpdate<T, TResult>
    {
        [ThreadStatic]
        private static UpdateJob<T, TUpdate, TResult>? t_job;

        private TUpdate _update;
        private int _length;

        public static UpdateJob<T, TUpdate, TResult> OfThisThread => t_job ??= new UpdateJob<T, TUpdate, TResult>();

        public void Set(TUpdate update, int length)
        {
            _update = update;
            _length = length;
        }

        public override void Execute(int part, int parts)
        {
            int vectors = _length / Vector<T>.Count;
            int start = vectors * part / parts * Vector<T>.Count;
            int end = part == parts - 1 ? _length : vectors * (part + 1) / parts * Vector<T>.Count;
            TUpdate update = _update;
            RunRange<T, TUpdate, TResult>(ref update, start, end);
        }
    }
}
