using System;

namespace NetGen;

/// <summary>
/// What every pooling layer has in common: windows of <c>size</c> (squared for 2-D) moved by <see cref="Stride"/>, each
/// channel pooled on its own, no padding, and output sizes that floor, as PyTorch's pools compute them. Pooling layers
/// own no parameters.
/// </summary>
public abstract class PoolingAttribute : LayerAttribute
{
    private protected PoolingAttribute(int size) => Size = size;

    /// <summary>The window's size along each axis.</summary>
    public int Size { get; }

    /// <summary>The step between windows; the window's size when not set (windows side by side), as in PyTorch.</summary>
    public int Stride { get; set; }
}

/// <summary>
/// 2-D max pooling over <c>[C, H, W]</c>: each output is the largest value of its window; the backward pass sends the
/// gradient to that position (the first one on a tie), as <c>nn.MaxPool2d</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : PoolingAttribute
{
    /// <summary>Creates a layer of <paramref name="size"/> × <paramref name="size"/> windows.</summary>
    /// <param name="size">The window's height and width; greater than zero, and at most the input's.</param>
    public MaxPool2DAttribute(int size)
        : base(size)
    {
    }
}

/// <summary>2-D average pooling over <c>[C, H, W]</c>: each output is the mean of its window, as <c>nn.AvgPool2d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : PoolingAttribute
{
    /// <summary>Creates a layer of <paramref name="size"/> × <paramref name="size"/> windows.</summary>
    /// <param name="size">The window's height and width; greater than zero, and at most the input's.</param>
    public AvgPool2DAttribute(int size)
        : base(size)
    {
    }
}

/// <summary>1-D max pooling over <c>[C, L]</c>, as <c>nn.MaxPool1d</c> (see <see cref="MaxPool2DAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool1DAttribute : PoolingAttribute
{
    /// <summary>Creates a layer of windows of <paramref name="size"/>.</summary>
    /// <param name="size">The window's length; greater than zero, and at most the input's.</param>
    public MaxPool1DAttribute(int size)
        : base(size)
    {
    }
}

/// <summary>1-D average pooling over <c>[C, L]</c>, as <c>nn.AvgPool1d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool1DAttribute : PoolingAttribute
{
    /// <summary>Creates a layer of windows of <paramref name="size"/>.</summary>
    /// <param name="size">The window's length; greater than zero, and at most the input's.</param>
    public AvgPool1DAttribute(int size)
        : base(size)
    {
    }
}
