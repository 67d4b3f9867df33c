using System;

namespace NetGen;

/// <summary>
/// What a 1-D and a 2-D convolution have in common: <c>filters</c> kernels of <c>kernelSize</c> (squared for 2-D) over
/// every input channel, cross-correlated with the input as PyTorch's <c>nn.Conv1d</c> and <c>nn.Conv2d</c> do, plus a bias
/// per filter, then the activation.
/// </summary>
public abstract class ConvolutionAttribute : LayerAttribute
{
    private protected ConvolutionAttribute(int filters, int kernelSize, Activation activation)
    {
        Filters = filters;
        KernelSize = kernelSize;
        Activation = activation;
    }

    /// <summary>The number of filters: the output's channels.</summary>
    public int Filters { get; }

    /// <summary>The kernel's size along each axis.</summary>
    public int KernelSize { get; }

    /// <summary>The activation applied to every output.</summary>
    public Activation Activation { get; }

    /// <summary>The step between windows, along each axis; 1 by default.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zeros added on every side of the input; 0 by default.</summary>
    public int Padding { get; set; }

    /// <summary>How the weights are drawn; <see cref="Initializer.Default"/> picks by activation, with fan-in C·K·K and fan-out filters·K·K.</summary>
    public Initializer Init { get; set; } = Initializer.Default;

    /// <summary>A <c>[Differentiable] static T f(T x)</c> method of the network class to use as the activation (see <see cref="DenseAttribute.CustomActivation"/>).</summary>
    public string? CustomActivation { get; set; }

    /// <summary>The slope for negative inputs of <see cref="NetGen.Activation.LeakyReLU"/>; 0.01 by default.</summary>
    public double Slope { get; set; } = 0.01;

    /// <summary>Whether the layer adds a bias per filter; true by default. False (as <c>nn.Conv2d(bias=False)</c>) before a BatchNorm.</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// A 2-D convolution over an input <c>[C, H, W]</c>: output <c>[filters, (H + 2P − K) / S + 1, (W + 2P − K) / S + 1]</c>,
/// parameters <c>weight [filters, C, K, K]</c> then <c>bias [filters]</c>, the layout of <c>nn.Conv2d</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : ConvolutionAttribute
{
    /// <summary>Creates a layer of <paramref name="filters"/> kernels of <paramref name="kernelSize"/> × <paramref name="kernelSize"/>.</summary>
    /// <param name="filters">The output channels; greater than zero.</param>
    /// <param name="kernelSize">The kernel's height and width; greater than zero, and at most the padded input's.</param>
    /// <param name="activation">The activation applied to every output.</param>
    public Conv2DAttribute(int filters, int kernelSize, Activation activation = Activation.Identity)
        : base(filters, kernelSize, activation)
    {
    }
}

/// <summary>
/// A 1-D convolution over an input <c>[C, L]</c>: output <c>[filters, (L + 2P − K) / S + 1]</c>, parameters
/// <c>weight [filters, C, K]</c> then <c>bias [filters]</c>, the layout of <c>nn.Conv1d</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv1DAttribute : ConvolutionAttribute
{
    /// <summary>Creates a layer of <paramref name="filters"/> kernels of <paramref name="kernelSize"/>.</summary>
    /// <param name="filters">The output channels; greater than zero.</param>
    /// <param name="kernelSize">The kernel's length; greater than zero, and at most the padded input's.</param>
    /// <param name="activation">The activation applied to every output.</param>
    public Conv1DAttribute(int filters, int kernelSize, Activation activation = Activation.Identity)
        : base(filters, kernelSize, activation)
    {
    }
}
