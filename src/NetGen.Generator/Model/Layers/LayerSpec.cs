namespace NetGen.Generator.Model;

/// <summary>
/// One declared layer: where it sits, the shape it takes and the shape it gives, and the parameter tensors it owns in
/// the network's flat parameter vector. Each layer attribute maps to one derived record, in a file of its own beside
/// this one; records carry data only, so that an unchanged declaration yields an equal spec and stays cached.
/// </summary>
/// <param name="Index">The layer's position in declaration order; files name its tensors <c>layers.{Index}.…</c>.</param>
/// <param name="Input">The shape of one sample entering the layer.</param>
/// <param name="Output">The shape of one sample leaving it.</param>
/// <param name="Activation">The activation applied to the layer's output; Identity for a layer without one.</param>
internal abstract record LayerSpec(int Index, Shape Input, Shape Output, ActivationSpec Activation)
{
    /// <summary>The layer's kind as the runtime's <c>LayerKind</c> names it, e.g. <c>Dense</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The tensors the layer owns, in the order they sit in the parameter vector.</summary>
    public abstract EquatableArray<ParameterTensorSpec> Tensors { get; }

    /// <summary>Whether the layer applies an activation of its own (pooling layers do not).</summary>
    public virtual bool HasActivation => true;

    /// <summary>The number of values in one sample leaving the layer.</summary>
    public int Outputs => Output.Size;
}

/// <summary>
/// One tensor of a layer's parameters, named as in a PyTorch state dict (<c>weight</c>, <c>bias</c>), with its shape
/// and its first element's offset in the flat parameter vector.
/// </summary>
internal sealed record ParameterTensorSpec(string Name, Shape Shape, int Offset)
{
    public int Size => Shape.Size;

    public int End => Offset + Size;
}

/// <summary>A layer's activation: a built-in kind with its slope, or a [Differentiable] method of the network class.</summary>
/// <param name="Kind">The built-in activation; Identity for a custom one.</param>
/// <param name="Slope">The leaky ReLU's slope for negative inputs (kept for every kind, as declared).</param>
/// <param name="Custom">The name of the [Differentiable] static method used instead, or null.</param>
internal sealed record ActivationSpec(ActivationKind Kind, double Slope, string? Custom)
{
    /// <summary>The activation of a layer that has none.</summary>
    public static ActivationSpec None { get; } = new(ActivationKind.Identity, 0.01, null);

    /// <summary>The activation as comments and the runtime name it: the custom method's name or the built-in's.</summary>
    public string Name => Custom ?? Kind.ToString();
}
