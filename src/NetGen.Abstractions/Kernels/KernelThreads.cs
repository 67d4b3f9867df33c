using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NetGen.Kernels;

/// <summary>
/// How many threads the large matrix products of the dense kernels and the large optimizer updates may use. A product
/// is split into column blocks only when every block gets at least <see cref="MinimumFlopsPerThread"/> floating-point
/// operations, and an update into ranges only when every range gets <see cref="MinimumElementsPerThread"/> parameters,
/// so small layers and single samples stay on the calling thread, where a hand-off would cost more than it saves. The
/// extra threads are started once and wait for work in between, and the calling thread always takes one part itself;
/// a training step allocates nothing for them. Splitting changes no result: every value is computed by one thread, in
/// the same order as without threads.
/// </summary>
public static class KernelThreads
{
    /// <summary>Below this many operations per thread, a split costs more in hand-off than it gains (about 20 µs of work).</summary>
    public const double MinimumFlopsPerThread = 1_000_000;

    private static readonly object Gate = new();
    private static int s_maxThreads = Environment.ProcessorCount;
    private static Worker[] s_workers = [];
    private static int s_busy;

    /// <summary>
    /// The most threads one product runs on, counting the caller's; 1 keeps every kernel on the calling thread.
    /// Defaults to <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxThreads));
            s_maxThreads = value;
        }
    }

    /// <summary>
    /// Runs <paramref name="job"/> for part = 0 … parts − 1 on up to <paramref name="parts"/> threads, the caller doing
    /// part 0, and returns when all are done. When the workers are already busy (another thread's product, or a product
    /// started from inside a part) every part runs on the caller, in order.
    /// </summary>
    internal static void Run(int parts, KernelJob job)
    {
        if (parts <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++)
            {
                job.Execute(part, parts);
            }

            return;
        }

        try
        {
            Worker[] workers = EnsureWorkers(parts - 1);
            Completion.Start(parts - 1);
            for (int part = 1; part < parts; part++)
            {
                workers[part - 1].Start(job, part, parts);
            }

            Exception? failure = null;
            try
            {
                job.Execute(0, parts);
            }
            catch (Exception exception)
            {
                failure = exception;
            }

            Completion.Wait();
            failure ??= Completion.Failure;
            if (failure is not null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>
    /// Below this many parameters per thread, an optimizer update stays on one thread. Updates are bound by memory
    /// bandwidth, not arithmetic; a split pays off once each thread streams a few hundred kilobytes.
    /// </summary>
    public const int MinimumElementsPerThread = 65_536;

    /// <summary>How many parts an elementwise pass over <paramref name="elements"/> elements is cut into.</summary>
    internal static int PartsForElements(int elements) => Math.Max(1, Math.Min(s_maxThreads, elements / MinimumElementsPerThread));

    /// <summary>How many parts a product of <paramref name="flops"/> operations over <paramref name="blocks"/> independent column blocks is cut into.</summary>
    internal static int PartsFor(double flops, int blocks)
        => (int)Math.Max(1, Math.Min(Math.Min(s_maxThreads, blocks), flops / MinimumFlopsPerThread));

    private static Worker[] EnsureWorkers(int count)
    {
        Worker[] workers = s_workers;
        if (workers.Length >= count)
        {
            return workers;
        }

        lock (Gate)
        {
            if (s_workers.Length < count)
            {
                var grown = new Worker[count];
                s_workers.CopyTo(grown, 0);
                for (int i = s_workers.Length; i < count; i++)
                {
                    grown[i] = new Worker(i + 1);
                }

                s_workers = grown;
            }

            return s_workers;
        }
    }

    /// <summary>The parts of the running product still on workers, and the first exception one of them threw. One product runs at a time.</summary>
    private static class Completion
    {
        private static readonly ManualResetEventSlim Done = new(false, spinCount: 2000);
        private static int s_remaining;
        private static Exception? s_failure;

        public static Exception? Failure => s_failure;

        public static void Start(int parts)
        {
            s_failure = null;
            Done.Reset();
            Volatile.Write(ref s_remaining, parts);
        }

        public static void Signal(Exception? failure)
        {
            if (failure is not null)
            {
                Interlocked.CompareExchange(ref s_failure, failure, null);
            }

            if (Interlocked.Decrement(ref s_remaining) == 0)
            {
                Done.Set();
            }
        }

        public static void Wait() => Done.Wait();
    }

    /// <summary>A background thread that runs one part at a time, spinning briefly and then sleeping between parts.</summary>
    private sealed class Worker
    {
        private readonly ManualResetEventSlim _start = new(false, spinCount: 2000);
        private KernelJob? _job;
        private int _part, _parts;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "NetGen kernel worker " + index };
            thread.Start();
        }

        public void Start(KernelJob job, int part, int parts)
        {
            _job = job;
            _part = part;
            _parts = parts;
            _start.Set();
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                _start.Reset();
                Exception? failure = null;
                try
                {
                    _job!.Execute(_part, _parts);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                Completion.Signal(failure);
            }
        }
    }
}

/// <summary>Work that <see cref="KernelThreads"/> can split: part <c>part</c> of <c>parts</c> touches nothing another part writes.</summary>
internal abstract class KernelJob
{
    public abstract void Execute(int part, int parts);
}
