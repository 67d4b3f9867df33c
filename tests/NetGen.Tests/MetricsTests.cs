using System;
using NetGen.Metrics;
using Xunit;

namespace NetGen.Tests;

/// <summary>The metrics against values worked out by hand.</summary>
public sealed class MetricsTests
{
    // Ten samples of three classes. Class 0: 4 true, predicted 0,0,0,1. Class 1: 3 true, predicted 1,1,2.
    // Class 2: 3 true, predicted 2,0,2. Correct: 3 + 2 + 2 = 7 of 10.
    private static readonly int[] Actual = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    private static readonly int[] Predicted = [0, 0, 0, 1, 1, 1, 2, 2, 0, 2];

    [Fact]
    public void Accuracy_is_the_fraction_correct() => Assert.Equal(0.7, ClassificationMetrics.Accuracy(Actual, Predicted), 15);

    [Fact]
    public void The_confusion_matrix_counts_true_classes_by_row_and_predictions_by_column()
    {
        ConfusionMatrix matrix = ClassificationMetrics.ConfusionMatrix(Actual, Predicted, 3);

        int[,] expected = { { 3, 1, 0 }, { 0, 2, 1 }, { 1, 0, 2 } };
        for (int t = 0; t < 3; t++)
        {
            for (int p = 0; p < 3; p++)
            {
                Assert.Equal(expected[t, p], matrix[t, p]);
            }
        }

        Assert.Equal(10, matrix.Total);
    }

    [Fact]
    public void Precision_recall_and_F1_of_one_class()
    {
        // Class 0: predicted 0 for 4 samples, 3 of them class 0 → precision 3/4; 3 of the 4 class-0 samples found → recall 3/4.
        Assert.Equal(0.75, ClassificationMetrics.Precision(Actual, Predicted, 0), 15);
        Assert.Equal(0.75, ClassificationMetrics.Recall(Actual, Predicted, 0), 15);
        // Class 1: predicted 1 three times, 2 right → 2/3; 2 of 3 found → 2/3; F1 2/3.
        Assert.Equal(2.0 / 3, ClassificationMetrics.F1(Actual, Predicted, 1), 15);
        // Class 2: precision 2/3, recall 2/3; macro F1 = (3/4 + 2/3 + 2/3) / 3.
        Assert.Equal((0.75 + 2.0 / 3 + 2.0 / 3) / 3, ClassificationMetrics.MacroF1(Actual, Predicted, 3), 15);
    }

    [Fact]
    public void A_class_never_predicted_has_precision_zero()
        => Assert.Equal(0, ClassificationMetrics.Precision([0, 1], [0, 0], 1));

    [Fact]
    public void Mismatched_lengths_and_out_of_range_labels_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([0, 1], [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationMetrics.ConfusionMatrix([0, 3], [0, 1], 3));
    }

    [Fact]
    public void Regression_errors_of_a_small_example()
    {
        // Errors 1, −2, 0.5, 0: MAE 3.5/4; MSE (1 + 4 + 0.25) / 4 = 1.3125. Mean of y = 2.5, total sum of squares
        // 2.25 + 0.25 + 0.25 + 2.25 = 5, so R² = 1 − 5.25 / 5 = −0.05.
        double[] y = [1, 2, 3, 4];
        double[] predicted = [0, 4, 2.5, 4];

        Assert.Equal(0.875, RegressionMetrics.MeanAbsoluteError<double>(y, predicted), 15);
        Assert.Equal(1.3125, RegressionMetrics.MeanSquaredError<double>(y, predicted), 15);
        Assert.Equal(Math.Sqrt(1.3125), RegressionMetrics.RootMeanSquaredError<double>(y, predicted), 15);
        Assert.Equal(-0.05, RegressionMetrics.RSquared<double>(y, predicted), 14);
    }

    [Fact]
    public void R_squared_is_one_for_perfect_predictions_and_zero_for_the_mean()
    {
        float[] y = [1, 3, 5];
        Assert.Equal(1, RegressionMetrics.RSquared<float>(y, y));
        Assert.Equal(0, RegressionMetrics.RSquared<float>(y, [3, 3, 3]), 15);
    }

    [Fact]
    public void The_plain_text_matrix_is_labelled_and_aligned()
    {
        string text = ClassificationMetrics.ConfusionMatrix([0, 1, 1], [0, 1, 0], 2).ToString(["cat", "dog"]);
        string[] lines = text.Split(Environment.NewLine);

        Assert.Equal(3, lines.Length);
        Assert.EndsWith("cat               dog", lines[0].TrimEnd());
        Assert.StartsWith("dog", lines[2]);
        Assert.EndsWith("1                 1", lines[2]);
    }
}
