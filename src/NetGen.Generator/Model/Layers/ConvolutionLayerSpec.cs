namespace NetGen.Generator.Model;

/// <summary>
/// A 1-D or 2-D convolution, <c>[Conv1D(filters, kernelSize, activation)]</c> or <c>[Conv2D(…)]</c>: the cross-correlation
/// of PyTorch's nn.Conv1d / nn.Conv2d with zero padding on every side, a bias per filter, then the activation. Its
/// weight is <c>[Filters, C, K]</c> or <c>[Filters, C, K, K]</c> at <see cref="WeightOffset"/>, then the bias unless it is
/// declared with <c>Bias = false</c>.
/// </summary>
/// <param name="Dimensions">1 for [channels, length] inputs, 2 for [channels, height, width].</param>
internal sealed record ConvolutionLayerSpec(
    int Index, Shape Input, Shape Output, ActivationSpec Activation, int Dimensions, int Filters, int KernelSize, int Stride, int Padding,
    InitializerKind Initializer, int WeightOffset, bool HasBias = true)
    : LayerSpec(Index, Input, Output, Activation)
{
    public override string Kind => Dimensions == 1 ? "Conv1D" : "Conv2D";

    public int Channels => Input.Dimensions[0];

    /// <summary>The input's height: 1 for a 1-D convolution.</summary>
    public int Height => Dimensions == 1 ? 1 : Input.Dimensions[1];

    /// <summary>The input's width, or length.</summary>
    public int Width => Input.Dimensions[Input.Rank - 1];

    public int WeightCount => Weight.Size;

    /// <summary>Where the bias starts, right after the weight; meaningful only when <see cref="HasBias"/>.</summary>
    public int BiasOffset => WeightOffset + WeightCount;

    public ParameterTensorSpec Weight
        => new("weight", new Shape(new EquatableArray<int>(Dimensions == 1 ? new[] { Filters, Channels, KernelSize } : new[] { Filters, Channels, KernelSize, KernelSize })), WeightOffset);

    /// <summary>The bias tensor, or null for a layer declared with <c>Bias = false</c>.</summary>
    public ParameterTensorSpec? Bias => HasBias ? new("bias", Shape.Features(Filters), BiasOffset) : null;

    public override EquatableArray<ParameterTensorSpec> Tensors => new(Bias is { } bias ? new[] { Weight, bias } : new[] { Weight });
}
