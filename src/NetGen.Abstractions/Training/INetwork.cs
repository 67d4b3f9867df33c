using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// What every generated network offers a generic trainer. NetGen implements it on each class that carries a
/// <see cref="NetworkAttribute"/>; <typeparamref name="T"/> is <see cref="float"/> or <see cref="double"/> as the
/// network's <see cref="Precision"/> says. Samples are stored row-major: sample <c>i</c> of a batch occupies
/// <c>[i·InputSize, (i+1)·InputSize)</c> of the inputs and <c>[i·OutputSize, (i+1)·OutputSize)</c> of the targets.
/// A network is not thread-safe: it owns its buffers.
/// </summary>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
public interface INetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of inputs per sample.</summary>
    int InputSize { get; }

    /// <summary>The number of outputs per sample (the last layer's units).</summary>
    int OutputSize { get; }

    /// <summary>The number of weights and biases, the length of <see cref="Parameters"/>.</summary>
    int ParameterCount { get; }

    /// <summary>
    /// Every weight and bias in one flat span: for each layer in turn, its weights as <c>[units × inputs]</c> row-major,
    /// then its biases. Writes go straight into the network.
    /// </summary>
    Span<T> Parameters { get; }

    /// <summary>The gradient accumulated so far, laid out as <see cref="Parameters"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>The optimizer's state (moments, velocities), layer-aligned vectors of <see cref="ParameterCount"/> values one after another; empty for plain SGD.</summary>
    Span<T> OptimizerState { get; }

    // The members below have default implementations (empty spans), so that an INetwork written before they existed,
    // without those layers, still compiles; every generated network implements them.

    /// <summary>
    /// The non-trainable values saved with the parameters: for each BatchNorm layer in order, its running_mean, then its
    /// running_var, where <see cref="NetworkArchitecture"/>'s layers place them. Empty when there are none. Writes go
    /// straight into the network.
    /// </summary>
    Span<T> Buffers => default;

    /// <summary>Each BatchNorm layer's num_batches_tracked, in order: the training calls that updated its running statistics. Empty without BatchNorm.</summary>
    Span<long> BatchesTracked => default;

    /// <summary>
    /// The state of the network's own generator (xoshiro256**, four words), from which Dropout layers draw their masks.
    /// <see cref="InitializeParameters"/> resets it, checkpoints save it, and Fit does not reseed it. Empty without Dropout.
    /// </summary>
    Span<ulong> RandomState => default;

    /// <summary>The number of optimizer steps applied so far (t in Adam's bias correction).</summary>
    long OptimizerStep { get; set; }

    /// <summary>The learning rate of the next update; starts at the optimizer attribute's value. Must be finite and positive.</summary>
    double LearningRate { get; set; }

    /// <summary>The loss the network minimises.</summary>
    Loss Loss { get; }

    /// <summary>The declared shape: inputs, layers, loss, precision and optimizer.</summary>
    NetworkArchitecture Architecture { get; }

    /// <summary>Redraws every parameter from <paramref name="seed"/>, deterministically.</summary>
    void InitializeParameters(int seed);

    /// <summary>Computes the outputs for one sample.</summary>
    void Predict(ReadOnlySpan<T> input, Span<T> output);

    /// <summary>Computes the outputs for a batch of samples.</summary>
    void PredictBatch(ReadOnlySpan<T> inputs, Span<T> outputs);

    /// <summary>One optimizer step on one sample. Returns that sample's loss before the update.</summary>
    T TrainStep(ReadOnlySpan<T> input, ReadOnlySpan<T> target);

    /// <summary>One optimizer step on the gradient averaged over a batch. Returns the batch's mean loss before the update.</summary>
    T TrainBatch(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets);

    /// <summary>Adds the gradient summed over a batch into <see cref="Gradients"/> and returns the summed loss.</summary>
    T AccumulateGradients(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets);

    /// <summary>One optimizer step with <see cref="Gradients"/> divided by <paramref name="sampleCount"/>, then zeroes the gradients.</summary>
    void ApplyGradients(int sampleCount);

    /// <summary>Sets every accumulated gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>The mean loss over a batch, without training.</summary>
    T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets);
}
