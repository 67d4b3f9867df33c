using System;
using NetGen.Tests.Optimizers;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// Training steps with plain SGD against θ ← θ − α·(g/n + λθ), where g is the summed gradient by central finite
/// differences of the reference network: the fused path (clean gradient, one pass), and the ordinary path that
/// takes over when gradients were accumulated or written before the step, or the batch needs several passes.
/// </summary>
public sealed class FusedSgdTests
{
    private const double Rate = 0.1, Decay = 0.01;

    private static readonly ReferenceNetwork Reference = new(20, Loss.MeanSquaredError,
        (16, Activation.Tanh, 0), (4, Activation.Sigmoid, 0), (40, Activation.Identity, 0));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(300)] // more than Trainer.MaxRowsPerPass: two passes, so the step is not fused
    public void A_training_step_is_one_SGD_step_on_the_mean_gradient(int samples)
    {
        var network = new FusedSgdNet();
        GradientCheckTests.RandomizeParameters(network, seed: 3);
        double[] theta = network.Parameters.ToArray();
        (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(Reference, samples, seed: 5);

        double loss = samples == 1 ? network.TrainStep(inputs, targets) : network.TrainBatch(inputs, targets);

        Assert.Equal(Reference.SummedLoss(theta, inputs, targets) / samples, loss, 1e-12);
        AssertStep(theta, Reference.FiniteDifferenceGradient(theta, inputs, targets), samples, network);
        Assert.Equal(1, network.OptimizerStep);
    }

    [Fact]
    public void Gradients_accumulated_before_a_step_are_part_of_it()
    {
        var network = new FusedSgdNet();
        GradientCheckTests.RandomizeParameters(network, seed: 7);
        double[] theta = network.Parameters.ToArray();
        (double[] earlierInputs, double[] earlierTargets) = GradientCheckTests.RandomBatch(Reference, 3, seed: 8);
        (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(Reference, 5, seed: 9);

        network.AccumulateGradients(earlierInputs, earlierTargets);
        network.TrainBatch(inputs, targets);

        double[] earlier = Reference.FiniteDifferenceGradient(theta, earlierInputs, earlierTargets);
        double[] current = Reference.FiniteDifferenceGradient(theta, inputs, targets);
        AssertStep(theta, Sum(earlier, current), 5, network);
    }

    [Fact]
    public void A_gradient_written_through_Gradients_is_part_of_the_next_step()
    {
        var network = new FusedSgdNet();
        GradientCheckTests.RandomizeParameters(network, seed: 11);
        double[] theta = network.Parameters.ToArray();
        double[] written = GradientCheckTests.RandomValues(new Random(12), FusedSgdNet.ParameterCount);
        (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(Reference, 1, seed: 13);

        written.CopyTo(network.Gradients);
        network.TrainStep(inputs, targets);

        AssertStep(theta, Sum(written, Reference.FiniteDifferenceGradient(theta, inputs, targets)), 1, network);
    }

    [Fact]
    public void Steps_after_an_ordinary_step_are_fused_again_and_stay_exact()
    {
        var network = new FusedSgdNet();
        GradientCheckTests.RandomizeParameters(network, seed: 17);
        (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(Reference, 4, seed: 19);
        double[] theta = network.Parameters.ToArray();

        // Reading Gradients makes the first step an ordinary one; the two after it are fused. Gradients is not read
        // again until the end (reading it is what marks it as possibly written), so the trajectory is checked as a whole.
        _ = network.Gradients;
        for (int step = 1; step <= 3; step++)
        {
            network.TrainBatch(inputs, targets);
            double[] gradient = Reference.FiniteDifferenceGradient(theta, inputs, targets);
            for (int i = 0; i < theta.Length; i++)
            {
                theta[i] -= Rate * (gradient[i] / 4 + Decay * theta[i]);
            }
        }

        Assert.Equal(3, network.OptimizerStep);
        for (int i = 0; i < theta.Length; i++)
        {
            Assert.True(Math.Abs(theta[i] - network.Parameters[i]) <= 1e-8, $"parameter {i}: expected {theta[i]}, got {network.Parameters[i]}");
        }

        Assert.True(network.Gradients.IndexOfAnyExcept(0.0) < 0, "every step clears the gradient");
    }

    /// <summary>θ after one step on the summed gradient <paramref name="summed"/> over <paramref name="samples"/>, and a cleared gradient.</summary>
    private static void AssertStep(double[] theta, double[] summed, int samples, FusedSgdNet network)
    {
        for (int i = 0; i < theta.Length; i++)
        {
            double expected = theta[i] - Rate * (summed[i] / samples + Decay * theta[i]);
            Assert.True(Math.Abs(expected - network.Parameters[i]) <= 1e-8, $"parameter {i}: expected {expected}, got {network.Parameters[i]}");
        }

        Assert.True(network.Gradients.IndexOfAnyExcept(0.0) < 0, "the step clears the gradient");
    }

    private static double[] Sum(double[] a, double[] b)
    {
        var sum = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            sum[i] = a[i] + b[i];
        }

        return sum;
    }
}
