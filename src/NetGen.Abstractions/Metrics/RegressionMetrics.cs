using System;
using System.Numerics;

namespace NetGen.Metrics;

/// <summary>Regression metrics: plain functions of the true and the predicted values, accumulated in double.</summary>
public static class RegressionMetrics
{
    /// <summary>The mean absolute error, mean |yᵢ − ŷᵢ|.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static double MeanAbsoluteError<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> predicted)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ClassificationMetrics.RequirePairs(actual.Length, predicted.Length);
        double sum = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            sum += Math.Abs(double.CreateTruncating(actual[i]) - double.CreateTruncating(predicted[i]));
        }

        return sum / actual.Length;
    }

    /// <summary>The mean squared error, mean (yᵢ − ŷᵢ)².</summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static double MeanSquaredError<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> predicted)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ClassificationMetrics.RequirePairs(actual.Length, predicted.Length);
        double sum = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = double.CreateTruncating(actual[i]) - double.CreateTruncating(predicted[i]);
            sum += error * error;
        }

        return sum / actual.Length;
    }

    /// <summary>The root mean squared error, √MSE, in the units of the target.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static double RootMeanSquaredError<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> predicted)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Math.Sqrt(MeanSquaredError(actual, predicted));

    /// <summary>
    /// The coefficient of determination, R² = 1 − Σ(yᵢ − ŷᵢ)² / Σ(yᵢ − ȳ)²: 1 for perfect predictions, 0 for always
    /// predicting the mean, negative for worse. When every true value is the same, 1 if the predictions are exact and
    /// 0 otherwise (scikit-learn's convention).
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static double RSquared<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> predicted)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ClassificationMetrics.RequirePairs(actual.Length, predicted.Length);
        double mean = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            mean += double.CreateTruncating(actual[i]);
        }

        mean /= actual.Length;
        double residual = 0, total = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double y = double.CreateTruncating(actual[i]);
            double error = y - double.CreateTruncating(predicted[i]);
            residual += error * error;
            total += (y - mean) * (y - mean);
        }

        if (total == 0)
        {
            return residual == 0 ? 1 : 0;
        }

        return 1 - residual / total;
    }
}
