using System;
using NetGen.Workloads;

namespace NetGen.Benchmarks.Engines;

/// <summary>The network NetGen generated for the workload.</summary>
public sealed class NetGenEngine(Workload workload, WorkloadData data) : ITrainingEngine
{
    private readonly INetwork<float> _network = workload.CreateNetwork();
    private readonly float[] _output = new float[workload.Outputs];

    public string Name => "NetGen";

    public INetwork<float> Network => _network;

    public float TrainStep(int batch)
        => workload.BatchSize == 1
            ? _network.TrainStep(data.InputsOf(batch), data.TargetsOf(batch))
            : _network.TrainBatch(data.InputsOf(batch), data.TargetsOf(batch));

    public float PredictOne()
    {
        _network.Predict(data.InputsOf(0)[..workload.Inputs], _output);
        return _output[0];
    }

    public float[] FlatParameters() => _network.Parameters.ToArray();

    public void Dispose()
    {
    }
}
