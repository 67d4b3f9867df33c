using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetGen.Tests.Normalization;

/// <summary>
/// <see cref="ReferenceNormalizedNetwork"/> against nothing but itself and hand calculations: its backward pass against
/// central differences of its forward pass (in training, where BatchNorm couples the samples, and in evaluation), and
/// BatchNorm, LayerNorm, Dropout and the losses against closed forms. The network tests trust it because of these.
/// </summary>
public sealed class ReferenceNormalizedNetworkTests
{
    public static IEnumerable<object[]> Stacks()
    {
        yield return Stack("dense, BatchNorm(ReLU), dense softmax, cross-entropy", new ReferenceNormalizedNetwork(
            [4], Loss.CrossEntropy,
            new RefDense(6),
            new RefBatchNorm(Activation.ReLU, Momentum: 0.2, Epsilon: 1e-3),
            new RefDense(3, Activation.Softmax)));
        yield return Stack("dense without bias, BatchNorm(tanh), dense, MSE", new ReferenceNormalizedNetwork(
            [4], Loss.MeanSquaredError,
            new RefDense(5, Bias: false),
            new RefBatchNorm(Activation.Tanh),
            new RefDense(2)));
        yield return Stack("1-D convolution without bias, BatchNorm per channel, max pool, dense", new ReferenceNormalizedNetwork(
            [2, 9], Loss.MeanSquaredError,
            new RefConv(3, 3, Bias: false),
            new RefBatchNorm(Activation.LeakyReLU, Slope: 0.1),
            new RefPool(Max: true, 2, 2),
            new RefDense(2)));
        yield return Stack("2-D convolution, BatchNorm, average pool, BatchNorm, dense softmax", new ReferenceNormalizedNetwork(
            [1, 5, 5], Loss.CrossEntropy,
            new RefConv(2, 3, Padding: 1),
            new RefBatchNorm(Activation.ReLU),
            new RefPool(Max: false, 2, 2),
            new RefBatchNorm(Activation.Identity),
            new RefDense(3, Activation.Softmax)));
        yield return Stack("1-D convolution, LayerNorm(sigmoid), dense sigmoid, BCE", new ReferenceNormalizedNetwork(
            [2, 6], Loss.BinaryCrossEntropy,
            new RefConv(3, 3, Activation.Tanh),
            new RefLayerNorm(Activation.Sigmoid),
            new RefDense(2, Activation.Sigmoid)));
        yield return Stack("mini NormNet: conv, BatchNorm, pool, dense, LayerNorm(tanh), Dropout, dense softmax", new ReferenceNormalizedNetwork(
            [1, 6, 6], Loss.CrossEntropy,
            new RefConv(2, 3, Padding: 1),
            new RefBatchNorm(Activation.ReLU),
            new RefPool(Max: true, 2, 2),
            new RefDense(5),
            new RefLayerNorm(Activation.Tanh),
            new RefDropout(0.25),
            new RefDense(4, Activation.Softmax)));
        yield return Stack("Dropout first, dense without bias, BatchNorm after the dropout", new ReferenceNormalizedNetwork(
            [4], Loss.MeanSquaredError,
            new RefDropout(0.2),
            new RefDense(5, Bias: false),
            new RefBatchNorm(Activation.Tanh),
            new RefDense(2)));
    }

    public static IEnumerable<object[]> BatchNormStacks() => Stacks().Where(stack => ((ReferenceNormalizedNetwork)stack[1]).BatchNormCount > 0);

    private static object[] Stack(string name, ReferenceNormalizedNetwork reference) => [name, reference];

    [Theory]
    [MemberData(nameof(Stacks))]
    public void The_backward_pass_in_training_agrees_with_finite_differences_of_the_batch_loss(string name, ReferenceNormalizedNetwork reference)
    {
        double[] parameters = RandomParameters(reference, seed: 3);
        (double[] inputs, double[] targets) = Batch(reference, samples: 4, seed: 7);
        Dictionary<int, double[]> masks = RandomMasks(reference, samples: 4, seed: 9);

        double[] analytic = reference.Gradient(parameters, inputs, targets, training: true, masks: masks);

        GradientCheckTests.AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, targets, training: true, masks: masks), analytic);
        _ = name;
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public void The_backward_pass_in_evaluation_agrees_with_finite_differences(string name, ReferenceNormalizedNetwork reference)
    {
        double[] parameters = RandomParameters(reference, seed: 5);
        (double[] inputs, double[] targets) = Batch(reference, samples: 3, seed: 2);
        double[] buffers = RandomBuffers(reference, seed: 4);

        double[] analytic = reference.Gradient(parameters, inputs, targets, training: false, buffers);

        GradientCheckTests.AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, targets, training: false, buffers), analytic);
        _ = name;
    }

    [Theory]
    [MemberData(nameof(BatchNormStacks))]
    public void Training_statistics_couple_the_samples_so_two_halves_are_not_the_whole(string name, ReferenceNormalizedNetwork reference)
    {
        double[] parameters = RandomParameters(reference, seed: 6);
        (double[] inputs, double[] targets) = Batch(reference, samples: 4, seed: 8);
        int half = 2 * reference.Inputs, halfTargets = 2 * reference.Outputs;

        double[] whole = reference.Gradient(parameters, inputs, targets, training: true);
        double[] first = reference.Gradient(parameters, inputs[..half], targets[..halfTargets], training: true);
        double[] second = reference.Gradient(parameters, inputs[half..], targets[halfTargets..], training: true);

        double difference = whole.Select((g, i) => Math.Abs(g - first[i] - second[i])).Max();
        Assert.True(difference > 1e-3 * whole.Max(Math.Abs), $"{name}: the halves' gradients add up to the whole's ({difference:R})");
    }

    [Fact]
    public void BatchNorm_after_a_dense_layer_normalises_each_unit_over_the_batch()
    {
        // One unit, two samples 1 and 3: mean 2, biased variance 1, so x̂ = ∓1/√(1 + ε); γ = 2 and β = 0.5.
        var reference = new ReferenceNormalizedNetwork([1], Loss.MeanSquaredError, new RefBatchNorm());
        double[] parameters = [2, 0.5];

        double[] outputs = reference.Forward(parameters, [1, 3], training: true).Values[^1];

        Assert.Equal(0.5 - 2 / Math.Sqrt(1 + 1e-5), outputs[0], 1e-15);
        Assert.Equal(0.5 + 2 / Math.Sqrt(1 + 1e-5), outputs[1], 1e-15);
    }

    [Fact]
    public void BatchNorm_updates_its_running_statistics_with_the_momentum_and_the_unbiased_variance()
    {
        // Samples 1 and 3: mean 2, unbiased variance 2. From (0, 1) with momentum 0.1: 0.9·0 + 0.1·2 and 0.9·1 + 0.1·2.
        var reference = new ReferenceNormalizedNetwork([1], Loss.MeanSquaredError, new RefBatchNorm());
        ReferenceBatch batch = reference.Forward([1, 0], [1, 3], training: true);

        double[] buffers = reference.UpdatedBuffers(reference.InitialBuffers(), batch);

        Assert.Equal(new double[] { 0, 1 }, reference.InitialBuffers());
        Assert.Equal(0.2, buffers[0], 1e-15);
        Assert.Equal(1.1, buffers[1], 1e-15);
    }

    [Fact]
    public void BatchNorm_after_a_convolution_normalises_each_channel_over_its_positions()
    {
        // One sample of two channels of three positions: [1, 2, 3] (mean 2, biased variance 2/3, unbiased 1) and
        // [0, 0, 6] (mean 2, biased 8, unbiased 12). Momentum 0.5.
        var reference = new ReferenceNormalizedNetwork([2, 3], Loss.MeanSquaredError, new RefBatchNorm(Momentum: 0.5));
        double[] parameters = [1, 1, 0, 0];

        ReferenceBatch batch = reference.Forward(parameters, [1, 2, 3, 0, 0, 6], training: true);
        double[] buffers = reference.UpdatedBuffers(reference.InitialBuffers(), batch);

        double a = 1 / Math.Sqrt(2.0 / 3 + 1e-5), b = 1 / Math.Sqrt(8 + 1e-5);
        AssertClose([-a, 0, a, -2 * b, -2 * b, 4 * b], batch.Values[^1], 1e-15);
        AssertClose([1, 1, 0.5 * 1 + 0.5 * 1, 0.5 * 1 + 0.5 * 12], buffers, 1e-15);
    }

    [Fact]
    public void BatchNorm_in_evaluation_uses_the_running_statistics()
    {
        var reference = new ReferenceNormalizedNetwork([2], Loss.MeanSquaredError, new RefBatchNorm(Epsilon: 0.01));
        double[] parameters = [2, 3, 0.5, -1]; // γ, then β
        double[] buffers = [1, -2, 4, 0.25];    // running_mean, then running_var

        double[] outputs = reference.Predict(parameters, [3, 0], buffers);

        AssertClose([2 * (3 - 1) / Math.Sqrt(4.01) + 0.5, 3 * (0 + 2) / Math.Sqrt(0.26) - 1], outputs, 1e-15);
    }

    [Fact]
    public void LayerNorm_normalises_each_sample_over_all_its_values_with_an_elementwise_affine()
    {
        // [1, 2, 3, 4]: mean 2.5, biased variance 1.25. γ = [1, 2, 3, 4], β = [0, 0, 0, 1]. The second sample, shifted
        // by 10, normalises the same: LayerNorm does not look across samples.
        var reference = new ReferenceNormalizedNetwork([2, 2], Loss.MeanSquaredError, new RefLayerNorm());
        double[] parameters = [1, 2, 3, 4, 0, 0, 0, 1];

        double[] outputs = reference.Forward(parameters, [1, 2, 3, 4, 11, 12, 13, 14], training: true).Values[^1];

        double s = Math.Sqrt(1.25 + 1e-5);
        double[] expected = [-1.5 / s, 2 * -0.5 / s, 3 * 0.5 / s, 4 * 1.5 / s + 1];
        AssertClose(expected.Concat(expected).ToArray(), outputs, 1e-14);
        Assert.Equal(reference.Forward(parameters, [1, 2, 3, 4], training: false).Values[^1], reference.Forward(parameters, [1, 2, 3, 4], training: true).Values[^1]);
    }

    [Fact]
    public void Dropout_multiplies_by_its_mask_in_training_and_is_the_identity_in_evaluation()
    {
        var reference = new ReferenceNormalizedNetwork([3], Loss.MeanSquaredError, new RefDropout(0.5));
        var masks = new Dictionary<int, double[]> { [0] = [2, 0, 2] };

        Assert.Equal(new double[] { 2, 0, 6 }, reference.Forward([], [1, 2, 3], training: true, masks: masks).Values[^1]);
        Assert.Equal(new double[] { 1, 2, 3 }, reference.Forward([], [1, 2, 3], training: false, masks: masks).Values[^1]);
    }

    [Fact]
    public void Losses_follow_NetGen_conventions_summed_over_samples()
    {
        var mse = new ReferenceNormalizedNetwork([2], Loss.MeanSquaredError, new RefDropout(0));
        var crossEntropy = new ReferenceNormalizedNetwork([2], Loss.CrossEntropy, new RefDense(2, Activation.Softmax, Bias: false));

        // MSE: the mean over a sample's outputs, summed over samples: (1 + 9)/2 + (4 + 0)/2.
        Assert.Equal(7, mse.SummedLoss([], [1, 3, 2, 0], [0, 0, 0, 0], training: false), 1e-15);
        // Cross-entropy from the logits (the identity weight passes the inputs through): ln(1 + e) − 0 for target 0 of (0, 1).
        Assert.Equal(Math.Log(1 + Math.E), crossEntropy.SummedLoss([1, 0, 0, 1], [0, 1], [1, 0], training: false), 1e-15);
    }

    [Fact]
    public void A_bias_before_a_BatchNorm_has_no_gradient_in_training_but_has_one_in_evaluation()
    {
        var reference = new ReferenceNormalizedNetwork([3], Loss.MeanSquaredError, new RefDense(4), new RefBatchNorm(Activation.Tanh), new RefDense(2));
        double[] parameters = RandomParameters(reference, seed: 1);
        (double[] inputs, double[] targets) = Batch(reference, samples: 5, seed: 1);

        double[] training = reference.Gradient(parameters, inputs, targets, training: true);
        double[] evaluation = reference.Gradient(parameters, inputs, targets, training: false, RandomBuffers(reference, seed: 2));

        Assert.All(training.AsSpan(12, 4).ToArray(), g => Assert.True(Math.Abs(g) < 1e-14, $"{g:R}"));
        Assert.All(evaluation.AsSpan(12, 4).ToArray(), g => Assert.True(Math.Abs(g) > 1e-6, $"{g:R}"));
    }

    [Fact]
    public void Parameter_and_buffer_layout_follow_the_declaration()
    {
        // The NormNet: conv 8·9 + 8, BatchNorm 2·8, dense 1568·64 + 64, LayerNorm 2·64, dense 64·10 + 10.
        var normNet = new ReferenceNormalizedNetwork(
            [1, 28, 28], Loss.CrossEntropy,
            new RefConv(8, 3, Activation.Identity, Padding: 1),
            new RefBatchNorm(Activation.ReLU),
            new RefPool(Max: true, 2, 2),
            new RefDense(64),
            new RefLayerNorm(Activation.Tanh),
            new RefDropout(0.25),
            new RefDense(10, Activation.Softmax));
        var noBias = new ReferenceNormalizedNetwork([2, 5, 5], Loss.MeanSquaredError, new RefConv(3, 2, Bias: false), new RefBatchNorm(), new RefDense(4, Bias: false));

        Assert.Equal(80 + 16 + 100_416 + 128 + 650, normNet.ParameterCount);
        Assert.Equal(16, normNet.BufferCount);
        Assert.Equal((0, 8), normNet.BufferRange(1));
        Assert.Equal(80, normNet.ParameterOffset(1));
        Assert.Equal(100_512, normNet.ParameterOffset(4));
        Assert.Equal(3 * 2 * 2 * 2 + 2 * 3 + 4 * 3 * 4 * 4, noBias.ParameterCount);
    }

    internal static double[] RandomParameters(ReferenceNormalizedNetwork reference, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, reference.ParameterCount).Select(_ => random.NextDouble() - 0.5).ToArray();
    }

    /// <summary>Running means in [−1, 1) and running variances in [0.25, 2.25).</summary>
    internal static double[] RandomBuffers(ReferenceNormalizedNetwork reference, int seed)
    {
        var random = new Random(seed);
        double[] buffers = reference.InitialBuffers();
        for (int l = 0; l < reference.Layers.Count; l++)
        {
            if (reference.Layers[l] is RefBatchNorm)
            {
                (int offset, int channels) = reference.BufferRange(l);
                for (int ch = 0; ch < channels; ch++)
                {
                    buffers[offset + ch] = random.NextDouble() * 2 - 1;
                    buffers[offset + channels + ch] = 0.25 + random.NextDouble() * 2;
                }
            }
        }

        return buffers;
    }

    /// <summary>For each Dropout layer, a mask of 0 and 1/(1 − rate) drawn with probability rate of a zero.</summary>
    internal static Dictionary<int, double[]> RandomMasks(ReferenceNormalizedNetwork reference, int samples, int seed)
    {
        var random = new Random(seed);
        var masks = new Dictionary<int, double[]>();
        for (int l = 0; l < reference.Layers.Count; l++)
        {
            if (reference.Layers[l] is RefDropout dropout)
            {
                masks[l] = Enumerable.Range(0, samples * reference.InputSizeOf(l)).Select(_ => random.NextDouble() < dropout.Rate ? 0 : 1 / (1 - dropout.Rate)).ToArray();
            }
        }

        return masks;
    }

    /// <summary>Inputs in [−2, 2) and one-hot targets (meaningful for every loss).</summary>
    internal static (double[] Inputs, double[] Targets) Batch(ReferenceNormalizedNetwork reference, int samples, int seed)
    {
        var random = new Random(seed);
        double[] inputs = Enumerable.Range(0, samples * reference.Inputs).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var targets = new double[samples * reference.Outputs];
        for (int s = 0; s < samples; s++)
        {
            targets[s * reference.Outputs + random.Next(reference.Outputs)] = 1;
        }

        return (inputs, targets);
    }

    internal static void AssertClose(double[] expected, double[] actual, double tolerance, string what = "value")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: {expected[i]:R} against {actual[i]:R}");
        }
    }
}
