using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// The machine's memory bandwidth, measured at two working sets: the parameters a single-sample call of mnist-b1
/// streams (about 400 KB, which sits in L2 on the machines this runs on) and a buffer far beyond the last-level cache
/// (DRAM). Two kinds of stream: a read (vector loads summed into enough independent accumulators that the adds never
/// wait, which is what a matrix-vector product does with W) and a read+write (load, one FMA, store back in place,
/// which is what a rank-1 update of W does). Each on one thread and on every core, each core streaming its own part
/// of the same working set; the best of several runs, in a loop with nothing else in it, with Vector512 where it is
/// accelerated and Vector256 elsewhere. The buffers are allocated once, pinned and 64-byte aligned, and written
/// before anything is timed.
/// </summary>
public static class MemoryBandwidth
{
    /// <summary>Floats per block of eight vectors: the loops' unit, and what every buffer's length is a multiple of.</summary>
    private const int BlockFloats = 8 * 16;

    private const int Alignment = 64;

    /// <summary>Runs per figure: a run over a cache-sized buffer takes milliseconds, one over the DRAM buffer tens of them.</summary>
    private const int CacheRuns = 15, MemoryRuns = 5;

    /// <summary>Bytes each timed run moves per thread, at least, so that a run over a cache-sized buffer lasts milliseconds.</summary>
    private const double BytesPerRun = 2e9;

    /// <summary>At least this many passes over a DRAM-sized buffer per run.</summary>
    private const int MinimumPasses = 4;

    private const long MinimumMemoryBytes = 256L << 20, MaximumMemoryBytes = 1L << 30;

    /// <summary>The per-core data caches (bytes, 0 where unknown) and how many cores share the last level.</summary>
    public sealed record Caches(long L1d, long L2, long L3, int L3SharedBy)
    {
        /// <summary>Which level a working set of <paramref name="bytes"/> fits in: L1d, L2, L3 or DRAM.</summary>
        public string LevelOf(long bytes)
            => L1d > 0 && bytes <= L1d ? "L1d"
                : L2 > 0 && bytes <= L2 ? "L2"
                : L3 > 0 && bytes <= L3 ? "L3"
                : L3 > 0 ? "DRAM" : "unknown";

        public override string ToString()
            => $"L1d {Size(L1d)}, L2 {Size(L2)} per core, L3 {Size(L3)}" + (L3SharedBy > 1 ? $" shared by {L3SharedBy} cores" : "");
    }

    /// <summary>The bandwidths at one working set, GB/s: read and read+write (bytes read plus bytes written), on one core and on all.</summary>
    public sealed record Level(string Name, long WorkingSetBytes, double ReadOneCore, double ReadWriteOneCore, double ReadAllCores, double ReadWriteAllCores)
    {
        public double Read(int threads) => threads == 1 ? ReadOneCore : ReadAllCores;

        public double ReadWrite(int threads) => threads == 1 ? ReadWriteOneCore : ReadWriteAllCores;
    }

    /// <summary>The measurements: at mnist-b1's working set and far beyond the last-level cache.</summary>
    public sealed record Result(string Instructions, Caches Caches, int Cores, Level Cache, Level Memory)
    {
        /// <summary>The measured level a working set belongs to, if one was measured there.</summary>
        public Level? At(long workingSetBytes)
        {
            string level = Caches.LevelOf(workingSetBytes);
            return level == Caches.LevelOf(Cache.WorkingSetBytes) ? Cache : level == Caches.LevelOf(Memory.WorkingSetBytes) ? Memory : null;
        }
    }

    /// <summary>The working set of the cache-level measurement: what a step of mnist-b1 touches (<see cref="MemoryTraffic"/>).</summary>
    public static long CacheWorkingSet => MemoryTraffic.TrainStep(Workloads.Workloads.MnistBatch1).WorkingSetBytes;

    /// <summary>Measures the bandwidths.</summary>
    public static Result Measure()
    {
        bool wide = Vector512.IsHardwareAccelerated;
        Caches caches = ReadCaches();
        int cores = Environment.ProcessorCount;
        long memoryBytes = Math.Clamp(4 * caches.L3, MinimumMemoryBytes, MaximumMemoryBytes);
        Level cache = MeasureLevel(caches, CacheWorkingSet, cores, wide, CacheRuns);
        Level memory = MeasureLevel(caches, memoryBytes, cores, wide, MemoryRuns);
        GC.Collect(); // returns the large buffer before the rest of the bench runs
        return new Result(wide ? "Vector512" : "Vector256", caches, cores, cache, memory);
    }

    /// <summary>The <c>bandwidth</c> mode: prints the measurements and what mnist-b1's calls move against them.</summary>
    public static int Run()
    {
        Result result = Measure();
        Console.WriteLine($"Memory bandwidth, {result.Instructions} loads and stores, best of {CacheRuns} runs in cache and {MemoryRuns} in DRAM; GB/s (read+write counts the bytes read and the bytes written).");
        Console.WriteLine($"Caches (/sys/devices/system/cpu/cpu0/cache): {result.Caches}; {result.Cores} cores.");
        Console.WriteLine();
        Console.WriteLine($"{"working set",-24} {"read, 1 core",14} {"read+write, 1",14} {"read, " + result.Cores + " cores",14} {"read+write, " + result.Cores,14}");
        foreach (Level level in new[] { result.Cache, result.Memory })
        {
            Console.WriteLine($"{$"{Size(level.WorkingSetBytes)} ({level.Name})",-24} {F(level.ReadOneCore),14} {F(level.ReadWriteOneCore),14} {F(level.ReadAllCores),14} {F(level.ReadWriteAllCores),14}");
        }

        Console.WriteLine();
        foreach (MemoryTraffic.Call call in new[] { MemoryTraffic.TrainStep(Workloads.Workloads.MnistBatch1), MemoryTraffic.Prediction(Workloads.Workloads.MnistBatch1) })
        {
            Console.WriteLine($"{call.Name}: {call.Bytes:N0} bytes ({call.BytesRead:N0} read, {call.BytesWritten:N0} written), working set {Size(call.WorkingSetBytes)}");
            foreach (MemoryTraffic.Pass pass in call.Passes)
            {
                Console.WriteLine($"  {pass.What}: {pass.BytesRead:N0} read, {pass.BytesWritten:N0} written");
            }

            if (result.At(call.WorkingSetBytes) is { } level)
            {
                Console.WriteLine($"  at the {level.Name} bandwidth: {F(call.NanosecondsAt(level.ReadOneCore, level.ReadWriteOneCore) / 1000, 2)} µs on 1 core, " +
                                  $"{F(call.NanosecondsAt(level.ReadAllCores, level.ReadWriteAllCores) / 1000, 2)} µs on {result.Cores}");
            }
        }

        return 0;
    }

    private static Level MeasureLevel(Caches caches, long workingSetBytes, int cores, bool wide, int runs)
    {
        // One buffer of the whole working set for one core; for every core, its own part of the working set each.
        Segment whole = Segment.Allocate(workingSetBytes);
        // On all cores: each core streams a working set of this size where it fits in a cache of its own (L1d, L2; a
        // share of it would measure a smaller level on many cores), and its share of it in a shared level or memory.
        bool ownCache = caches.LevelOf(workingSetBytes) is "L1d" or "L2";
        Segment[] parts = Enumerable.Range(0, cores).Select(_ => Segment.Allocate(ownCache ? workingSetBytes : workingSetBytes / cores)).ToArray();
        double read = Best([whole], write: false, wide, runs), readWrite = Best([whole], write: true, wide, runs);
        double readAll = cores == 1 ? read : Best(parts, write: false, wide, runs), readWriteAll = cores == 1 ? readWrite : Best(parts, write: true, wide, runs);
        return new Level(caches.LevelOf(whole.Bytes), whole.Bytes, read, readWrite, readAll, readWriteAll);
    }

    /// <summary>
    /// The best of <paramref name="runs"/> runs, GB/s: every thread streams its own segment the same number of times, all
    /// starting together; the bytes of all of them over the time from the first start to the last finish.
    /// </summary>
    private static double Best(Segment[] segments, bool write, bool wide, int runs)
    {
        long passes = Math.Max(MinimumPasses, (long)(BytesPerRun / segments[0].Bytes));
        // Warm-up: compiles the loop and brings the segment into the cache it is measured in.
        foreach (Segment segment in segments)
        {
            Stream(segment, write, wide, 2);
        }

        int threads = segments.Length;
        var starts = new long[threads];
        var ends = new long[threads];
        var sums = new float[threads];
        double best = 0;
        using var barrier = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int index = t;
            workers[t] = new Thread(() =>
            {
                for (int run = 0; run < runs; run++)
                {
                    barrier.SignalAndWait();
                    starts[index] = Stopwatch.GetTimestamp();
                    sums[index] += Stream(segments[index], write, wide, passes);
                    ends[index] = Stopwatch.GetTimestamp();
                    barrier.SignalAndWait();
                }
            })
            { IsBackground = true, Name = "bandwidth " + t };
            workers[t].Start();
        }

        for (int run = 0; run < runs; run++)
        {
            barrier.SignalAndWait(); // all start
            barrier.SignalAndWait(); // all done
            double seconds = (ends.Max() - starts.Min()) / (double)Stopwatch.Frequency;
            double bytes = segments.Sum(s => (double)s.Bytes) * passes * (write ? 2 : 1);
            best = Math.Max(best, bytes / seconds / 1e9);
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        if (float.IsNaN(sums.Sum()))
        {
            throw new InvalidOperationException("unreachable: keeps the sums alive");
        }

        return best;
    }

    private static float Stream(Segment segment, bool write, bool wide, long passes)
    {
        ref float start = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(segment.Array), segment.Start);
        nuint length = (nuint)segment.Length;
        return (write, wide) switch
        {
            (false, true) => Read512(ref start, length, passes),
            (false, false) => Read256(ref start, length, passes),
            (true, true) => ReadWrite512(ref start, length, passes),
            (true, false) => ReadWrite256(ref start, length, passes),
        };
    }

    /// <summary>Sums every vector of the buffer, <paramref name="passes"/> times, into eight accumulators.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Read512(ref float start, nuint length, long passes)
    {
        const int w = 16;
        Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (long pass = 0; pass < passes; pass++)
        {
            for (nuint i = 0; i < length; i += 8 * w)
            {
                s0 += Vector512.LoadUnsafe(ref start, i); s1 += Vector512.LoadUnsafe(ref start, i + w);
                s2 += Vector512.LoadUnsafe(ref start, i + 2 * w); s3 += Vector512.LoadUnsafe(ref start, i + 3 * w);
                s4 += Vector512.LoadUnsafe(ref start, i + 4 * w); s5 += Vector512.LoadUnsafe(ref start, i + 5 * w);
                s6 += Vector512.LoadUnsafe(ref start, i + 6 * w); s7 += Vector512.LoadUnsafe(ref start, i + 7 * w);
            }
        }

        return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
    }

    /// <summary>The Vector256 form of <see cref="Read512"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Read256(ref float start, nuint length, long passes)
    {
        const int w = 8;
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (long pass = 0; pass < passes; pass++)
        {
            for (nuint i = 0; i < length; i += 8 * w)
            {
                s0 += Vector256.LoadUnsafe(ref start, i); s1 += Vector256.LoadUnsafe(ref start, i + w);
                s2 += Vector256.LoadUnsafe(ref start, i + 2 * w); s3 += Vector256.LoadUnsafe(ref start, i + 3 * w);
                s4 += Vector256.LoadUnsafe(ref start, i + 4 * w); s5 += Vector256.LoadUnsafe(ref start, i + 5 * w);
                s6 += Vector256.LoadUnsafe(ref start, i + 6 * w); s7 += Vector256.LoadUnsafe(ref start, i + 7 * w);
            }
        }

        return Vector256.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
    }

    /// <summary>
    /// x ← 0.999·x + 0.001 on every element, in place, <paramref name="passes"/> times: a load, an FMA and a store per
    /// vector, four vectors at a time. The values stay at 1, so no pass meets a denormal.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ReadWrite512(ref float start, nuint length, long passes)
    {
        const int w = 16;
        Vector512<float> a = Vector512.Create(0.999f), b = Vector512.Create(0.001f);
        for (long pass = 0; pass < passes; pass++)
        {
            for (nuint i = 0; i < length; i += 4 * w)
            {
                Vector512<float> v0 = Vector512.LoadUnsafe(ref start, i), v1 = Vector512.LoadUnsafe(ref start, i + w);
                Vector512<float> v2 = Vector512.LoadUnsafe(ref start, i + 2 * w), v3 = Vector512.LoadUnsafe(ref start, i + 3 * w);
                Vector512.FusedMultiplyAdd(v0, a, b).StoreUnsafe(ref start, i);
                Vector512.FusedMultiplyAdd(v1, a, b).StoreUnsafe(ref start, i + w);
                Vector512.FusedMultiplyAdd(v2, a, b).StoreUnsafe(ref start, i + 2 * w);
                Vector512.FusedMultiplyAdd(v3, a, b).StoreUnsafe(ref start, i + 3 * w);
            }
        }

        return start;
    }

    /// <summary>The Vector256 form of <see cref="ReadWrite512"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ReadWrite256(ref float start, nuint length, long passes)
    {
        const int w = 8;
        Vector256<float> a = Vector256.Create(0.999f), b = Vector256.Create(0.001f);
        for (long pass = 0; pass < passes; pass++)
        {
            for (nuint i = 0; i < length; i += 4 * w)
            {
                Vector256<float> v0 = Vector256.LoadUnsafe(ref start, i), v1 = Vector256.LoadUnsafe(ref start, i + w);
                Vector256<float> v2 = Vector256.LoadUnsafe(ref start, i + 2 * w), v3 = Vector256.LoadUnsafe(ref start, i + 3 * w);
                Vector256.FusedMultiplyAdd(v0, a, b).StoreUnsafe(ref start, i);
                Vector256.FusedMultiplyAdd(v1, a, b).StoreUnsafe(ref start, i + w);
                Vector256.FusedMultiplyAdd(v2, a, b).StoreUnsafe(ref start, i + 2 * w);
                Vector256.FusedMultiplyAdd(v3, a, b).StoreUnsafe(ref start, i + 3 * w);
            }
        }

        return start;
    }

    /// <summary>
    /// A 64-byte aligned run of floats in a pinned array (which the GC never moves), a whole number of blocks long,
    /// every element written once at allocation, so that its pages exist before anything is timed.
    /// </summary>
    private sealed record Segment(float[] Array, int Start, int Length)
    {
        public long Bytes => (long)Length * sizeof(float);

        public static Segment Allocate(long bytes)
        {
            int length = (int)Math.Max(BlockFloats, bytes / sizeof(float) / BlockFloats * BlockFloats);
            float[] array = GC.AllocateUninitializedArray<float>(length + Alignment / sizeof(float), pinned: true);
            long address = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
            int start = (int)((Alignment - address % Alignment) % Alignment) / sizeof(float);
            array.AsSpan(start, length).Fill(1f);
            return new Segment(array, start, length);
        }
    }

    /// <summary>The data and unified caches of cpu0 from Linux's /sys; 0 for a level that is not there (or another OS).</summary>
    private static Caches ReadCaches()
    {
        long l1 = 0, l2 = 0, l3 = 0;
        int l3SharedBy = 0;
        const string root = "/sys/devices/system/cpu/cpu0/cache";
        try
        {
            if (Directory.Exists(root))
            {
                foreach (string index in Directory.EnumerateDirectories(root, "index*"))
                {
                    string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                    if (type == "Instruction")
                    {
                        continue;
                    }

                    int level = int.Parse(File.ReadAllText(Path.Combine(index, "level")).Trim(), CultureInfo.InvariantCulture);
                    long size = ParseSize(File.ReadAllText(Path.Combine(index, "size")).Trim());
                    switch (level)
                    {
                        case 1: l1 = size; break;
                        case 2: l2 = size; break;
                        case 3:
                            l3 = size;
                            l3SharedBy = CountCpus(File.ReadAllText(Path.Combine(index, "shared_cpu_list")).Trim());
                            break;
                    }
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            // Sizes stay unknown; the measurements do not depend on them, only the level names do.
        }

        return new Caches(l1, l2, l3, l3SharedBy);
    }

    /// <summary>"48K", "1024K", "32M" as bytes.</summary>
    private static long ParseSize(string text)
    {
        long factor = text[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        return long.Parse(factor == 1 ? text : text[..^1], CultureInfo.InvariantCulture) * factor;
    }

    /// <summary>The CPUs in a list such as "0-1" or "0,2,4-7".</summary>
    private static int CountCpus(string list)
        => list.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Sum(range => range.Split('-') is [string first, string last] ? int.Parse(last, CultureInfo.InvariantCulture) - int.Parse(first, CultureInfo.InvariantCulture) + 1 : 1);

    /// <summary>A size in KB, MB or GB (binary).</summary>
    public static string Size(long bytes)
        => bytes <= 0 ? "unknown"
            : bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? $"{bytes >> 30} GB"
            : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20} MB"
            : (bytes / 1024.0).ToString(bytes % 1024 == 0 ? "F0" : "F1", CultureInfo.InvariantCulture) + " KB";

    private static string F(double value, int decimals = 1) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
