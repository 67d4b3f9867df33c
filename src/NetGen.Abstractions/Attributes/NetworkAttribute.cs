using System;

namespace NetGen;

/// <summary>
/// Declares a feed-forward network on a <c>partial class</c>. The layers are the class's <see cref="DenseAttribute"/>s,
/// applied in the order written; the optimizer is an optimizer attribute such as <see cref="SgdAttribute"/>
/// (plain SGD with its default learning rate when none is given). At build time NetGen generates the forward pass,
/// the backward pass and the parameter update for exactly this shape.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The number of inputs per sample. Required, and greater than zero.</summary>
    public int Inputs { get; set; }

    /// <summary>The loss the network minimises. <see cref="NetGen.Loss.MeanSquaredError"/> by default.</summary>
    public Loss Loss { get; set; } = Loss.MeanSquaredError;

    /// <summary>The floating-point type of parameters, inputs and outputs. <see cref="NetGen.Precision.Single"/> by default.</summary>
    public Precision Precision { get; set; } = Precision.Single;
}
