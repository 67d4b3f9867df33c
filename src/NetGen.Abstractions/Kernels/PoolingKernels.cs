using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>
/// Max and average pooling without padding (nn.MaxPool1d/2d and nn.AvgPool1d/2d with floor output sizes), forward and
/// backward, over a batch of <c>rows</c> samples laid out back to back, each <see cref="PoolingGeometry.InputSize"/>
/// values in and <see cref="PoolingGeometry.OutputSize"/> out. A pooling pass reads every input about once and does
/// one operation per read, so the loops are plain, except that max pooling picks its maximum without branches: on random
/// inputs the comparison goes either way, and with a branch per value LeNet's first pool (6 × 28 × 28, batch 64) took
/// 1.1–1.3 ms instead of 0.49 ms.
/// </summary>
public static class PoolingKernels
{
    /// <summary>
    /// Y = the maximum of each window, and argmax = where it is: the index within the sample (0 ≤ index &lt;
    /// <see cref="PoolingGeometry.InputSize"/>) of the first maximum in row-major window order, so the first one wins a
    /// tie. A window holding NaN outputs NaN, and argmax points at its first NaN.
    /// </summary>
    /// <param name="inputs">X, <c>rows × [C, H, W]</c>.</param>
    /// <param name="outputs">Y, <c>rows × [C, OH, OW]</c>; only written.</param>
    /// <param name="argmax">rows × OutputSize indices, for <see cref="MaxPoolBackward{T}"/>; only written.</param>
    /// <param name="rows">The samples in the batch.</param>
    /// <param name="geometry">The pooling's sizes.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, or a span is shorter than the geometry needs.</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MaxPoolForward<T>(ReadOnlySpan<T> inputs, Span<T> outputs, Span<int> argmax, int rows, in PoolingGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, geometry);
        RequireLength(inputs.Length, (long)rows * geometry.InputSize, nameof(inputs));
        RequireLength(outputs.Length, (long)rows * geometry.OutputSize, nameof(outputs));
        RequireLength(argmax.Length, (long)rows * geometry.OutputSize, nameof(argmax));

        int width = geometry.Width, stride = geometry.Stride, poolHeight = geometry.PoolHeight, poolWidth = geometry.PoolWidth;
        int outputHeight = geometry.OutputHeight, outputWidth = geometry.OutputWidth, plane = geometry.Height * width;
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> x = inputs.Slice(row * geometry.InputSize, geometry.InputSize);
            Span<T> y = outputs.Slice(row * geometry.OutputSize, geometry.OutputSize);
            Span<int> where = argmax.Slice(row * geometry.OutputSize, geometry.OutputSize);
            ref T first = ref MemoryMarshal.GetReference(x);
            int output = 0;
            for (int channel = 0; channel < geometry.Channels; channel++)
            {
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    for (int ow = 0; ow < outputWidth; ow++, output++)
                    {
                        int corner = channel * plane + oh * stride * width + ow * stride;

                        // One pass without branches, which mispredict on real data: a strictly larger value or a NaN
                        // moves the position (so the first of equal values stays, and once the maximum is NaN nothing
                        // moves it), as an integer mask; T.Max carries a NaN on. The window lies inside the sample
                        // (checked above), so it is read through a reference.
                        ref T window = ref Unsafe.Add(ref first, corner);
                        T max = window;
                        int best = corner;
                        for (int i = 0; i < poolHeight; i++)
                        {
                            ref T line = ref Unsafe.Add(ref window, i * width);
                            for (int j = 0; j < poolWidth; j++)
                            {
                                T value = Unsafe.Add(ref line, j);
                                int moves = -Unsafe.BitCast<bool, byte>(!(value <= max) & !T.IsNaN(max));
                                best += (corner + i * width + j - best) & moves;
                                max = T.Max(max, value);
                            }
                        }

                        // The value at the index (of the two zeros, +0 is the larger for T.Max, but the first one wins).
                        y[output] = x[best];
                        where[output] = best;
                    }
                }
            }
        }
    }

    /// <summary>dX = 0, then dX[argmax] += dY for every output: each gradient goes to the input its window's maximum came from.</summary>
    /// <param name="outputGradients">dY, <c>rows × [C, OH, OW]</c>.</param>
    /// <param name="argmax">The indices <see cref="MaxPoolForward{T}"/> wrote.</param>
    /// <param name="inputGradients">dX, <c>rows × [C, H, W]</c>; overwritten.</param>
    /// <param name="rows">The samples in the batch.</param>
    /// <param name="geometry">The pooling's sizes.</param>
    /// <exception cref="ArgumentException">
    /// The geometry is invalid, a span is shorter than the geometry needs, or an index lies outside the sample.
    /// </exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MaxPoolBackward<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<int> argmax, Span<T> inputGradients, int rows, in PoolingGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, geometry);
        RequireLength(outputGradients.Length, (long)rows * geometry.OutputSize, nameof(outputGradients));
        RequireLength(argmax.Length, (long)rows * geometry.OutputSize, nameof(argmax));
        RequireLength(inputGradients.Length, (long)rows * geometry.InputSize, nameof(inputGradients));
        int inputSize = geometry.InputSize, outputSize = geometry.OutputSize;
        ReadOnlySpan<int> indices = argmax.Slice(0, rows * outputSize);
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)inputSize)
            {
                throw new ArgumentException($"argmax[{i}] is {indices[i]}; an index into a sample of {inputSize} values must be at least 0 and less than {inputSize}.", nameof(argmax));
            }
        }

        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> dy = outputGradients.Slice(row * outputSize, outputSize);
            ReadOnlySpan<int> where = indices.Slice(row * outputSize, outputSize);
            Span<T> dx = inputGradients.Slice(row * inputSize, inputSize);
            dx.Clear();
            for (int output = 0; output < dy.Length; output++)
            {
                dx[where[output]] += dy[output];
            }
        }
    }

    /// <summary>Y = the mean of each window.</summary>
    /// <param name="inputs">X, <c>rows × [C, H, W]</c>.</param>
    /// <param name="outputs">Y, <c>rows × [C, OH, OW]</c>; only written.</param>
    /// <param name="rows">The samples in the batch.</param>
    /// <param name="geometry">The pooling's sizes.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, or a span is shorter than the geometry needs.</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void AvgPoolForward<T>(ReadOnlySpan<T> inputs, Span<T> outputs, int rows, in PoolingGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, geometry);
        RequireLength(inputs.Length, (long)rows * geometry.InputSize, nameof(inputs));
        RequireLength(outputs.Length, (long)rows * geometry.OutputSize, nameof(outputs));

        int width = geometry.Width, stride = geometry.Stride, poolHeight = geometry.PoolHeight, poolWidth = geometry.PoolWidth;
        int outputHeight = geometry.OutputHeight, outputWidth = geometry.OutputWidth, plane = geometry.Height * width;
        T count = T.CreateTruncating(poolHeight * poolWidth);
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> x = inputs.Slice(row * geometry.InputSize, geometry.InputSize);
            Span<T> y = outputs.Slice(row * geometry.OutputSize, geometry.OutputSize);
            int output = 0;
            for (int channel = 0; channel < geometry.Channels; channel++)
            {
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    for (int ow = 0; ow < outputWidth; ow++, output++)
                    {
                        int corner = channel * plane + oh * stride * width + ow * stride;
                        T sum = T.Zero;
                        for (int i = 0; i < poolHeight; i++)
                        {
                            ReadOnlySpan<T> line = x.Slice(corner + i * width, poolWidth);
                            for (int j = 0; j < line.Length; j++)
                            {
                                sum += line[j];
                            }
                        }

                        y[output] = sum / count;
                    }
                }
            }
        }
    }

    /// <summary>dX = 0, then each dY / (PoolHeight·PoolWidth) added to every input of its window.</summary>
    /// <param name="outputGradients">dY, <c>rows × [C, OH, OW]</c>.</param>
    /// <param name="inputGradients">dX, <c>rows × [C, H, W]</c>; overwritten.</param>
    /// <param name="rows">The samples in the batch.</param>
    /// <param name="geometry">The pooling's sizes.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, or a span is shorter than the geometry needs.</exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void AvgPoolBackward<T>(ReadOnlySpan<T> outputGradients, Span<T> inputGradients, int rows, in PoolingGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, geometry);
        RequireLength(outputGradients.Length, (long)rows * geometry.OutputSize, nameof(outputGradients));
        RequireLength(inputGradients.Length, (long)rows * geometry.InputSize, nameof(inputGradients));

        int width = geometry.Width, stride = geometry.Stride, poolHeight = geometry.PoolHeight, poolWidth = geometry.PoolWidth;
        int outputHeight = geometry.OutputHeight, outputWidth = geometry.OutputWidth, plane = geometry.Height * width;
        T count = T.CreateTruncating(poolHeight * poolWidth);
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> dy = outputGradients.Slice(row * geometry.OutputSize, geometry.OutputSize);
            Span<T> dx = inputGradients.Slice(row * geometry.InputSize, geometry.InputSize);
            dx.Clear();
            int output = 0;
            for (int channel = 0; channel < geometry.Channels; channel++)
            {
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    for (int ow = 0; ow < outputWidth; ow++, output++)
                    {
                        int corner = channel * plane + oh * stride * width + ow * stride;
                        T share = dy[output] / count;
                        for (int i = 0; i < poolHeight; i++)
                        {
                            Span<T> line = dx.Slice(corner + i * width, poolWidth);
                            for (int j = 0; j < line.Length; j++)
                            {
                                line[j] += share;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Every call checks the geometry before it reads or writes anything.</summary>
    private static void RequireShape(int rows, in PoolingGeometry geometry)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        geometry.Validate(nameof(geometry));
    }

    private static void RequireLength(int length, long required, string name)
    {
        if (length < required)
        {
            throw new ArgumentException($"{name} has {length} values; the geometry given needs at least {required}.", name);
        }
    }
}
