using System;
using System.Collections.Generic;
using NetGen.Tests.Convergence;
using Xunit;

namespace NetGen.Tests;

/// <summary>Every optimizer trains: XOR to the core issue's target, and a 3-class problem to high accuracy.</summary>
public sealed class ConvergenceTests
{
    private static readonly float[] XorInputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly float[] XorTargets = [0, 1, 1, 0];

    public static IEnumerable<object[]> XorNetworks()
    {
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new XorMomentum()), "SGD with momentum"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new XorAdam()), "Adam"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new XorAdamW()), "AdamW"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new XorRmsProp()), "RMSprop"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new XorAdagrad()), "Adagrad"];
    }

    public static IEnumerable<object[]> BlobNetworks()
    {
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new BlobsMomentum()), "SGD with Nesterov momentum"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new BlobsAdam()), "Adam"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new BlobsAdamW()), "AdamW"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new BlobsRmsProp()), "RMSprop"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new BlobsAdagrad()), "Adagrad"];
        yield return [new OptimizerTests.Factory<INetwork<float>>(() => new BlobsClippedSgd()), "SGD with clipping and normal initializers"];
    }

    [Theory]
    [MemberData(nameof(XorNetworks))]
    public void Every_optimizer_brings_XOR_below_a_mean_BCE_of_0_05(OptimizerTests.Factory<INetwork<float>> factory, string optimizer)
    {
        INetwork<float> network = factory.Create();

        Trainer.Fit(network, XorInputs, XorTargets, new TrainingOptions { Epochs = 1000, BatchSize = 0 });

        float loss = network.ComputeLoss(XorInputs, XorTargets);
        Assert.True(loss < 0.05f, $"{optimizer}: mean BCE {loss}");
    }

    [Theory]
    [MemberData(nameof(BlobNetworks))]
    public void Every_optimizer_separates_three_classes(OptimizerTests.Factory<INetwork<float>> factory, string optimizer)
    {
        INetwork<float> network = factory.Create();
        (float[] trainX, float[] trainY) = Blobs(300, seed: 1);
        (float[] testX, float[] testY) = Blobs(150, seed: 2);

        TrainingHistory history = Trainer.Fit(network, trainX, trainY, new TrainingOptions
        {
            Epochs = 60,
            BatchSize = 16,
            Seed = 3,
            ValidationInputs = testX,
            ValidationTargets = testY,
        });

        double accuracy = history.Epochs[^1].Accuracy!.Value;
        Assert.True(accuracy >= 0.95, $"{optimizer}: test accuracy {accuracy:P1}");
        Assert.True(history.Epochs[^1].ValidationLoss < history.Epochs[0].ValidationLoss, $"{optimizer}: validation loss did not fall");
    }

    /// <summary>Three Gaussian blobs (σ = 0.6) around (0, 2), (−2, −1) and (2, −1), one-hot targets.</summary>
    internal static (float[] Inputs, float[] Targets) Blobs(int count, int seed)
    {
        (double X, double Y)[] centres = [(0, 2), (-2, -1), (2, -1)];
        var random = new SeededRandom(seed);
        var inputs = new float[count * 2];
        var targets = new float[count * 3];
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            inputs[2 * i] = (float)(centres[label].X + 0.6 * random.NextGaussian());
            inputs[2 * i + 1] = (float)(centres[label].Y + 0.6 * random.NextGaussian());
            targets[3 * i + label] = 1;
        }

        return (inputs, targets);
    }
}
