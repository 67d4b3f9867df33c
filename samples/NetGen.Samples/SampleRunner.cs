using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetGen;
using Spectre.Console;

namespace NetGen.Samples;

/// <summary>Where a sample writes and how long it trains.</summary>
/// <param name="Out">Where it prints.</param>
/// <param name="OutputFolder">Where its PNG files go.</param>
/// <param name="Fast">A few epochs only (the tests run every command this way).</param>
public sealed record SampleContext(TextWriter Out, string OutputFolder, bool Fast)
{
    /// <summary>
    /// Runs a training run with progress: a live bar (epoch, loss, time left) on an interactive console, and one plain
    /// line every few epochs when the output is redirected or captured. The callback goes to
    /// <see cref="TrainingOptions.EpochCompleted"/>, which runs on the training thread, so every line is written before
    /// Fit returns.
    /// </summary>
    public TrainingHistory Train(string name, int epochs, Func<Action<EpochReport>, TrainingHistory> train)
    {
        if (!ReferenceEquals(Out, Console.Out) || Console.IsOutputRedirected)
        {
            int every = Math.Max(1, epochs / 5);
            return train(report =>
            {
                if (report.Epoch % every == 0 || report.Epoch == epochs)
                {
                    double remaining = report.Elapsed.TotalSeconds / report.Epoch * (epochs - report.Epoch);
                    Out.WriteLine($"  {name} epoch {report.Epoch}/{epochs}: loss {report.TrainingLoss:F4}, {report.Elapsed.TotalSeconds:F1} s, about {remaining:F1} s to go");
                }
            });
        }

        return AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                ProgressTask task = progress.AddTask(name, maxValue: epochs);
                TrainingHistory history = train(report =>
                {
                    task.Value = report.Epoch;
                    task.Description = $"{name}: epoch {report.Epoch}, loss {report.TrainingLoss:F4}";
                });
                task.StopTask();
                return history;
            });
    }

    /// <summary>The path of an output file, announced as it is written.</summary>
    public string OutputFile(string name)
    {
        string path = Path.Combine(OutputFolder, name);
        Out.WriteLine($"  → {path}");
        return path;
    }
}

/// <summary>
/// The sample's commands. With no command it runs a short tour of all of them; with one it runs that one.
/// <c>--fast</c> trains for a few epochs only; <c>--output DIR</c> chooses where the PNG plots go (./netgen-output by default).
/// </summary>
public static class SampleRunner
{
    private static readonly (string Name, string Summary, Action<SampleContext> Run)[] Commands =
    [
        ("xor", "XOR in the three modes of gradient descent, with their loss curves", XorSample.Run),
        ("iris", "Fisher's Iris flowers: train/test split, accuracy and confusion matrix", IrisSample.Run),
        ("mnist", "real handwritten digits: 8,000 to train on, 2,000 to test, a confusion matrix and the mistakes", MnistSample.Run),
        ("mnist-cnn", "the same digits with LeNet-5: convolutions and pooling, its first-layer filters and its mistakes", CnnSample.Run),
        ("spiral", "two interleaved spirals and the decision boundary between them", SpiralSample.Run),
        ("sine", "regression of sin(x), with the fit along the way", SineSample.Run),
        ("regression", "house prices from a CSV file: standardised features, a held-out split, R², MAE and RMSE", RegressionSample.Run),
        ("gradient", "the gradient chapter: ∇u, descent on convex and non-convex surfaces, batch vs stochastic vs mini-batch", GradientSample.Run),
        ("optimizers", "SGD, momentum, RMSprop and Adam on the same network and data", OptimizersSample.Run),
    ];

    public static int Run(string[] args, TextWriter output)
    {
        var arguments = new List<string>(args);
        if (arguments.Contains("--help") || arguments.Contains("-h"))
        {
            WriteUsage(output);
            return 0;
        }

        bool fast = arguments.Remove("--fast");
        string folder = Path.GetFullPath("netgen-output");
        int outputIndex = arguments.IndexOf("--output");
        if (outputIndex >= 0 && outputIndex + 1 < arguments.Count)
        {
            folder = Path.GetFullPath(arguments[outputIndex + 1]);
            arguments.RemoveRange(outputIndex, 2);
        }

        var selected = arguments.Count == 0 ? Commands : Commands.Where(c => arguments.Contains(c.Name)).ToArray();
        if (selected.Length == 0 || selected.Length != arguments.Count && arguments.Count > 0)
        {
            output.WriteLine($"Unknown command '{string.Join(" ", arguments)}'.");
            WriteUsage(output);
            return 2;
        }

        Directory.CreateDirectory(folder);
        output.WriteLine($"NetGen samples; plots go to {folder}");
        var context = new SampleContext(output, folder, fast);
        foreach ((string name, string summary, Action<SampleContext> run) in selected)
        {
            output.WriteLine();
            output.WriteLine($"== {name}: {summary}");
            run(context);
        }

        return 0;
    }

    /// <summary>The commands and options, each name padded to the longest so the descriptions line up.</summary>
    private static void WriteUsage(TextWriter output)
    {
        (string Name, string Summary)[] options =
        [
            ("--fast", "a few epochs of each, for a quick look"),
            ("--output DIR", "where the PNG plots go (./netgen-output by default)"),
            ("--help, -h", "this list"),
        ];
        int width = Math.Max(Commands.Max(c => c.Name.Length), options.Max(o => o.Name.Length));
        output.WriteLine("Usage: dotnet run -c Release --project samples/NetGen.Samples -- [command ...] [options]");
        output.WriteLine("With no command, runs every one in turn.");
        output.WriteLine();
        output.WriteLine("Commands:");
        foreach ((string name, string summary, _) in Commands)
        {
            output.WriteLine($"  {name.PadRight(width)}  {summary}");
        }

        output.WriteLine();
        output.WriteLine("Options:");
        foreach ((string name, string summary) in options)
        {
            output.WriteLine($"  {name.PadRight(width)}  {summary}");
        }
    }
}
