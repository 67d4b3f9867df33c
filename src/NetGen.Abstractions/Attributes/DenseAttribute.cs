using System;

namespace NetGen;

/// <summary>
/// A fully connected layer: y = f(W·x + b), with W stored as <c>[units × inputs]</c> row-major (PyTorch's
/// <c>nn.Linear</c> layout) followed by b. Layers apply in the order their attributes are written.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>Creates a layer of <paramref name="units"/> outputs.</summary>
    /// <param name="units">The number of outputs; greater than zero.</param>
    /// <param name="activation">The activation applied to every output.</param>
    public DenseAttribute(int units, Activation activation = Activation.Identity)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>The number of outputs of the layer.</summary>
    public int Units { get; }

    /// <summary>The activation applied to every output.</summary>
    public Activation Activation { get; }

    /// <summary>How the layer's weights are drawn; <see cref="Initializer.Default"/> picks by activation.</summary>
    public Initializer Init { get; set; } = Initializer.Default;

    /// <summary>
    /// The name of a <c>[Differentiable] static T f(T x)</c> method of the network class to use as this layer's
    /// activation, e.g. <c>CustomActivation = nameof(Swish)</c>; its generated gradient gives the derivative in the
    /// backward pass. It replaces <see cref="Activation"/>, which must then be left as Identity.
    /// </summary>
    public string? CustomActivation { get; set; }

    /// <summary>The slope for negative inputs of <see cref="NetGen.Activation.LeakyReLU"/>; 0.01 by default, as in PyTorch.</summary>
    public double Slope { get; set; } = 0.01;

    /// <summary>
    /// Whether the layer adds a bias; true by default. Set it to false (as <c>nn.Linear(bias=False)</c>) before a
    /// BatchNorm, whose own bias makes this one redundant: its gradient would be exactly zero.
    /// </summary>
    public bool Bias { get; set; } = true;
}
