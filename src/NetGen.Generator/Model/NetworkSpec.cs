using System.Collections.Generic;
using System.Linq;

namespace NetGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one network, and nothing that ties it to a compilation: only strings, numbers
/// and equatable collections, so that an unchanged declaration yields an equal spec and its output stays cached.
/// </summary>
/// <param name="Namespace">The network's namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">The partial types the network is nested in, outermost first.</param>
/// <param name="Type">The network class itself.</param>
/// <param name="HintName">The generated file's name, unique per type.</param>
/// <param name="InputShape">The shape of one input sample.</param>
/// <param name="Loss">The loss minimised.</param>
/// <param name="Precision">float or double.</param>
/// <param name="Layers">The layers, in the order they apply; each one's input shape is the output shape of the one before.</param>
/// <param name="Optimizer">The optimizer that turns gradients into updates.</param>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    TypeDeclarationSpec Type,
    string HintName,
    Shape InputShape,
    LossKind Loss,
    PrecisionKind Precision,
    EquatableArray<LayerSpec> Layers,
    OptimizerSpec Optimizer)
{
    /// <summary>The values in one input sample.</summary>
    public int Inputs => InputShape.Size;

    /// <summary>The values in one output sample: the last layer's outputs.</summary>
    public int Outputs => Layers[Layers.Count - 1].Outputs;

    /// <summary>Every layer's tensors, in the order they sit in the flat parameter vector.</summary>
    public IEnumerable<ParameterTensorSpec> Tensors => Layers.SelectMany(layer => layer.Tensors);

    /// <summary>The length of the flat parameter vector: the end of the last tensor.</summary>
    public int ParameterCount => Tensors.Aggregate(0, (end, tensor) => System.Math.Max(end, tensor.End));
}

/// <summary>A type declaration as the generated partial repeats it, e.g. keyword <c>record</c> and name <c>Net&lt;T&gt;</c>.</summary>
/// <param name="Keyword">class, struct, record, record struct or interface.</param>
/// <param name="Name">The name with its type parameter list.</param>
/// <param name="SimpleName">The bare identifier, as messages show it.</param>
internal sealed record TypeDeclarationSpec(string Keyword, string Name, string SimpleName);
