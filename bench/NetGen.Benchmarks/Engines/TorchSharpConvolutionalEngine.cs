using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Workloads;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Engines;

/// <summary>
/// A convolutional workload in TorchSharp, as a PyTorch user would write it: nn.Sequential of Conv2d, BatchNorm2d, ReLU,
/// MaxPool2d, Flatten, Linear and Dropout, built from the NetGen network's architecture, CrossEntropyLoss on logits
/// with class indices, torch.optim.Adam. It trains in train() mode and predicts in eval() mode under no_grad (switching
/// only when the mode changes, so neither a step nor a prediction pays for the switch). NetGen's parameters (conv
/// weight [F, C, K, K], linear [out, in], BatchNorm weight γ and bias β) and running statistics are copied into the
/// modules. Every batch is made into tensors up front, so a step times only forward, backward and update; an engine
/// built without batches is fed through <see cref="TrainOn"/> instead (mnist-cnn-e2e).
/// </summary>
public sealed class TorchSharpConvolutionalEngine : ITrainingEngine, IBatchFedEngine
{
    private readonly ConvolutionalWorkload _workload;
    private readonly Sequential _model;
    private readonly List<(LayerArchitecture Layer, nn.Module Module)> _layers = new();
    private readonly Loss<Tensor, Tensor, Tensor> _loss;
    private readonly optim.Optimizer _optimizer;
    private readonly Tensor[] _inputs, _labels;
    private readonly Tensor _single;
    private readonly bool _double;
    private readonly long[] _sampleShape;
    private bool _training = true;

    /// <param name="workload">The workload.</param>
    /// <param name="data">Its batches, made into tensors now; null for an engine fed through <see cref="TrainOn"/>.</param>
    /// <param name="initialParameters">The starting parameters, in NetGen's flat layout.</param>
    /// <param name="initialBuffers">The starting running statistics, in NetGen's <see cref="INetwork{T}.Buffers"/> layout.</param>
    /// <param name="threads">libtorch's intra-op thread count.</param>
    /// <param name="doublePrecision">Run in float64 instead of float32 (for <c>verify</c>).</param>
    public TorchSharpConvolutionalEngine(
        ConvolutionalWorkload workload, WorkloadData? data, ReadOnlySpan<double> initialParameters, ReadOnlySpan<double> initialBuffers, int threads, bool doublePrecision = false)
    {
        _workload = workload;
        _double = doublePrecision;
        Threads = threads;
        torch.set_num_threads(threads);
        NetworkArchitecture architecture = workload.Architecture;
        _sampleShape = architecture.InputShape.Select(d => (long)d).ToArray();
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < architecture.Layers.Count; i++)
        {
            LayerArchitecture layer = architecture.Layers[i];
            bool last = i == architecture.Layers.Count - 1;
            nn.Module<Tensor, Tensor> module;
            switch (layer.Kind)
            {
                case LayerKind.Conv2D:
                    module = nn.Conv2d(layer.InputShape[0], layer.OutputShape[0], layer.Window!.Size, stride: layer.Window.Stride, padding: layer.Window.Padding,
                        bias: layer.FindTensor("bias") is not null);
                    break;
                case LayerKind.MaxPool2D:
                    module = nn.MaxPool2d(layer.Window!.Size, layer.Window.Stride);
                    break;
                case LayerKind.BatchNorm when layer.InputShape.Count == 3:
                    module = nn.BatchNorm2d(layer.InputShape[0], eps: layer.Normalization!.Epsilon, momentum: layer.Normalization.Momentum);
                    break;
                case LayerKind.Dropout:
                    module = nn.Dropout(layer.DropoutRate);
                    break;
                case LayerKind.Dense:
                    if (layer.InputShape.Count > 1)
                    {
                        modules.Add(($"flatten{i}", nn.Flatten()));
                    }

                    module = nn.Linear(layer.Inputs, layer.Units, hasBias: layer.FindTensor("bias") is not null);
                    break;
                default:
                    throw new NotSupportedException($"The TorchSharp engine has no {layer.Kind} layer with input [{string.Join(", ", layer.InputShape)}].");
            }

            modules.Add(($"{layer.Kind.ToString().ToLowerInvariant()}{i}", module));
            _layers.Add((layer, module));
            nn.Module<Tensor, Tensor>? activation = layer.Activation switch
            {
                _ when !layer.HasActivation => null,
                Activation.Softmax when last && architecture.Loss == NetGen.Loss.CrossEntropy => null, // the loss takes logits
                Activation.Identity => null,
                Activation.ReLU => nn.ReLU(),
                Activation.Tanh => nn.Tanh(),
                Activation.Sigmoid => nn.Sigmoid(),
                _ => throw new NotSupportedException($"The TorchSharp engine has no {layer.Activation} activation here."),
            };
            if (activation is not null)
            {
                modules.Add(($"activation{i}", activation));
            }
        }

        _model = nn.Sequential(modules);
        if (doublePrecision)
        {
            _model.to(ScalarType.Float64);
        }

        Load(initialParameters, initialBuffers);
        _model.train();
        _loss = nn.CrossEntropyLoss();
        _optimizer = optim.Adam(_model.parameters(), workload.LearningRate);

        if (data is null)
        {
            _inputs = _labels = Array.Empty<Tensor>();
            _single = Values(new float[workload.Inputs], [1, .. _sampleShape]);
            return;
        }

        _inputs = new Tensor[data.Batches];
        _labels = new Tensor[data.Batches];
        for (int batch = 0; batch < data.Batches; batch++)
        {
            _inputs[batch] = Values(data.InputsOf(batch), [workload.BatchSize, .. _sampleShape]);
            _labels[batch] = tensor(Array.ConvertAll(data.Labels.AsSpan(batch * workload.BatchSize, workload.BatchSize).ToArray(), l => (long)l), [workload.BatchSize]);
        }

        _single = Values(data.InputsOf(0)[..workload.Inputs], [1, .. _sampleShape]);
    }

    public int Threads { get; }

    public string Name => $"TorchSharp ({Threads} thread{(Threads == 1 ? string.Empty : "s")})";

    public float TrainStep(int batch) => (float)TrainStepPrecise(batch);

    /// <summary>A training step in train() mode whose loss is returned in the engine's own precision.</summary>
    public double TrainStepPrecise(int batch)
    {
        Train();
        using DisposeScope scope = NewDisposeScope();
        _optimizer.zero_grad();
        Tensor output = _model.forward(_inputs[batch % _inputs.Length]);
        Tensor loss = _loss.forward(output, _labels[batch % _labels.Length]);
        loss.backward();
        _optimizer.step();
        return _double ? loss.item<double>() : loss.item<float>();
    }

    /// <summary>A training step in train() mode on a batch given as spans, made into tensors on this call, as a user's training loop does.</summary>
    public float TrainOn(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        Train();
        using DisposeScope scope = NewDisposeScope();
        Tensor x = Values(inputs, [labels.Length, .. _sampleShape]);
        Tensor y = tensor(Array.ConvertAll(labels.ToArray(), l => (long)l), [labels.Length]);
        _optimizer.zero_grad();
        Tensor loss = _loss.forward(_model.forward(x), y);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>The most probable class of each sample, in eval() mode under no_grad.</summary>
    public int[] PredictClasses(ReadOnlySpan<float> inputs)
    {
        Evaluate();
        using DisposeScope scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor classes = _model.forward(Values(inputs, [inputs.Length / _workload.Inputs, .. _sampleShape])).argmax(1);
        return Array.ConvertAll(classes.data<long>().ToArray(), c => (int)c);
    }

    /// <summary>The first sample of batch 0 in eval() mode under no_grad: its first class probability.</summary>
    public float PredictOne()
    {
        Evaluate();
        using DisposeScope scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _model.forward(_single).softmax(1)[0, 0].item<float>();
    }

    /// <summary>The class probabilities of every sample, in eval() mode under no_grad, in float64.</summary>
    public double[] PredictPrecise(ReadOnlySpan<float> inputs)
    {
        Evaluate();
        using DisposeScope scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor output = _model.forward(Values(inputs, [inputs.Length / _workload.Inputs, .. _sampleShape])).softmax(1).to(ScalarType.Float64);
        return output.data<double>().ToArray();
    }

    public float[] FlatParameters() => Array.ConvertAll(FlatParametersPrecise(), p => (float)p);

    /// <summary>Every parameter in NetGen's flat layout, in float64.</summary>
    public double[] FlatParametersPrecise()
    {
        var flat = new double[_workload.Architecture.ParameterCount];
        foreach ((LayerArchitecture layer, nn.Module module) in _layers)
        {
            foreach (ParameterTensor parameter in layer.Tensors)
            {
                Read(TensorOf(module, parameter.Name), flat.AsSpan(parameter.Offset, parameter.Size));
            }
        }

        return flat;
    }

    /// <summary>Every BatchNorm's running_mean and running_var in NetGen's <see cref="INetwork{T}.Buffers"/> layout, in float64.</summary>
    public double[] FlatBuffersPrecise()
    {
        var flat = new double[_workload.Architecture.BufferCount];
        foreach ((LayerArchitecture layer, nn.Module module) in _layers)
        {
            foreach (ParameterTensor buffer in layer.Buffers)
            {
                Read(TensorOf(module, buffer.Name), flat.AsSpan(buffer.Offset, buffer.Size));
            }
        }

        return flat;
    }

    /// <summary>Each BatchNorm's num_batches_tracked, in order.</summary>
    public long[] BatchesTracked()
        => _layers.Where(l => l.Layer.Kind == LayerKind.BatchNorm).Select(l => ((BatchNorm2d)l.Module).num_batches_tracked!.item<long>()).ToArray();

    private void Train()
    {
        if (!_training)
        {
            _model.train();
            _training = true;
        }
    }

    private void Evaluate()
    {
        if (_training)
        {
            _model.eval();
            _training = false;
        }
    }

    private static Tensor TensorOf(nn.Module module, string name) => (module, name) switch
    {
        (Conv2d conv, "weight") => conv.weight!,
        (Conv2d conv, "bias") => conv.bias!,
        (Linear linear, "weight") => linear.weight!,
        (Linear linear, "bias") => linear.bias!,
        (BatchNorm2d norm, "weight") => norm.weight!,
        (BatchNorm2d norm, "bias") => norm.bias!,
        (BatchNorm2d norm, "running_mean") => norm.running_mean!,
        (BatchNorm2d norm, "running_var") => norm.running_var!,
        _ => throw new NotSupportedException($"No tensor '{name}' on {module.GetType().Name}."),
    };

    private static void Read(Tensor source, Span<double> destination)
    {
        using Tensor values = source.detach().to(ScalarType.Float64).contiguous();
        values.data<double>().ToArray().CopyTo(destination);
    }

    private void Load(ReadOnlySpan<double> parameters, ReadOnlySpan<double> buffers)
    {
        using var noGrad = no_grad();
        foreach ((LayerArchitecture layer, nn.Module module) in _layers)
        {
            foreach (ParameterTensor parameter in layer.Tensors)
            {
                Write(TensorOf(module, parameter.Name), parameters.Slice(parameter.Offset, parameter.Size), parameter.Shape);
            }

            foreach (ParameterTensor buffer in layer.Buffers)
            {
                Write(TensorOf(module, buffer.Name), buffers.Slice(buffer.Offset, buffer.Size), buffer.Shape);
            }
        }
    }

    private void Write(Tensor destination, ReadOnlySpan<double> values, IReadOnlyList<int> shape)
    {
        long[] dimensions = shape.Select(d => (long)d).ToArray();
        if (!destination.shape.SequenceEqual(dimensions))
        {
            throw new InvalidOperationException($"NetGen's tensor is [{string.Join(", ", dimensions)}], TorchSharp's [{string.Join(", ", destination.shape)}].");
        }

        using Tensor source = _double ? tensor(values.ToArray(), dimensions) : tensor(Array.ConvertAll(values.ToArray(), v => (float)v), dimensions);
        destination.copy_(source);
    }

    /// <summary>A tensor of the engine's precision holding <paramref name="values"/>.</summary>
    private Tensor Values(ReadOnlySpan<float> values, long[] shape)
        => _double ? tensor(Array.ConvertAll(values.ToArray(), v => (double)v), shape) : tensor(values.ToArray(), shape);

    public void Dispose()
    {
        foreach (Tensor t in _inputs.Concat(_labels))
        {
            t.Dispose();
        }

        _single.Dispose();
        _model.Dispose();
    }
}
