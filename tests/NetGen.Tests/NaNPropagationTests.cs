using System;
using System.Linq;
using Xunit;

namespace NetGen.Tests
{
    /// <summary>
    /// A NaN in a sample reaches the outputs and the loss on every code path, so that Fit's divergence check sees it,
    /// whatever the size of the layers: unrolled per-sample code (one sample), the lane pass (a batch of a tiny
    /// network), and the kernels (a layer too large to unroll). Before, unrolled and lane ReLU wrote z &gt; 0 ? z : 0,
    /// which turns NaN into 0: a network fed a NaN trained on as if nothing had happened, with NaN weights.
    /// </summary>
    public sealed class NaNPropagationTests
    {
        public static TheoryData<string, int> Paths() => new()
        {
            { "unrolled, one sample", 1 },
            { "lanes, a partial block", 5 },
            { "lanes, whole blocks and a tail", 19 },
        };

        [Theory]
        [MemberData(nameof(Paths))]
        public void A_NaN_input_gives_a_NaN_loss_in_a_tiny_ReLU_network(string path, int samples)
        {
            var network = new NaNReLUNet();
            (float[] inputs, int[] labels) = Batch(NaNReLUNet.InputSize, samples, poisonedSample: samples - 1);

            Assert.True(float.IsNaN(network.ComputeLoss(inputs, labels)), $"{path}: ComputeLoss");
            Assert.True(float.IsNaN(network.AccumulateGradients(inputs, labels)), $"{path}: AccumulateGradients");
            Assert.True(network.Gradients.ToArray().Any(float.IsNaN), $"{path}: the gradient carries the NaN");
        }

        [Theory]
        [InlineData(1)]
        [InlineData(19)]
        public void A_NaN_input_gives_a_NaN_loss_in_a_kernel_ReLU_network(int samples)
        {
            var network = new NaNReLUKernelNet();
            (float[] inputs, int[] labels) = Batch(NaNReLUKernelNet.InputSize, samples, poisonedSample: 0);

            Assert.True(float.IsNaN(network.ComputeLoss(inputs, labels)));
            Assert.True(float.IsNaN(network.AccumulateGradients(inputs, labels)));
        }

        [Fact]
        public void Predict_passes_a_NaN_through_every_ReLU_layer()
        {
            var tiny = new NaNReLUNet();
            var kernel = new NaNReLUKernelNet();
            float[] tinyInput = Enumerable.Repeat(float.NaN, NaNReLUNet.InputSize).ToArray();
            float[] kernelInput = Enumerable.Repeat(float.NaN, NaNReLUKernelNet.InputSize).ToArray();
            var output = new float[NaNReLUNet.OutputSize];

            tiny.Predict(tinyInput, output);
            Assert.All(output, value => Assert.True(float.IsNaN(value)));
            kernel.Predict(kernelInput, output);
            Assert.All(output, value => Assert.True(float.IsNaN(value)));
        }

        [Fact]
        public void A_NaN_gradient_stays_NaN_through_the_unrolled_ReLU_derivative()
        {
            // A NaN target of an MSE network gives a NaN gradient with respect to the output, through units whose ReLU
            // is inactive (y = 0). 0·NaN is NaN, as the span kernel computes it; a select of 0 would have hidden it.
            var network = new NaNReLURegressionNet();
            network.Parameters.Fill(-1f); // every pre-activation negative: every ReLU unit inactive
            float[] inputs = [1, 1, 1, 1];
            float[] targets = [float.NaN];

            network.AccumulateGradients(inputs, targets);

            // The hidden layer's weights and biases, the first 4·3 + 3 parameters: their gradient passed through the derivative.
            Assert.All(network.Gradients.Slice(0, 15).ToArray(), value => Assert.True(float.IsNaN(value)));
        }

        private static (float[] Inputs, int[] Labels) Batch(int inputSize, int samples, int poisonedSample)
        {
            var random = new Random(7);
            float[] inputs = Enumerable.Range(0, inputSize * samples).Select(_ => (float)random.NextDouble()).ToArray();
            inputs[poisonedSample * inputSize + 1] = float.NaN;
            int[] labels = Enumerable.Range(0, samples).Select(sample => sample % 3).ToArray();
            return (inputs, labels);
        }
    }
}

/// <summary>The network: 4-8-3 ReLU, cross-entropy; every layer unrolled, so batches train in lanes.</summary>
[NetGen.Network(Inputs = 4, Loss = NetGen.Loss.CrossEntropy)]
[NetGen.Dense(8, NetGen.Activation.ReLU)]
[NetGen.Dense(3, NetGen.Activation.Softmax)]
public partial class NaNReLUNet { }

/// <summary>A ReLU layer of 20 × 16 weights, too large to unroll: the kernels.</summary>
[NetGen.Network(Inputs = 20, Loss = NetGen.Loss.CrossEntropy)]
[NetGen.Dense(16, NetGen.Activation.ReLU)]
[NetGen.Dense(3, NetGen.Activation.Softmax)]
public partial class NaNReLUKernelNet { }

/// <summary>Unrolled ReLU under an MSE output, for the derivative's NaN.</summary>
[NetGen.Network(Inputs = 4)]
[NetGen.Dense(3, NetGen.Activation.ReLU)]
[NetGen.Dense(1)]
public partial class NaNReLURegressionNet { }
