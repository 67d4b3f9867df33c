using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using NetGen;
using NetGen.Data;
using ScottPlot;

namespace NetGen.Samples;

/// <summary>Real handwritten digits: 8,000 to train on, 2,000 to test on.</summary>
public static class MnistSample
{
    public static void Run(SampleContext context)
    {
        string data = Path.Combine(AppContext.BaseDirectory, "Data");
        DigitImages digits = DigitImages.Load(Path.Combine(data, "mnist-10k-images-idx3-ubyte.gz"), Path.Combine(data, "mnist-10k-labels-idx1-ubyte.gz"));
        int[] order = Enumerable.Range(0, digits.Count).ToArray();
        new SeededRandom(2024).Shuffle(order.AsSpan()); // the file is grouped by digit
        (float[] trainX, float[] trainY) = Gather(digits, order[..8000]);
        (float[] testX, _) = Gather(digits, order[8000..]);
        int[] testLabels = order[8000..].Select(i => digits.Labels[i]).ToArray();

        int epochs = context.Fast ? 1 : 10;
        context.Out.WriteLine($"MNIST, 784-128-10 (ReLU, softmax), SGD 0.05 with momentum 0.9, mini-batches of 64, {epochs} epochs on 8,000 digits");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var network = new DigitsNet();
        context.Train("mnist", epochs, progress =>
            network.Fit(trainX, trainY, new TrainingOptions { Epochs = epochs, BatchSize = 64, Seed = 1, EpochCompleted = progress }));
        int[] predicted = network.PredictClasses(testX);
        double accuracy = NetGen.Metrics.ClassificationMetrics.Accuracy(testLabels, predicted);
        context.Out.WriteLine($"  trained in {clock.Elapsed.TotalSeconds:F1} s; test accuracy {accuracy:P1} of {testLabels.Length} digits");
        ConfusionTable.Write(context.Out, NetGen.Metrics.ClassificationMetrics.ConfusionMatrix(testLabels, predicted, 10), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

        var mistakes = Enumerable.Range(0, testLabels.Length).Where(i => predicted[i] != testLabels[i]).Take(24).ToList();
        MistakeGrid(context.OutputFile("mnist-mistakes.png"), testX, mistakes, testLabels, predicted);
    }

    /// <summary>Up to 24 misclassified digits in a grid, each titled with its true and predicted label.</summary>
    internal static void MistakeGrid(string path, float[] images, List<int> mistakes, int[] truth, int[] predicted)
    {
        const int columns = 6, cell = 34; // 28 pixels and a margin
        int rows = Math.Max(1, (mistakes.Count + columns - 1) / columns);
        var canvas = new double[rows * cell, columns * cell];
        var plot = new Plot();
        for (int m = 0; m < mistakes.Count; m++)
        {
            int top = m / columns * cell + 5, left = m % columns * cell + 3;
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    canvas[top + y, left + x] = images[mistakes[m] * 784 + y * 28 + x];
                }
            }

            var label = plot.Add.Text($"{truth[mistakes[m]]}→{predicted[mistakes[m]]}", left + 1, rows * cell - top + 4);
            label.LabelFontSize = 11;
            label.LabelFontColor = Colors.OrangeRed;
        }

        var heatmap = plot.Add.Heatmap(canvas);
        heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
        heatmap.Extent = new CoordinateRect(0, columns * cell, 0, rows * cell);
        plot.MoveToBack(heatmap);
        plot.Axes.Frameless();
        plot.Title("Misclassified test digits (true→predicted)"); // after Frameless, which hides the title panel too
        plot.HideGrid();
        plot.SavePng(path, columns * cell * 4, rows * cell * 4 + 40);
    }

    private static (float[] Pixels, float[] OneHot) Gather(DigitImages digits, int[] indices)
    {
        var pixels = new float[indices.Length * 784];
        var oneHot = new float[indices.Length * 10];
        for (int i = 0; i < indices.Length; i++)
        {
            digits.Pixels.AsSpan(indices[i] * 784, 784).CopyTo(pixels.AsSpan(i * 784));
            oneHot[i * 10 + digits.Labels[indices[i]]] = 1;
        }

        return (pixels, oneHot);
    }
}

/// <summary>Two interleaved spirals, and the curved decision boundary a 2-32-32-2 network learns between them.</summary>
public static class SpiralSample
{
    public static void Run(SampleContext context)
    {
        (float[] x, float[] y) = Spirals(200, noise: 0.25, seed: 3);
        int epochs = context.Fast ? 30 : 400;
        var network = new SpiralNet();
        TrainingHistory history = context.Train("spiral", epochs, progress =>
            network.Fit(x, y, new TrainingOptions { Epochs = epochs, BatchSize = 32, Seed = 2, EpochCompleted = progress }));
        var outputs = new float[y.Length];
        network.PredictBatch(x, outputs);
        int correct = Enumerable.Range(0, y.Length / 2).Count(i => (outputs[2 * i + 1] > 0.5f) == (y[2 * i + 1] > 0.5f));
        context.Out.WriteLine($"Spirals, 2-32-32-2 (tanh, softmax), Adam 0.01, {epochs} epochs: loss {history.Epochs[0].TrainingLoss:F3} → {history.FinalLoss:F3}, training accuracy {100.0 * correct / (y.Length / 2):F1}%");

        const int resolution = 150;
        var probability = new double[resolution, resolution];
        var point = new float[2];
        var output = new float[2];
        for (int row = 0; row < resolution; row++)
        {
            for (int column = 0; column < resolution; column++)
            {
                point[0] = (float)(Scale * (-1.2 + 2.4 * column / (resolution - 1)));
                point[1] = (float)(Scale * (1.2 - 2.4 * row / (resolution - 1)));
                network.Predict(point, output);
                probability[row, column] = output[1];
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(probability);
        heatmap.Extent = new CoordinateRect(-1.2 * Scale, 1.2 * Scale, -1.2 * Scale, 1.2 * Scale);
        heatmap.Colormap = new ScottPlot.Colormaps.MellowRainbow();
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = "P(spiral 1)";
        foreach (int label in new[] { 0, 1 })
        {
            int[] members = Enumerable.Range(0, x.Length / 2).Where(i => y[2 * i + label] > 0.5f).ToArray();
            var scatter = plot.Add.ScatterPoints(members.Select(i => (double)x[2 * i]).ToArray(), members.Select(i => (double)x[2 * i + 1]).ToArray());
            // White points with a black outline; the legend sits on grey, so both markers show in it as on the map.
            scatter.MarkerFillColor = label == 0 ? Colors.Black : Colors.White;
            scatter.MarkerLineColor = Colors.Black;
            scatter.MarkerLineWidth = 1;
            scatter.MarkerShape = MarkerShape.FilledCircle;
            scatter.MarkerSize = 6;
            scatter.LegendText = $"spiral {label}";
        }

        plot.Title("Decision boundary learned on two spirals");
        plot.ShowLegend(Alignment.UpperRight);
        plot.Legend.BackgroundColor = Colors.Gray;
        plot.Legend.FontColor = Colors.White;
        plot.SavePng(context.OutputFile("spiral-boundary.png"), 700, 650);
    }

    /// <summary>The outer radius. Points spread over [−4, 4] put a tanh layer past its linear range from the start.</summary>
    private const double Scale = 4;

    private static (float[] X, float[] Y) Spirals(int perClass, double noise, int seed)
    {
        var random = new SeededRandom(seed);
        var x = new float[perClass * 2 * 2];
        var y = new float[perClass * 2 * 2];
        for (int i = 0; i < perClass * 2; i++)
        {
            int label = i % 2;
            double t = (i / 2) / (double)perClass * 3 * Math.PI + 0.5;
            double radius = Scale * t / (3 * Math.PI + 0.5);
            double angle = t + label * Math.PI;
            x[2 * i] = (float)(radius * Math.Cos(angle) + noise * random.NextGaussian());
            x[2 * i + 1] = (float)(radius * Math.Sin(angle) + noise * random.NextGaussian());
            y[2 * i + label] = 1;
        }

        return (x, y);
    }
}

/// <summary>Regression: sin(x), with the fit drawn at a few epochs along the way.</summary>
public static class SineSample
{
    public static void Run(SampleContext context)
    {
        const int points = 64;
        float[] x = Enumerable.Range(0, points).Select(i => (float)(-Math.PI + 2 * Math.PI * i / (points - 1))).ToArray();
        float[] y = x.Select(MathF.Sin).ToArray();
        int[] snapshots = context.Fast ? [1, 5, 20] : [1, 10, 50, 300];
        var network = new SineNet();
        var series = new List<(string, double[], double[])> { ("sin x (data)", x.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray()) };
        int done = 0;
        foreach (int epochs in snapshots)
        {
            network.Fit(x, y, new TrainingOptions { Epochs = epochs, InitialEpoch = done, BatchSize = 8, Seed = 4 });
            done = epochs;
            var fit = new float[points];
            network.PredictBatch(x, fit);
            series.Add(($"after {epochs} epoch{(epochs == 1 ? "" : "s")}", x.Select(v => (double)v).ToArray(), fit.Select(v => (double)v).ToArray()));
        }

        context.Out.WriteLine($"sin(x), 1-16-16-1 (tanh), Adam 0.01, mini-batches of 8: MSE after {done} epoch{(done == 1 ? "" : "s")} {network.ComputeLoss(x, y):F5}");
        Plots.Lines(context.OutputFile("sine-fit.png"), "Fitting sin(x): the data and the fit along the way", "x", "y", series);
    }
}

/// <summary>SGD, momentum, RMSprop and Adam on the same network and data.</summary>
public static class OptimizersSample
{
    public static void Run(SampleContext context)
    {
        var random = new SeededRandom(9);
        (double X, double Y)[] centres = [(0, 1.5), (-1.5, -1), (1.5, -1)];
        var x = new float[300 * 2];
        var y = new float[300 * 3];
        for (int i = 0; i < 300; i++)
        {
            x[2 * i] = (float)(centres[i % 3].X + 0.8 * random.NextGaussian());
            x[2 * i + 1] = (float)(centres[i % 3].Y + 0.8 * random.NextGaussian());
            y[3 * i + i % 3] = 1;
        }

        int epochs = context.Fast ? 10 : 60;
        var curves = new List<(string, double[], double[])>();
        foreach ((string name, INetwork<float> network) in new (string, INetwork<float>)[]
                 {
                     ("SGD 0.05", new PlainSgdNet()), ("SGD 0.05, momentum 0.9", new MomentumNet()), ("RMSprop 0.005", new RmsPropNet()), ("Adam 0.01", new AdamNet()),
                 })
        {
            TrainingHistory history = Trainer.Fit(network, x, y, new TrainingOptions { Epochs = epochs, BatchSize = 16, Seed = 6 });
            curves.Add((name, history.Epochs.Select(r => (double)r.Epoch).ToArray(), history.TrainingLoss));
            context.Out.WriteLine($"  {name,-24} cross-entropy {history.Epochs[0].TrainingLoss:F3} → {history.FinalLoss:F3}");
        }

        Plots.Lines(context.OutputFile("optimizers.png"), "Four optimizers on the same 2-16-3 network and data", "epoch", "cross-entropy", curves);
    }
}
