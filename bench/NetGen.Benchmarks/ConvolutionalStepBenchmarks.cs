using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Engines;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// One training step (TrainBatch of 64) and one single-image prediction of the convolutional workloads, NetGen against
/// TorchSharp, each with 1 thread and with 2 (<c>KernelThreads.MaxThreads</c> and <c>torch.set_num_threads</c>, as
/// <see cref="StepBenchmarks"/> sets them). TorchSharp trains in train() mode and predicts in eval() mode under no_grad;
/// NetGen's TrainBatch trains and its Predict evaluates, with the running statistics.
/// </summary>
[MemoryDiagnoser]
public class ConvolutionalStepBenchmarks
{
    /// <summary>Every engine, in the order the report lists them.</summary>
    public static readonly string[] AllEngines = [StepBenchmarks.NetGen1, StepBenchmarks.NetGen2, StepBenchmarks.TorchSharp1, StepBenchmarks.TorchSharp2];
    private const int Batches = 16;

    private ITrainingEngine _engine = null!;
    private int _batch;

    public static IEnumerable<string> WorkloadNames => ConvolutionalWorkloads.Timed.Select(w => w.Name);

    /// <summary>The engines that can run here: TorchSharp only where libtorch loads.</summary>
    public static IEnumerable<string> EngineNames
        => TorchSharpAvailability.UnavailableReason is null ? AllEngines : [StepBenchmarks.NetGen1, StepBenchmarks.NetGen2];

    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "lenet-b64";

    [ParamsSource(nameof(EngineNames))]
    public string Engine { get; set; } = StepBenchmarks.NetGen1;

    [GlobalSetup]
    public void Setup()
    {
        ConvolutionalWorkload workload = ConvolutionalWorkloads.ByName(Workload);
        WorkloadData data = workload.CreateData(Batches, seed: 7);
        INetwork<float> initial = workload.CreateNetwork!();
        double[] parameters = Array.ConvertAll(initial.Parameters.ToArray(), p => (double)p);
        double[] buffers = Array.ConvertAll(initial.Buffers.ToArray(), b => (double)b);
        NetGen.Kernels.KernelThreads.MaxThreads = StepBenchmarks.ThreadsOf(Engine);
        _engine = Engine switch
        {
            StepBenchmarks.NetGen1 or StepBenchmarks.NetGen2 => new NetGenEngine(workload.AsWorkload, data),
            StepBenchmarks.TorchSharp1 => new TorchSharpConvolutionalEngine(workload, data, parameters, buffers, threads: 1),
            StepBenchmarks.TorchSharp2 => new TorchSharpConvolutionalEngine(workload, data, parameters, buffers, threads: 2),
            _ => throw new ArgumentException($"Unknown engine {Engine}"),
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        NetGen.Kernels.KernelThreads.MaxThreads = Environment.ProcessorCount;
    }

    /// <summary>Forward, backward and update on the next prepared batch of 64; the loss is returned so nothing is optimized away.</summary>
    [Benchmark]
    public float TrainStep() => _engine.TrainStep(_batch++ % Batches);

    /// <summary>The class probabilities of one image.</summary>
    [Benchmark]
    public float Predict() => _engine.PredictOne();
}
