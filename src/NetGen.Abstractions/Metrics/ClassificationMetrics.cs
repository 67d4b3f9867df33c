using System;

namespace NetGen.Metrics;

/// <summary>
/// Classification metrics over class labels: plain functions of the true and the predicted class of each sample.
/// Get predicted classes from a network's outputs with <see cref="Preprocessing.OneHot.Decode{T}"/>.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>The fraction of samples whose predicted class is the true class.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static double Accuracy(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted)
    {
        RequirePairs(actual.Length, predicted.Length);
        int correct = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            correct += actual[i] == predicted[i] ? 1 : 0;
        }

        return (double)correct / actual.Length;
    }

    /// <summary>
    /// Counts, for every pair of classes, how many samples of true class <c>t</c> were predicted as class <c>p</c>:
    /// entry <c>[t, p]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, <paramref name="classes"/>).</exception>
    public static ConfusionMatrix ConfusionMatrix(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classes)
    {
        RequirePairs(actual.Length, predicted.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        var counts = new int[classes, classes];
        for (int i = 0; i < actual.Length; i++)
        {
            RequireClass(actual[i], classes, nameof(actual), i);
            RequireClass(predicted[i], classes, nameof(predicted), i);
            counts[actual[i], predicted[i]]++;
        }

        return new ConfusionMatrix(counts);
    }

    /// <summary>
    /// Precision of class <paramref name="positiveClass"/>: of the samples predicted as that class, the fraction that
    /// are. 0 when no sample is predicted as it (scikit-learn's <c>zero_division=0</c>).
    /// </summary>
    public static double Precision(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int positiveClass)
    {
        (int truePositives, int falsePositives, _) = Counts(actual, predicted, positiveClass);
        return Ratio(truePositives, truePositives + falsePositives);
    }

    /// <summary>
    /// Recall of class <paramref name="positiveClass"/>: of the samples of that class, the fraction predicted as it. 0
    /// when no sample is of that class.
    /// </summary>
    public static double Recall(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int positiveClass)
    {
        (int truePositives, _, int falseNegatives) = Counts(actual, predicted, positiveClass);
        return Ratio(truePositives, truePositives + falseNegatives);
    }

    /// <summary>The F1 score of class <paramref name="positiveClass"/>: the harmonic mean of its precision and recall, 0 when both are 0.</summary>
    public static double F1(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int positiveClass)
    {
        (int truePositives, int falsePositives, int falseNegatives) = Counts(actual, predicted, positiveClass);
        return Ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives);
    }

    /// <summary>The unweighted mean over classes 0 … <paramref name="classes"/> − 1 of the F1 score (macro F1).</summary>
    public static double MacroF1(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        double sum = 0;
        for (int c = 0; c < classes; c++)
        {
            sum += F1(actual, predicted, c);
        }

        return sum / classes;
    }

    private static (int TruePositives, int FalsePositives, int FalseNegatives) Counts(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int positiveClass)
    {
        RequirePairs(actual.Length, predicted.Length);
        int truePositives = 0, falsePositives = 0, falseNegatives = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            bool isPositive = actual[i] == positiveClass, predictedPositive = predicted[i] == positiveClass;
            truePositives += isPositive && predictedPositive ? 1 : 0;
            falsePositives += !isPositive && predictedPositive ? 1 : 0;
            falseNegatives += isPositive && !predictedPositive ? 1 : 0;
        }

        return (truePositives, falsePositives, falseNegatives);
    }

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    private static void RequireClass(int label, int classes, string name, int index)
    {
        if ((uint)label >= (uint)classes)
        {
            throw new ArgumentOutOfRangeException(name, label, $"{name}[{index}] is {label}; with {classes} classes each label must lie in [0, {classes - 1}].");
        }
    }

    internal static void RequirePairs(int actual, int predicted)
    {
        if (actual != predicted)
        {
            throw new ArgumentException($"actual has {actual} values and predicted {predicted}; a metric needs one prediction per sample.", nameof(predicted));
        }

        if (actual == 0)
        {
            throw new ArgumentException("A metric needs at least one sample.", nameof(actual));
        }
    }
}
