using System;
using System.Collections.Generic;

namespace NetGen.Tests;

/// <summary>
/// A stand-in cross-entropy network of one input and three classes that records which samples the training loop
/// trains on and validates on (each sample's one input is its row number in the test's data), and can be told to make
/// its parameter non-finite at a chosen update while returning a finite loss.
/// </summary>
internal sealed class RecordingNetwork : INetwork<double>
{
    private readonly double[] _parameters = new double[1];
    private readonly double[] _gradients = new double[1];
    private readonly double[] _state = new double[1];
    private int _validationCalls;

    /// <summary>When set, the update that brings OptimizerStep to this value writes NaN into the parameter; its loss stays finite.</summary>
    public int? PoisonAtUpdate { get; init; }

    /// <summary>When set, the loss of each sample in the update that brings OptimizerStep to the argument; else 1.</summary>
    public Func<long, double>? LossOfStep { get; init; }

    /// <summary>When set, the validation loss of each measurement (from 1); else 1.</summary>
    public Func<int, double>? ValidationLossOfCall { get; init; }

    /// <summary>The inputs of every training pass, in order.</summary>
    public List<double> TrainedOn { get; } = new();

    /// <summary>The target rows of every training pass, in order, one row of <see cref="OutputSize"/> values per sample.</summary>
    public List<double> TrainedTargets { get; } = new();

    /// <summary>The inputs of the last validation measurement.</summary>
    public double[] ValidatedOn { get; private set; } = Array.Empty<double>();

    public int InputSize => 1;

    public int OutputSize => 3;

    public int ParameterCount => 1;

    public Span<double> Parameters => _parameters;

    public Span<double> Gradients => _gradients;

    public Span<double> OptimizerState => _state;

    public long OptimizerStep { get; set; }

    public double LearningRate { get; set; } = 0.1;

    public Loss Loss => Loss.CrossEntropy;

    public NetworkArchitecture Architecture { get; } =
        new("RecordingNetwork", [1], [new LayerArchitecture(LayerKind.Dense, [1], [3], Activation.Softmax, [new ParameterTensor("weight", [1, 1], 0)])], Loss.CrossEntropy, Precision.Double, "Recording", ["state"]);

    public void InitializeParameters(int seed) => _parameters[0] = 0;

    public void Predict(ReadOnlySpan<double> input, Span<double> output) => output.Fill(1.0 / 3);

    public void PredictBatch(ReadOnlySpan<double> inputs, Span<double> outputs) => outputs.Fill(1.0 / 3);

    public double TrainStep(ReadOnlySpan<double> input, ReadOnlySpan<double> target) => throw new NotSupportedException();

    public double TrainBatch(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
    {
        double loss = AccumulateGradients(inputs, targets);
        ApplyGradients(inputs.Length);
        return loss / inputs.Length;
    }

    public double AccumulateGradients(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
    {
        TrainedOn.AddRange(inputs.ToArray());
        TrainedTargets.AddRange(targets.ToArray());
        _gradients[0] += inputs.Length;
        return inputs.Length * (LossOfStep?.Invoke(OptimizerStep + 1) ?? 1);
    }

    public void ApplyGradients(int sampleCount)
    {
        // Keyed to the step count, which the loop restores, so a replayed epoch poisons the same update again.
        OptimizerStep++;
        _parameters[0] = OptimizerStep == PoisonAtUpdate ? double.NaN : _parameters[0] + 1;
        _state[0] += 10;
        _gradients[0] = 0;
    }

    public void ZeroGradients() => _gradients[0] = 0;

    public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
    {
        ValidatedOn = inputs.ToArray();
        return ValidationLossOfCall?.Invoke(++_validationCalls) ?? 1;
    }
}
