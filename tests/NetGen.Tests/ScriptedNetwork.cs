using System;

namespace NetGen.Tests;

/// <summary>
/// A stand-in network with a scripted loss, to test the training loop's decisions on curves chosen by the test. Its one
/// parameter counts the updates applied, so the parameter restored shows which epoch's weights the loop kept.
/// </summary>
internal sealed class ScriptedNetwork(Func<int, double> validationLossOfEpoch) : INetwork<double>
{
    private readonly double[] _parameters = new double[1];
    private readonly double[] _gradients = new double[1];
    private readonly double[] _state = new double[1];
    private int _validationCalls;
    private double _learningRate = 0.1;

    /// <summary>When set, AccumulateGradients (and so TrainBatch) returns NaN at this call (from 1).</summary>
    public int? NaNAtCall { get; init; }

    public int AccumulateCalls { get; private set; }

    public int InputSize => 1;

    public int OutputSize => 1;

    public int ParameterCount => 1;

    public Span<double> Parameters => _parameters;

    public Span<double> Gradients => _gradients;

    public Span<double> OptimizerState => _state;

    public long OptimizerStep { get; set; }

    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = value;
    }

    public Loss Loss => Loss.MeanSquaredError;

    public NetworkArchitecture Architecture { get; } =
        new("ScriptedNetwork", [1], [new LayerArchitecture(LayerKind.Dense, [1], [1], Activation.Identity, [new ParameterTensor("weight", [1, 1], 0)])], Loss.MeanSquaredError, Precision.Double, "Scripted", ["state"]);

    public void InitializeParameters(int seed) => _parameters[0] = 0;

    public void Predict(ReadOnlySpan<double> input, Span<double> output) => output[0] = _parameters[0];

    public void PredictBatch(ReadOnlySpan<double> inputs, Span<double> outputs) => outputs.Fill(_parameters[0]);

    public double TrainStep(ReadOnlySpan<double> input, ReadOnlySpan<double> target) => throw new NotSupportedException();

    /// <summary>What a generated network's TrainBatch does: accumulate, then update (even after a NaN loss).</summary>
    public double TrainBatch(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
    {
        double loss = AccumulateGradients(inputs, targets);
        ApplyGradients(inputs.Length);
        return loss / inputs.Length;
    }

    public double AccumulateGradients(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
    {
        AccumulateCalls++;
        _gradients[0] += 1;
        return AccumulateCalls == NaNAtCall ? double.NaN : inputs.Length;
    }

    public void ApplyGradients(int sampleCount)
    {
        _parameters[0] += 1;
        _state[0] += 10;
        OptimizerStep++;
        _gradients[0] = 0;
    }

    public void ZeroGradients() => _gradients[0] = 0;

    public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets) => validationLossOfEpoch(++_validationCalls);
}
