using System;
using System.Collections.Generic;
using NetGen.Tests.Optimizers;
using Xunit;

namespace NetGen.Tests;

/// <summary>Each optimizer's first three updates against the torch.optim formulas, computed independently.</summary>
[Collection(KernelThreadsCollection.Name)]
public sealed class OptimizerTests
{
    public static IEnumerable<object[]> Optimizers()
    {
        yield return Case("SGD, weight decay", () => new SgdNet(), () => new ReferenceSgd(0.1, weightDecay: 0.01));
        yield return Case("SGD, momentum and weight decay", () => new SgdMomentumNet(), () => new ReferenceSgd(0.1, momentum: 0.9, weightDecay: 0.01));
        yield return Case("SGD, Nesterov", () => new SgdNesterovNet(), () => new ReferenceSgd(0.1, momentum: 0.8, nesterov: true));
        yield return Case("Adam, L2 weight decay", () => new AdamNet(), () => new ReferenceAdam(0.01, weightDecay: 0.1));
        yield return Case("Adam, AMSGrad", () => new AmsgradNet(), () => new ReferenceAdam(0.02, beta1: 0.8, beta2: 0.9, eps: 1e-6, amsgrad: true));
        yield return Case("AdamW", () => new AdamWNet(), () => new ReferenceAdam(0.01, weightDecay: 0.1, decoupled: true));
        yield return Case("RMSprop, momentum and weight decay", () => new RmsPropNet(), () => new ReferenceRmsProp(0.01, momentum: 0.5, weightDecay: 0.05));
        yield return Case("RMSprop, centered", () => new CenteredRmsPropNet(), () => new ReferenceRmsProp(0.01, alpha: 0.9, centered: true));
        yield return Case("Adagrad, decay", () => new AdagradNet(), () => new ReferenceAdagrad(0.1, weightDecay: 0.01, lrDecay: 0.1));
        yield return Case("Adam on 2 parameters (scalar path)", () => new ScalarAdamNet(), () => new ReferenceAdam(0.1, weightDecay: 0.1));
    }

    private static object[] Case(string name, Func<INetwork<double>> network, Func<ReferenceOptimizer> reference)
        => [name, new Factory<INetwork<double>>(network), new Factory<ReferenceOptimizer>(reference)];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void The_first_three_updates_equal_the_torch_formulas(string name, Factory<INetwork<double>> networkFactory, Factory<ReferenceOptimizer> referenceFactory)
    {
        _ = name;
        INetwork<double> network = networkFactory.Create();
        ReferenceOptimizer reference = referenceFactory.Create();
        var random = new Random(17);
        double[] theta = RandomVector(random, network.ParameterCount);
        theta.CopyTo(network.Parameters);

        for (int t = 1; t <= 3; t++)
        {
            // A fixed summed gradient over 4 samples; the update averages it.
            double[] summed = RandomVector(random, network.ParameterCount);
            summed.CopyTo(network.Gradients);
            network.ApplyGradients(4);
            reference.Step(theta, Array.ConvertAll(summed, value => value / 4), t);

            for (int i = 0; i < theta.Length; i++)
            {
                Assert.Equal(theta[i], network.Parameters[i], 1e-12);
            }

            Assert.True(network.Gradients.IndexOfAnyExcept(0.0) < 0, "ApplyGradients clears the gradient");
            Assert.Equal(t, network.OptimizerStep);
        }
    }

    [Fact]
    public void Gradient_clipping_rescales_the_averaged_gradient_to_the_global_norm_before_the_update()
    {
        var network = new ClippedSgdNet();
        var reference = new ReferenceSgd(0.1, momentum: 0.9);
        var random = new Random(23);
        double[] theta = RandomVector(random, ClippedSgdNet.ParameterCount);
        theta.CopyTo(network.Parameters);

        for (int t = 1; t <= 3; t++)
        {
            double[] summed = RandomVector(random, ClippedSgdNet.ParameterCount); // norm ≈ 3.5 after averaging over 1
            summed.CopyTo(network.Gradients);
            network.ApplyGradients(1);
            reference.Step(theta, ReferenceOptimizer.ClipToNorm(summed, 0.5), t);

            for (int i = 0; i < theta.Length; i++)
            {
                Assert.Equal(theta[i], network.Parameters[i], 1e-12);
            }
        }
    }

    [Fact]
    public void Optimizer_state_has_one_vector_per_moment()
    {
        Assert.Equal(0, new SgdNet().OptimizerState.Length);
        Assert.Equal(SgdMomentumNet.ParameterCount, new SgdMomentumNet().OptimizerState.Length);
        Assert.Equal(2 * AdamNet.ParameterCount, new AdamNet().OptimizerState.Length);
        Assert.Equal(3 * AmsgradNet.ParameterCount, new AmsgradNet().OptimizerState.Length);
        Assert.Equal(2 * RmsPropNet.ParameterCount, new RmsPropNet().OptimizerState.Length);
        Assert.Equal(2 * CenteredRmsPropNet.ParameterCount, new CenteredRmsPropNet().OptimizerState.Length);
    }

    [Fact]
    public void The_learning_rate_is_settable_and_rejects_values_that_are_not_positive()
    {
        var network = new AdamNet();
        Assert.Equal(0.01, network.LearningRate);

        network.LearningRate = 0.5;
        Assert.Equal(0.5, network.LearningRate);
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => network.LearningRate = 0);
        Assert.Contains("LearningRate of AdamNet is 0", exception.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.LearningRate = double.NaN);
        Assert.Equal(0.5, network.LearningRate);
    }

    private static double[] RandomVector(Random random, int length)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.NextDouble() * 2 - 1;
        }

        return values;
    }

    /// <summary>Wraps a constructor so xunit shows a short case name.</summary>
    public sealed class Factory<T>(Func<T> create)
    {
        public T Create() => create();

        public override string ToString() => typeof(T).Name;
    }
}

/// <summary>
/// Updates of more parameters than one thread takes (<see cref="Kernels.KernelThreads.MinimumElementsPerThread"/>)
/// run in ranges on several threads. Every element is updated by the same vector formula either way, so the result
/// must equal the one-thread update bit for bit; the formulas themselves are checked by <see cref="OptimizerTests"/>.
/// </summary>
public sealed class SplitOptimizerTests
{
    private const int Length = 3 * Kernels.KernelThreads.MinimumElementsPerThread + 13; // three parts, and a tail

    public static TheoryData<string> Optimizers() => new() { "sgd", "momentum", "adam", "rmsprop", "adagrad" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_split_update_equals_the_one_thread_update(string optimizer)
    {
        Assert.Equal(Update(optimizer, threads: 1), Update(optimizer, threads: 3));
    }

    private static float[] Update(string optimizer, int threads)
    {
        var random = new Random(9);
        float[] Random() => Array.ConvertAll(new float[Length], _ => (float)random.NextDouble() - 0.5f);
        float[] p = Random(), g = Random(), a = Random(), b = Random(), c = Random();
        for (int i = 0; i < Length; i++)
        {
            b[i] = Math.Abs(b[i]); // second moments and sums of squares are never negative
            c[i] = Math.Abs(c[i]);
        }

        int saved = Kernels.KernelThreads.MaxThreads;
        Kernels.KernelThreads.MaxThreads = threads;
        try
        {
            switch (optimizer)
            {
                case "sgd": Kernels.OptimizerKernels.Sgd<float>(p, g, 0.1f, 0.01f, 0.5f); break;
                case "momentum": Kernels.OptimizerKernels.SgdMomentum<float>(p, g, a, 0.1f, 0.9f, nesterov: true, 0.01f, 0.5f); break;
                case "adam": Kernels.OptimizerKernels.Adam<float>(p, g, a, b, c, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupledWeightDecay: false, step: 3, 0.5f); break;
                case "rmsprop": Kernels.OptimizerKernels.RmsProp<float>(p, g, b, a, c, 0.01f, 0.99f, 1e-8f, 0.5f, 0.01f, 0.5f); break;
                default: Kernels.OptimizerKernels.Adagrad<float>(p, g, b, 0.1f, 1e-10f, 0.01f, 0.1f, step: 2, 0.5f); break;
            }
        }
        finally
        {
            Kernels.KernelThreads.MaxThreads = saved;
        }

        Assert.True(Array.TrueForAll(g, value => value == 0), "the update clears the gradient");
        return [.. p, .. a, .. b, .. c];
    }
}
