using System;

namespace NetGen;

/// <summary>
/// Declares a feed-forward network on a <c>partial class</c>. The layers are the class's layer attributes
/// (<see cref="DenseAttribute"/>, <see cref="Conv2DAttribute"/>, <see cref="MaxPool2DAttribute"/>, …), applied in the
/// order written; the optimizer is an optimizer attribute such as <see cref="SgdAttribute"/>
/// (plain SGD with its default learning rate when none is given). At build time NetGen generates the forward pass,
/// the backward pass and the parameter update for exactly this shape.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>
    /// The number of inputs per sample, greater than zero: a flat sample, the same as <c>InputShape = new[] { n }</c>.
    /// Give exactly one of <see cref="Inputs"/> and <see cref="InputShape"/>.
    /// </summary>
    public int Inputs { get; set; }

    /// <summary>
    /// The shape of one input sample: <c>{ features }</c>, <c>{ channels, length }</c> for 1-D convolutions, or
    /// <c>{ channels, height, width }</c> for 2-D ones. Samples stay flat spans of the product of the dimensions, each
    /// row-major in this order, as one item of a PyTorch NCHW batch. Give exactly one of <see cref="Inputs"/> and
    /// <see cref="InputShape"/>.
    /// </summary>
    public int[]? InputShape { get; set; }

    /// <summary>The loss the network minimises. <see cref="NetGen.Loss.MeanSquaredError"/> by default.</summary>
    public Loss Loss { get; set; } = Loss.MeanSquaredError;

    /// <summary>The floating-point type of parameters, inputs and outputs. <see cref="NetGen.Precision.Single"/> by default.</summary>
    public Precision Precision { get; set; } = Precision.Single;
}
