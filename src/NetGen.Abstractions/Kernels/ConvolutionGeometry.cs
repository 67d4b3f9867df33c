using System;
using System.Globalization;
using System.Text;

namespace NetGen.Kernels;

/// <summary>
/// The geometry of a convolution over one sample, as nn.Conv2d computes it (a cross-correlation with zero padding):
/// input <c>[Channels, Height, Width]</c>, weight <c>[Filters, Channels, KernelHeight, KernelWidth]</c>, bias
/// <c>[Filters]</c> and output <c>[Filters, OutputHeight, OutputWidth]</c>, all row-major, with
/// OutputHeight = (Height + 2·PaddingHeight − KernelHeight) / Stride + 1 and the same along the width.
/// </summary>
/// <remarks>
/// <see cref="Stride"/> applies to both axes. A 1-D convolution over <c>[Channels, Length]</c> is the case
/// Height = KernelHeight = 1, PaddingHeight = 0, whose output height is 1. The computed sizes are properties, not
/// stored values, so a copy made with <c>with</c> is always consistent; <see cref="ConvolutionKernels"/> checks the
/// geometry on every call.
/// </remarks>
/// <param name="Channels">Input channels C.</param>
/// <param name="Height">Input height H (1 for a 1-D convolution).</param>
/// <param name="Width">Input width W (the length for a 1-D convolution).</param>
/// <param name="Filters">Output channels F.</param>
/// <param name="KernelHeight">Kernel height KH (1 for a 1-D convolution).</param>
/// <param name="KernelWidth">Kernel width KW.</param>
/// <param name="Stride">The step between windows, along both axes.</param>
/// <param name="PaddingHeight">Zeros added above and below the input.</param>
/// <param name="PaddingWidth">Zeros added left and right of the input.</param>
public readonly record struct ConvolutionGeometry(
    int Channels, int Height, int Width, int Filters,
    int KernelHeight, int KernelWidth, int Stride, int PaddingHeight, int PaddingWidth)
{
    /// <summary>(Height + 2·PaddingHeight − KernelHeight) / Stride + 1.</summary>
    public int OutputHeight => (Height + 2 * PaddingHeight - KernelHeight) / Stride + 1;

    /// <summary>(Width + 2·PaddingWidth − KernelWidth) / Stride + 1.</summary>
    public int OutputWidth => (Width + 2 * PaddingWidth - KernelWidth) / Stride + 1;

    /// <summary>Values per input sample, C·H·W.</summary>
    public int InputSize => Channels * Height * Width;

    /// <summary>Values per output sample, F·OutputHeight·OutputWidth.</summary>
    public int OutputSize => Filters * OutputPositions;

    /// <summary>Weights, F·C·KH·KW (the bias adds F more).</summary>
    public int WeightCount => Filters * WindowSize;

    /// <summary>Values in one window over every channel, C·KH·KW: the reduction length of each output.</summary>
    internal int WindowSize => Channels * KernelHeight * KernelWidth;

    /// <summary>Output positions per filter, OutputHeight·OutputWidth.</summary>
    internal int OutputPositions => OutputHeight * OutputWidth;

    /// <summary>Writes the nine sizes that define the geometry, not the computed ones, which an invalid geometry cannot compute.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture,
            $"Channels = {Channels}, Height = {Height}, Width = {Width}, Filters = {Filters}, KernelHeight = {KernelHeight}, KernelWidth = {KernelWidth}, Stride = {Stride}, PaddingHeight = {PaddingHeight}, PaddingWidth = {PaddingWidth}");
        return true;
    }

    /// <summary>
    /// The elements of scratch that <see cref="ConvolutionKernels"/> need for a batch of <paramref name="rows"/> samples,
    /// 0 for no rows: one sample's working memory (the unfolded windows, <c>C·KH·KW × OutputHeight·OutputWidth</c>, or for
    /// a stride of 1 the zero-padded sample and output of the direct kernel, whichever is larger) for each thread the
    /// batch can be split over, at most one per sample and one per processor. It does not grow past that with the batch.
    /// </summary>
    /// <param name="rows">The samples per call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is negative.</exception>
    public long ScratchLength(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (rows == 0)
        {
            return 0;
        }

        long length = (long)WindowSize * OutputPositions;
        if (DirectConvolution.Applies(this))
        {
            length = Math.Max(length, Math.Max(DirectConvolution.ForwardScratchLength(this), DirectConvolution.WeightGradientScratchLength(this)));
        }

        if (DirectConvolution.AppliesToInputGradient(this))
        {
            length = Math.Max(length, DirectConvolution.InputGradientScratchLength(this));
        }

        return length * Math.Min(rows, Environment.ProcessorCount);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless every size is positive, the padding is not negative, the kernel fits
    /// the padded input, and every size the kernels compute fits an <see cref="int"/>.
    /// </summary>
    internal void Validate(string name)
    {
        if (Channels <= 0 || Height <= 0 || Width <= 0 || Filters <= 0 || KernelHeight <= 0 || KernelWidth <= 0 || Stride <= 0)
        {
            throw new ArgumentException($"The convolution's channels, height, width, filters, kernel sizes and stride must all be positive; got {this}.", name);
        }

        if (PaddingHeight < 0 || PaddingWidth < 0)
        {
            throw new ArgumentException($"The convolution's padding must not be negative; got {PaddingHeight} × {PaddingWidth}.", name);
        }

        long paddedHeight = (long)Height + 2L * PaddingHeight, paddedWidth = (long)Width + 2L * PaddingWidth;
        if (KernelHeight > paddedHeight || KernelWidth > paddedWidth)
        {
            throw new ArgumentException(
                $"A {KernelHeight}×{KernelWidth} kernel needs an input of at least that size after padding; the padded input is {paddedHeight}×{paddedWidth}.", name);
        }

        long outputPositions = ((paddedHeight - KernelHeight) / Stride + 1) * ((paddedWidth - KernelWidth) / Stride + 1);
        long windowSize = (long)Channels * KernelHeight * KernelWidth;
        if (paddedHeight > int.MaxValue || paddedWidth > int.MaxValue
            || (long)Channels * Height * Width > int.MaxValue
            || windowSize * Filters > int.MaxValue
            || outputPositions * Filters > int.MaxValue
            || windowSize * outputPositions > int.MaxValue
            || ScratchLength(1) > int.MaxValue)
        {
            throw new ArgumentException($"The convolution {this} has a tensor of more than {int.MaxValue} values.", name);
        }
    }
}
