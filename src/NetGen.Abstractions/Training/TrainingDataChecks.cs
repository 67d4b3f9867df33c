using System;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen;

/// <summary>
/// The checks <see cref="Trainer"/> runs once over the data it is given, before the first update, so that bad data is
/// reported where it enters rather than as a diverged loss many epochs later. Each is a vectorised scan; only when it
/// finds something does a scalar pass look for the first offending value to name it.
/// </summary>
internal static class TrainingDataChecks
{
    /// <summary>The largest distance from 1 at which a cross-entropy target row still counts as a distribution.</summary>
    private const double RowSumTolerance = 1e-3;

    /// <summary>Throws when <paramref name="values"/> holds a NaN or an infinity, naming the array, the sample and the column.</summary>
    public static void RequireFinite<T>(ReadOnlySpan<T> values, int rowLength, string network, string arrayName, string columnName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (AllFinite(values))
        {
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"{arrayName}[{i}] is {Format(values[i])}: sample {i / rowLength}, {columnName} {i % rowLength} (both from 0). {network} trains only on finite numbers; remove or fill in the missing or overflowing value before calling Fit.",
                    arrayName);
            }
        }
    }

    /// <summary>
    /// Throws unless each row of <paramref name="targets"/> is a probability distribution over the classes: every value in
    /// [0, 1] and the row summing to 1. One-hot rows pass, and so do soft targets (label smoothing).
    /// </summary>
    public static void RequireDistributions<T>(ReadOnlySpan<T> targets, int classes, string network, string arrayName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireProbabilities(targets, classes, network, arrayName, "CrossEntropy");
        for (int row = 0; row * classes < targets.Length; row++)
        {
            double sum = double.CreateTruncating(TensorPrimitives.Sum(targets.Slice(row * classes, classes)));
            if (!(Math.Abs(sum - 1) <= RowSumTolerance))
            {
                throw new ArgumentException(
                    $"{arrayName} row {row} (sample {row}, from 0) sums to {sum.ToString("R", CultureInfo.InvariantCulture)}; {network} uses CrossEntropy, whose targets are one-hot rows (a single 1) or distributions that sum to 1. For class indices, call the Fit overload that takes int labels.",
                    arrayName);
            }
        }
    }

    /// <summary>Throws unless every value of <paramref name="targets"/> lies in [0, 1], as probabilities must.</summary>
    public static void RequireProbabilities<T>(ReadOnlySpan<T> targets, int outputs, string network, string arrayName, string lossName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (targets.IsEmpty || (TensorPrimitives.Min(targets) >= T.Zero && TensorPrimitives.Max(targets) <= T.One))
        {
            return;
        }

        for (int i = 0; i < targets.Length; i++)
        {
            if (!(targets[i] >= T.Zero && targets[i] <= T.One))
            {
                throw new ArgumentException(
                    $"{arrayName}[{i}] is {Format(targets[i])}: sample {i / outputs}, output {i % outputs} (both from 0). {network} uses {lossName}, whose targets are probabilities in [0, 1].",
                    arrayName);
            }
        }
    }

    /// <summary>Throws when a parameter, buffer or optimizer state of <paramref name="network"/> is not finite before training starts.</summary>
    public static void RequireFiniteState<T>(INetwork<T> network, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!IsFinite(network))
        {
            throw new ArgumentException(
                $"{name} holds a NaN or infinite parameter, buffer or optimizer state before training; call InitializeParameters or load finite weights first.",
                "network");
        }
    }

    /// <summary>Whether every parameter, buffer (BatchNorm's running statistics) and optimizer state of <paramref name="network"/> is finite.</summary>
    public static bool IsFinite<T>(INetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
        => AllFinite<T>(network.Parameters) && AllFinite<T>(network.Buffers) && AllFinite<T>(network.OptimizerState);

    private static bool AllFinite<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Kernels.FiniteScan.All(values);

    private static string Format<T>(T value)
        where T : unmanaged, IFloatingPointIeee754<T>
        => value.ToString("R", CultureInfo.InvariantCulture);
}
