using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Engines;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// One training step and one single-sample prediction of every standard workload on every engine, side by side.
/// NetGen and TorchSharp each run with 1 thread and with 2 (every core of the 2-core target machine); the runtime graph,
/// which shows what a tape costs on top of NetGen's kernels, runs with 1.
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    public const string NetGen1 = "NetGen-1t", NetGen2 = "NetGen-2t", RuntimeGraph = "RuntimeGraph", TorchSharp1 = "TorchSharp-1t", TorchSharp2 = "TorchSharp-2t";

    /// <summary>Every engine, in the order the report lists them.</summary>
    public static readonly string[] AllEngines = [NetGen1, NetGen2, RuntimeGraph, TorchSharp1, TorchSharp2];
    private const int Batches = 16;

    private ITrainingEngine _engine = null!;
    private int _batch;

    public static IEnumerable<string> WorkloadNames => Workloads.Workloads.Standard.Select(w => w.Name);

    /// <summary>The engines that can run here: TorchSharp only where libtorch loads.</summary>
    public static IEnumerable<string> EngineNames
        => TorchSharpAvailability.UnavailableReason is null ? AllEngines : [NetGen1, NetGen2, RuntimeGraph];

    /// <summary>The threads an engine runs with.</summary>
    public static int ThreadsOf(string engine) => engine is NetGen2 or TorchSharp2 ? 2 : 1;

    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "xor";

    [ParamsSource(nameof(EngineNames))]
    public string Engine { get; set; } = NetGen1;

    [GlobalSetup]
    public void Setup()
    {
        Workload workload = Workloads.Workloads.ByName(Workload);
        var data = new WorkloadData(workload, Batches, seed: 7);
        float[] initial = workload.CreateNetwork().Parameters.ToArray();
        NetGen.Kernels.KernelThreads.MaxThreads = ThreadsOf(Engine); // the runtime graph runs on NetGen's kernels too
        _engine = Engine switch
        {
            NetGen1 or NetGen2 => new NetGenEngine(workload, data),
            RuntimeGraph => new RuntimeGraphEngine(workload, data, initial),
            TorchSharp1 => new TorchSharpEngine(workload, data, initial, threads: 1),
            TorchSharp2 => new TorchSharpEngine(workload, data, initial, threads: 2),
            _ => throw new ArgumentException($"Unknown engine {Engine}"),
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        NetGen.Kernels.KernelThreads.MaxThreads = Environment.ProcessorCount;
    }

    /// <summary>Forward, backward and update on the next prepared batch; the loss is returned so nothing is optimized away.</summary>
    [Benchmark]
    public float TrainStep() => _engine.TrainStep(_batch++ % Batches);

    /// <summary>The outputs of one sample.</summary>
    [Benchmark]
    public float Predict() => _engine.PredictOne();
}
