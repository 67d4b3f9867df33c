namespace NetGen.Generator.Model;

/// <summary>
/// A fully connected layer, <c>[Dense(units, activation)]</c>: y = f(W·x + b) with W <c>[Units × Inputs]</c> row-major
/// (PyTorch's nn.Linear) at <see cref="WeightOffset"/>, then b <c>[Units]</c>. A shaped input is flattened in C, H, W
/// order, as nn.Flatten does. Declared with <c>Bias = false</c> (<see cref="HasBias"/> false) it owns only W.
/// </summary>
internal sealed record DenseLayerSpec(int Index, Shape Input, int Units, ActivationSpec Activation, InitializerKind Initializer, int WeightOffset, bool HasBias = true)
    : LayerSpec(Index, Input, Shape.Features(Units), Activation)
{
    public override string Kind => "Dense";

    /// <summary>The values of one input sample, however shaped.</summary>
    public int Inputs => Input.Size;

    public int WeightCount => Inputs * Units;

    /// <summary>Where the bias starts, right after W; meaningful only when <see cref="HasBias"/>.</summary>
    public int BiasOffset => WeightOffset + WeightCount;

    public ParameterTensorSpec Weight => new("weight", new Shape(new EquatableArray<int>(new[] { Units, Inputs })), WeightOffset);

    /// <summary>The bias tensor, or null for a layer declared with <c>Bias = false</c>.</summary>
    public ParameterTensorSpec? Bias => HasBias ? new("bias", Shape.Features(Units), BiasOffset) : null;

    public override EquatableArray<ParameterTensorSpec> Tensors => new(Bias is { } bias ? new[] { Weight, bias } : new[] { Weight });
}
