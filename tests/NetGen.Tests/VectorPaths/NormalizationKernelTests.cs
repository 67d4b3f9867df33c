using System;
using System.Linq;
using System.Numerics;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.VectorPaths;

/// <summary>
/// BatchNorm (training and evaluation, backward, running statistics) and LayerNorm (forward, backward) against their
/// definitions written out as loops in double, and the backward passes against central finite differences of
/// L = Σ w_out ⊙ f(x) computed with those loops. Segment lengths (positions, features) below, at and past a vector of
/// every width; InstructionSetTests reruns this class on every vector path.
/// </summary>
public sealed class NormalizationKernelTests
{
    private const double Epsilon = 1e-5;

    /// <summary>(rows, channels, positions): every rows in 2..5, channels in 1..4 and positions in {1, 7, 33, 784}.</summary>
    public static TheoryData<int, int, int> BatchShapes() => new()
    {
        { 2, 1, 1 }, { 5, 4, 1 }, { 3, 3, 1 },
        { 2, 2, 7 }, { 4, 1, 7 },
        { 3, 4, 33 }, { 5, 2, 33 },
        { 2, 3, 784 }, { 4, 1, 784 }, { 5, 4, 784 },
    };

    /// <summary>Smaller shapes for finite differences, which run the whole reference twice per value.</summary>
    public static TheoryData<int, int, int> GradientShapes() => new()
    {
        { 2, 1, 1 }, { 5, 3, 1 }, { 2, 3, 7 }, { 3, 2, 33 }, { 2, 1, 784 },
    };

    public static TheoryData<int, int> LayerShapes() => new()
    {
        { 3, 1 }, { 2, 5 }, { 4, 33 }, { 2, 784 },
    };

    [Theory]
    [MemberData(nameof(BatchShapes))]
    public void BatchNorm_training_forward_matches_the_definition(int rows, int channels, int positions)
    {
        CheckBatchNormTraining<double>(rows, channels, positions, 1e-12);
        CheckBatchNormTraining<float>(rows, channels, positions, 1e-5);
    }

    /// <summary>
    /// A million values per channel with a mean of 10: one float accumulator over them all would grow to about 10⁷, where
    /// floats are 1 apart (one per lane of a Vector512, to about 6.5·10⁵, where they are 1/16 apart), so each addition
    /// would round away most of a value's fraction. The kernel's blocked sums must keep the statistics at float accuracy.
    /// </summary>
    [Theory]
    [InlineData(16, 65536)]   // a convolution's channel: long segments
    [InlineData(1 << 20, 1)]  // after a Dense layer: a million segments of one value
    public void BatchNorm_statistics_keep_float_accuracy_over_a_million_values(int rows, int positions)
    {
        var random = new Random(rows);
        float[] x = Values<float>(random, rows * positions, scale: 2, offset: 10);
        float[] y = new float[x.Length], mean = new float[1], variance = new float[1], inverseStd = new float[1];
        NormalizationKernels.BatchNormTrainingForward<float>(x, [1f], [0f], y, mean, variance, inverseStd, rows, 1, positions, 1e-5f);

        double expectedMean = x.Sum(value => (double)value) / x.Length;
        double expectedVariance = x.Sum(value => ((double)value - expectedMean) * ((double)value - expectedMean)) / x.Length;
        AssertRelative(expectedMean, mean[0], 1e-6, "mean");
        AssertRelative(expectedVariance, variance[0], 1e-5, "variance");
        AssertRelative(1 / Math.Sqrt(expectedVariance + 1e-5), inverseStd[0], 1e-5, "inverseStd");
    }

    [Theory]
    [MemberData(nameof(BatchShapes))]
    public void BatchNorm_evaluation_forward_matches_the_definition(int rows, int channels, int positions)
    {
        CheckBatchNormEvaluation<double>(rows, channels, positions, 1e-12);
        CheckBatchNormEvaluation<float>(rows, channels, positions, 1e-5);
    }

    [Theory]
    [MemberData(nameof(GradientShapes))]
    public void BatchNorm_backward_matches_finite_differences(int rows, int channels, int positions)
    {
        var random = new Random(rows * 100 + channels * 10 + positions);
        int size = rows * channels * positions;
        double[] x = Values<double>(random, size, scale: 2, offset: 0.5), gamma = Values<double>(random, channels, scale: 0.5, offset: 1);
        double[] beta = Values<double>(random, channels), outputWeights = Values<double>(random, size);
        Func<double[], double[], double[], double> loss = (xs, g, b) => Dot(outputWeights, BatchNormReference(xs, g, b, rows, channels, positions, Epsilon).Outputs);

        double[] y = new double[size], mean = new double[channels], variance = new double[channels], inverseStd = new double[channels];
        NormalizationKernels.BatchNormTrainingForward<double>(x, gamma, beta, y, mean, variance, inverseStd, rows, channels, positions, Epsilon);
        double[] dGamma = new double[channels], dBeta = new double[channels], dx = new double[size];
        NormalizationKernels.BatchNormBackward<double>(outputWeights, x, gamma, mean, inverseStd, dGamma, dBeta, dx, rows, channels, positions);

        AssertAll(FiniteDifferences(x, values => loss(values, gamma, beta)), dx, 1e-6, "dX");
        AssertAll(FiniteDifferences(gamma, values => loss(x, values, beta)), dGamma, 1e-6, "dγ");
        AssertAll(FiniteDifferences(beta, values => loss(x, gamma, values)), dBeta, 1e-6, "dβ");

        // Float: the same gradients at float accuracy.
        float[] xf = ToFloat(x), gammaF = ToFloat(gamma), betaF = ToFloat(beta), wf = ToFloat(outputWeights);
        float[] yf = new float[size], meanF = new float[channels], varianceF = new float[channels], inverseStdF = new float[channels];
        NormalizationKernels.BatchNormTrainingForward<float>(xf, gammaF, betaF, yf, meanF, varianceF, inverseStdF, rows, channels, positions, 1e-5f);
        float[] dGammaF = new float[channels], dBetaF = new float[channels], dxF = new float[size];
        NormalizationKernels.BatchNormBackward<float>(wf, xf, gammaF, meanF, inverseStdF, dGammaF, dBetaF, dxF, rows, channels, positions);
        AssertAll(dx, ToDouble(dxF), 1e-4, "float dX");
        AssertAll(dGamma, ToDouble(dGammaF), 1e-4, "float dγ");
        AssertAll(dBeta, ToDouble(dBetaF), 1e-4, "float dβ");
    }

    [Fact]
    public void BatchNorm_backward_adds_to_parameter_gradients_and_overwrites_input_gradients()
    {
        const int rows = 3, channels = 2, positions = 33, size = rows * channels * positions;
        var random = new Random(7);
        double[] x = Values<double>(random, size), gamma = Values<double>(random, channels, offset: 1), beta = Values<double>(random, channels);
        double[] dy = Values<double>(random, size);
        double[] y = new double[size], mean = new double[channels], variance = new double[channels], inverseStd = new double[channels];
        NormalizationKernels.BatchNormTrainingForward<double>(x, gamma, beta, y, mean, variance, inverseStd, rows, channels, positions, Epsilon);

        double[] freshGamma = new double[channels], freshBeta = new double[channels], freshDx = new double[size];
        NormalizationKernels.BatchNormBackward<double>(dy, x, gamma, mean, inverseStd, freshGamma, freshBeta, freshDx, rows, channels, positions);

        double[] dGamma = [0.25, -3], dBeta = [1.5, 2], dx = Enumerable.Repeat(double.NaN, size).ToArray();
        NormalizationKernels.BatchNormBackward<double>(dy, x, gamma, mean, inverseStd, dGamma, dBeta, dx, rows, channels, positions);
        Assert.Equal(0.25 + freshGamma[0], dGamma[0], 1e-14);
        Assert.Equal(-3 + freshGamma[1], dGamma[1], 1e-14);
        Assert.Equal(1.5 + freshBeta[0], dBeta[0], 1e-14);
        Assert.Equal(2 + freshBeta[1], dBeta[1], 1e-14);
        Assert.Equal(freshDx, dx);

        // Without input gradients (a first layer) the parameter gradients are still added.
        double[] skippedGamma = new double[channels], skippedBeta = new double[channels];
        NormalizationKernels.BatchNormBackward<double>(dy, x, gamma, mean, inverseStd, skippedGamma, skippedBeta, Span<double>.Empty, rows, channels, positions);
        Assert.Equal(freshGamma, skippedGamma);
        Assert.Equal(freshBeta, skippedBeta);
    }

    [Fact]
    public void Running_statistics_follow_PyTorch_with_the_unbiased_variance()
    {
        // A hand calculation: one channel over [1, 2, 3, 4]: mean 2.5, biased variance 1.25, unbiased 5/3. From PyTorch's
        // initial running statistics (0, 1) with momentum 0.1: mean 0.25, variance 0.9 + 0.1·5/3.
        double[] runningMean = [0], runningVariance = [1];
        NormalizationKernels.UpdateRunningStatistics<double>(runningMean, runningVariance, [2.5], [1.25], 4, 0.1);
        Assert.Equal(0.25, runningMean[0], 1e-15);
        Assert.Equal(0.9 + 0.1 * 5.0 / 3.0, runningVariance[0], 1e-15);

        var random = new Random(3);
        foreach (long count in new long[] { 2, 3, 64 * 784, 1L << 40 })
        {
            foreach (double momentum in new[] { 0.0, 0.1, 0.5, 1.0 })
            {
                double[] mean = Values<double>(random, 5), variance = Values<double>(random, 5, offset: 2);
                double[] batchMean = Values<double>(random, 5), batchVariance = Values<double>(random, 5, offset: 2);
                double[] updatedMean = (double[])mean.Clone(), updatedVariance = (double[])variance.Clone();
                float[] meanF = ToFloat(mean), varianceF = ToFloat(variance);
                NormalizationKernels.UpdateRunningStatistics<double>(updatedMean, updatedVariance, batchMean, batchVariance, count, momentum);
                NormalizationKernels.UpdateRunningStatistics<float>(meanF, varianceF, ToFloat(batchMean), ToFloat(batchVariance), count, momentum);
                for (int c = 0; c < 5; c++)
                {
                    double expectedMean = (1 - momentum) * mean[c] + momentum * batchMean[c];
                    double expectedVariance = (1 - momentum) * variance[c] + momentum * batchVariance[c] * count / (count - 1.0);
                    AssertRelative(expectedMean, updatedMean[c], 1e-15, $"running mean (n {count}, momentum {momentum})");
                    AssertRelative(expectedVariance, updatedVariance[c], 1e-15, $"running variance (n {count}, momentum {momentum})");
                    double expectedMeanF = (1 - momentum) * (double)(float)mean[c] + momentum * (double)(float)batchMean[c];
                    double expectedVarianceF = (1 - momentum) * (double)(float)variance[c] + momentum * (double)(float)batchVariance[c] * count / (count - 1.0);
                    AssertRelative(expectedMeanF, meanF[c], 1e-7, "float running mean");
                    AssertRelative(expectedVarianceF, varianceF[c], 1e-7, "float running variance");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(LayerShapes))]
    public void LayerNorm_forward_matches_the_definition(int rows, int features)
    {
        CheckLayerNorm<double>(rows, features, 1e-12);
        CheckLayerNorm<float>(rows, features, 1e-5);
    }

    [Theory]
    [MemberData(nameof(LayerShapes))]
    public void LayerNorm_backward_matches_finite_differences(int rows, int features)
    {
        var random = new Random(rows * 1000 + features);
        int size = rows * features;
        double[] x = Values<double>(random, size, scale: 2, offset: -0.5), gamma = Values<double>(random, features, scale: 0.5, offset: 1);
        double[] beta = Values<double>(random, features), outputWeights = Values<double>(random, size);
        Func<double[], double[], double[], double> loss = (xs, g, b) => Dot(outputWeights, LayerNormReference(xs, g, b, rows, features, Epsilon).Outputs);

        double[] y = new double[size], mean = new double[rows], inverseStd = new double[rows];
        NormalizationKernels.LayerNormForward<double>(x, gamma, beta, y, mean, inverseStd, rows, features, Epsilon);
        double[] dGamma = new double[features], dBeta = new double[features], dx = new double[size];
        NormalizationKernels.LayerNormBackward<double>(outputWeights, x, gamma, mean, inverseStd, dGamma, dBeta, dx, rows, features);

        Assert.All(dx, value => Assert.True(double.IsFinite(value)));
        AssertAll(FiniteDifferences(x, values => loss(values, gamma, beta)), dx, 1e-6, "dX");
        AssertAll(FiniteDifferences(gamma, values => loss(x, values, beta)), dGamma, 1e-6, "dγ");
        AssertAll(FiniteDifferences(beta, values => loss(x, gamma, values)), dBeta, 1e-6, "dβ");

        float[] xf = ToFloat(x), gammaF = ToFloat(gamma), betaF = ToFloat(beta), wf = ToFloat(outputWeights);
        float[] yf = new float[size], meanF = new float[rows], inverseStdF = new float[rows];
        NormalizationKernels.LayerNormForward<float>(xf, gammaF, betaF, yf, meanF, inverseStdF, rows, features, 1e-5f);
        float[] dGammaF = new float[features], dBetaF = new float[features], dxF = new float[size];
        NormalizationKernels.LayerNormBackward<float>(wf, xf, gammaF, meanF, inverseStdF, dGammaF, dBetaF, dxF, rows, features);
        AssertAll(dx, ToDouble(dxF), 1e-4, "float dX");
        AssertAll(dGamma, ToDouble(dGammaF), 1e-4, "float dγ");
        AssertAll(dBeta, ToDouble(dBetaF), 1e-4, "float dβ");
    }

    [Fact]
    public void LayerNorm_of_one_feature_outputs_the_bias_and_finite_gradients()
    {
        // One value per sample: x̂ = 0, y = β, and nothing flows back to x.
        double[] x = [3, -2, 1e6], gamma = [2], beta = [0.75], y = new double[3], mean = new double[3], inverseStd = new double[3];
        NormalizationKernels.LayerNormForward<double>(x, gamma, beta, y, mean, inverseStd, 3, 1, Epsilon);
        Assert.Equal(new[] { 0.75, 0.75, 0.75 }, y);
        Assert.Equal(x, mean);
        Assert.All(inverseStd, value => Assert.Equal(1 / Math.Sqrt(Epsilon), value, 1e-9));

        double[] dGamma = new double[1], dBeta = new double[1], dx = new double[3];
        NormalizationKernels.LayerNormBackward<double>([1, 2, 3], x, gamma, mean, inverseStd, dGamma, dBeta, dx, 3, 1);
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, dx);
        Assert.Equal(0, dGamma[0]);
        Assert.Equal(6, dBeta[0]);
    }

    [Fact]
    public void LayerNorm_backward_adds_to_parameter_gradients_and_overwrites_input_gradients()
    {
        const int rows = 3, features = 37, size = rows * features;
        var random = new Random(11);
        double[] x = Values<double>(random, size), gamma = Values<double>(random, features, offset: 1), beta = Values<double>(random, features);
        double[] dy = Values<double>(random, size);
        double[] y = new double[size], mean = new double[rows], inverseStd = new double[rows];
        NormalizationKernels.LayerNormForward<double>(x, gamma, beta, y, mean, inverseStd, rows, features, Epsilon);

        double[] freshGamma = new double[features], freshBeta = new double[features], freshDx = new double[size];
        NormalizationKernels.LayerNormBackward<double>(dy, x, gamma, mean, inverseStd, freshGamma, freshBeta, freshDx, rows, features);

        double[] initialGamma = Values<double>(random, features), initialBeta = Values<double>(random, features);
        double[] dGamma = (double[])initialGamma.Clone(), dBeta = (double[])initialBeta.Clone(), dx = Enumerable.Repeat(double.NaN, size).ToArray();
        NormalizationKernels.LayerNormBackward<double>(dy, x, gamma, mean, inverseStd, dGamma, dBeta, dx, rows, features);
        for (int i = 0; i < features; i++)
        {
            Assert.Equal(initialGamma[i] + freshGamma[i], dGamma[i], 1e-14);
            Assert.Equal(initialBeta[i] + freshBeta[i], dBeta[i], 1e-14);
        }

        Assert.Equal(freshDx, dx);

        double[] skippedGamma = new double[features], skippedBeta = new double[features];
        NormalizationKernels.LayerNormBackward<double>(dy, x, gamma, mean, inverseStd, skippedGamma, skippedBeta, Span<double>.Empty, rows, features);
        Assert.Equal(freshGamma, skippedGamma);
        Assert.Equal(freshBeta, skippedBeta);
    }

    [Fact]
    public void Bad_arguments_throw_before_anything_is_written()
    {
        const int rows = 2, channels = 3, positions = 5, size = rows * channels * positions;
        double[] x = new double[size], w = new double[channels], b = new double[channels];
        double[] y = Sentinels(size), mean = Sentinels(channels), variance = Sentinels(channels), inverseStd = Sentinels(channels);
        double[][] forwardWritten = [y, mean, variance, inverseStd];

        void Training(int xs, int ws, int bs, int ys, int ms, int vs, int ss, int r, int c, int p, double epsilon)
            => NormalizationKernels.BatchNormTrainingForward<double>(x.AsSpan(0, xs), w.AsSpan(0, ws), b.AsSpan(0, bs), y.AsSpan(0, ys),
                mean.AsSpan(0, ms), variance.AsSpan(0, vs), inverseStd.AsSpan(0, ss), r, c, p, epsilon);

        AssertRejected("inputs", () => Training(size - 1, 3, 3, size, 3, 3, 3, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("weight", () => Training(size, 2, 3, size, 3, 3, 3, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("bias", () => Training(size, 3, 2, size, 3, 3, 3, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("outputs", () => Training(size, 3, 3, size - 1, 3, 3, 3, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("mean", () => Training(size, 3, 3, size, 2, 3, 3, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("variance", () => Training(size, 3, 3, size, 3, 2, 3, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("inverseStd", () => Training(size, 3, 3, size, 3, 3, 2, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("rows", () => Training(size, 3, 3, size, 3, 3, 3, 0, channels, positions, Epsilon), forwardWritten);
        AssertRejected("channels", () => Training(size, 3, 3, size, 3, 3, 3, rows, 0, positions, Epsilon), forwardWritten);
        AssertRejected("positions", () => Training(size, 3, 3, size, 3, 3, 3, rows, channels, -1, Epsilon), forwardWritten);
        foreach (double epsilon in new[] { 0, -1e-5, double.NaN, double.PositiveInfinity })
        {
            AssertRejected("epsilon", () => Training(size, 3, 3, size, 3, 3, 3, rows, channels, positions, epsilon), forwardWritten);
            AssertRejected("epsilon", () => NormalizationKernels.BatchNormEvaluationForward<double>(x, w, b, mean, variance, y, rows, channels, positions, epsilon), forwardWritten);
            AssertRejected("epsilon", () => NormalizationKernels.LayerNormForward<double>(x, x, x, y, mean, inverseStd, 1, size, epsilon), forwardWritten);
        }

        // Too large a shape for the spans, rather than an overflow of rows·channels·positions.
        AssertRejected("inputs", () => Training(size, 3, 3, size, 3, 3, 3, 1 << 16, channels, 1 << 16, Epsilon), forwardWritten);

        AssertRejected("runningMean", () => NormalizationKernels.BatchNormEvaluationForward<double>(x, w, b, mean.AsSpan(1), variance, y, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("runningVariance", () => NormalizationKernels.BatchNormEvaluationForward<double>(x, w, b, mean, variance.AsSpan(1), y, rows, channels, positions, Epsilon), forwardWritten);
        AssertRejected("outputs", () => NormalizationKernels.BatchNormEvaluationForward<double>(x, w, b, mean, variance, y.AsSpan(1), rows, channels, positions, Epsilon), forwardWritten);

        double[] dGamma = Sentinels(channels), dBeta = Sentinels(channels), dx = Sentinels(size);
        double[][] backwardWritten = [dGamma, dBeta, dx];
        AssertRejected("outputGradients", () => NormalizationKernels.BatchNormBackward<double>(x.AsSpan(1), x, w, w, w, dGamma, dBeta, dx, rows, channels, positions), backwardWritten);
        AssertRejected("inputs", () => NormalizationKernels.BatchNormBackward<double>(x, x.AsSpan(1), w, w, w, dGamma, dBeta, dx, rows, channels, positions), backwardWritten);
        AssertRejected("weight", () => NormalizationKernels.BatchNormBackward<double>(x, x, w.AsSpan(1), w, w, dGamma, dBeta, dx, rows, channels, positions), backwardWritten);
        AssertRejected("mean", () => NormalizationKernels.BatchNormBackward<double>(x, x, w, w.AsSpan(1), w, dGamma, dBeta, dx, rows, channels, positions), backwardWritten);
        AssertRejected("inverseStd", () => NormalizationKernels.BatchNormBackward<double>(x, x, w, w, w.AsSpan(1), dGamma, dBeta, dx, rows, channels, positions), backwardWritten);
        AssertRejected("weightGradients", () => NormalizationKernels.BatchNormBackward<double>(x, x, w, w, w, dGamma.AsSpan(1), dBeta, dx, rows, channels, positions), backwardWritten);
        AssertRejected("biasGradients", () => NormalizationKernels.BatchNormBackward<double>(x, x, w, w, w, dGamma, dBeta.AsSpan(1), dx, rows, channels, positions), backwardWritten);
        AssertRejected("inputGradients", () => NormalizationKernels.BatchNormBackward<double>(x, x, w, w, w, dGamma, dBeta, dx.AsSpan(1), rows, channels, positions), backwardWritten);
        AssertRejected("rows", () => NormalizationKernels.BatchNormBackward<double>(x, x, w, w, w, dGamma, dBeta, dx, -1, channels, positions), backwardWritten);

        // LayerNorm: rows × features = 3 × 10, with mean and inverseStd per row.
        const int layerRows = 3, features = 10;
        double[] layerMean = Sentinels(layerRows), layerInverseStd = Sentinels(layerRows), gamma = new double[features];
        double[][] layerWritten = [y, layerMean, layerInverseStd];
        AssertRejected("inputs", () => NormalizationKernels.LayerNormForward<double>(x.AsSpan(1, size - 1), gamma, gamma, y, layerMean, layerInverseStd, layerRows, features, Epsilon), layerWritten);
        AssertRejected("weight", () => NormalizationKernels.LayerNormForward<double>(x, gamma.AsSpan(1), gamma, y, layerMean, layerInverseStd, layerRows, features, Epsilon), layerWritten);
        AssertRejected("bias", () => NormalizationKernels.LayerNormForward<double>(x, gamma, gamma.AsSpan(1), y, layerMean, layerInverseStd, layerRows, features, Epsilon), layerWritten);
        AssertRejected("outputs", () => NormalizationKernels.LayerNormForward<double>(x, gamma, gamma, y.AsSpan(1), layerMean, layerInverseStd, layerRows, features, Epsilon), layerWritten);
        AssertRejected("mean", () => NormalizationKernels.LayerNormForward<double>(x, gamma, gamma, y, layerMean.AsSpan(1), layerInverseStd, layerRows, features, Epsilon), layerWritten);
        AssertRejected("inverseStd", () => NormalizationKernels.LayerNormForward<double>(x, gamma, gamma, y, layerMean, layerInverseStd.AsSpan(1), layerRows, features, Epsilon), layerWritten);
        AssertRejected("features", () => NormalizationKernels.LayerNormForward<double>(x, gamma, gamma, y, layerMean, layerInverseStd, layerRows, 0, Epsilon), layerWritten);

        double[] layerDGamma = Sentinels(features), layerDBeta = Sentinels(features);
        double[][] layerBackwardWritten = [layerDGamma, layerDBeta, dx];
        double[] stats = new double[layerRows];
        AssertRejected("outputGradients", () => NormalizationKernels.LayerNormBackward<double>(x.AsSpan(1, size - 1), x, gamma, stats, stats, layerDGamma, layerDBeta, dx, layerRows, features), layerBackwardWritten);
        AssertRejected("inputs", () => NormalizationKernels.LayerNormBackward<double>(x, x.AsSpan(1, size - 1), gamma, stats, stats, layerDGamma, layerDBeta, dx, layerRows, features), layerBackwardWritten);
        AssertRejected("weight", () => NormalizationKernels.LayerNormBackward<double>(x, x, gamma.AsSpan(1), stats, stats, layerDGamma, layerDBeta, dx, layerRows, features), layerBackwardWritten);
        AssertRejected("mean", () => NormalizationKernels.LayerNormBackward<double>(x, x, gamma, stats.AsSpan(1), stats, layerDGamma, layerDBeta, dx, layerRows, features), layerBackwardWritten);
        AssertRejected("inverseStd", () => NormalizationKernels.LayerNormBackward<double>(x, x, gamma, stats, stats.AsSpan(1), layerDGamma, layerDBeta, dx, layerRows, features), layerBackwardWritten);
        AssertRejected("weightGradients", () => NormalizationKernels.LayerNormBackward<double>(x, x, gamma, stats, stats, layerDGamma.AsSpan(1), layerDBeta, dx, layerRows, features), layerBackwardWritten);
        AssertRejected("biasGradients", () => NormalizationKernels.LayerNormBackward<double>(x, x, gamma, stats, stats, layerDGamma, layerDBeta.AsSpan(1), dx, layerRows, features), layerBackwardWritten);
        AssertRejected("inputGradients", () => NormalizationKernels.LayerNormBackward<double>(x, x, gamma, stats, stats, layerDGamma, layerDBeta, dx.AsSpan(1, size - 1), layerRows, features), layerBackwardWritten);
        AssertRejected("rows", () => NormalizationKernels.LayerNormBackward<double>(x, x, gamma, stats, stats, layerDGamma, layerDBeta, dx, 0, features), layerBackwardWritten);

        double[] runningMean = Sentinels(channels), runningVariance = Sentinels(channels);
        double[][] runningWritten = [runningMean, runningVariance];
        foreach (long count in new long[] { 1, 0, -5 })
        {
            AssertRejected("count", () => NormalizationKernels.UpdateRunningStatistics<double>(runningMean, runningVariance, w, w, count, 0.1), runningWritten);
        }

        foreach (double momentum in new[] { -0.1, 1.5, double.NaN })
        {
            AssertRejected("momentum", () => NormalizationKernels.UpdateRunningStatistics<double>(runningMean, runningVariance, w, w, 10, momentum), runningWritten);
        }

        AssertRejected("runningVariance", () => NormalizationKernels.UpdateRunningStatistics<double>(runningMean, runningVariance.AsSpan(1), w, w, 10, 0.1), runningWritten);
        AssertRejected("batchMean", () => NormalizationKernels.UpdateRunningStatistics<double>(runningMean, runningVariance, w.AsSpan(1), w, 10, 0.1), runningWritten);
        AssertRejected("batchVariance", () => NormalizationKernels.UpdateRunningStatistics<double>(runningMean, runningVariance, w, w.AsSpan(1), 10, 0.1), runningWritten);
    }

    private static void CheckBatchNormTraining<T>(int rows, int channels, int positions, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(rows * 100 + channels * 10 + positions);
        int size = rows * channels * positions;
        T[] x = Values<T>(random, size, scale: 3, offset: 2), gamma = Values<T>(random, channels, scale: 0.5, offset: 1), beta = Values<T>(random, channels);
        T[] y = new T[size], mean = new T[channels], variance = new T[channels], inverseStd = new T[channels];
        NormalizationKernels.BatchNormTrainingForward<T>(x, gamma, beta, y, mean, variance, inverseStd, rows, channels, positions, T.CreateTruncating(Epsilon));

        var expected = BatchNormReference(ToDouble(x), ToDouble(gamma), ToDouble(beta), rows, channels, positions, double.CreateTruncating(T.CreateTruncating(Epsilon)));
        string name = typeof(T).Name;
        AssertAll(expected.Mean, ToDouble(mean), tolerance, $"{name} mean");
        AssertAllRelative(expected.Variance, ToDouble(variance), tolerance, $"{name} variance");
        AssertAllRelative(expected.InverseStd, ToDouble(inverseStd), tolerance, $"{name} inverseStd");
        AssertAll(expected.Outputs, ToDouble(y), tolerance, $"{name} outputs");
    }

    private static void CheckBatchNormEvaluation<T>(int rows, int channels, int positions, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(rows * 100 + channels * 10 + positions + 1);
        int size = rows * channels * positions;
        T[] x = Values<T>(random, size, scale: 3, offset: 2), gamma = Values<T>(random, channels, scale: 0.5, offset: 1), beta = Values<T>(random, channels);
        T[] runningMean = Values<T>(random, channels, offset: 2), runningVariance = Values<T>(random, channels, scale: 0.5, offset: 2);
        T[] y = new T[size];
        NormalizationKernels.BatchNormEvaluationForward<T>(x, gamma, beta, runningMean, runningVariance, y, rows, channels, positions, T.CreateTruncating(Epsilon));

        double epsilon = double.CreateTruncating(T.CreateTruncating(Epsilon));
        double[] expected = new double[size];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < channels; c++)
            {
                double m = double.CreateTruncating(runningMean[c]), v = double.CreateTruncating(runningVariance[c]);
                for (int p = 0; p < positions; p++)
                {
                    int k = (r * channels + c) * positions + p;
                    expected[k] = double.CreateTruncating(gamma[c]) * (double.CreateTruncating(x[k]) - m) / Math.Sqrt(v + epsilon) + double.CreateTruncating(beta[c]);
                }
            }
        }

        AssertAll(expected, ToDouble(y), tolerance, $"{typeof(T).Name} outputs");
    }

    private static void CheckLayerNorm<T>(int rows, int features, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(rows * 1000 + features);
        int size = rows * features;
        T[] x = Values<T>(random, size, scale: 3, offset: -2), gamma = Values<T>(random, features, scale: 0.5, offset: 1), beta = Values<T>(random, features);
        T[] y = new T[size], mean = new T[rows], inverseStd = new T[rows];
        NormalizationKernels.LayerNormForward<T>(x, gamma, beta, y, mean, inverseStd, rows, features, T.CreateTruncating(Epsilon));

        var expected = LayerNormReference(ToDouble(x), ToDouble(gamma), ToDouble(beta), rows, features, double.CreateTruncating(T.CreateTruncating(Epsilon)));
        string name = typeof(T).Name;
        AssertAll(expected.Mean, ToDouble(mean), tolerance, $"{name} mean");
        AssertAllRelative(expected.InverseStd, ToDouble(inverseStd), tolerance, $"{name} inverseStd");
        AssertAll(expected.Outputs, ToDouble(y), tolerance, $"{name} outputs");
        Assert.All(y, value => Assert.True(T.IsFinite(value)));
    }

    /// <summary>nn.BatchNorm in training, by the definition: per channel the mean and biased variance over rows × positions.</summary>
    private static (double[] Outputs, double[] Mean, double[] Variance, double[] InverseStd) BatchNormReference(
        double[] x, double[] gamma, double[] beta, int rows, int channels, int positions, double epsilon)
    {
        double[] y = new double[x.Length], mean = new double[channels], variance = new double[channels], inverseStd = new double[channels];
        double n = rows * positions;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++)
            {
                for (int p = 0; p < positions; p++)
                {
                    sum += x[(r * channels + c) * positions + p];
                }
            }

            mean[c] = sum / n;
            double squares = 0;
            for (int r = 0; r < rows; r++)
            {
                for (int p = 0; p < positions; p++)
                {
                    double d = x[(r * channels + c) * positions + p] - mean[c];
                    squares += d * d;
                }
            }

            variance[c] = squares / n;
            inverseStd[c] = 1 / Math.Sqrt(variance[c] + epsilon);
            for (int r = 0; r < rows; r++)
            {
                for (int p = 0; p < positions; p++)
                {
                    int k = (r * channels + c) * positions + p;
                    y[k] = gamma[c] * (x[k] - mean[c]) * inverseStd[c] + beta[c];
                }
            }
        }

        return (y, mean, variance, inverseStd);
    }

    /// <summary>nn.LayerNorm over each row, by the definition.</summary>
    private static (double[] Outputs, double[] Mean, double[] InverseStd) LayerNormReference(
        double[] x, double[] gamma, double[] beta, int rows, int features, double epsilon)
    {
        double[] y = new double[x.Length], mean = new double[rows], inverseStd = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int i = 0; i < features; i++)
            {
                sum += x[r * features + i];
            }

            mean[r] = sum / features;
            double squares = 0;
            for (int i = 0; i < features; i++)
            {
                double d = x[r * features + i] - mean[r];
                squares += d * d;
            }

            inverseStd[r] = 1 / Math.Sqrt(squares / features + epsilon);
            for (int i = 0; i < features; i++)
            {
                y[r * features + i] = gamma[i] * (x[r * features + i] - mean[r]) * inverseStd[r] + beta[i];
            }
        }

        return (y, mean, inverseStd);
    }

    /// <summary>∂f/∂vᵢ for every i by central differences, (f(v + h·eᵢ) − f(v − h·eᵢ))/2h.</summary>
    private static double[] FiniteDifferences(double[] values, Func<double[], double> f)
    {
        const double h = 1e-5;
        double[] gradient = new double[values.Length], shifted = (double[])values.Clone();
        for (int i = 0; i < values.Length; i++)
        {
            shifted[i] = values[i] + h;
            double plus = f(shifted);
            shifted[i] = values[i] - h;
            double minus = f(shifted);
            shifted[i] = values[i];
            gradient[i] = (plus - minus) / (2 * h);
        }

        return gradient;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>|actual − expected| ≤ tolerance·max(1, |expected|): relative for values of order 1 and above, absolute below.</summary>
    private static void AssertAll(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    private static void AssertAllRelative(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertRelative(expected[i], actual[i], tolerance, $"{what}[{i}]");
        }
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what)
        => Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");

    /// <summary>The call throws an ArgumentException (or a subclass) naming <paramref name="parameter"/>, and leaves every array it could write as it was.</summary>
    private static void AssertRejected(string parameter, Action call, double[][] written)
    {
        double[][] before = written.Select(array => (double[])array.Clone()).ToArray();
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, exception.ParamName);
        for (int i = 0; i < written.Length; i++)
        {
            Assert.Equal(before[i], written[i]);
        }
    }

    private static double[] Sentinels(int count) => Enumerable.Repeat(42.0, count).ToArray();

    private static T[] Values<T>(Random random, int count, double scale = 1, double offset = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] values = new T[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = T.CreateTruncating(offset + (random.NextDouble() * 2 - 1) * scale);
        }

        return values;
    }

    private static double[] ToDouble<T>(T[] values) where T : unmanaged, IFloatingPointIeee754<T> => Array.ConvertAll(values, double.CreateTruncating);

    private static float[] ToFloat(double[] values) => Array.ConvertAll(values, value => (float)value);
}
