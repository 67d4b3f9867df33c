using System;
using System.Collections.Generic;
using NetGen.Tests.Gradients;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// The generated backward pass against central finite differences of an independent reference implementation
/// (<see cref="ReferenceNetwork"/>), in double precision.
/// </summary>
public sealed class GradientCheckTests
{
    private const double Slope = 0.01;

    public static IEnumerable<object[]> Cases()
    {
        yield return Case("MSE, identity output, tanh and sigmoid hidden", () => new MseIdentityNet(),
            new ReferenceNetwork(3, Loss.MeanSquaredError, (5, Activation.Tanh, Slope), (7, Activation.Sigmoid, Slope), (2, Activation.Identity, Slope)));
        yield return Case("MSE, sigmoid output, ReLU hidden", () => new MseSigmoidNet(),
            new ReferenceNetwork(3, Loss.MeanSquaredError, (5, Activation.ReLU, Slope), (2, Activation.Sigmoid, Slope)));
        yield return Case("MSE, tanh output, leaky ReLU hidden (slope 0.2)", () => new MseTanhNet(),
            new ReferenceNetwork(3, Loss.MeanSquaredError, (5, Activation.LeakyReLU, 0.2), (2, Activation.Tanh, Slope)));
        yield return Case("MSE, ReLU output, identity hidden", () => new MseReLUNet(),
            new ReferenceNetwork(3, Loss.MeanSquaredError, (5, Activation.Identity, Slope), (3, Activation.ReLU, Slope)));
        yield return Case("MSE, leaky ReLU output, three hidden layers", () => new MseLeakyReLUNet(),
            new ReferenceNetwork(4, Loss.MeanSquaredError, (6, Activation.Tanh, Slope), (5, Activation.ReLU, Slope), (3, Activation.Sigmoid, Slope), (2, Activation.LeakyReLU, Slope)));
        yield return Case("MSE, softmax output", () => new MseSoftmaxNet(),
            new ReferenceNetwork(3, Loss.MeanSquaredError, (5, Activation.Tanh, Slope), (4, Activation.Softmax, Slope)));
        yield return Case("BCE, sigmoid output", () => new BceNet(),
            new ReferenceNetwork(3, Loss.BinaryCrossEntropy, (7, Activation.Tanh, Slope), (2, Activation.Sigmoid, Slope)));
        yield return Case("CE, softmax output, two hidden layers", () => new CrossEntropyNet(),
            new ReferenceNetwork(3, Loss.CrossEntropy, (5, Activation.ReLU, Slope), (7, Activation.LeakyReLU, Slope), (3, Activation.Softmax, Slope)));
        yield return Case("kernels: MSE, identity output, tanh and sigmoid hidden", () => new KernelMseNet(),
            new ReferenceNetwork(11, Loss.MeanSquaredError, (13, Activation.Tanh, Slope), (11, Activation.Sigmoid, Slope), (7, Activation.Identity, Slope)));
        yield return Case("kernels: MSE, softmax output, leaky ReLU and unrolled ReLU hidden", () => new KernelMseSoftmaxNet(),
            new ReferenceNetwork(11, Loss.MeanSquaredError, (13, Activation.LeakyReLU, 0.1), (7, Activation.ReLU, Slope), (23, Activation.Softmax, Slope)));
        yield return Case("kernels: MSE, tanh output, identity hidden", () => new KernelTanhOutputNet(),
            new ReferenceNetwork(13, Loss.MeanSquaredError, (12, Activation.Identity, Slope), (11, Activation.Tanh, Slope)));
        yield return Case("kernels: MSE, leaky ReLU output, ReLU hidden", () => new KernelLeakyOutputNet(),
            new ReferenceNetwork(15, Loss.MeanSquaredError, (9, Activation.ReLU, Slope), (15, Activation.LeakyReLU, Slope)));
        yield return Case("kernels: BCE, sigmoid output", () => new KernelBceNet(),
            new ReferenceNetwork(17, Loss.BinaryCrossEntropy, (9, Activation.ReLU, Slope), (16, Activation.Sigmoid, Slope)));
        yield return Case("kernels: CE, softmax output", () => new KernelCrossEntropyNet(),
            new ReferenceNetwork(9, Loss.CrossEntropy, (17, Activation.Sigmoid, Slope), (10, Activation.Softmax, Slope)));
        yield return Case("custom Swish activation, unrolled, kernel and output layers", () => new SwishNet(),
            new ReferenceNetwork(3, Loss.MeanSquaredError, (5, Swish, Slope), (13, Swish, Slope), (11, Activation.Tanh, Slope), (2, Swish, Slope)));
    }

    /// <summary>Marks a reference layer as Swish, x·σ(x), computed by the reference itself.</summary>
    internal const Activation Swish = (Activation)100;

    private static object[] Case(string name, Func<INetwork<double>> create, ReferenceNetwork reference)
        => [name, new NetworkFactory(create), reference];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Accumulated_gradient_matches_central_finite_differences(string name, NetworkFactory factory, ReferenceNetwork reference)
    {
        _ = name;
        INetwork<double> network = factory.Create();
        Assert.Equal(reference.ParameterCount, network.ParameterCount);
        RandomizeParameters(network, seed: 13); // biases too: a fresh network's are all zero, which hides bias bugs
        (double[] inputs, double[] targets) = RandomBatch(reference, samples: 5, seed: 11);

        double summedLoss = network.AccumulateGradients(inputs, targets);

        double[] parameters = network.Parameters.ToArray();
        Assert.Equal(reference.SummedLoss(parameters, inputs, targets), summedLoss, 1e-12);
        AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, targets), network.Gradients.ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Predict_and_ComputeLoss_match_the_reference_forward_pass(string name, NetworkFactory factory, ReferenceNetwork reference)
    {
        _ = name;
        INetwork<double> network = factory.Create();
        RandomizeParameters(network, seed: 17);
        (double[] inputs, double[] targets) = RandomBatch(reference, samples: 4, seed: 5);
        double[] parameters = network.Parameters.ToArray();

        var outputs = new double[4 * reference.Outputs];
        network.PredictBatch(inputs, outputs);
        for (int s = 0; s < 4; s++)
        {
            double[] expected = reference.Forward(parameters, inputs.AsSpan(s * reference.Inputs, reference.Inputs)).Outputs;
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.Equal(expected[k], outputs[s * reference.Outputs + k], 1e-12);
            }
        }

        Assert.Equal(reference.SummedLoss(parameters, inputs, targets) / 4, network.ComputeLoss(inputs, targets), 1e-12);
    }

    [Fact]
    public void Cross_entropy_label_overloads_give_the_gradient_of_one_hot_targets()
    {
        var reference = new ReferenceNetwork(9, Loss.CrossEntropy, (17, Activation.Sigmoid, Slope), (10, Activation.Softmax, Slope));
        var network = new KernelCrossEntropyNet();
        var random = new Random(3);
        int[] labels = [3, 9, 0, 4];
        double[] inputs = RandomValues(random, labels.Length * 9);
        double[] oneHot = new double[labels.Length * 10];
        for (int s = 0; s < labels.Length; s++)
        {
            oneHot[s * 10 + labels[s]] = 1;
        }

        double loss = network.AccumulateGradients(inputs, labels);

        double[] parameters = network.Parameters.ToArray();
        Assert.Equal(reference.SummedLoss(parameters, inputs, oneHot), loss, 1e-12);
        Assert.Equal(reference.SummedLoss(parameters, inputs, oneHot) / labels.Length, network.ComputeLoss(inputs, labels), 1e-12);
        AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, oneHot), network.Gradients.ToArray());
    }

    [Fact]
    public void Soft_cross_entropy_targets_that_do_not_sum_to_one_get_the_exact_gradient()
    {
        var reference = new ReferenceNetwork(3, Loss.CrossEntropy, (5, Activation.ReLU, Slope), (7, Activation.LeakyReLU, Slope), (3, Activation.Softmax, Slope));
        var network = new CrossEntropyNet();
        double[] inputs = [0.3, -1.2, 0.8, 1.5, 0.1, -0.4];
        double[] targets = [0.2, 0.5, 0.1, 0, 2, 0.7]; // masses 0.8 and 2.7

        network.AccumulateGradients(inputs, targets);

        double[] parameters = network.Parameters.ToArray();
        AssertGradientsAgree(reference.FiniteDifferenceGradient(parameters, inputs, targets), network.Gradients.ToArray());
    }

    /// <summary>
    /// Each component within a relative error of 1e-6 (plus 1e-9 absolute for components that are zero up to the
    /// differencing noise), and the whole vector within 1e-6 in the norm.
    /// </summary>
    internal static void AssertGradientsAgree(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double differenceNorm = 0, sumNorm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs(expected[i] - actual[i]);
            double scale = Math.Max(Math.Abs(expected[i]), Math.Abs(actual[i]));
            Assert.True(difference <= 1e-6 * scale + 1e-9, $"parameter {i}: finite differences give {expected[i]:R}, the network {actual[i]:R}");
            differenceNorm += difference * difference;
            sumNorm += (expected[i] + actual[i]) * (expected[i] + actual[i]);
        }

        Assert.True(Math.Sqrt(differenceNorm) <= 1e-6 * Math.Sqrt(sumNorm), "relative error of the whole gradient exceeds 1e-6");
        Assert.Contains(actual, value => value != 0); // a gradient that is all zeros proves nothing
    }

    internal static void RandomizeParameters(INetwork<double> network, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < network.ParameterCount; i++)
        {
            network.Parameters[i] = random.NextDouble() - 0.5;
        }
    }

    internal static (double[] Inputs, double[] Targets) RandomBatch(ReferenceNetwork reference, int samples, int seed)
    {
        var random = new Random(seed);
        double[] inputs = RandomValues(random, samples * reference.Inputs);
        double[] targets = new double[samples * reference.Outputs];
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = random.NextDouble(); // in [0, 1): valid for every loss, including soft cross-entropy
        }

        return (inputs, targets);
    }

    internal static double[] RandomValues(Random random, int count)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextDouble() * 4 - 2;
        }

        return values;
    }

    /// <summary>Wraps a constructor so xunit shows a readable case name rather than a delegate.</summary>
    public sealed class NetworkFactory(Func<INetwork<double>> create)
    {
        public INetwork<double> Create() => create();

        public override string ToString() => "network";
    }
}
