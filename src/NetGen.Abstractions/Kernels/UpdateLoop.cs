using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// The arithmetic of one vector width, so that an optimizer's formula is written once for every path:
/// <typeparamref name="TVector"/> is <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/>, <see cref="Vector128{T}"/>
/// or <typeparamref name="T"/> itself (<see cref="ScalarOps{T}"/>, one lane: the scalar path). The implementations are
/// empty structs whose static methods the JIT specialises and inlines, so a formula generic over them compiles to the
/// code written against the vector type directly.
/// </summary>
/// <remarks>
/// There is no multiply-add: a fused one would round differently from the scalar path (and from torch), and an unfused
/// one is just <see cref="Add"/> of <see cref="Multiply"/>. Every operation is correctly rounded per element, so the
/// same formula gives the same bits on every width. The one exception may be <see cref="Max"/> of a NaN on net8.0,
/// whose vector Max is x86 maxps's (the second operand when either is NaN) where <c>T.Max</c> returns the NaN; on
/// net10.0 both return the NaN.
/// </remarks>
internal unsafe interface IVectorOps<T, TVector> where T : unmanaged where TVector : unmanaged
{
    /// <summary>The elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Every element <paramref name="value"/>.</summary>
    static abstract TVector Create(T value);

    /// <summary>The vector at <paramref name="source"/> + <paramref name="offset"/>, unaligned.</summary>
    static abstract TVector Load(T* source, nuint offset);

    /// <summary>Writes <paramref name="value"/> at <paramref name="destination"/> + <paramref name="offset"/>, unaligned.</summary>
    static abstract void Store(T* destination, nuint offset, TVector value);

    static abstract TVector Add(TVector x, TVector y);

    static abstract TVector Subtract(TVector x, TVector y);

    static abstract TVector Multiply(TVector x, TVector y);

    static abstract TVector Divide(TVector x, TVector y);

    static abstract TVector Sqrt(TVector x);

    static abstract TVector Max(TVector x, TVector y);

    /// <summary>
    /// x with every element smaller in magnitude than <paramref name="smallestNormal"/> (a subnormal, or zero) made +0;
    /// NaN and infinities pass.
    /// </summary>
    static abstract TVector FlushSubnormal(TVector x, TVector smallestNormal);
}

/// <summary>The Vector512 path of <see cref="IVectorOps{T, TVector}"/>.</summary>
internal readonly unsafe struct Vector512Ops<T> : IVectorOps<T, Vector512<T>> where T : unmanaged
{
    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Create(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* source, nuint offset) => Vector512.Load(source + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* destination, nuint offset, Vector512<T> value) => value.Store(destination + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> x, Vector512<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> x, Vector512<T> y) => x - y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> x, Vector512<T> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Divide(Vector512<T> x, Vector512<T> y) => x / y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sqrt(Vector512<T> x) => Vector512.Sqrt(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Max(Vector512<T> x, Vector512<T> y) => Vector512.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FlushSubnormal(Vector512<T> x, Vector512<T> smallestNormal) => Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), smallestNormal));
}

/// <summary>The Vector256 path of <see cref="IVectorOps{T, TVector}"/>.</summary>
internal readonly unsafe struct Vector256Ops<T> : IVectorOps<T, Vector256<T>> where T : unmanaged
{
    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Create(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* source, nuint offset) => Vector256.Load(source + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* destination, nuint offset, Vector256<T> value) => value.Store(destination + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> x, Vector256<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> x, Vector256<T> y) => x - y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> x, Vector256<T> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Divide(Vector256<T> x, Vector256<T> y) => x / y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sqrt(Vector256<T> x) => Vector256.Sqrt(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Max(Vector256<T> x, Vector256<T> y) => Vector256.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> FlushSubnormal(Vector256<T> x, Vector256<T> smallestNormal) => Vector256.AndNot(x, Vector256.LessThan(Vector256.Abs(x), smallestNormal));
}

/// <summary>The Vector128 path of <see cref="IVectorOps{T, TVector}"/>.</summary>
internal readonly unsafe struct Vector128Ops<T> : IVectorOps<T, Vector128<T>> where T : unmanaged
{
    public static int Count => Vector128<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Create(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(T* source, nuint offset) => Vector128.Load(source + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* destination, nuint offset, Vector128<T> value) => value.Store(destination + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> x, Vector128<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> x, Vector128<T> y) => x - y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> x, Vector128<T> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Divide(Vector128<T> x, Vector128<T> y) => x / y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sqrt(Vector128<T> x) => Vector128.Sqrt(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Max(Vector128<T> x, Vector128<T> y) => Vector128.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> FlushSubnormal(Vector128<T> x, Vector128<T> smallestNormal) => Vector128.AndNot(x, Vector128.LessThan(Vector128.Abs(x), smallestNormal));
}

/// <summary>The scalar path of <see cref="IVectorOps{T, TVector}"/>: one element is a vector of one lane.</summary>
internal readonly unsafe struct ScalarOps<T> : IVectorOps<T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Create(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(T* source, nuint offset) => source[offset];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* destination, nuint offset, T value) => destination[offset] = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add(T x, T y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Subtract(T x, T y) => x - y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Multiply(T x, T y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Divide(T x, T y) => x / y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sqrt(T x) => T.Sqrt(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max(T x, T y) => T.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FlushSubnormal(T x, T smallestNormal) => T.Abs(x) < smallestNormal ? T.Zero : x;
}

/// <summary>
/// One vector's updated parameters and up to three updated state vectors, from <see cref="IParameterUpdate{T}.Compute"/>
/// to <see cref="IParameterUpdate{T}.Store"/>; each update says which state is which and leaves the rest unset.
/// </summary>
internal struct UpdatedVectors<TVector> where TVector : unmanaged
{
    public TVector Parameters, State1, State2, State3;
}

/// <summary>One optimizer's update of a parameter vector and its state, written once for every vector width.</summary>
internal interface IParameterUpdate<T> where T : unmanaged
{
    /// <summary>The new parameters and state for the vector starting at <paramref name="offset"/>; writes nothing.</summary>
    UpdatedVectors<TVector> Compute<TOps, TVector>(nuint offset)
        where TOps : struct, IVectorOps<T, TVector>
        where TVector : unmanaged;

    /// <summary>Writes a computed vector back and clears its gradients.</summary>
    void Store<TOps, TVector>(nuint offset, in UpdatedVectors<TVector> result)
        where TOps : struct, IVectorOps<T, TVector>
        where TVector : unmanaged;
}

/// <summary>
/// The one loop shape for parameter updates: vectors of the width <see cref="KernelPaths"/> chose (narrower ones, down to
/// single elements, for ranges shorter than one), then an overlapping last vector.
/// </summary>
internal static class UpdateLoop
{
    /// <summary>
    /// Runs <paramref name="update"/> over <paramref name="length"/> elements in whole vectors. The last vector ends
    /// at the last element and overlaps the main loop; it is computed from the original values before the loop writes
    /// anything and stored after it, so every element is updated exactly once and no scalar tail is needed.
    /// The updates' Compute and Store, and the vector operations they call, are AggressiveInlining: called instead, they
    /// would run as tier-0 code, once per vector, for the hundreds of steps it takes tiered compilation to replace them.
    /// </summary>
    /// <remarks>
    /// An update of at least two threads' worth of <see cref="KernelThreads.MinimumElementsPerThread"/> elements is
    /// cut into ranges, one per thread, each a whole number of vectors of the chosen width but the last; every range
    /// runs the loop above.
    /// </remarks>
    public static void Run<T, TUpdate>(ref TUpdate update, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IParameterUpdate<T>
    {
        int parts = KernelThreads.PartsForElements(length);
        if (parts == 1)
        {
            RunPart<T, TUpdate>(ref update, 0, length);
            return;
        }

        UpdateJob<T, TUpdate> job = UpdateJob<T, TUpdate>.OfThisThread;
        job.Set(update, length);
        KernelThreads.Run(parts, job);
    }

    /// <summary>The elements per vector on the path <see cref="KernelPaths"/> chose: 1 on the scalar path.</summary>
    private static int Width<T>() where T : unmanaged
        => KernelPaths.Use512 ? Vector512<T>.Count
            : KernelPaths.Use256 ? Vector256<T>.Count
            : KernelPaths.Use128 ? Vector128<T>.Count
            : 1;

    /// <summary>Runs the loop on elements [<paramref name="start"/>, <paramref name="end"/>) with the widest allowed vector the range holds.</summary>
    private static void RunPart<T, TUpdate>(ref TUpdate update, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IParameterUpdate<T>
    {
        int length = end - start;
        if (KernelPaths.Use512 && length >= Vector512<T>.Count)
        {
            RunRange<T, TUpdate, Vector512Ops<T>, Vector512<T>>(ref update, start, end);
        }
        else if (KernelPaths.Use256 && length >= Vector256<T>.Count)
        {
            RunRange<T, TUpdate, Vector256Ops<T>, Vector256<T>>(ref update, start, end);
        }
        else if (KernelPaths.Use128 && length >= Vector128<T>.Count)
        {
            RunRange<T, TUpdate, Vector128Ops<T>, Vector128<T>>(ref update, start, end);
        }
        else if (length > 0)
        {
            RunRange<T, TUpdate, ScalarOps<T>, T>(ref update, start, end);
        }
    }

    // Never inlined: when tiered compilation recompiles Run with profile data, it would take this loop in and then,
    // over its inlining budget, leave Compute and Store as calls per vector. Adam over 270k parameters went from 220 µs
    // to 500–700 µs a few hundred steps into training that way. Every kernel loop of NetGen is NoInlining for this reason,
    // and so one instance per width, rather than all four widths inlined into one dispatching method.
    // The range holds at least one vector.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RunRange<T, TUpdate, TOps, TVector>(ref TUpdate update, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IParameterUpdate<T>
        where TOps : struct, IVectorOps<T, TVector>
        where TVector : unmanaged
    {
        nuint width = (nuint)TOps.Count;
        nuint last = (nuint)end - width;
        UpdatedVectors<TVector> tail = update.Compute<TOps, TVector>(last);
        for (nuint i = (nuint)start; i < last; i += width)
        {
            update.Store<TOps, TVector>(i, update.Compute<TOps, TVector>(i));
        }

        update.Store<TOps, TVector>(last, tail);
    }

    /// <summary>A split update: each part runs the loop over its own range of elements (the update holds pinned pointers).</summary>
    private sealed class UpdateJob<T, TUpdate> : KernelJob
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IParameterUpdate<T>
    {
        [ThreadStatic]
        private static UpdateJob<T, TUpdate>? t_job;

        private TUpdate _update;
        private int _length;

        public static UpdateJob<T, TUpdate> OfThisThread => t_job ??= new UpdateJob<T, TUpdate>();

        public void Set(TUpdate update, int length)
        {
            _update = update;
            _length = length;
        }

        public override void Execute(int part, int parts)
        {
            int width = Width<T>();
            int vectors = _length / width;
            int start = vectors * part / parts * width;
            int end = part == parts - 1 ? _length : vectors * (part + 1) / parts * width;
            TUpdate update = _update;
            RunPart<T, TUpdate>(ref update, start, end);
        }
    }
}
