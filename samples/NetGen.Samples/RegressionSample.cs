using System;
using System.IO;
using NetGen.Data;
using NetGen.Metrics;
using NetGen.Preprocessing;

namespace NetGen.Samples;

/// <summary>
/// House prices from a CSV file to R² on held-out tracts: the Boston housing data (Data/boston-house-prices.csv, whose
/// provenance is in Data/README.md), 12 attributes of a census tract to its median home value.
/// </summary>
public static class RegressionSample
{
    public static void Run(SampleContext context) => TrainAndTest(context);

    /// <summary>R² on the held-out 20% after training in full (or fast) length; the tests check it.</summary>
    public static double RSquared(bool fast) => TrainAndTest(new SampleContext(TextWriter.Null, Path.GetTempPath(), fast));

    private static double TrainAndTest(SampleContext context)
    {
        // The user's code, from the file to R² on tracts the network never saw.
        string[] attributes = ["crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio", "lstat"];
        CsvData<float> data = CsvFile.ReadRegression<float>(
            Path.Combine(AppContext.BaseDirectory, "Data", "boston-house-prices.csv"), "cmedv", new CsvReadOptions { Features = attributes });
        (float[] trainX, float[] trainY, float[] testX, float[] testY) = DataSplit.TrainTestSplit(data.Features, data.FeatureCount, data.Targets, 1, testFraction: 0.2, seed: 1);
        Standardizer scaler = Standardizer.Fit<float>(trainX, data.FeatureCount);   // fitted on the training tracts only
        scaler.Transform<float>(trainX.AsSpan());
        scaler.Transform<float>(testX.AsSpan());

        var network = new HousingNet();
        TrainingHistory history = network.Fit(trainX, trainY, new TrainingOptions { Epochs = context.Fast ? 40 : 300, BatchSize = 32, Seed = 2 });
        float[] predicted = network.PredictBatch(testX);
        double r2 = RegressionMetrics.RSquared<float>(testY, predicted);
        // End of the user's code.

        context.Out.WriteLine($"Boston housing, {data.Count} tracts ({trainY.Length} to train on, {testY.Length} held out), 12-32-1 (ReLU), MSE, Adam 0.01");
        context.Out.WriteLine($"  training MSE {history.Epochs[0].TrainingLoss:F1} → {history.Epochs[^1].TrainingLoss:F2} in {history.Epochs.Count} epochs");
        context.Out.WriteLine($"  held out: R² {r2:F3}, MAE {RegressionMetrics.MeanAbsoluteError<float>(testY, predicted):F2}k$, RMSE {RegressionMetrics.RootMeanSquaredError<float>(testY, predicted):F2}k$");

        // The scaler is saved beside the weights, so that a program that loads the model scales its inputs the same way.
        string weights = context.OutputFile("housing.safetensors"), scaling = context.OutputFile("housing.scaler.json");
        network.Save(weights);
        scaler.Save(scaling);
        var reloaded = new HousingNet();
        reloaded.Load(weights);
        float[] tract = data.Features.AsSpan(0, data.FeatureCount).ToArray();
        FeatureScaler.Load(scaling).Transform<float>(tract.AsSpan());
        context.Out.WriteLine($"  first tract, reloaded model: predicted {reloaded.Predict(tract)[0]:F1}k$, recorded {data.Targets[0]:F1}k$");
        return r2;
    }
}
