using System;
using System.Linq;
using Xunit;

namespace NetGen.Tests
{
    /// <summary>
    /// A training step whose gradient is not finite changes nothing: it throws NonFiniteUpdateException naming where the
    /// non-finite value is, and the parameters, optimizer state and step count are as before (before, a tanh network fed
    /// +∞ returned a finite loss and kept NaN weights). On every path: unrolled and in lanes, kernel layers with Adam, and
    /// plain SGD fused into the weight products.
    /// </summary>
    public sealed class StepGuardTests
    {
        [Fact]
        public void An_infinite_input_to_a_tanh_network_is_refused_and_leaves_it_unchanged()
        {
            var network = new GuardTanhNet();
            float[] before = network.Parameters.ToArray();

            var exception = Assert.Throws<NonFiniteUpdateException>(() => network.TrainStep([float.PositiveInfinity, 1f], [0.5f]));

            Assert.StartsWith("layers.0.weight", exception.Tensor);
            Assert.Contains("layers.0.weight[0]", exception.Message);
            AssertUnchanged(network, before);
        }

        [Theory]
        [InlineData(1)]  // the per-sample code
        [InlineData(13)] // lanes
        public void A_NaN_input_to_a_ReLU_batch_is_refused(int samples)
        {
            var network = new GuardReLUNet();
            float[] before = network.Parameters.ToArray();
            float[] inputs = Enumerable.Range(0, samples * 3).Select(i => i * 0.1f).ToArray();
            inputs[^2] = float.NaN;
            float[] targets = Enumerable.Range(0, samples * 2).Select(i => 0.5f).ToArray();

            Assert.Throws<NonFiniteUpdateException>(() => network.TrainBatch(inputs, targets));

            AssertUnchanged(network, before);
        }

        [Fact]
        public void A_negative_infinity_through_kernel_layers_with_Adam_is_refused()
        {
            var network = new GuardKernelAdamNet();
            network.TrainBatch(new float[20], new float[1]); // a first finite step, so there is optimizer state to keep
            float[] before = network.Parameters.ToArray();
            float[] state = network.OptimizerState.ToArray();
            float[] inputs = new float[2 * 20];
            inputs[25] = float.NegativeInfinity;

            Assert.Throws<NonFiniteUpdateException>(() => network.TrainBatch(inputs, new float[2]));

            AssertUnchanged(network, before, expectedStep: 1);
            Assert.Equal(state, network.OptimizerState.ToArray());
        }

        [Fact]
        public void An_infinite_input_to_a_fused_SGD_step_is_refused_before_the_weights_change()
        {
            var network = new GuardFusedSgdNet();
            float[] before = network.Parameters.ToArray();
            float[] inputs = new float[20];
            inputs[7] = float.PositiveInfinity;

            var exception = Assert.Throws<NonFiniteUpdateException>(() => network.TrainStep(inputs, [1f]));

            Assert.Equal("inputs", exception.Tensor);
            Assert.Equal(7, exception.Index);
            AssertUnchanged(network, before);
        }

        [Fact]
        public void ApplyGradients_refuses_a_gradient_a_caller_made_NaN()
        {
            var network = new GuardTanhNet();
            float[] before = network.Parameters.ToArray();
            network.AccumulateGradients([0.2f, 0.4f], [0.5f]);
            network.Gradients[GuardTanhNet.ParameterCount - 1] = float.NaN;

            var exception = Assert.Throws<NonFiniteUpdateException>(() => network.ApplyGradients(1));

            Assert.Equal("layers.1.bias", exception.Tensor);
            AssertUnchanged(network, before);
        }

        [Fact]
        public void A_finite_step_after_a_refused_one_trains_normally()
        {
            var network = new GuardTanhNet();
            Assert.Throws<NonFiniteUpdateException>(() => network.TrainStep([float.NaN, 1f], [0.5f]));

            float loss = network.TrainStep([0.3f, 1f], [0.5f]);

            Assert.True(float.IsFinite(loss));
            Assert.Equal(1, network.OptimizerStep);
            Assert.All(network.Parameters.ToArray(), value => Assert.True(float.IsFinite(value)));
        }

        private static void AssertUnchanged(INetwork<float> network, float[] before, long expectedStep = 0)
        {
            Assert.Equal(before, network.Parameters.ToArray());
            Assert.Equal(expectedStep, network.OptimizerStep);
            Assert.All(network.Gradients.ToArray(), value => Assert.Equal(0f, value));
        }
    }
}

[NetGen.Network(Inputs = 2)]
[NetGen.Dense(3, NetGen.Activation.Tanh)]
[NetGen.Dense(1)]
public partial class GuardTanhNet { }

[NetGen.Network(Inputs = 3)]
[NetGen.Dense(4, NetGen.Activation.ReLU)]
[NetGen.Dense(2)]
[NetGen.Adam]
public partial class GuardReLUNet { }

[NetGen.Network(Inputs = 20)]
[NetGen.Dense(16, NetGen.Activation.Tanh)]
[NetGen.Dense(1)]
[NetGen.Adam]
public partial class GuardKernelAdamNet { }

[NetGen.Network(Inputs = 20)]
[NetGen.Dense(16, NetGen.Activation.Tanh)]
[NetGen.Dense(1)]
[NetGen.Sgd(LearningRate = 0.1)]
public partial class GuardFusedSgdNet { }

namespace NetGen.Tests
{
    /// <summary>The generated Fit overloads: typed validation data, and class labels for cross-entropy networks.</summary>
    public sealed class GeneratedFitOverloadTests
    {
        [Fact]
        public void Fit_with_labels_and_validation_labels_reports_validation_accuracy()
        {
            var network = new Gradients.GuardLabelsNet();
            float[] inputs = [0, 0, 1, 1, 0, 1, 1, 0, 0.1f, 0.1f, 0.9f, 0.9f];
            int[] labels = [0, 0, 1, 1, 0, 0];

            TrainingHistory history = network.Fit(inputs, labels, inputs, labels, new TrainingOptions { Epochs = 3, BatchSize = 2 });

            Assert.Equal(3, history.Epochs.Count);
            Assert.All(history.Epochs, epoch => Assert.NotNull(epoch.ValidationLoss));
            Assert.All(history.Epochs, epoch => Assert.NotNull(epoch.Accuracy));
        }

        [Fact]
        public void Fit_with_typed_validation_targets_reports_the_validation_loss()
        {
            var network = new GuardTanhNet();
            float[] inputs = [0, 1, 1, 0];
            float[] targets = [1, 0];

            float[] validationInputs = [0.5f, 0.5f];
            float[] validationTargets = [0.25f];

            TrainingHistory history = network.Fit(inputs, targets, validationInputs, validationTargets, new TrainingOptions { Epochs = 2 });

            // The last epoch's validation loss is the loss of the weights the network now holds on the validation sample.
            Assert.Equal(2, history.Epochs.Count);
            Assert.Equal(network.ComputeLoss(validationInputs, validationTargets), history.Epochs[^1].ValidationLoss!.Value, 6);
        }
    }
}

namespace NetGen.Tests.Gradients
{
    [NetGen.Network(Inputs = 2, Loss = NetGen.Loss.CrossEntropy)]
    [NetGen.Dense(3, NetGen.Activation.Tanh)]
    [NetGen.Dense(2, NetGen.Activation.Softmax)]
    public partial class GuardLabelsNet { }
}
