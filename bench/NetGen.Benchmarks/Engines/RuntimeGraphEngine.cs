using System;
using System.Linq;
using NetGen.RuntimeGraph;
using NetGen.Workloads;

namespace NetGen.Benchmarks.Engines;

/// <summary>The define-by-run tape engine over the same kernels.</summary>
public sealed class RuntimeGraphEngine : ITrainingEngine
{
    private readonly Workload _workload;
    private readonly WorkloadData _data;
    private readonly GraphNetwork _network;
    private readonly float[] _output;

    public RuntimeGraphEngine(Workload workload, WorkloadData data, ReadOnlySpan<float> initialParameters)
    {
        _workload = workload;
        _data = data;
        _output = new float[workload.Outputs];
        _network = workload.CreateGraphNetwork();
        _network.LoadParameters(initialParameters);
    }

    public string Name => "RuntimeGraph";

    public GraphNetwork Network => _network;

    public float TrainStep(int batch) => _network.TrainStep(_data.InputsOf(batch), _data.TargetsOf(batch));

    public float PredictOne()
    {
        _network.Predict(_data.InputsOf(0)[.._workload.Inputs], _output);
        return _output[0];
    }

    public float[] FlatParameters() => _network.Parameters.SelectMany(p => p.Data.ToArray()).ToArray();

    public void Dispose()
    {
    }
}
