using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static NetGen.Kernels.VectorFunctions;

namespace NetGen.Kernels;

/// <summary>
/// The three products of a dense layer over a batch of <c>rows</c> samples, with W stored <c>[outputSize × inputSize]</c>
/// row-major, X <c>[rows × inputSize]</c> and Z, dZ <c>[rows × outputSize]</c>:
/// <list type="bullet">
/// <item>forward, Z = X·Wᵀ + b;</item>
/// <item>parameter gradients, dW += dZᵀ·X and db += Σ_rows dZ;</item>
/// <item>input gradients, dX = dZ·W.</item>
/// </list>
/// All three run on <see cref="Gemm"/>'s register-blocked micro-kernel. dW and dX read their B operand (X and W)
/// in place; the forward pass packs Wᵀ a panel at a time. A forward pass of fewer than
/// <see cref="MinimumGemmRows"/> rows is a matrix-vector product bound by reading W, so it runs as dot products of
/// eight weight rows at a time on the Vector512 path (four on the others, and for the last units) and packs nothing. On the 128-bit and scalar paths (<see cref="KernelPaths"/>) the kernels
/// fall back to TensorPrimitives.
/// </summary>
public static class DenseKernels
{
    /// <summary>Forward passes of fewer rows than this skip packing Wᵀ, which would cost as much as the product.</summary>
    internal const int MinimumGemmRows = 4;

    /// <summary>Z = X·Wᵀ + b, or Z = X·Wᵀ when <paramref name="bias"/> is empty (a layer declared with Bias = false).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> outputs, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, inputSize, outputSize);
        RequireLength(weights.Length, (long)outputSize * inputSize, nameof(weights));
        bool withBias = !bias.IsEmpty;
        if (withBias)
        {
            RequireLength(bias.Length, outputSize, nameof(bias));
        }

        RequireLength(inputs.Length, (long)rows * inputSize, nameof(inputs));
        RequireLength(outputs.Length, (long)rows * outputSize, nameof(outputs));
        if (!Gemm.IsSupported<T>() || inputSize < Vector256<T>.Count)
        {
            ForwardByDots(weights, bias, inputs, outputs, rows, inputSize, outputSize);
            return;
        }

        // No bias is a null reference, which the GEMM and the dot blocks skip.
        ref T b = ref withBias ? ref MemoryMarshal.GetReference(bias) : ref Unsafe.NullRef<T>();
        if (rows >= MinimumGemmRows)
        {
            Gemm.Multiply(
                rows, outputSize, inputSize, ref MemoryMarshal.GetReference(inputs), inputSize, 1, ref MemoryMarshal.GetReference(weights), inputSize,
                bTransposed: true, ref MemoryMarshal.GetReference(outputs), outputSize, T.One, T.Zero, ref b);
        }
        else
        {
            ForwardByDotBlocks(weights, ref b, inputs, outputs, rows, inputSize, outputSize);
        }
    }

    /// <summary>
    /// <see cref="Forward{T}"/> on the 128-bit and scalar paths, and for inputs narrower than a Vector256: one
    /// TensorPrimitives dot product per unit.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ForwardByDots<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> outputs, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> x = inputs.Slice(r * inputSize, inputSize);
            for (int unit = 0; unit < outputSize; unit++)
            {
                T dot = TensorPrimitives.Dot(weights.Slice(unit * inputSize, inputSize), x);
                outputs[r * outputSize + unit] = bias.IsEmpty ? dot : bias[unit] + dot;
            }
        }
    }

    /// <summary>
    /// <see cref="Forward{T}"/> of fewer than <see cref="MinimumGemmRows"/> rows on the Vector256 and Vector512 paths:
    /// dot products of eight or four weight rows at a time (<paramref name="b"/> is a null reference for no bias).
    /// </summary>
    /// <remarks>
    /// A method of its own, apart from the GEMM's call, because it holds 23 loops once inlined (the dot blocks' vector
    /// loops, a scalar tail per weight row, and RowMath.Dot's). Compiled as part of <see cref="Forward{T}"/>, they made
    /// its first call spend 34–40 ms in the JIT on the Zen 3 of docs/performance.md, which a process that trains on
    /// batches paid without ever running them.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ForwardByDotBlocks<T>(ReadOnlySpan<T> weights, ref T b, ReadOnlySpan<T> inputs, Span<T> outputs, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool withBias = !Unsafe.IsNullRef(ref b);
        ref T w = ref MemoryMarshal.GetReference(weights);
        ref T x0 = ref MemoryMarshal.GetReference(inputs);
        ref T z = ref MemoryMarshal.GetReference(outputs);
        for (int row = 0; row < rows; row++)
        {
            int unit = 0;
            if (KernelPaths.Use512 && inputSize >= Vector512<T>.Count)
            {
                for (; unit + 8 <= outputSize; unit += 8)
                {
                    DotBlock1x8(
                        ref Unsafe.Add(ref x0, row * inputSize), ref Unsafe.Add(ref w, unit * inputSize), ref Unsafe.Add(ref z, row * outputSize + unit),
                        ref withBias ? ref Unsafe.Add(ref b, unit) : ref b, inputSize);
                }
            }

            for (; unit + 4 <= outputSize; unit += 4)
            {
                DotBlock1x4(
                    ref Unsafe.Add(ref x0, row * inputSize), ref Unsafe.Add(ref w, unit * inputSize), ref Unsafe.Add(ref z, row * outputSize + unit),
                    ref withBias ? ref Unsafe.Add(ref b, unit) : ref b, inputSize);
            }

            for (; unit < outputSize; unit++)
            {
                T dot = RowMath.Dot(inputs.Slice(row * inputSize, inputSize), weights.Slice(unit * inputSize, inputSize));
                Unsafe.Add(ref z, row * outputSize + unit) = withBias ? Unsafe.Add(ref b, unit) + dot : dot;
            }
        }
    }

    /// <summary>dW += dZᵀ·X and db += the column sums of dZ (nothing for an empty <paramref name="biasGradients"/>: a layer without bias).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateParameterGradients<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, Span<T> weightGradients, Span<T> biasGradients, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, inputSize, outputSize);
        RequireLength(inputs.Length, (long)rows * inputSize, nameof(inputs));
        RequireLength(weightGradients.Length, (long)outputSize * inputSize, nameof(weightGradients));
        if (!biasGradients.IsEmpty)
        {
            AccumulateBiasGradients(outputGradients, biasGradients, rows, outputSize);
        }

        WeightProduct(outputGradients, inputs, weightGradients, rows, inputSize, outputSize, T.One, T.One);
    }

    /// <summary>
    /// C = β·C + α·dZᵀ·X for a layer's weight-shaped C: the product behind both the accumulated weight gradient and the
    /// fused SGD step. M = units, N = inputs, K = rows; A = dZᵀ is read through strides (1 along units, outputSize along
    /// rows). Shapes are checked by the callers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightProduct<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, Span<T> c, int rows, int inputSize, int outputSize, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Gemm.IsSupported<T>())
        {
            if (beta != T.One)
            {
                TensorPrimitives.Multiply(c, beta, c);
            }

            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> x = inputs.Slice(row * inputSize, inputSize);
                for (int unit = 0; unit < outputSize; unit++)
                {
                    Span<T> target = c.Slice(unit * inputSize, inputSize);
                    TensorPrimitives.MultiplyAdd(x, alpha * outputGradients[row * outputSize + unit], target, target);
                }
            }

            return;
        }

        Gemm.Multiply(
            outputSize, inputSize, rows,
            ref MemoryMarshal.GetReference(outputGradients), 1, outputSize,
            ref MemoryMarshal.GetReference(inputs), inputSize, bTransposed: false,
            ref MemoryMarshal.GetReference(c), inputSize,
            alpha, beta, ref Unsafe.NullRef<T>());
    }

    /// <summary>db += the column sums of dZ.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateBiasGradients<T>(ReadOnlySpan<T> outputGradients, Span<T> biasGradients, int rows, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, 0, outputSize);
        RequireLength(outputGradients.Length, (long)rows * outputSize, nameof(outputGradients));
        RequireLength(biasGradients.Length, outputSize, nameof(biasGradients));
        for (int row = 0; row < rows; row++)
        {
            RowMath.AddTo(outputGradients.Slice(row * outputSize, outputSize), biasGradients);
        }
    }

    /// <summary>
    /// Plain SGD on the weights straight from the batch, W ← W − α·(s·dZᵀ·X + λ·W) = (1 − αλ)·W − αs·dZᵀ·X, in the
    /// epilogue of the dW product: the weight gradient is never stored, and W is read and written once instead of
    /// dW being written, read, cleared and W updated in a second pass. This is <see cref="OptimizerKernels.Sgd{T}"/>
    /// applied to the gradient <see cref="AccumulateParameterGradients{T}"/> would have added to a zero buffer.
    /// </summary>
    /// <param name="outputGradients">dZ, <c>[rows × outputSize]</c>.</param>
    /// <param name="inputs">X, <c>[rows × inputSize]</c>.</param>
    /// <param name="weights">W, <c>[outputSize × inputSize]</c>, updated in place.</param>
    /// <param name="rows">The samples in the batch.</param>
    /// <param name="inputSize">The layer's inputs.</param>
    /// <param name="outputSize">The layer's units.</param>
    /// <param name="learningRate">α.</param>
    /// <param name="weightDecay">λ.</param>
    /// <param name="gradientScale">s, the factor that turns the summed gradient into the mean (1 / samples).</param>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void SgdWeightStep<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, Span<T> weights, int rows, int inputSize, int outputSize, T learningRate, T weightDecay, T gradientScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, inputSize, outputSize);
        RequireLength(outputGradients.Length, (long)rows * outputSize, nameof(outputGradients));
        RequireLength(inputs.Length, (long)rows * inputSize, nameof(inputs));
        RequireLength(weights.Length, (long)outputSize * inputSize, nameof(weights));
        WeightProduct(outputGradients, inputs, weights, rows, inputSize, outputSize, -learningRate * gradientScale, T.One - learningRate * weightDecay);
    }

    /// <summary>dX = dZ·W (overwrites <paramref name="inputGradients"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void BackpropagateInputs<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> weights, Span<T> inputGradients, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, inputSize, outputSize);
        RequireLength(outputGradients.Length, (long)rows * outputSize, nameof(outputGradients));
        RequireLength(weights.Length, (long)outputSize * inputSize, nameof(weights));
        RequireLength(inputGradients.Length, (long)rows * inputSize, nameof(inputGradients));
        if (!Gemm.IsSupported<T>())
        {
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> dz = outputGradients.Slice(row * outputSize, outputSize);
                Span<T> dx = inputGradients.Slice(row * inputSize, inputSize);
                dx.Clear();
                for (int unit = 0; unit < outputSize; unit++)
                {
                    TensorPrimitives.FusedMultiplyAdd(weights.Slice(unit * inputSize, inputSize), dz[unit], dx, dx);
                }
            }

            return;
        }

        Gemm.Multiply(
            rows, inputSize, outputSize,
            ref MemoryMarshal.GetReference(outputGradients), outputSize, 1,
            ref MemoryMarshal.GetReference(weights), inputSize, bTransposed: false,
            ref MemoryMarshal.GetReference(inputGradients), inputSize,
            T.One, T.Zero, ref Unsafe.NullRef<T>());
    }

    /// <summary>The kernels read and write through unchecked references, so every call checks its sizes first.</summary>
    private static void RequireShape(int rows, int inputSize, int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegative(outputSize);
    }

    private static void RequireLength(int length, long required, string name)
    {
        if (length < required)
        {
            throw new ArgumentException($"{name} has {length} values; the shape given needs at least {required}.", name);
        }
    }

    /// <summary>
    /// Four dot products of one row of X against weight rows u..u+3: whole Vector512s on that path, then whole Vector256s,
    /// then a scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotBlock1x4<T>(ref T x, ref T w, ref T z, ref T bias, int inputSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint n = (nuint)inputSize, s = (nuint)inputSize;
        nuint k = 0;
        T sum0 = T.Zero, sum1 = T.Zero, sum2 = T.Zero, sum3 = T.Zero;
        if (KernelPaths.Use512 && n >= (nuint)Vector512<T>.Count)
        {
            nuint width = (nuint)Vector512<T>.Count;
            Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; k + width <= n; k += width)
            {
                Vector512<T> x0 = Vector512.LoadUnsafe(ref x, k);
                a0 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, k), a0);
                a1 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, s + k), a1);
                a2 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, 2 * s + k), a2);
                a3 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, 3 * s + k), a3);
            }

            (sum0, sum1, sum2, sum3) = (Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
        }

        if (n - k >= (nuint)Vector256<T>.Count)
        {
            nuint width = (nuint)Vector256<T>.Count;
            Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; k + width <= n; k += width)
            {
                Vector256<T> x0 = Vector256.LoadUnsafe(ref x, k);
                a0 = MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, k), a0);
                a1 = MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, s + k), a1);
                a2 = MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 2 * s + k), a2);
                a3 = MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 3 * s + k), a3);
            }

            sum0 += Vector256.Sum(a0);
            sum1 += Vector256.Sum(a1);
            sum2 += Vector256.Sum(a2);
            sum3 += Vector256.Sum(a3);
        }

        Unsafe.Add(ref z, 0) = Finish(sum0, ref x, ref Unsafe.Add(ref w, 0 * s), k, n, ref bias, 0);
        Unsafe.Add(ref z, 1) = Finish(sum1, ref x, ref Unsafe.Add(ref w, 1 * s), k, n, ref bias, 1);
        Unsafe.Add(ref z, 2) = Finish(sum2, ref x, ref Unsafe.Add(ref w, 2 * s), k, n, ref bias, 2);
        Unsafe.Add(ref z, 3) = Finish(sum3, ref x, ref Unsafe.Add(ref w, 3 * s), k, n, ref bias, 3);
    }

    /// <summary>
    /// Eight dot products of one row of X against weight rows u..u+7, on the Vector512 path: one load of x serves eight
    /// FMAs (four in <see cref="DotBlock1x4{T}"/>), so the loads of W, which stream from L2, are a larger share of the
    /// loads issued; then at most one Vector256 of what is left, then a scalar tail. Each sum is formed as in
    /// <see cref="DotBlock1x4{T}"/> (the Vector256 part as an FMA onto zero), so both give the same bits. Nine of the 32 registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotBlock1x8<T>(ref T x, ref T w, ref T z, ref T bias, int inputSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint n = (nuint)inputSize, s = (nuint)inputSize, width = (nuint)Vector512<T>.Count;
        nuint k = 0;
        Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (; k + width <= n; k += width)
        {
            Vector512<T> x0 = Vector512.LoadUnsafe(ref x, k);
            a0 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, k), a0);
            a1 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, s + k), a1);
            a2 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, 2 * s + k), a2);
            a3 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, 3 * s + k), a3);
            a4 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, 4 * s + k), a4);
            a5 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, 5 * s + k), a5);
            a6 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, 6 * s + k), a6);
            a7 = MultiplyAdd(x0, Vector512.LoadUnsafe(ref w, 7 * s + k), a7);
        }

        T sum0 = Vector512.Sum(a0), sum1 = Vector512.Sum(a1), sum2 = Vector512.Sum(a2), sum3 = Vector512.Sum(a3);
        T sum4 = Vector512.Sum(a4), sum5 = Vector512.Sum(a5), sum6 = Vector512.Sum(a6), sum7 = Vector512.Sum(a7);
        if (n - k >= (nuint)Vector256<T>.Count)
        {
            Vector256<T> x0 = Vector256.LoadUnsafe(ref x, k);
            sum0 += Vector256.Sum(MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, k), Vector256<T>.Zero));
            sum1 += Vector256.Sum(MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, s + k), Vector256<T>.Zero));
            sum2 += Vector256.Sum(MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 2 * s + k), Vector256<T>.Zero));
            sum3 += Vector256.Sum(MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 3 * s + k), Vector256<T>.Zero));
            sum4 += Vector256.Sum(MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 4 * s + k), Vector256<T>.Zero));
            sum5 += Vector256.Sum(MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 5 * s + k), Vector256<T>.Zero));
            sum6 += Vector256.Sum(MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 6 * s + k), Vector256<T>.Zero));
            sum7 += Vector256.Sum(MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 7 * s + k), Vector256<T>.Zero));
            k += (nuint)Vector256<T>.Count;
        }

        Unsafe.Add(ref z, 0) = Finish(sum0, ref x, ref Unsafe.Add(ref w, 0 * s), k, n, ref bias, 0);
        Unsafe.Add(ref z, 1) = Finish(sum1, ref x, ref Unsafe.Add(ref w, 1 * s), k, n, ref bias, 1);
        Unsafe.Add(ref z, 2) = Finish(sum2, ref x, ref Unsafe.Add(ref w, 2 * s), k, n, ref bias, 2);
        Unsafe.Add(ref z, 3) = Finish(sum3, ref x, ref Unsafe.Add(ref w, 3 * s), k, n, ref bias, 3);
        Unsafe.Add(ref z, 4) = Finish(sum4, ref x, ref Unsafe.Add(ref w, 4 * s), k, n, ref bias, 4);
        Unsafe.Add(ref z, 5) = Finish(sum5, ref x, ref Unsafe.Add(ref w, 5 * s), k, n, ref bias, 5);
        Unsafe.Add(ref z, 6) = Finish(sum6, ref x, ref Unsafe.Add(ref w, 6 * s), k, n, ref bias, 6);
        Unsafe.Add(ref z, 7) = Finish(sum7, ref x, ref Unsafe.Add(ref w, 7 * s), k, n, ref bias, 7);
    }

    /// <summary>bias (unless it is a null reference) + the vector part of the sum + x·w past the last whole vector (fewer than one vector's worth), for one weight row w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Finish<T>(T sum, ref T x, ref T w, nuint k, nuint n, ref T bias, int biasIndex)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (nuint i = k; i < n; i++)
        {
            sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref w, i);
        }

        return Unsafe.IsNullRef(ref bias) ? sum : Unsafe.Add(ref bias, biasIndex) + sum;
    }
}
