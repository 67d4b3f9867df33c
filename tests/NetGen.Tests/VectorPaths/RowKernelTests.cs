using System;
using System.Linq;
using System.Numerics;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.VectorPaths;

/// <summary>
/// The kernels that work row by row (softmax, its backward pass, the bias sums, softmax cross-entropy) against the
/// formulas evaluated in double, at row widths below, at and past one vector of every width, on the path this process
/// runs (InstructionSetTests reruns this class on every other path).
/// </summary>
public sealed class RowKernelTests
{
    private const int Rows = 3;

    public static TheoryData<int> Widths() => new() { 1, 2, 7, 10, 15, 16, 17, 31, 33, 65 };

    [Theory]
    [MemberData(nameof(Widths))]
    public void Softmax_and_its_backward_pass_match_the_formulas(int columns)
    {
        Check<float>(columns, 1e-6);
        Check<double>(columns, 1e-14);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Bias_gradients_are_the_column_sums(int columns)
    {
        var random = new Random(columns);
        float[] dz = Values<float>(random, Rows * columns), db = Values<float>(random, columns);
        double[] expected = Enumerable.Range(0, columns).Select(j => (double)db[j] + Enumerable.Range(0, Rows).Sum(r => (double)dz[r * columns + j])).ToArray();
        DenseKernels.AccumulateBiasGradients<float>(dz, db, Rows, columns);
        for (int j = 0; j < columns; j++)
        {
            Assert.True(Math.Abs(expected[j] - db[j]) <= 1e-6, $"db[{j}]: expected {expected[j]}, got {db[j]}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Mean_squared_error_and_binary_cross_entropy_match_the_formulas(int columns)
    {
        var random = new Random(columns + 50);
        float[] logits = Values<float>(random, Rows * columns, scale: 6), targets = Values<float>(random, Rows * columns);
        float[] outputs = Array.ConvertAll(logits, z => (float)(1 / (1 + Math.Exp(-z))));
        float[] mseGradient = new float[logits.Length], bceGradient = new float[logits.Length];
        float mse = LossKernels.MeanSquaredError<float>(outputs, targets, mseGradient, columns);
        float bce = LossKernels.SigmoidBinaryCrossEntropy<float>(logits, outputs, targets, bceGradient, columns);

        double expectedMse = 0, expectedBce = 0;
        for (int k = 0; k < logits.Length; k++)
        {
            double difference = (double)outputs[k] - targets[k], z = logits[k];
            expectedMse += difference * difference / columns;
            expectedBce += (Math.Max(z, 0) - targets[k] * z + Math.Log(1 + Math.Exp(-Math.Abs(z)))) / columns;
            Assert.True(Math.Abs(2 * difference / columns - mseGradient[k]) <= 1e-6, $"MSE gradient [{k}]: expected {2 * difference / columns}, got {mseGradient[k]}");
            Assert.True(Math.Abs(difference / columns - bceGradient[k]) <= 1e-6, $"BCE gradient [{k}]: expected {difference / columns}, got {bceGradient[k]}");
        }

        Assert.True(Math.Abs(expectedMse - mse) <= 1e-5 * Math.Max(1, expectedMse), $"MSE: expected {expectedMse}, got {mse}");
        Assert.True(Math.Abs(expectedBce - bce) <= 1e-5 * Math.Max(1, expectedBce), $"BCE: expected {expectedBce}, got {bce}");
    }

    private static void Check<T>(int columns, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(columns);
        // Logits of ±8 so that the exponentials span several binades; one row shifted far up to test the max shift.
        T[] z = Values<T>(random, Rows * columns, scale: 8);
        for (int j = 0; j < columns; j++)
        {
            z[columns + j] += T.CreateTruncating(80);
        }

        T[] y = new T[z.Length], gradient = Values<T>(random, z.Length);
        int[] labels = Enumerable.Range(0, Rows).Select(r => (r * 7 + 3) % columns).ToArray();
        ActivationKernels.Softmax<T>(z, y, Rows, columns);
        T loss = LossKernels.SoftmaxCrossEntropy<T>(z, y, labels, Span<T>.Empty, columns);
        T[] backward = (T[])gradient.Clone();
        ActivationKernels.SoftmaxBackward<T>(y, backward, Rows, columns);

        double expectedLoss = 0;
        for (int r = 0; r < Rows; r++)
        {
            double[] row = Enumerable.Range(0, columns).Select(j => double.CreateTruncating(z[r * columns + j])).ToArray();
            double max = row.Max();
            double sum = row.Sum(value => Math.Exp(value - max));
            double[] probabilities = row.Select(value => Math.Exp(value - max) / sum).ToArray();
            expectedLoss += max + Math.Log(sum) - row[labels[r]];
            double weighted = Enumerable.Range(0, columns).Sum(j => double.CreateTruncating(gradient[r * columns + j]) * probabilities[j]);
            for (int j = 0; j < columns; j++)
            {
                int k = r * columns + j;
                Assert.True(Math.Abs(probabilities[j] - double.CreateTruncating(y[k])) <= tolerance, $"{typeof(T).Name} y[{k}]: expected {probabilities[j]}, got {y[k]}");
                double expectedBackward = probabilities[j] * (double.CreateTruncating(gradient[k]) - weighted);
                Assert.True(Math.Abs(expectedBackward - double.CreateTruncating(backward[k])) <= 4 * tolerance, $"{typeof(T).Name} dz[{k}]: expected {expectedBackward}, got {backward[k]}");
            }
        }

        Assert.True(Math.Abs(expectedLoss - double.CreateTruncating(loss)) <= 20 * tolerance * Math.Max(1, Math.Abs(expectedLoss)), $"{typeof(T).Name} loss: expected {expectedLoss}, got {loss}");
    }

    private static T[] Values<T>(Random random, int count, double scale = 1) where T : unmanaged, IFloatingPointIeee754<T>
        => Enumerable.Range(0, count).Select(_ => T.CreateTruncating((random.NextDouble() * 2 - 1) * scale)).ToArray();
}
