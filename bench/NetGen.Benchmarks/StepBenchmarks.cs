using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Engines;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// One training step and one single-sample prediction of every standard workload on every engine, side by side.
/// NetGen and the runtime graph run on one thread; TorchSharp runs with 1 thread (the same as NetGen) and with 2 (every core).
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    public const string NetGen = "NetGen", RuntimeGraph = "RuntimeGraph", TorchSharp1 = "TorchSharp-1t", TorchSharp2 = "TorchSharp-2t";
    private const int Batches = 16;

    private ITrainingEngine _engine = null!;
    private int _batch;

    public static IEnumerable<string> WorkloadNames => Workloads.Workloads.Standard.Select(w => w.Name);

    /// <summary>The engines that can run here: TorchSharp only where libtorch loads.</summary>
    public static IEnumerable<string> EngineNames
        => TorchSharpAvailability.UnavailableReason is null ? [NetGen, RuntimeGraph, TorchSharp1, TorchSharp2] : [NetGen, RuntimeGraph];

    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "xor";

    [ParamsSource(nameof(EngineNames))]
    public string Engine { get; set; } = NetGen;

    [GlobalSetup]
    public void Setup()
    {
        Workload workload = Workloads.Workloads.ByName(Workload);
        var data = new WorkloadData(workload, Batches, seed: 7);
        float[] initial = workload.CreateNetwork().Parameters.ToArray();
        _engine = Engine switch
        {
            NetGen => new NetGenEngine(workload, data),
            RuntimeGraph => new RuntimeGraphEngine(workload, data, initial),
            TorchSharp1 => new TorchSharpEngine(workload, data, initial, threads: 1),
            TorchSharp2 => new TorchSharpEngine(workload, data, initial, threads: 2),
            _ => throw new ArgumentException($"Unknown engine {Engine}"),
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    /// <summary>Forward, backward and update on the next prepared batch; the loss is returned so nothing is optimized away.</summary>
    [Benchmark]
    public float TrainStep() => _engine.TrainStep(_batch++ % Batches);

    /// <summary>The outputs of one sample.</summary>
    [Benchmark]
    public float Predict() => _engine.PredictOne();
}
