using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using NetGen.Benchmarks.Engines;
using NetGen.Kernels;
using NetGen.RuntimeGraph;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// mnist-e2e, the user's view: from process start to a trained 784-128-10 network on 8,000 real digits (10 epochs,
/// SGD 0.05 with momentum 0.9, mini-batches of 64, shuffled with a fixed seed), then its accuracy on the other
/// 2,000. Loading, JIT and the first steps are included. Each engine runs in a process of its own, with 1 thread
/// (netgen, graph, torch) or 2 (netgen-2t, torch-2t). mnist-cnn-e2e (<see cref="RunCnn"/>) is the same protocol on
/// lenet-b64 with Adam 1e-3 and standardized pixels, for NetGen and TorchSharp.
/// </summary>
public static class EndToEnd
{
    public const int Epochs = EndToEndTraining.Epochs, TrainCount = EndToEndTraining.TrainCount, BatchSize = EndToEndTraining.BatchSize;

    /// <summary>The engines, each a child process of the report. The netgen-aot ones run NetGen.EndToEndAot, published as Native AOT.</summary>
    public static readonly string[] Engines = ["netgen", "netgen-2t", "netgen-aot", "netgen-aot-2t", "graph", "torch", "torch-2t"];

    /// <summary>mnist-cnn-e2e's engines, each a child process of the report (no Native AOT or runtime graph).</summary>
    public static readonly string[] CnnEngines = ["netgen", "netgen-2t", "torch", "torch-2t"];

    /// <summary>The threads an engine trains with.</summary>
    public static int Threads(string engine) => engine.EndsWith("-2t", StringComparison.Ordinal) ? 2 : 1;

    /// <summary>Where the digits are, beside this program.</summary>
    public static string DataFolder => Path.Combine(AppContext.BaseDirectory, "Data");

    /// <summary>
    /// Publishes NetGen.EndToEndAot as Native AOT beside this program, for the netgen-aot engines. Returns the executable,
    /// or null and the reason the publish failed (no native toolchain, say), which then stands as those engines' result.
    /// </summary>
    public static (string? Executable, string? Problem) PublishAot(string repositoryRoot)
    {
        string output = Path.Combine(AppContext.BaseDirectory, "e2e-aot");
        string dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[]
        {
            "publish", Path.Combine(repositoryRoot, "bench", "NetGen.EndToEndAot"), "-c", "Release",
            "-r", RuntimeInformation.RuntimeIdentifier, "-o", output, "--nologo", "-v", "quiet",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using Process publish = Process.Start(start)!;
        Task<string> errors = publish.StandardError.ReadToEndAsync();
        string log = publish.StandardOutput.ReadToEnd();
        publish.WaitForExit();
        string executable = Path.Combine(output, OperatingSystem.IsWindows() ? "NetGen.EndToEndAot.exe" : "NetGen.EndToEndAot");
        if (publish.ExitCode == 0 && File.Exists(executable))
        {
            return (executable, null);
        }

        string? reason = (log + "\n" + errors.Result).Split('\n').FirstOrDefault(line => line.Contains("error", StringComparison.OrdinalIgnoreCase));
        return (null, "Native AOT publish failed: " + (reason?.Trim() ?? $"exit code {publish.ExitCode}"));
    }

    /// <summary>One run of a netgen-aot engine: the published executable with its thread count and the data folder.</summary>
    public static Report.ProcessResult RunAot(string engine, (string? Executable, string? Problem) aot)
    {
        if (aot.Executable is null)
        {
            return new Report.ProcessResult(engine, double.NaN, null, aot.Problem);
        }

        var start = new ProcessStartInfo(aot.Executable);
        start.ArgumentList.Add(Threads(engine).ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(DataFolder);
        return Report.RunProcess(start, engine);
    }

    /// <summary>Runs one engine of <see cref="Engines"/> in this process (all but netgen-aot) and prints "seconds accuracy" as its last line.</summary>
    public static int Run(string engine)
    {
        KernelThreads.MaxThreads = Threads(engine); // also the runtime graph's, which runs on NetGen's kernels
        Workload workload = Workloads.Workloads.MnistEndToEnd;
        (float[] trainX, int[] trainLabels, float[] testX, int[] testLabels) = EndToEndTraining.LoadSplit(DataFolder);
        float[] initial = workload.CreateNetwork().Parameters.ToArray();

        int[] predicted = engine switch
        {
            "netgen" or "netgen-2t" => EndToEndTraining.TrainNetGen(trainX, trainLabels, testX),
            "graph" => TrainGraph(workload, initial, trainX, trainLabels, testX),
            "torch" or "torch-2t" => TrainFed(new TorchSharpEngine(workload, data: null, initial, Threads(engine)), workload.Inputs, trainX, trainLabels, testX),
            _ => throw new ArgumentException($"Unknown engine '{engine}'; use {string.Join(", ", Engines.Where(e => !e.StartsWith("netgen-aot", StringComparison.Ordinal)))}."),
        };

        Console.WriteLine(EndToEndTraining.ResultLine(predicted, testLabels));
        return 0;
    }

    /// <summary>
    /// Runs one mnist-cnn-e2e engine of <see cref="CnnEngines"/> in this process and prints "seconds accuracy" as its last
    /// line: lenet-b64 (<see cref="ConvolutionalWorkloads.LeNet"/>) trained on mnist-e2e's split and order, NetGen with
    /// Trainer.Fit, TorchSharp from the NetGen network's initial weights.
    /// </summary>
    public static int RunCnn(string engine)
    {
        KernelThreads.MaxThreads = Threads(engine);
        ConvolutionalWorkload workload = ConvolutionalWorkloads.LeNet;
        (float[] trainX, int[] trainLabels, float[] testX, int[] testLabels) = EndToEndTraining.LoadSplit(DataFolder);
        EndToEndTraining.Standardize(trainX, testX);
        INetwork<float> network = workload.CreateNetwork!();

        int[] predicted = engine switch
        {
            "netgen" or "netgen-2t" => EndToEndTraining.TrainNetGen(network, trainX, trainLabels, testX),
            "torch" or "torch-2t" => TrainFed(
                new TorchSharpConvolutionalEngine(workload, data: null, Widen(network.Parameters), Widen(network.Buffers), Threads(engine)),
                workload.Inputs, trainX, trainLabels, testX),
            _ => throw new ArgumentException($"Unknown engine '{engine}'; use {string.Join(", ", CnnEngines)}."),
        };

        Console.WriteLine(EndToEndTraining.ResultLine(predicted, testLabels));
        return 0;
    }

    private static double[] Widen(ReadOnlySpan<float> values)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            wide[i] = values[i];
        }

        return wide;
    }

    private static int[] TrainGraph(Workload workload, float[] initial, float[] trainX, int[] trainLabels, float[] testX)
    {
        GraphNetwork network = workload.CreateGraphNetwork();
        network.LoadParameters(initial);
        var x = new float[BatchSize * 784];
        var y = new float[BatchSize * 10];
        ForEachBatch(trainLabels.Length, (indices) =>
        {
            Array.Clear(y);
            for (int r = 0; r < indices.Length; r++)
            {
                trainX.AsSpan(indices[r] * 784, 784).CopyTo(x.AsSpan(r * 784));
                y[r * 10 + trainLabels[indices[r]]] = 1;
            }

            network.TrainStep(x.AsSpan(0, indices.Length * 784), y.AsSpan(0, indices.Length * 10));
        });
        var outputs = new float[testX.Length / 784 * 10];
        network.Predict(testX, outputs);
        return Enumerable.Range(0, outputs.Length / 10).Select(i => TensorPrimitives.IndexOfMax<float>(outputs.AsSpan(i * 10, 10))).ToArray();
    }

    /// <summary>
    /// Trains an engine fed batch by batch (TorchSharp, for both end-to-end workloads) on samples of
    /// <paramref name="inputs"/> values in <see cref="ForEachBatch"/>'s order, then returns its class for every test
    /// sample, and disposes of it.
    /// </summary>
    private static int[] TrainFed(IBatchFedEngine engine, int inputs, float[] trainX, int[] trainLabels, float[] testX)
    {
        using (engine)
        {
            var x = new float[BatchSize * inputs];
            var labels = new int[BatchSize];
            ForEachBatch(trainLabels.Length, (indices) =>
            {
                for (int r = 0; r < indices.Length; r++)
                {
                    trainX.AsSpan(indices[r] * inputs, inputs).CopyTo(x.AsSpan(r * inputs));
                    labels[r] = trainLabels[indices[r]];
                }

                engine.TrainOn(x.AsSpan(0, indices.Length * inputs), labels.AsSpan(0, indices.Length));
            });
            return engine.PredictClasses(testX);
        }
    }

    /// <summary>The same visiting order Trainer.Fit uses (<see cref="Trainer.EpochOrder"/>), cut into batches.</summary>
    private static void ForEachBatch(int samples, Action<int[]> step)
    {
        int[] order = new int[samples];
        for (int epoch = 1; epoch <= Epochs; epoch++)
        {
            Trainer.EpochOrder(order, EndToEndTraining.ShuffleSeed, epoch);
            for (int start = 0; start < samples; start += BatchSize)
            {
                step(order[start..Math.Min(start + BatchSize, samples)]);
            }
        }
    }
}

/// <summary>Time to first step: from process start to one completed mnist-b64 training step, including loading and JIT.</summary>
public static class FirstStep
{
    public static int Run(string engine)
    {
        Workload workload = Workloads.Workloads.MnistBatch64;
        var data = new WorkloadData(workload, batches: 1, seed: 7);
        KernelThreads.MaxThreads = 1;
        using ITrainingEngine trainer = engine switch
        {
            "netgen" => new NetGenEngine(workload, data),
            "torch" => new TorchSharpEngine(workload, data, workload.CreateNetwork().Parameters, threads: 1),
            _ => throw new ArgumentException($"Unknown engine '{engine}'; use netgen or torch."),
        };
        float loss = trainer.TrainStep(0);
        double milliseconds = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
        Console.WriteLine(FormattableString.Invariant($"{milliseconds:F1} {loss:F4}"));
        return 0;
    }
}
