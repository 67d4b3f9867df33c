using System;
using System.Globalization;
using System.Text;

namespace NetGen.Kernels;

/// <summary>
/// The geometry of pooling over one sample <c>[Channels, Height, Width]</c>: windows of PoolHeight × PoolWidth moved by
/// <see cref="Stride"/> along both axes, without padding, so OutputHeight = (Height − PoolHeight) / Stride + 1 (the
/// floor, as PyTorch's pools compute it) and the same along the width. Each channel is pooled on its own.
/// </summary>
/// <remarks>1-D pooling over <c>[Channels, Length]</c> is the case Height = PoolHeight = 1.</remarks>
/// <param name="Channels">Channels C, the same in the input and the output.</param>
/// <param name="Height">Input height H (1 for 1-D pooling).</param>
/// <param name="Width">Input width W (the length for 1-D pooling).</param>
/// <param name="PoolHeight">Window height (1 for 1-D pooling).</param>
/// <param name="PoolWidth">Window width.</param>
/// <param name="Stride">The step between windows, along both axes.</param>
public readonly record struct PoolingGeometry(int Channels, int Height, int Width, int PoolHeight, int PoolWidth, int Stride)
{
    /// <summary>(Height − PoolHeight) / Stride + 1.</summary>
    public int OutputHeight => (Height - PoolHeight) / Stride + 1;

    /// <summary>(Width − PoolWidth) / Stride + 1.</summary>
    public int OutputWidth => (Width - PoolWidth) / Stride + 1;

    /// <summary>Values per input sample, C·H·W.</summary>
    public int InputSize => Channels * Height * Width;

    /// <summary>Values per output sample, C·OutputHeight·OutputWidth.</summary>
    public int OutputSize => Channels * OutputHeight * OutputWidth;

    /// <summary>Writes the six sizes that define the geometry, not the computed ones, which an invalid geometry cannot compute.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture,
            $"Channels = {Channels}, Height = {Height}, Width = {Width}, PoolHeight = {PoolHeight}, PoolWidth = {PoolWidth}, Stride = {Stride}");
        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless every size is positive, the window fits the input, and the input size fits an <see cref="int"/>.</summary>
    internal void Validate(string name)
    {
        if (Channels <= 0 || Height <= 0 || Width <= 0 || PoolHeight <= 0 || PoolWidth <= 0 || Stride <= 0)
        {
            throw new ArgumentException($"The pooling's channels, height, width, window sizes and stride must all be positive; got {this}.", name);
        }

        if (PoolHeight > Height || PoolWidth > Width)
        {
            throw new ArgumentException($"A {PoolHeight}×{PoolWidth} pool needs an input of at least that size; the input is {Height}×{Width}.", name);
        }

        if ((long)Channels * Height * Width > int.MaxValue)
        {
            throw new ArgumentException($"The pooling {this} has an input of more than {int.MaxValue} values.", name);
        }
    }
}
