using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.RuntimeGraph;

/// <summary>
/// A multilayer perceptron trained the eager way: each step builds its graph on a tape, walks it backward and lets
/// the optimizer step over the parameter tensors. The layers, loss and optimizer are chosen at run time.
/// </summary>
public sealed class GraphNetwork
{
    private readonly Sequential _model;
    private readonly Tape _tape = new();
    private readonly Loss _loss;
    private readonly Activation _outputActivation;
    private readonly Tensor[] _parameters;

    /// <param name="inputs">Inputs per sample.</param>
    /// <param name="layers">Units and activation of each layer, in order.</param>
    /// <param name="loss">
    /// The loss. For cross-entropy and binary cross-entropy the last layer's softmax or sigmoid is folded into the loss,
    /// which reads the logits, as torch users write CrossEntropyLoss and BCEWithLogitsLoss.
    /// </param>
    /// <param name="createOptimizer">Builds the optimizer over the parameter tensors.</param>
    public GraphNetwork(int inputs, IReadOnlyList<(int Units, Activation Activation)> layers, Loss loss, Func<IReadOnlyList<Tensor>, Optimizer> createOptimizer)
    {
        _loss = loss;
        _outputActivation = layers[^1].Activation;
        var modules = new List<Module>();
        int fanIn = inputs;
        for (int i = 0; i < layers.Count; i++)
        {
            bool foldedIntoLoss = i == layers.Count - 1 && loss != Loss.MeanSquaredError;
            modules.Add(new Dense(fanIn, layers[i].Units, foldedIntoLoss ? Activation.Identity : layers[i].Activation));
            fanIn = layers[i].Units;
        }

        _model = new Sequential(modules);
        _parameters = _model.Parameters().ToArray();
        Optimizer = createOptimizer(_parameters);
        InputSize = inputs;
        OutputSize = fanIn;
    }

    public int InputSize { get; }

    public int OutputSize { get; }

    public Optimizer Optimizer { get; }

    /// <summary>Every parameter tensor, in NetGen's flat order: per layer the weight [out × in], then the bias.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>Copies parameters from NetGen's flat layout, so both engines start from the same weights.</summary>
    public void LoadParameters(ReadOnlySpan<float> flat)
    {
        int offset = 0;
        foreach (Tensor parameter in _parameters)
        {
            flat.Slice(offset, parameter.Length).CopyTo(parameter.Data);
            offset += parameter.Length;
        }
    }

    /// <summary>One step on a batch: forward with the graph recorded, loss, backward, optimizer step. Returns the mean loss.</summary>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        int rows = inputs.Length / InputSize;
        _tape.Reset();
        _tape.IsRecording = true;
        Tensor x = _tape.Input(inputs, rows, InputSize);
        Tensor t = _tape.Input(targets, rows, OutputSize);
        Tensor prediction = _model.Forward(_tape, x);
        Tensor loss = _loss switch
        {
            Loss.CrossEntropy => Ops.SoftmaxCrossEntropy(_tape, prediction, t),
            Loss.BinaryCrossEntropy => Ops.SigmoidBinaryCrossEntropy(_tape, prediction, t),
            _ => Ops.MeanSquaredError(_tape, prediction, t),
        };
        _tape.Backward(loss);
        Optimizer.Step();
        return loss.Data[0];
    }

    /// <summary>Outputs for a batch, without recording a graph.</summary>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int rows = inputs.Length / InputSize;
        _tape.Reset();
        _tape.IsRecording = false;
        Tensor prediction = _model.Forward(_tape, _tape.Input(inputs, rows, InputSize));
        if (_loss != Loss.MeanSquaredError)
        {
            prediction = Ops.Activate(_tape, prediction, _outputActivation);
        }

        prediction.Data.CopyTo(outputs);
    }
}
