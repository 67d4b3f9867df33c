using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetGen;

/// <summary>
/// A small, fast pseudo-random generator (xoshiro256** seeded through SplitMix64) whose sequence depends only on
/// its seed, on every platform and runtime version. NetGen draws initial weights and shuffles with it so that a seed
/// reproduces a run bit for bit; <see cref="System.Random"/> makes no such promise across versions.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator whose sequence is fixed by <paramref name="seed"/>.</summary>
    public SeededRandom(long seed)
    {
        Span<ulong> state = stackalloc ulong[4];
        Seed(state, seed);
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => Next(ref _s0, ref _s1, ref _s2, ref _s3);

    /// <summary>
    /// Writes into <paramref name="state"/> (four words) the state the constructor gives a generator for
    /// <paramref name="seed"/>, so that <see cref="Next"/> on it draws the same sequence as
    /// <c>new SeededRandom(seed).NextUInt64()</c>: for a generator whose state lives outside the class (a network's
    /// <see cref="INetwork{T}.RandomState"/>).
    /// </summary>
    internal static void Seed(Span<ulong> state, long seed)
    {
        ulong splitMix = unchecked((ulong)seed);
        state[0] = SplitMix64(ref splitMix);
        state[1] = SplitMix64(ref splitMix);
        state[2] = SplitMix64(ref splitMix);
        state[3] = SplitMix64(ref splitMix);
    }

    /// <summary>One xoshiro256** step on a state held elsewhere (in locals, for a loop): the next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Next(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = BitOperations.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>A double drawn uniformly from [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A double drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextDouble(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>A standard normal draw (mean 0, variance 1), by the Box–Muller transform.</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: the logarithm stays finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>An integer drawn uniformly from [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt32(int maxExclusive)
    {
        if (maxExclusive <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "maxExclusive must be greater than zero.");
        }

        // Lemire's multiply-shift with rejection of the biased low range.
        ulong range = (ulong)maxExclusive;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong product = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low >= threshold)
            {
                return (int)product;
            }
        }
    }

    /// <summary>Puts <paramref name="values"/> in a uniformly random order (Fisher–Yates).</summary>
    public void Shuffle<TValue>(Span<TValue> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
