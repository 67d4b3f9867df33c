using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace NetGen.Kernels;

/// <summary>
/// Max and average pooling without padding (nn.MaxPool1d/2d and nn.AvgPool1d/2d with floor output sizes), forward and
/// backward, over a batch of <c>rows</c> samples laid out back to back, each <see cref="PoolingGeometry.InputSize"/>
/// values in and <see cref="PoolingGeometry.OutputSize"/> out. A pooling pass reads every input about once and does
/// one operation per read, so the loops are plain, except that max pooling picks its maximum without branches: on random
/// inputs the comparison goes either way, and with a branch per value LeNet's first pool (6 × 28 × 28, batch 64) took
/// 1.1–1.3 ms instead of 0.49 ms. The most common pool, 2 × 2 with stride 2 in float, has a vector path of its own
/// (<see cref="MaxPool2x2"/>).
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

        if (RunsVector2x2<T>(geometry))
        {
            Pool2x2Job.Forward(MemoryMarshal.Cast<T, float>(inputs), MemoryMarshal.Cast<T, float>(outputs), argmax, rows, geometry);
            return;
        }

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
                        int best = WindowMaximum(ref first, channel * plane + oh * stride * width + ow * stride, width, poolHeight, poolWidth);
                        y[output] = x[best];
                        where[output] = best;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The index of the first maximum of the window at <paramref name="corner"/>, in row-major window order, in one pass
    /// without branches, which mispredict on real data: a strictly larger value or a NaN moves the position (so the first
    /// of equal values stays, and once the maximum is NaN nothing moves it), as an integer mask; T.Max carries a NaN on.
    /// The window lies inside the sample (the callers check the geometry), so it is read through a reference.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WindowMaximum<T>(ref T first, int corner, int width, int poolHeight, int poolWidth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
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

        // The value at the index is the output (of the two zeros, +0 is the larger for T.Max, but the first one wins).
        return best;
    }

    /// <summary>
    /// 2 × 2 max pooling with stride 2 in float, four outputs per Vector256 of eight input columns, with the scalar
    /// window's result exactly: each output is the first maximum of its window in row-major order (a, b on the top row,
    /// c, d below), NaN counting as the largest value and the first NaN winning. The vertical pairs (a, c) and (b, d)
    /// are decided first, each keeping its top value unless the bottom one is larger; then the right pair wins over the
    /// left if its value is larger, or equal when the right one is b and the left one c, which comes after b.
    /// A row whose outputs are not a whole number of vectors ends with a vector that overlaps the one before it and
    /// writes some outputs again, with the same values (Width ≥ 8, so a row has at least four outputs); the scalar
    /// window costs about as much per output as the vector does per four.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MaxPool2x2(ReadOnlySpan<float> inputs, Span<float> outputs, Span<int> argmax, int rows, in PoolingGeometry geometry)
    {
        int width = geometry.Width, plane = geometry.Height * width, outputHeight = geometry.OutputHeight, outputWidth = geometry.OutputWidth;
        Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<int> neighbours = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> evens = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        Vector256<int> rowBelow = Vector256.Create(width);
        for (int row = 0; row < rows; row++)
        {
            ref float first = ref MemoryMarshal.GetReference(inputs.Slice(row * geometry.InputSize, geometry.InputSize));
            ref float y = ref MemoryMarshal.GetReference(outputs.Slice(row * geometry.OutputSize, geometry.OutputSize));
            ref int where = ref MemoryMarshal.GetReference(argmax.Slice(row * geometry.OutputSize, geometry.OutputSize));
            int output = 0;
            for (int channel = 0; channel < geometry.Channels; channel++)
            {
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    int top = channel * plane + 2 * oh * width;
                    for (int block = 0; block < outputWidth; block += Vector256<float>.Count / 2)
                    {
                        int ow = Math.Min(block, outputWidth - Vector256<float>.Count / 2);
                        int column = top + 2 * ow;
                        Vector256<float> upper = Vector256.LoadUnsafe(ref first, (nuint)column);
                        Vector256<float> lower = Vector256.LoadUnsafe(ref first, (nuint)(column + width));
                        Vector256<float> down = Exceeds(lower, upper);
                        Vector256<float> vertical = Vector256.ConditionalSelect(down, lower, upper);
                        Vector256<int> index = Vector256.Create(column) + lanes + (down.AsInt32() & rowBelow);

                        // Each even lane against the odd lane beside it: the window's left and right pairs.
                        Vector256<float> right = Vector256.Shuffle(vertical, neighbours);
                        Vector256<float> rightDown = Vector256.Shuffle(down.AsInt32(), neighbours).AsSingle();
                        Vector256<float> takeRight = Exceeds(right, vertical)
                            | (Same(right, vertical) & Vector256.AndNot(down, rightDown));
                        Vector256<float> maximum = Vector256.ConditionalSelect(takeRight, right, vertical);
                        Vector256<int> best = Vector256.ConditionalSelect(takeRight.AsInt32(), Vector256.Shuffle(index, neighbours), index);

                        Vector256.Shuffle(maximum, evens).GetLower().StoreUnsafe(ref y, (nuint)(output + ow));
                        Vector256.Shuffle(best, evens).GetLower().StoreUnsafe(ref where, (nuint)(output + ow));
                    }

                    output += outputWidth;
                }
            }
        }
    }

    /// <summary>Lanes where <paramref name="value"/> is larger than <paramref name="maximum"/>, a NaN counting as larger than any number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exceeds(Vector256<float> value, Vector256<float> maximum)
        => Vector256.GreaterThan(value, maximum) | Vector256.AndNot(IsNaN(value), IsNaN(maximum));

    /// <summary>Lanes where the two are equal, two NaNs counting as equal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Same(Vector256<float> left, Vector256<float> right)
        => Vector256.Equals(left, right) | (IsNaN(left) & IsNaN(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> IsNaN(Vector256<float> value) => ~Vector256.Equals(value, value);

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
        // One pass: as unsigned, a negative index is larger than any in range.
        if (indices.Length > 0 && TensorPrimitives.Max(MemoryMarshal.Cast<int, uint>(indices)) >= (uint)inputSize)
        {
            int i = 0;
            while ((uint)indices[i] < (uint)inputSize)
            {
                i++;
            }

            throw new ArgumentException($"argmax[{i}] is {indices[i]}; an index into a sample of {inputSize} values must be at least 0 and less than {inputSize}.", nameof(argmax));
        }

        if (RunsVector2x2<T>(geometry)
            && Pool2x2Job.Backward(MemoryMarshal.Cast<T, float>(outputGradients), indices, MemoryMarshal.Cast<T, float>(inputGradients), rows, geometry))
        {
            return;
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

    /// <summary>
    /// Whether a pooling takes the float 2 × 2, stride-2 vector paths (<see cref="MaxPool2x2"/> forward,
    /// <see cref="MaxUnpool2x2"/> backward): a row of at least eight input columns fills a Vector256.
    /// </summary>
    private static bool RunsVector2x2<T>(in PoolingGeometry geometry)
        => typeof(T) == typeof(float) && KernelPaths.Use256 && geometry is { PoolHeight: 2, PoolWidth: 2, Stride: 2, Width: >= 8 };

    /// <summary>
    /// <see cref="MaxPoolBackward{T}"/> for 2 × 2 windows with stride 2 in float, written densely instead of cleared and
    /// scattered: the windows tile the plane, so each input of a window gets its output's gradient if it is the window's
    /// argmax and 0 otherwise, eight input columns (four windows) of two rows per step, with the last step of a row
    /// overlapping the one before as in <see cref="MaxPool2x2"/>. A last row or column that no window covers is zeroed.
    /// Returns false, having written nothing that the general path will not overwrite, if an index does not lie in its
    /// own window (argmax that <see cref="MaxPoolForward{T}"/> did not write), so that the general path handles it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static bool MaxUnpool2x2(ReadOnlySpan<float> outputGradients, ReadOnlySpan<int> argmax, Span<float> inputGradients, int rows, in PoolingGeometry geometry)
    {
        int width = geometry.Width, height = geometry.Height, plane = height * width, outputHeight = geometry.OutputHeight, outputWidth = geometry.OutputWidth;
        Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector128<int> corners = Vector128.Create(0, 2, 4, 6);
        Vector128<int> rowBelow = Vector128.Create(width), rowBelowRight = Vector128.Create(width + 1);
        for (int row = 0; row < rows; row++)
        {
            ref float dy = ref MemoryMarshal.GetReference(outputGradients.Slice(row * geometry.OutputSize, geometry.OutputSize));
            ref int where = ref MemoryMarshal.GetReference(argmax.Slice(row * geometry.OutputSize, geometry.OutputSize));
            Span<float> sample = inputGradients.Slice(row * geometry.InputSize, geometry.InputSize);
            ref float dx = ref MemoryMarshal.GetReference(sample);
            int output = 0;
            for (int channel = 0; channel < geometry.Channels; channel++)
            {
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    int top = channel * plane + 2 * oh * width;
                    for (int block = 0; block < outputWidth; block += 4)
                    {
                        int ow = Math.Min(block, outputWidth - 4);
                        int column = top + 2 * ow;
                        Vector128<int> index = Vector128.LoadUnsafe(ref where, (nuint)(output + ow));
                        Vector128<int> offset = index - (Vector128.Create(column) + corners);
                        Vector128<int> inWindow = Vector128.Equals(offset, Vector128<int>.Zero) | Vector128.Equals(offset, Vector128<int>.One)
                            | Vector128.Equals(offset, rowBelow) | Vector128.Equals(offset, rowBelowRight);
                        if (inWindow != Vector128<int>.AllBitsSet)
                        {
                            return false;
                        }

                        // Each window's gradient and argmax in both of its columns: lanes 2k and 2k + 1 hold window k's.
                        Vector256<float> gradient = Vector256.Create(Vector128.LoadUnsafe(ref dy, (nuint)(output + ow)), Vector128<float>.Zero);
                        gradient = Vector256.Shuffle(gradient, Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
                        Vector256<int> best = Vector256.Shuffle(Vector256.Create(index, Vector128<int>.Zero), Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
                        Vector256<int> upper = Vector256.Create(column) + lanes;
                        // + 0 turns a −0 gradient into the +0 that the scatter's 0 + (−0) gives, so both paths agree bit for bit.
                        ((gradient & Vector256.Equals(best, upper).AsSingle()) + Vector256<float>.Zero).StoreUnsafe(ref dx, (nuint)column);
                        ((gradient & Vector256.Equals(best, upper + Vector256.Create(width)).AsSingle()) + Vector256<float>.Zero).StoreUnsafe(ref dx, (nuint)(column + width));
                    }

                    if ((width & 1) != 0)
                    {
                        Unsafe.Add(ref dx, top + width - 1) = 0;
                        Unsafe.Add(ref dx, top + 2 * width - 1) = 0;
                    }

                    output += outputWidth;
                }

                if ((height & 1) != 0)
                {
                    sample.Slice(channel * plane + (height - 1) * width, width).Clear();
                }
            }
        }

        return true;
    }

    /// <summary>
    /// The 2 × 2 float paths over a batch large enough to pay for a hand-off (<see cref="KernelThreads.PartsForElements"/>
    /// of its inputs), split by samples: every sample is pooled by one thread, exactly as on one. The spans are pinned
    /// for the call; the job object is per calling thread, as the convolution's is.
    /// </summary>
    private sealed unsafe class Pool2x2Job : KernelJob
    {
        [ThreadStatic]
        private static Pool2x2Job? t_job;

        private bool _backward;
        private int _rows, _foreign;
        private PoolingGeometry _geometry;
        private float* _source, _target;
        private int* _argmax;

        public static void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, Span<int> argmax, int rows, in PoolingGeometry geometry)
        {
            int parts = Math.Min(rows, KernelThreads.PartsForElements(rows * geometry.InputSize));
            if (parts <= 1)
            {
                MaxPool2x2(inputs, outputs, argmax, rows, geometry);
                return;
            }

            fixed (float* source = inputs, target = outputs)
            fixed (int* where = argmax)
            {
                Run(backward: false, parts, rows, geometry, source, target, where);
            }
        }

        /// <summary>False if an index lay outside its window in any part (see <see cref="MaxUnpool2x2"/>).</summary>
        public static bool Backward(ReadOnlySpan<float> outputGradients, ReadOnlySpan<int> argmax, Span<float> inputGradients, int rows, in PoolingGeometry geometry)
        {
            int parts = Math.Min(rows, KernelThreads.PartsForElements(rows * geometry.InputSize));
            if (parts <= 1)
            {
                return MaxUnpool2x2(outputGradients, argmax, inputGradients, rows, geometry);
            }

            fixed (float* source = outputGradients, target = inputGradients)
            fixed (int* where = argmax)
            {
                return Run(backward: true, parts, rows, geometry, source, target, where);
            }
        }

        private static bool Run(bool backward, int parts, int rows, in PoolingGeometry geometry, float* source, float* target, int* argmax)
        {
            Pool2x2Job job = t_job ??= new Pool2x2Job();
            job._backward = backward;
            job._rows = rows;
            job._geometry = geometry;
            job._source = source;
            job._target = target;
            job._argmax = argmax;
            job._foreign = 0;
            KernelThreads.Run(parts, job);
            return Volatile.Read(ref job._foreign) == 0;
        }

        public override void Execute(int part, int parts)
        {
            PoolingGeometry geometry = _geometry;
            int first = (int)((long)_rows * part / parts), rows = (int)((long)_rows * (part + 1) / parts) - first;
            int inputSize = geometry.InputSize, outputSize = geometry.OutputSize;
            var argmax = new Span<int>(_argmax + (long)first * outputSize, rows * outputSize);
            if (!_backward)
            {
                MaxPool2x2(new ReadOnlySpan<float>(_source + (long)first * inputSize, rows * inputSize),
                    new Span<float>(_target + (long)first * outputSize, rows * outputSize), argmax, rows, geometry);
            }
            else if (!MaxUnpool2x2(new ReadOnlySpan<float>(_source + (long)first * outputSize, rows * outputSize), argmax,
                new Span<float>(_target + (long)first * inputSize, rows * inputSize), rows, geometry))
            {
                Volatile.Write(ref _foreign, 1);
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
