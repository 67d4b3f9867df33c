using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;

namespace NetGen.Benchmarks;

/// <summary>
/// The machine's FP32 fused multiply-add peak, measured: independent chains of vector FMAs, enough of them to cover
/// the FMA latency (4 cycles) on both FMA ports, in a loop with nothing else in it. With AVX-512's 32 registers 16
/// chains fit; with 16 AVX2 registers, 12 chains plus the two operands do. The peak that percentages are taken of is
/// the widest accelerated vector's; the Vector256 peak is measured as well where Vector512 is accelerated, to show what
/// the wider path is worth on the machine.
/// </summary>
public static class FmaPeak
{
    private const int Chains512 = 16, Chains256 = 12;
    private const long Iterations = 20_000_000;

    /// <summary>
    /// The measured peaks, GFLOP/s (an FMA counts as 2), best of several runs each: of the widest accelerated vector on
    /// one thread and on every core, and of Vector256 alone on one thread.
    /// </summary>
    public sealed record Result(double OneCore, double AllCores, string Instructions, double Vector256OneCore);

    /// <summary>Measures the peaks.</summary>
    public static Result Measure()
    {
        bool wide = Vector512.IsHardwareAccelerated;
        string instructions = wide ? "Vector512 FMA" : Vector256.IsHardwareAccelerated ? "Vector256 FMA" : "Vector128 FMA";
        Run(Iterations / 20, wide); // JIT and clock warm-up
        Run(Iterations / 20, wide: false);
        double one = 0, all = 0, narrow = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            one = Math.Max(one, Run(Iterations, wide));
            narrow = wide ? Math.Max(narrow, Run(Iterations, wide: false)) : one;
        }

        int cores = Environment.ProcessorCount;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var results = new double[cores];
            Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, core => results[core] = Run(Iterations, wide));
            double sum = 0;
            foreach (double result in results)
            {
                sum += result;
            }

            all = Math.Max(all, sum);
        }

        return new Result(one, all, instructions, narrow);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Run(long iterations, bool wide)
    {
        var clock = Stopwatch.StartNew();
        float checksum;
        long fmasPerIteration;
        if (wide)
        {
            fmasPerIteration = Chains512 * Vector512<float>.Count;
            checksum = Run512(iterations);
        }
        else
        {
            fmasPerIteration = Chains256 * Vector256<float>.Count;
            checksum = Run256(iterations);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        if (float.IsNaN(checksum))
        {
            throw new InvalidOperationException("unreachable: keeps the chains alive");
        }

        return iterations * fmasPerIteration * 2 / seconds / 1e9;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run512(long iterations)
    {
        Vector512<float> a = Vector512.Create(0.999999f), b = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector512<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
            c12 = Vector512.FusedMultiplyAdd(c12, a, b); c13 = Vector512.FusedMultiplyAdd(c13, a, b);
            c14 = Vector512.FusedMultiplyAdd(c14, a, b); c15 = Vector512.FusedMultiplyAdd(c15, a, b);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run256(long iterations)
    {
        Vector256<float> a = Vector256.Create(0.999999f), b = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector256<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b); c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b); c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
