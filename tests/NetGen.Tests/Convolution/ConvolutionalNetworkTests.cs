using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Tests.Gradients;
using Xunit;

namespace NetGen.Tests.Convolution
{
    /// <summary>
    /// Convolutional networks against <see cref="ReferenceConvolutionalNetwork"/>, written independently as plain loops:
    /// Predict and the loss to 1e-12, the generated gradient against central differences of the reference's loss (relative
    /// error ≤ 1e-6), and five Adam steps against the reference's hand-written backward pass and the torch update rule,
    /// to 1e-12. The stacks cover 1-D and 2-D convolutions with strides 1 and 2 and padding 0 to 2, kernels 1, 2 and 3 on
    /// odd sizes (3×7×9), every pooling kind including pools that do not divide their input, and a convolution as the
    /// output layer.
    /// </summary>
    public sealed class ConvolutionalNetworkTests
    {
        public delegate INetwork<double> Factory();

        public static IEnumerable<object[]> Cases()
        {
            yield return Case("2-D conv-pool-conv-pool-dense, cross-entropy", () => new Conv2DStackNet(), new ReferenceConvolutionalNetwork(
                [3, 7, 9], Loss.CrossEntropy,
                new ReferenceConvolution(4, 3, Activation.Tanh, Padding: 1),
                new ReferencePooling(Max: true, 2, 2),
                new ReferenceConvolution(2, 2, Activation.ReLU, Stride: 2, Padding: 2),
                new ReferencePooling(Max: false, 2, 1),
                new ReferenceDense(3, Activation.Softmax)));
            yield return Case("1-D conv-pool-conv-pool-dense, MSE", () => new Conv1DStackNet(), new ReferenceConvolutionalNetwork(
                [2, 13], Loss.MeanSquaredError,
                new ReferenceConvolution(3, 3, Activation.LeakyReLU, Stride: 2, Slope: 0.1),
                new ReferencePooling(Max: true, 2, 1),
                new ReferenceConvolution(2, 1, Activation.Sigmoid),
                new ReferencePooling(Max: false, 2, 2),
                new ReferenceDense(2, Activation.Identity)));
            yield return Case("pool first, convolution last, MSE on a shaped output", () => new ConvOutputNet(), new ReferenceConvolutionalNetwork(
                [1, 6, 5], Loss.MeanSquaredError,
                new ReferencePooling(Max: false, 2, 1),
                new ReferenceConvolution(2, 2, Activation.Tanh, Padding: 2, Stride: 2)));
        }

        private static object[] Case(string name, Factory factory, ReferenceConvolutionalNetwork reference) => [name, factory, reference];

        [Theory]
        [MemberData(nameof(Cases))]
        public void Predict_and_the_loss_equal_the_reference(string name, Factory factory, ReferenceConvolutionalNetwork reference)
        {
            INetwork<double> network = factory();
            GradientCheckTests.RandomizeParameters(network, seed: 3);
            (double[] inputs, double[] targets) = Batch(reference, samples: 4, seed: 5);
            double[] parameters = network.Parameters.ToArray();

            var output = new double[network.OutputSize];
            for (int sample = 0; sample < 4; sample++)
            {
                network.Predict(inputs.AsSpan(sample * network.InputSize, network.InputSize), output);
                AssertClose(reference.Predict(parameters, inputs.AsSpan(sample * network.InputSize, network.InputSize)), output, 1e-12, $"{name}: Predict of sample {sample}");
            }

            var batchOutputs = new double[4 * network.OutputSize];
            network.PredictBatch(inputs, batchOutputs);
            AssertClose(Enumerable.Range(0, 4).SelectMany(s => reference.Predict(parameters, inputs.AsSpan(s * network.InputSize, network.InputSize))).ToArray(), batchOutputs, 1e-12, $"{name}: PredictBatch");
            Assert.Equal(reference.SummedLoss(parameters, inputs, targets) / 4, network.ComputeLoss(inputs, targets), 1e-12);
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Gradients_match_finite_differences_of_the_reference(string name, Factory factory, ReferenceConvolutionalNetwork reference)
        {
            foreach (int samples in new[] { 1, 3 })
            {
                INetwork<double> network = factory();
                GradientCheckTests.RandomizeParameters(network, seed: 11 + samples);
                (double[] inputs, double[] targets) = Batch(reference, samples, seed: samples);
                double[] parameters = network.Parameters.ToArray();

                double loss = network.AccumulateGradients(inputs, targets);

                Assert.True(Math.Abs(reference.SummedLoss(parameters, inputs, targets) - loss) <= 1e-12 * samples, $"{name}, {samples} samples: loss");
                GradientCheckTests.AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, targets), network.Gradients.ToArray());
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void The_reference_backward_pass_agrees_with_its_own_finite_differences(string name, Factory factory, ReferenceConvolutionalNetwork reference)
        {
            // The hand-written backward pass below drives the Adam test; it is itself checked here, against nothing but the
            // reference's forward pass.
            INetwork<double> network = factory();
            GradientCheckTests.RandomizeParameters(network, seed: 8);
            (double[] inputs, double[] targets) = Batch(reference, 2, seed: 9);
            double[] parameters = network.Parameters.ToArray();

            GradientCheckTests.AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, targets), reference.Gradient(parameters, inputs, targets));
            _ = name;
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Five_Adam_steps_equal_the_reference(string name, Factory factory, ReferenceConvolutionalNetwork reference)
        {
            INetwork<double> network = factory();
            GradientCheckTests.RandomizeParameters(network, seed: 21);
            double[] theta = network.Parameters.ToArray();
            var adam = new ReferenceAdam(lr: 0.01);
            for (int step = 1; step <= 5; step++)
            {
                (double[] inputs, double[] targets) = Batch(reference, 3, seed: 40 + step);
                double[] gradient = reference.Gradient(theta, inputs, targets).Select(g => g / 3).ToArray();
                adam.Step(theta, gradient, step);
                network.TrainBatch(inputs, targets);
            }

            AssertClose(theta, network.Parameters.ToArray(), 1e-12, $"{name}: parameters after 5 Adam steps");
        }

        [Fact]
        public void Plain_SGD_fused_into_a_dense_kernel_layer_steps_the_convolution_too()
        {
            // Plain SGD with a dense layer too large to unroll runs the fused step (RunBackwardAndDescend), in which the
            // convolution's parameters accumulate and are stepped at the end with the other accumulated ones.
            var network = new ConvFusedSgdNet();
            var reference = new ReferenceConvolutionalNetwork(
                [2, 6, 6], Loss.MeanSquaredError,
                new ReferenceConvolution(3, 3, Activation.Tanh),
                new ReferencePooling(Max: true, 2, 2),
                new ReferenceDense(12, Activation.ReLU),
                new ReferenceDense(2, Activation.Identity));
            GradientCheckTests.RandomizeParameters(network, seed: 31);
            double[] theta = network.Parameters.ToArray();
            var sgd = new ReferenceSgd(lr: 0.05);
            for (int step = 1; step <= 4; step++)
            {
                (double[] inputs, double[] targets) = Batch(reference, 3, seed: 60 + step);
                sgd.Step(theta, reference.Gradient(theta, inputs, targets).Select(g => g / 3).ToArray(), step);
                network.TrainBatch(inputs, targets);
            }

            AssertClose(theta, network.Parameters.ToArray(), 1e-12, "parameters after 4 fused SGD steps");
            Assert.All(network.Gradients.ToArray(), g => Assert.Equal(0, g));
        }

        [Fact]
        public void A_float_network_matches_the_double_reference_to_float_precision()
        {
            var network = new Conv2DStackFloatNet();
            var reference = (ReferenceConvolutionalNetwork)Cases().First()[2];
            var random = new Random(4);
            for (int i = 0; i < Conv2DStackFloatNet.ParameterCount; i++)
            {
                network.Parameters[i] = (float)(random.NextDouble() - 0.5);
            }

            (double[] inputs, double[] targets) = Batch(reference, 5, seed: 6);
            double[] parameters = network.Parameters.ToArray().Select(v => (double)v).ToArray();

            float loss = network.AccumulateGradients(inputs.Select(v => (float)v).ToArray(), targets.Select(v => (float)v).ToArray());

            Assert.Equal(reference.SummedLoss(parameters, inputs, targets), loss, 1e-4);
            double[] expected = reference.Gradient(parameters, inputs, targets);
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - network.Gradients[i]) <= 1e-4 * scale, $"parameter {i}: {expected[i]:R} against {network.Gradients[i]:R}");
            }
        }

        [Fact]
        public void Default_initialisation_draws_convolution_weights_with_fan_in_C_K_K()
        {
            // Glorot uniform for a tanh convolution: bound √(6 / (fan-in + fan-out)), fan-in C·K·K = 27, fan-out F·K·K = 36.
            var network = new Conv2DStackNet();
            double bound = Math.Sqrt(6.0 / (27 + 36));
            double[] weights = network.Parameters.Slice(0, 4 * 3 * 3 * 3).ToArray();

            Assert.All(weights, w => Assert.InRange(Math.Abs(w), 0, bound));
            Assert.True(weights.Max(Math.Abs) > 0.8 * bound, "the weights fill their range");
            Assert.All(network.Parameters.Slice(108, 4).ToArray(), b => Assert.Equal(0, b));
        }

        private static (double[] Inputs, double[] Targets) Batch(ReferenceConvolutionalNetwork reference, int samples, int seed)
        {
            var random = new Random(seed);
            double[] inputs = Enumerable.Range(0, samples * reference.Inputs).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var targets = new double[samples * reference.Outputs];
            for (int s = 0; s < samples; s++)
            {
                // One-hot for cross-entropy (harmless for MSE), so both losses see meaningful targets.
                targets[s * reference.Outputs + random.Next(reference.Outputs)] = 1;
            }

            return (inputs, targets);
        }

        private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: {expected[i]:R} against {actual[i]:R}");
            }
        }
    }

    [Network(InputShape = new[] { 3, 7, 9 }, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
    [Conv2D(4, 3, Activation.Tanh, Padding = 1)]
    [MaxPool2D(2)]
    [Conv2D(2, 2, Activation.ReLU, Stride = 2, Padding = 2)]
    [AvgPool2D(2, Stride = 1)]
    [Dense(3, Activation.Softmax)]
    [Adam(LearningRate = 0.01)]
    public partial class Conv2DStackNet { }

    [Network(InputShape = new[] { 3, 7, 9 }, Loss = Loss.CrossEntropy)]
    [Conv2D(4, 3, Activation.Tanh, Padding = 1)]
    [MaxPool2D(2)]
    [Conv2D(2, 2, Activation.ReLU, Stride = 2, Padding = 2)]
    [AvgPool2D(2, Stride = 1)]
    [Dense(3, Activation.Softmax)]
    public partial class Conv2DStackFloatNet { }

    [Network(InputShape = new[] { 2, 13 }, Precision = Precision.Double)]
    [Conv1D(3, 3, Activation.LeakyReLU, Stride = 2, Slope = 0.1)]
    [MaxPool1D(2, Stride = 1)]
    [Conv1D(2, 1, Activation.Sigmoid)]
    [AvgPool1D(2)]
    [Dense(2)]
    [Adam(LearningRate = 0.01)]
    public partial class Conv1DStackNet { }

    [Network(InputShape = new[] { 2, 6, 6 }, Precision = Precision.Double)]
    [Conv2D(3, 3, Activation.Tanh)]
    [MaxPool2D(2)]
    [Dense(12, Activation.ReLU)]
    [Dense(2)]
    [Sgd(LearningRate = 0.05)]
    public partial class ConvFusedSgdNet { }

    [Network(InputShape = new[] { 1, 6, 5 }, Precision = Precision.Double)]
    [AvgPool2D(2, Stride = 1)]
    [Conv2D(2, 2, Activation.Tanh, Padding = 2, Stride = 2)]
    [Adam(LearningRate = 0.01)]
    public partial class ConvOutputNet { }
}
