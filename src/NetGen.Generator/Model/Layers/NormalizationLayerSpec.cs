namespace NetGen.Generator.Model;

/// <summary>
/// Batch normalisation, <c>[BatchNorm(activation)]</c>: per channel (the first dimension of a shaped input, or each unit
/// of a flat one) over every position and every sample of a training call, as nn.BatchNorm1d / nn.BatchNorm2d; with
/// the running statistics in evaluation. It owns <c>weight</c> (γ) and <c>bias</c> (β) of <see cref="Channels"/> values,
/// and the buffers <c>running_mean</c> and <c>running_var</c> at <see cref="BufferOffset"/> in the network's Buffers.
/// </summary>
/// <param name="BufferOffset">Where running_mean starts in the network's Buffers; running_var follows it.</param>
/// <param name="Ordinal">The layer's place among the network's BatchNorm layers: its num_batches_tracked slot.</param>
internal sealed record BatchNormLayerSpec(
    int Index, Shape Input, ActivationSpec Activation, double Momentum, double Epsilon, int WeightOffset, int BufferOffset, int Ordinal)
    : LayerSpec(Index, Input, Input, Activation)
{
    public override string Kind => "BatchNorm";

    /// <summary>The normalised groups: a shaped input's channels, or a flat input's features.</summary>
    public int Channels => Input.Dimensions[0];

    /// <summary>The values of one channel in one sample: height·width or length, 1 for a flat input.</summary>
    public int Positions => Input.Size / Channels;

    public ParameterTensorSpec Weight => new("weight", Shape.Features(Channels), WeightOffset);

    public ParameterTensorSpec Bias => new("bias", Shape.Features(Channels), WeightOffset + Channels);

    public override EquatableArray<ParameterTensorSpec> Tensors => new(new[] { Weight, Bias });

    /// <summary>running_mean, then running_var, each <c>[Channels]</c>, at their offsets in the network's Buffers.</summary>
    public EquatableArray<ParameterTensorSpec> Buffers
        => new(new[] { new ParameterTensorSpec("running_mean", Shape.Features(Channels), BufferOffset), new ParameterTensorSpec("running_var", Shape.Features(Channels), BufferOffset + Channels) });
}

/// <summary>
/// Layer normalisation, <c>[LayerNorm(activation)]</c>: each sample over all of its values, as nn.LayerNorm over the
/// full input shape with an elementwise affine; <c>weight</c> and <c>bias</c> have the input's shape. The same in
/// training and evaluation.
/// </summary>
internal sealed record LayerNormLayerSpec(int Index, Shape Input, ActivationSpec Activation, double Epsilon, int WeightOffset)
    : LayerSpec(Index, Input, Input, Activation)
{
    public override string Kind => "LayerNorm";

    /// <summary>The values normalised together: one sample's.</summary>
    public int Features => Input.Size;

    public ParameterTensorSpec Weight => new("weight", Input, WeightOffset);

    public ParameterTensorSpec Bias => new("bias", Input, WeightOffset + Features);

    public override EquatableArray<ParameterTensorSpec> Tensors => new(new[] { Weight, Bias });
}
