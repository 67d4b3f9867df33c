using System;
using NetGen.Tests.Optimizers;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// Training steps of networks whose kernel layers take the optimizer's step in the epilogue of their weight product,
/// against the torch formulas (<see cref="ReferenceOptimizer"/>) applied to the mean gradient, where the summed gradient
/// is central finite differences of the reference network: the fused path (clean gradient, one pass), and the
/// ordinary path that takes over when gradients were accumulated or written before the step, or the batch needs
/// several passes.
/// </summary>
public sealed class FusedUpdateTests
{
    private static readonly ReferenceNetwork Reference = new(20, Loss.MeanSquaredError,
        (16, Activation.Tanh, 0), (4, Activation.Sigmoid, 0), (40, Activation.Identity, 0));

    public static TheoryData<string> Optimizers() => ["SGD", "Nesterov momentum", "Adam, AMSGrad", "RMSprop, centered, momentum"];

    /// <summary>The network of each case and its optimizer's reference, configured alike (see OptimizerNetworks.cs).</summary>
    private static (INetwork<double> Network, ReferenceOptimizer Reference) Create(string optimizer) => optimizer switch
    {
        "SGD" => (new FusedSgdNet(), new ReferenceSgd(0.1, weightDecay: 0.01)),
        "Nesterov momentum" => (new FusedMomentumNet(), new ReferenceSgd(0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01)),
        "Adam, AMSGrad" => (new FusedAmsgradNet(), new ReferenceAdam(0.01, beta1: 0.8, beta2: 0.9, eps: 1e-6, weightDecay: 0.05, amsgrad: true)),
        _ => (new FusedRmsPropNet(), new ReferenceRmsProp(0.01, alpha: 0.9, momentum: 0.5, weightDecay: 0.01, centered: true)),
    };

    public static TheoryData<string, int> StepCases()
    {
        var cases = new TheoryData<string, int>();
        foreach (string optimizer in Optimizers())
        {
            cases.Add(optimizer, 1);
            cases.Add(optimizer, 7);
            cases.Add(optimizer, 300); // more than Trainer.MaxRowsPerPass: two passes, so the step is not fused
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(StepCases))]
    public void A_training_step_is_one_optimizer_step_on_the_mean_gradient(string optimizer, int samples)
    {
        (INetwork<double> network, ReferenceOptimizer reference) = Create(optimizer);
        GradientCheckTests.RandomizeParameters(network, seed: 3);
        double[] theta = network.Parameters.ToArray();
        (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(Reference, samples, seed: 5);

        double loss = samples == 1 ? network.TrainStep(inputs, targets) : network.TrainBatch(inputs, targets);

        Assert.Equal(Reference.SummedLoss(theta, inputs, targets) / samples, loss, 1e-12);
        AssertStep(network, reference, theta, Reference.FiniteDifferenceGradient(theta, inputs, targets), samples, step: 1);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Gradients_accumulated_before_a_step_are_part_of_it(string optimizer)
    {
        (INetwork<double> network, ReferenceOptimizer reference) = Create(optimizer);
        GradientCheckTests.RandomizeParameters(network, seed: 7);
        double[] theta = network.Parameters.ToArray();
        (double[] earlierInputs, double[] earlierTargets) = GradientCheckTests.RandomBatch(Reference, 3, seed: 8);
        (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(Reference, 5, seed: 9);

        network.AccumulateGradients(earlierInputs, earlierTargets);
        network.TrainBatch(inputs, targets);

        double[] earlier = Reference.FiniteDifferenceGradient(theta, earlierInputs, earlierTargets);
        double[] current = Reference.FiniteDifferenceGradient(theta, inputs, targets);
        AssertStep(network, reference, theta, Sum(earlier, current), 5, step: 1);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_gradient_written_through_Gradients_is_part_of_the_next_step(string optimizer)
    {
        (INetwork<double> network, ReferenceOptimizer reference) = Create(optimizer);
        GradientCheckTests.RandomizeParameters(network, seed: 11);
        double[] theta = network.Parameters.ToArray();
        double[] written = GradientCheckTests.RandomValues(new Random(12), network.ParameterCount);
        (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(Reference, 1, seed: 13);

        written.CopyTo(network.Gradients);
        network.TrainStep(inputs, targets);

        AssertStep(network, reference, theta, Sum(written, Reference.FiniteDifferenceGradient(theta, inputs, targets)), 1, step: 1);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Steps_after_an_ordinary_step_are_fused_again_and_stay_exact(string optimizer)
    {
        (INetwork<double> network, ReferenceOptimizer reference) = Create(optimizer);
        GradientCheckTests.RandomizeParameters(network, seed: 17);
        double[] theta = network.Parameters.ToArray();

        // Reading Gradients makes the first step an ordinary one; the three after it are fused and carry the optimizer
        // state the first one left. Gradients is not read again until the end (reading it is what marks it as possibly
        // written), so the trajectory is checked as a whole.
        _ = network.Gradients;
        for (int step = 1; step <= 4; step++)
        {
            (double[] inputs, double[] targets) = GradientCheckTests.RandomBatch(Reference, 4, seed: 19 + step);
            double[] gradient = Reference.FiniteDifferenceGradient(theta, inputs, targets);
            network.TrainBatch(inputs, targets);
            reference.Step(theta, Array.ConvertAll(gradient, value => value / 4), step);
        }

        Assert.Equal(4, network.OptimizerStep);
        AssertParameters(theta, network);
        Assert.True(network.Gradients.IndexOfAnyExcept(0.0) < 0, "every step clears the gradient");
    }

    /// <summary>θ after the optimizer's step <paramref name="step"/> on the summed gradient <paramref name="summed"/> over <paramref name="samples"/>, and a cleared gradient.</summary>
    private static void AssertStep(INetwork<double> network, ReferenceOptimizer reference, double[] theta, double[] summed, int samples, int step)
    {
        reference.Step(theta, Array.ConvertAll(summed, value => value / samples), step);
        AssertParameters(theta, network);
        Assert.Equal(step, network.OptimizerStep);
        Assert.True(network.Gradients.IndexOfAnyExcept(0.0) < 0, "the step clears the gradient");
    }

    private static void AssertParameters(double[] expected, INetwork<double> network)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - network.Parameters[i]) <= 1e-8, $"parameter {i}: expected {expected[i]}, got {network.Parameters[i]}");
        }
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
