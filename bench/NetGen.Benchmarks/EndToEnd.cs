using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using NetGen.Benchmarks.Engines;
using NetGen.Data;
using NetGen.Kernels;
using NetGen.RuntimeGraph;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// mnist-e2e, the user's view: from process start to a trained 784-128-10 network on 8,000 real digits (10 epochs,
/// SGD 0.05 with momentum 0.9, mini-batches of 64, shuffled with a fixed seed), then its accuracy on the other
/// 2,000. Loading, JIT and the first steps are included. Each engine runs in a process of its own, with 1 thread
/// (netgen, graph, torch) or 2 (netgen-2t, torch-2t).
/// </summary>
public static class EndToEnd
{
    public const int Epochs = 10, TrainCount = 8000, BatchSize = 64, ShuffleSeed = 1, SplitSeed = 2024;

    /// <summary>The engines, each a child process of the report.</summary>
    public static readonly string[] Engines = ["netgen", "netgen-2t", "graph", "torch", "torch-2t"];

    /// <summary>The threads an engine trains with.</summary>
    public static int Threads(string engine) => engine.EndsWith("-2t", StringComparison.Ordinal) ? 2 : 1;

    /// <summary>Runs one engine of <see cref="Engines"/> and prints "seconds accuracy" as its last line.</summary>
    public static int Run(string engine)
    {
        KernelThreads.MaxThreads = Threads(engine); // also the runtime graph's, which runs on NetGen's kernels
        Workload workload = Workloads.Workloads.MnistEndToEnd;
        string dataFolder = Path.Combine(AppContext.BaseDirectory, "Data");
        DigitImages digits = DigitImages.Load(
            Path.Combine(dataFolder, "mnist-10k-images-idx3-ubyte.gz"), Path.Combine(dataFolder, "mnist-10k-labels-idx1-ubyte.gz"));
        (float[] trainX, int[] trainLabels, float[] testX, int[] testLabels) = Split(digits);
        float[] initial = workload.CreateNetwork().Parameters.ToArray();

        int[] predicted = engine switch
        {
            "netgen" or "netgen-2t" => TrainNetGen(trainX, trainLabels, testX),
            "graph" => TrainGraph(workload, initial, trainX, trainLabels, testX),
            "torch" or "torch-2t" => TrainTorch(workload, initial, trainX, trainLabels, testX, Threads(engine)),
            _ => throw new ArgumentException($"Unknown engine '{engine}'; use {string.Join(", ", Engines)}."),
        };

        double seconds = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        double accuracy = predicted.Zip(testLabels, (p, t) => p == t ? 1.0 : 0.0).Average();
        Console.WriteLine(FormattableString.Invariant($"{seconds:F3} {accuracy:F4}"));
        return 0;
    }

    private static int[] TrainNetGen(float[] trainX, int[] trainLabels, float[] testX)
    {
        var network = new MnistEndToEndNet();
        var targets = new float[trainLabels.Length * 10];
        for (int i = 0; i < trainLabels.Length; i++)
        {
            targets[i * 10 + trainLabels[i]] = 1;
        }

        network.Fit(trainX, targets, new TrainingOptions { Epochs = Epochs, BatchSize = BatchSize, Shuffle = true, Seed = ShuffleSeed });
        var outputs = new float[testX.Length / 784 * 10];
        network.PredictBatch(testX, outputs);
        return Enumerable.Range(0, outputs.Length / 10).Select(i => TensorPrimitives.IndexOfMax<float>(outputs.AsSpan(i * 10, 10))).ToArray();
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

    private static int[] TrainTorch(Workload workload, float[] initial, float[] trainX, int[] trainLabels, float[] testX, int threads)
    {
        using var network = new TorchSharpEngine(workload, data: null, initial, threads);
        var x = new float[BatchSize * 784];
        var labels = new int[BatchSize];
        ForEachBatch(trainLabels.Length, (indices) =>
        {
            for (int r = 0; r < indices.Length; r++)
            {
                trainX.AsSpan(indices[r] * 784, 784).CopyTo(x.AsSpan(r * 784));
                labels[r] = trainLabels[indices[r]];
            }

            network.TrainOn(x.AsSpan(0, indices.Length * 784), labels.AsSpan(0, indices.Length));
        });
        return network.PredictClasses(testX);
    }

    /// <summary>The same visiting order Trainer.Fit uses (<see cref="Trainer.EpochOrder"/>), cut into batches.</summary>
    private static void ForEachBatch(int samples, Action<int[]> step)
    {
        int[] order = new int[samples];
        for (int epoch = 1; epoch <= Epochs; epoch++)
        {
            Trainer.EpochOrder(order, ShuffleSeed, epoch);
            for (int start = 0; start < samples; start += BatchSize)
            {
                step(order[start..Math.Min(start + BatchSize, samples)]);
            }
        }
    }

    /// <summary>A seeded shuffle of the 10,000 digits (stored grouped by class), then 8,000 to train on and 2,000 to test on.</summary>
    private static (float[] TrainX, int[] TrainLabels, float[] TestX, int[] TestLabels) Split(DigitImages digits)
    {
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
