using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Preprocessing;

/// <summary>
/// Seeded shuffles and train/test splits of row-major data: sample <c>i</c> of an array with <c>rowLength</c> values per
/// sample occupies <c>[i·rowLength, (i+1)·rowLength)</c>. The same seed gives the same order on every platform.
/// </summary>
public static class DataSplit
{
    /// <summary>
    /// Returns the indices 0 … <paramref name="count"/> − 1 in a random order fixed by <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static int[] Permutation(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Permutation(count, new SeededRandom(seed));
    }

    /// <summary>
    /// Shuffles the samples of <paramref name="features"/> and, in the same order, the rows of
    /// <paramref name="targets"/>, in place.
    /// </summary>
    /// <exception cref="ArgumentException">The arrays do not hold the same number of samples.</exception>
    public static void Shuffle<TFeature, TTarget>(TFeature[] features, int featureCount, TTarget[] targets, int targetCount, int seed)
    {
        int samples = RequireSameSamples(features, featureCount, targets, targetCount);
        int[] order = Permutation(samples, seed);
        Gather(features, featureCount, order).CopyTo(features, 0);
        Gather(targets, targetCount, order).CopyTo(targets, 0);
    }

    /// <summary>
    /// Splits <paramref name="count"/> samples into a training and a test set: <paramref name="testFraction"/> of them,
    /// rounded to the nearest sample, chosen at random with <paramref name="seed"/>, are held out. Both index lists are in
    /// random order. With <paramref name="strata"/> (one class per sample) each class is held out in the same proportion,
    /// so a class-sorted file still gives a test set with every class.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is outside (0, 1), or leaves one side empty.</exception>
    /// <exception cref="ArgumentException"><paramref name="strata"/> does not hold one value per sample.</exception>
    public static (int[] Train, int[] Test) TrainTestIndices(int count, double testFraction, int seed, ReadOnlySpan<int> strata = default)
    {
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must lie strictly between 0 and 1.");
        }

        return Split(count, testFraction, new SeededRandom(seed), strata, nameof(testFraction));
    }

    /// <summary>
    /// Splits row-major features and targets into training and test sets, as <see cref="TrainTestIndices"/> chooses the rows.
    /// </summary>
    /// <exception cref="ArgumentException">The arrays do not hold the same number of samples.</exception>
    public static (TFeature[] TrainFeatures, TTarget[] TrainTargets, TFeature[] TestFeatures, TTarget[] TestTargets) TrainTestSplit<TFeature, TTarget>(
        TFeature[] features, int featureCount, TTarget[] targets, int targetCount, double testFraction, int seed, ReadOnlySpan<int> strata = default)
    {
        int samples = RequireSameSamples(features, featureCount, targets, targetCount);
        (int[] train, int[] test) = TrainTestIndices(samples, testFraction, seed, strata);
        return (Gather(features, featureCount, train), Gather(targets, targetCount, train), Gather(features, featureCount, test), Gather(targets, targetCount, test));
    }

    /// <summary>Splits features and one class label per sample, each class held out in the same proportion (stratified).</summary>
    /// <exception cref="ArgumentException">The arrays do not hold the same number of samples.</exception>
    public static (TFeature[] TrainFeatures, int[] TrainLabels, TFeature[] TestFeatures, int[] TestLabels) TrainTestSplit<TFeature>(
        TFeature[] features, int featureCount, int[] labels, double testFraction, int seed, bool stratify = true)
        => TrainTestSplit(features, featureCount, labels, 1, testFraction, seed, stratify ? labels : default);

    /// <summary>Copies the rows <paramref name="indices"/> of <paramref name="source"/>, in that order, into a new array.</summary>
    public static T[] Gather<T>(T[] source, int rowLength, ReadOnlySpan<int> indices)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowLength);
        var gathered = new T[indices.Length * rowLength];
        Gather<T>(source, rowLength, indices, gathered);
        return gathered;
    }

    /// <summary>
    /// Copies the rows <paramref name="indices"/> of <paramref name="source"/>, in that order, into
    /// <paramref name="destination"/>: the splits above, and <c>Fit</c>'s shuffled batches. Rows picked at random from a
    /// data set larger than the caches each wait for their first lines to arrive from memory, so each row's cache lines
    /// are requested <see cref="RowsAhead"/> rows before it is copied, which keeps several rows in flight. In mnist-e2e
    /// (batches of 64 rows of 784 floats from 25 MB of digits) the row copies had taken about 7% of the process's CPU
    /// time (perf, AMD EPYC Zen 4, one thread); docs/performance.md has the epochs before and after. A prefetch is only
    /// a hint and never faults; without the instruction (<see cref="Sse.IsSupported"/> false), or for rows that hold
    /// references, the rows are only copied.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Gather<T>(ReadOnlySpan<T> source, int rowLength, ReadOnlySpan<int> indices, Span<T> destination)
    {
        if (destination.Length < (long)indices.Length * rowLength)
        {
            throw new ArgumentException($"destination has {destination.Length} values; {indices.Length} rows of {rowLength} need {(long)indices.Length * rowLength}.", nameof(destination));
        }

        bool prefetch = Sse.IsSupported && !RuntimeHelpers.IsReferenceOrContainsReferences<T>();
        for (int i = 0; prefetch && i < Math.Min(RowsAhead, indices.Length); i++)
        {
            Prefetch(source, indices[i], rowLength);
        }

        for (int i = 0; i < indices.Length; i++)
        {
            if (prefetch && i + RowsAhead < indices.Length)
            {
                Prefetch(source, indices[i + RowsAhead], rowLength);
            }

            source.Slice(indices[i] * rowLength, rowLength).CopyTo(destination.Slice(i * rowLength, rowLength));
        }
    }

    /// <summary>How many rows ahead of its copy <see cref="Gather{T}(ReadOnlySpan{T}, int, ReadOnlySpan{int}, Span{T})"/> requests a row.</summary>
    private const int RowsAhead = 4;

    /// <summary>Requests the cache lines of row <paramref name="index"/>, if it is a row of <paramref name="source"/> (the copy checks it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch<T>(ReadOnlySpan<T> source, int index, int rowLength)
    {
        if ((uint)index >= (uint)(source.Length / rowLength))
        {
            return;
        }

        byte* row = (byte*)Unsafe.AsPointer(ref Unsafe.AsRef(in source[index * rowLength]));
        int bytes = rowLength * Unsafe.SizeOf<T>();
        for (int offset = 0; offset < bytes; offset += 64)
        {
            Sse.Prefetch0(row + offset);
        }
    }

    internal static int[] Permutation(int count, SeededRandom random)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        random.Shuffle(order.AsSpan());
        return order;
    }

    internal static (int[] Train, int[] Held) Split(int count, double fraction, SeededRandom random, ReadOnlySpan<int> strata, string fractionName)
    {
        if (!strata.IsEmpty && strata.Length != count)
        {
            throw new ArgumentException($"The strata hold {strata.Length} values; one class per sample ({count}) is needed.", nameof(strata));
        }

        int[] order = Permutation(count, random);
        var held = new List<int>();
        var train = new List<int>(count);
        if (strata.IsEmpty)
        {
            int heldCount = (int)Math.Round(count * fraction, MidpointRounding.AwayFromZero);
            RequireBothSides(heldCount, count, fraction, fractionName);
            return (order[heldCount..], order[..heldCount]);
        }

        // Each class's quota of held-out samples, taken from the front of the one random order.
        var classSizes = new Dictionary<int, int>();
        foreach (int stratum in strata)
        {
            classSizes[stratum] = classSizes.GetValueOrDefault(stratum) + 1;
        }

        var quotas = new Dictionary<int, int>();
        foreach ((int stratum, int size) in classSizes)
        {
            quotas[stratum] = (int)Math.Round(size * fraction, MidpointRounding.AwayFromZero);
        }

        foreach (int sample in order)
        {
            int stratum = strata[sample];
            if (quotas[stratum] > 0)
            {
                quotas[stratum]--;
                held.Add(sample);
            }
            else
            {
                train.Add(sample);
            }
        }

        RequireBothSides(held.Count, count, fraction, fractionName);
        return (train.ToArray(), held.ToArray());
    }

    private static void RequireBothSides(int heldCount, int count, double fraction, string fractionName)
    {
        if (heldCount == 0 || heldCount == count)
        {
            throw new ArgumentOutOfRangeException(
                fractionName,
                fraction,
                $"{fractionName} {fraction} of {count} samples holds out {heldCount}, which leaves {(heldCount == 0 ? "nothing to hold out" : "nothing to train on")}.");
        }
    }

    private static int RequireSameSamples<TFeature, TTarget>(TFeature[] features, int featureCount, TTarget[] targets, int targetCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetCount);
        if (features.Length % featureCount != 0 || targets.Length % targetCount != 0 || features.Length / featureCount != targets.Length / targetCount)
        {
            throw new ArgumentException(
                $"features hold {features.Length} values ({featureCount} per sample) and targets {targets.Length} ({targetCount} per sample): they must hold the same whole number of samples.",
                nameof(targets));
        }

        return features.Length / featureCount;
    }
}
