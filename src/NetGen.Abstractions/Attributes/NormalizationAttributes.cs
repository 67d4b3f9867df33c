using System;

namespace NetGen;

/// <summary>
/// Inverted dropout, as <c>nn.Dropout</c>: in training each value is zeroed with probability <c>rate</c> and the kept
/// ones are scaled by 1/(1 − rate); in evaluation (Predict, PredictBatch, ComputeLoss) the layer is the identity. The
/// masks come from the network's own generator (<see cref="INetwork{T}.RandomState"/>), which
/// <see cref="INetwork{T}.InitializeParameters"/> resets and checkpoints save, so a seed reproduces training bit for bit.
/// Dropout owns no parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Creates a layer that drops each value with probability <paramref name="rate"/> in training.</summary>
    /// <param name="rate">The probability of zeroing a value, in [0, 1).</param>
    public DropoutAttribute(double rate) => Rate = rate;

    /// <summary>The probability of zeroing each value in training.</summary>
    public double Rate { get; }
}

/// <summary>
/// Batch normalisation, as <c>nn.BatchNorm1d</c> / <c>nn.BatchNorm2d</c>: per unit after a Dense layer, per channel
/// (over every position) after a convolution or a pool. In training it normalises with the statistics of the call's
/// batch (the biased variance) and updates the running statistics once per call (the unbiased variance); in evaluation
/// it normalises with the running statistics. Then y = γ·x̂ + β and the activation.
/// </summary>
/// <remarks>
/// Parameters: <c>weight</c> (γ, initially 1) and <c>bias</c> (β, initially 0), one per channel. Buffers (in
/// <see cref="INetwork{T}.Buffers"/>): <c>running_mean</c> (initially 0) and <c>running_var</c> (initially 1), and
/// <c>num_batches_tracked</c> in <see cref="INetwork{T}.BatchesTracked"/>. A training call in which the layer sees one
/// value per channel (one sample after a Dense layer) is refused, as in PyTorch.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>Creates a batch normalisation followed by <paramref name="activation"/>.</summary>
    /// <param name="activation">The activation applied to every normalised value.</param>
    public BatchNormAttribute(Activation activation = Activation.Identity) => Activation = activation;

    /// <summary>The activation applied after the normalisation.</summary>
    public Activation Activation { get; }

    /// <summary>The weight of each batch in the running statistics, in [0, 1]: running ← (1 − momentum)·running + momentum·batch. 0.1, as in PyTorch.</summary>
    public double Momentum { get; set; } = 0.1;

    /// <summary>Added to the variance before its square root; greater than zero. 1e-5, as in PyTorch.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary>The slope for negative inputs of <see cref="NetGen.Activation.LeakyReLU"/>; 0.01 by default.</summary>
    public double Slope { get; set; } = 0.01;
}

/// <summary>
/// Layer normalisation, as <c>nn.LayerNorm</c> over the full shape of a sample with an elementwise affine: each sample
/// is normalised over all of its values (the biased variance), then y = γ ⊙ x̂ + β with γ and β of the input's shape,
/// then the activation. It behaves the same in training and evaluation.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : LayerAttribute
{
    /// <summary>Creates a layer normalisation followed by <paramref name="activation"/>.</summary>
    /// <param name="activation">The activation applied to every normalised value.</param>
    public LayerNormAttribute(Activation activation = Activation.Identity) => Activation = activation;

    /// <summary>The activation applied after the normalisation.</summary>
    public Activation Activation { get; }

    /// <summary>Added to the variance before its square root; greater than zero. 1e-5, as in PyTorch.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary>The slope for negative inputs of <see cref="NetGen.Activation.LeakyReLU"/>; 0.01 by default.</summary>
    public double Slope { get; set; } = 0.01;
}
