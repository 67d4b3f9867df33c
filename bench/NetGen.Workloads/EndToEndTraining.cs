using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NetGen.Data;

namespace NetGen.Workloads;

/// <summary>
/// mnist-e2e as every engine runs it: 10,000 real digits split with a fixed seed into 8,000 to train on and 2,000 to
/// test on, 10 epochs of mini-batches of 64 in <see cref="Trainer.EpochOrder"/>'s order; and NetGen's side of it, which
/// both the bench (JIT) and NetGen.EndToEndAot (Native AOT) run. mnist-cnn-e2e trains LeNet the same way, on
/// standardized pixels.
/// </summary>
public static class EndToEndTraining
{
    public const int Epochs = 10, TrainCount = 8000, BatchSize = 64, ShuffleSeed = 1, SplitSeed = 2024;

    /// <summary>The digits in <paramref name="dataFolder"/>, shuffled with <see cref="SplitSeed"/> (they are stored grouped by class) and split.</summary>
    public static (float[] TrainX, int[] TrainLabels, float[] TestX, int[] TestLabels) LoadSplit(string dataFolder)
    {
        DigitImages digits = DigitImages.Load(
            Path.Combine(dataFolder, "mnist-10k-images-idx3-ubyte.gz"), Path.Combine(dataFolder, "mnist-10k-labels-idx1-ubyte.gz"));
        int[] order = Enumerable.Range(0, digits.Count).ToArray();
        new SeededRandom(SplitSeed).Shuffle(order.AsSpan());
        float[] Gather(int[] indices)
        {
            var values = new float[indices.Length * 784];
            for (int i = 0; i < indices.Length; i++)
            {
                digits.Pixels.AsSpan(indices[i] * 784, 784).CopyTo(values.AsSpan(i * 784));
            }

            return values;
        }

        int[] train = order[..TrainCount], test = order[TrainCount..];
        return (Gather(train), train.Select(i => digits.Labels[i]).ToArray(), Gather(test), test.Select(i => digits.Labels[i]).ToArray());
    }

    /// <summary>mnist-e2e's NetGen side: <see cref="MnistEndToEndNet"/> trained by <see cref="TrainNetGen(INetwork{float}, float[], int[], float[])"/>.</summary>
    public static int[] TrainNetGen(float[] trainX, int[] trainLabels, float[] testX) => TrainNetGen(new MnistEndToEndNet(), trainX, trainLabels, testX);

    /// <summary>
    /// Trains <paramref name="network"/> as a user would, with Trainer.Fit on the class labels (<see cref="Epochs"/> epochs of
    /// <see cref="BatchSize"/>, shuffled with <see cref="ShuffleSeed"/>), and returns its class for every test sample.
    /// </summary>
    public static int[] TrainNetGen(INetwork<float> network, float[] trainX, int[] trainLabels, float[] testX)
    {
        Trainer.Fit(network, trainX, trainLabels, new TrainingOptions { Epochs = Epochs, BatchSize = BatchSize, Shuffle = true, Seed = ShuffleSeed });
        return network.PredictClasses(testX);
    }

    /// <summary>
    /// Centres and scales both sets by the training set's mean and (population) deviation of all pixels, as LeNet is
    /// usually trained (and as the samples' mnist-cnn command does); mnist-cnn-e2e's inputs. The test set gets the
    /// training set's numbers. NetGen's own <see cref="Preprocessing.Standardizer"/>, fitted on every pixel as one feature.
    /// </summary>
    public static void Standardize(float[] trainX, float[] testX)
    {
        var scaler = Preprocessing.Standardizer.Fit<float>(trainX, featureCount: 1);
        scaler.Transform<float>(trainX.AsSpan());
        scaler.Transform<float>(testX.AsSpan());
    }

    /// <summary>The result line the bench parses: seconds since this process started, and test accuracy.</summary>
    public static string ResultLine(int[] predicted, int[] testLabels)
    {
        double seconds = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        double accuracy = predicted.Zip(testLabels, (p, t) => p == t ? 1.0 : 0.0).Average();
        return FormattableString.Invariant($"{seconds:F3} {accuracy:F4}");
    }
}
