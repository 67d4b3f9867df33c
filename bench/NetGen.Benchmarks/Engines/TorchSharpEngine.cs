using System;
using System.Collections.Generic;
using NetGen.Workloads;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Engines;

/// <summary>
/// The same workload in TorchSharp (libtorch on the CPU), written as a PyTorch user would: nn.Sequential of Linear
/// layers and activations, CrossEntropyLoss on logits with class indices (BCEWithLogitsLoss for xor), torch.optim.
/// Every batch is made into tensors up front, as a DataLoader would have them, so a step times only forward,
/// backward and update.
/// </summary>
public sealed class TorchSharpEngine : ITrainingEngine, IBatchFedEngine
{
    private readonly Workload _workload;
    private readonly Sequential _model;
    private readonly List<Linear> _linears = new();
    private readonly Loss<Tensor, Tensor, Tensor> _loss;
    private readonly optim.Optimizer _optimizer;
    private readonly Tensor[] _inputs, _targets;
    private readonly Tensor _single;
    private readonly bool _double;

    /// <param name="workload">The workload.</param>
    /// <param name="data">Its batches, made into tensors now; null for an engine fed through <see cref="TrainOn"/>.</param>
    /// <param name="initialParameters">The starting weights, in NetGen's flat layout.</param>
    /// <param name="threads">libtorch's intra-op thread count.</param>
    /// <param name="doublePrecision">Run in float64 instead of float32 (for <c>verify</c>).</param>
    public TorchSharpEngine(Workload workload, WorkloadData? data, ReadOnlySpan<float> initialParameters, int threads, bool doublePrecision = false)
    {
        _workload = workload;
        _double = doublePrecision;
        Threads = threads;
        torch.set_num_threads(threads);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int fanIn = workload.Inputs;
        for (int i = 0; i < workload.Layers.Count; i++)
        {
            LayerDefinition layer = workload.Layers[i];
            var linear = nn.Linear(fanIn, layer.Units);
            _linears.Add(linear);
            modules.Add(($"linear{i}", linear));
            bool last = i == workload.Layers.Count - 1;
            nn.Module<Tensor, Tensor>? activation = layer.Activation switch
            {
                // The output's softmax or sigmoid lives in the loss, which takes logits.
                _ when last && workload.Loss != NetGen.Loss.MeanSquaredError => null,
                Activation.Tanh => nn.Tanh(),
                Activation.Sigmoid => nn.Sigmoid(),
                Activation.ReLU => nn.ReLU(),
                Activation.LeakyReLU => nn.LeakyReLU(0.01),
                Activation.Softmax => nn.Softmax(1),
                _ => null,
            };
            if (activation is not null)
            {
                modules.Add(($"activation{i}", activation));
            }

            fanIn = layer.Units;
        }

        _model = nn.Sequential(modules);
        if (doublePrecision)
        {
            _model.to(ScalarType.Float64);
        }

        LoadParameters(initialParameters);
        _loss = workload.Loss switch
        {
            NetGen.Loss.CrossEntropy => nn.CrossEntropyLoss(),
            NetGen.Loss.BinaryCrossEntropy => nn.BCEWithLogitsLoss(),
            _ => nn.MSELoss(),
        };
        _optimizer = workload.Optimizer == OptimizerKind.Adam
            ? optim.Adam(_model.parameters(), workload.LearningRate)
            : optim.SGD(_model.parameters(), workload.LearningRate, workload.Momentum);

        if (data is null)
        {
            _inputs = _targets = Array.Empty<Tensor>();
            _single = zeros(1, workload.Inputs);
            return;
        }

        _inputs = new Tensor[data.Batches];
        _targets = new Tensor[data.Batches];
        for (int batch = 0; batch < data.Batches; batch++)
        {
            _inputs[batch] = Values(data.InputsOf(batch), [workload.BatchSize, workload.Inputs]);
            _targets[batch] = workload.Loss == NetGen.Loss.CrossEntropy
                ? tensor(Array.ConvertAll(data.Labels.AsSpan(batch * workload.BatchSize, workload.BatchSize).ToArray(), l => (long)l), [workload.BatchSize])
                : Values(data.TargetsOf(batch), [workload.BatchSize, workload.Outputs]);
        }

        _single = Values(data.InputsOf(0)[..workload.Inputs], [1, workload.Inputs]);
    }

    public int Threads { get; }

    public string Name => $"TorchSharp ({Threads} thread{(Threads == 1 ? string.Empty : "s")})";

    public float TrainStep(int batch) => (float)TrainStepPrecise(batch);

    /// <summary>A training step whose loss is returned in the engine's own precision.</summary>
    public double TrainStepPrecise(int batch)
    {
        using DisposeScope scope = NewDisposeScope();
        _optimizer.zero_grad();
        Tensor output = _model.forward(_inputs[batch % _inputs.Length]);
        Tensor loss = _loss.forward(output, _targets[batch % _targets.Length]);
        loss.backward();
        _optimizer.step();
        return _double ? loss.item<double>() : loss.item<float>();
    }

    /// <summary>A training step on a batch given as spans, made into tensors on each call, as a user's training loop does.</summary>
    public float TrainOn(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor x = Values(inputs, [labels.Length, _workload.Inputs]);
        Tensor y = tensor(Array.ConvertAll(labels.ToArray(), l => (long)l), [labels.Length]);
        _optimizer.zero_grad();
        Tensor loss = _loss.forward(_model.forward(x), y);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>The most probable class of each sample.</summary>
    public int[] PredictClasses(ReadOnlySpan<float> inputs)
    {
        using DisposeScope scope = NewDisposeScope();
        using var noGrad = no_grad();
        int rows = inputs.Length / _workload.Inputs;
        Tensor classes = _model.forward(Values(inputs, [rows, _workload.Inputs])).argmax(1);
        return Array.ConvertAll(classes.data<long>().ToArray(), c => (int)c);
    }

    public float PredictOne()
    {
        using DisposeScope scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor output = _model.forward(_single);
        output = _workload.Loss switch
        {
            NetGen.Loss.CrossEntropy => output.softmax(1),
            NetGen.Loss.BinaryCrossEntropy => output.sigmoid(),
            _ => output,
        };
        return output[0, 0].item<float>();
    }

    public float[] FlatParameters() => Array.ConvertAll(FlatParametersPrecise(), p => (float)p);

    /// <summary>Every parameter in NetGen's flat layout, in the engine's own precision.</summary>
    public double[] FlatParametersPrecise()
    {
        var flat = new List<double>();
        foreach (Linear linear in _linears)
        {
            using Tensor weight = linear.weight!.to(ScalarType.Float64), bias = linear.bias!.to(ScalarType.Float64);
            flat.AddRange(weight.data<double>().ToArray());
            flat.AddRange(bias.data<double>().ToArray());
        }

        return flat.ToArray();
    }

    /// <summary>A tensor of the engine's precision holding <paramref name="values"/>.</summary>
    private Tensor Values(ReadOnlySpan<float> values, long[] shape)
        => _double ? tensor(Array.ConvertAll(values.ToArray(), v => (double)v), shape) : tensor(values.ToArray(), shape);

    private void LoadParameters(ReadOnlySpan<float> flat)
    {
        using var noGrad = no_grad();
        int offset = 0;
        foreach (Linear linear in _linears)
        {
            long units = linear.weight!.shape[0], inputs = linear.weight.shape[1];
            int weights = (int)(units * inputs);
            linear.weight.copy_(Values(flat.Slice(offset, weights), [units, inputs]));
            offset += weights;
            linear.bias!.copy_(Values(flat.Slice(offset, (int)units), [units]));
            offset += (int)units;
        }
    }

    public void Dispose()
    {
        foreach (Tensor t in _inputs)
        {
            t.Dispose();
        }

        foreach (Tensor t in _targets)
        {
            t.Dispose();
        }

        _single.Dispose();
        _model.Dispose();
    }
}

/// <summary>Whether libtorch loads on this machine, and why not when it does not.</summary>
public static class TorchSharpAvailability
{
    private static readonly Lazy<string?> Problem = new(() =>
    {
        try
        {
            using Tensor probe = ones(2, 2);
            return probe.sum().item<float>() == 4 ? null : "libtorch computed a wrong sum";
        }
        catch (Exception exception)
        {
            Exception root = exception;
            while (root.InnerException is not null)
            {
                root = root.InnerException;
            }

            // On Linux the usual cause is a libstdc++ older than GCC 13's with the build's fix not applied: the build
            // warns (MSB3073) and goes on, so the report says what the fix needs.
            string hint = OperatingSystem.IsLinux()
                ? " (on Linux with a libstdc++ older than GCC 13's, such as Debian 12's, the build's bench/tools/torchsharp-debian12-fix.sh makes libtorch load; it needs g++, python3 and patchelf: see bench/README.md, then rebuild)"
                : string.Empty;
            return $"{root.GetType().Name}: {root.Message.Split('\n')[0]}{hint}";
        }
    });

    /// <summary>Null when TorchSharp works, else the reason it cannot load.</summary>
    public static string? UnavailableReason => Problem.Value;
}
