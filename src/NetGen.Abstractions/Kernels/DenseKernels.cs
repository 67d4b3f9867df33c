using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static NetGen.Kernels.VectorMath;

namespace NetGen.Kernels;

/// <summary>
/// The three products of a dense layer over a batch of <c>rows</c> samples, with W stored <c>[outputSize × inputSize]</c>
/// row-major, X <c>[rows × inputSize]</c> and Z, dZ <c>[rows × outputSize]</c>:
/// <list type="bullet">
/// <item>forward, Z = X·Wᵀ + b;</item>
/// <item>parameter gradients, dW += dZᵀ·X and db += Σ_rows dZ;</item>
/// <item>input gradients, dX = dZ·W.</item>
/// </list>
/// Each is register-blocked for 16 vector registers (AVX2): a block of 12 Vector256 accumulators stays in registers
/// across the whole reduction, so each loaded vector feeds three or four FMAs. Every inner loop runs along a
/// contiguous row, so no operand is transposed. Without 256-bit vectors the kernels fall back to TensorPrimitives.
/// </summary>
public static class DenseKernels
{
    /// <summary>Z = X·Wᵀ + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> outputs, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector256.IsHardwareAccelerated || inputSize < Vector256<T>.Count)
        {
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<T> x = inputs.Slice(r * inputSize, inputSize);
                for (int unit = 0; unit < outputSize; unit++)
                {
                    outputs[r * outputSize + unit] = bias[unit] + TensorPrimitives.Dot(weights.Slice(unit * inputSize, inputSize), x);
                }
            }

            return;
        }

        ref T w = ref MemoryMarshal.GetReference(weights);
        ref T x0 = ref MemoryMarshal.GetReference(inputs);
        ref T z = ref MemoryMarshal.GetReference(outputs);
        ref T b = ref MemoryMarshal.GetReference(bias);
        int row = 0;
        for (; row + 3 <= rows; row += 3)
        {
            int unit = 0;
            for (; unit + 4 <= outputSize; unit += 4)
            {
                DotBlock3x4(ref Unsafe.Add(ref x0, row * inputSize), ref Unsafe.Add(ref w, unit * inputSize), ref Unsafe.Add(ref z, row * outputSize + unit), ref Unsafe.Add(ref b, unit), inputSize, outputSize);
            }

            for (; unit < outputSize; unit++)
            {
                for (int r = row; r < row + 3; r++)
                {
                    Unsafe.Add(ref z, r * outputSize + unit) = Unsafe.Add(ref b, unit) + Dot(ref Unsafe.Add(ref x0, r * inputSize), ref Unsafe.Add(ref w, unit * inputSize), inputSize);
                }
            }
        }

        for (; row < rows; row++)
        {
            int unit = 0;
            for (; unit + 4 <= outputSize; unit += 4)
            {
                DotBlock1x4(ref Unsafe.Add(ref x0, row * inputSize), ref Unsafe.Add(ref w, unit * inputSize), ref Unsafe.Add(ref z, row * outputSize + unit), ref Unsafe.Add(ref b, unit), inputSize);
            }

            for (; unit < outputSize; unit++)
            {
                Unsafe.Add(ref z, row * outputSize + unit) = Unsafe.Add(ref b, unit) + Dot(ref Unsafe.Add(ref x0, row * inputSize), ref Unsafe.Add(ref w, unit * inputSize), inputSize);
            }
        }
    }

    /// <summary>dW += dZᵀ·X and db += the column sums of dZ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateParameterGradients<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, Span<T> weightGradients, Span<T> biasGradients, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < rows; row++)
        {
            TensorPrimitives.Add(biasGradients, outputGradients.Slice(row * outputSize, outputSize), biasGradients);
        }

        int width = Vector256<T>.Count;
        if (!Vector256.IsHardwareAccelerated || inputSize < width)
        {
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> x = inputs.Slice(row * inputSize, inputSize);
                ReadOnlySpan<T> dz = outputGradients.Slice(row * outputSize, outputSize);
                for (int unit = 0; unit < outputSize; unit++)
                {
                    Span<T> dw = weightGradients.Slice(unit * inputSize, inputSize);
                    TensorPrimitives.MultiplyAdd(x, dz[unit], dw, dw);
                }
            }

            return;
        }

        ref T dz0 = ref MemoryMarshal.GetReference(outputGradients);
        ref T x0 = ref MemoryMarshal.GetReference(inputs);
        ref T dw0 = ref MemoryMarshal.GetReference(weightGradients);
        int unit4 = 0;
        for (; unit4 + 4 <= outputSize; unit4 += 4)
        {
            int k = 0;
            for (; k + 3 * width <= inputSize; k += 3 * width)
            {
                OuterBlock4x3(ref Unsafe.Add(ref dz0, unit4), ref Unsafe.Add(ref x0, k), ref Unsafe.Add(ref dw0, unit4 * inputSize + k), rows, outputSize, inputSize);
            }

            for (; k < inputSize; k += width)
            {
                int column = Math.Min(k, inputSize - width); // the last vector overlaps; it is added once by masking below
                OuterColumns(ref dz0, ref x0, ref dw0, unit4, 4, column, k, rows, outputSize, inputSize);
            }
        }

        for (int unit = unit4; unit < outputSize; unit++)
        {
            for (int k = 0; k < inputSize; k += width)
            {
                OuterColumns(ref dz0, ref x0, ref dw0, unit, 1, Math.Min(k, inputSize - width), k, rows, outputSize, inputSize);
            }
        }
    }

    /// <summary>dX = dZ·W (overwrites <paramref name="inputGradients"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackpropagateInputs<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> weights, Span<T> inputGradients, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector256<T>.Count;
        int row = 0;
        if (Vector256.IsHardwareAccelerated && inputSize >= width)
        {
            ref T dz0 = ref MemoryMarshal.GetReference(outputGradients);
            ref T w0 = ref MemoryMarshal.GetReference(weights);
            ref T dx0 = ref MemoryMarshal.GetReference(inputGradients);
            for (; row + 3 <= rows; row += 3)
            {
                for (int k = 0; k < inputSize; k += 4 * width)
                {
                    InputBlock3(ref dz0, ref w0, ref dx0, row, k, Math.Min(4, (inputSize - k + width - 1) / width), outputSize, inputSize);
                }
            }
        }

        // Rows left over (and every row without 256-bit vectors): one fused axpy per weight row.
        for (; row < rows; row++)
        {
            ReadOnlySpan<T> dz = outputGradients.Slice(row * outputSize, outputSize);
            Span<T> dx = inputGradients.Slice(row * inputSize, inputSize);
            dx.Clear();
            for (int unit = 0; unit < outputSize; unit++)
            {
                TensorPrimitives.FusedMultiplyAdd(weights.Slice(unit * inputSize, inputSize), dz[unit], dx, dx);
            }
        }
    }

    /// <summary>Twelve dot products at once: rows r..r+2 of X against weight rows u..u+3, reduced along the input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotBlock3x4<T>(ref T x, ref T w, ref T z, ref T bias, int inputSize, int outputSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector256<T>.Count;
        Vector256<T> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<T> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<T> a20 = default, a21 = default, a22 = default, a23 = default;
        nuint n = (nuint)inputSize, s = (nuint)inputSize;
        nuint k = 0;
        for (; k + (nuint)width <= n; k += (nuint)width)
        {
            Vector256<T> x0 = Vector256.LoadUnsafe(ref x, k), x1 = Vector256.LoadUnsafe(ref x, s + k), x2 = Vector256.LoadUnsafe(ref x, 2 * s + k);
            Vector256<T> w0 = Vector256.LoadUnsafe(ref w, k);
            a00 = MultiplyAdd(x0, w0, a00); a10 = MultiplyAdd(x1, w0, a10); a20 = MultiplyAdd(x2, w0, a20);
            Vector256<T> w1 = Vector256.LoadUnsafe(ref w, s + k);
            a01 = MultiplyAdd(x0, w1, a01); a11 = MultiplyAdd(x1, w1, a11); a21 = MultiplyAdd(x2, w1, a21);
            Vector256<T> w2 = Vector256.LoadUnsafe(ref w, 2 * s + k);
            a02 = MultiplyAdd(x0, w2, a02); a12 = MultiplyAdd(x1, w2, a12); a22 = MultiplyAdd(x2, w2, a22);
            Vector256<T> w3 = Vector256.LoadUnsafe(ref w, 3 * s + k);
            a03 = MultiplyAdd(x0, w3, a03); a13 = MultiplyAdd(x1, w3, a13); a23 = MultiplyAdd(x2, w3, a23);
        }

        nuint o = (nuint)outputSize;
        Unsafe.Add(ref z, 0) = Finish(a00, ref x, ref w, k, n, 0, 0, s, ref bias, 0);
        Unsafe.Add(ref z, 1) = Finish(a01, ref x, ref w, k, n, 0, 1, s, ref bias, 1);
        Unsafe.Add(ref z, 2) = Finish(a02, ref x, ref w, k, n, 0, 2, s, ref bias, 2);
        Unsafe.Add(ref z, 3) = Finish(a03, ref x, ref w, k, n, 0, 3, s, ref bias, 3);
        Unsafe.Add(ref z, o) = Finish(a10, ref x, ref w, k, n, 1, 0, s, ref bias, 0);
        Unsafe.Add(ref z, o + 1) = Finish(a11, ref x, ref w, k, n, 1, 1, s, ref bias, 1);
        Unsafe.Add(ref z, o + 2) = Finish(a12, ref x, ref w, k, n, 1, 2, s, ref bias, 2);
        Unsafe.Add(ref z, o + 3) = Finish(a13, ref x, ref w, k, n, 1, 3, s, ref bias, 3);
        Unsafe.Add(ref z, 2 * o) = Finish(a20, ref x, ref w, k, n, 2, 0, s, ref bias, 0);
        Unsafe.Add(ref z, 2 * o + 1) = Finish(a21, ref x, ref w, k, n, 2, 1, s, ref bias, 1);
        Unsafe.Add(ref z, 2 * o + 2) = Finish(a22, ref x, ref w, k, n, 2, 2, s, ref bias, 2);
        Unsafe.Add(ref z, 2 * o + 3) = Finish(a23, ref x, ref w, k, n, 2, 3, s, ref bias, 3);
    }

    /// <summary>Four dot products of one row of X against weight rows u..u+3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotBlock1x4<T>(ref T x, ref T w, ref T z, ref T bias, int inputSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector256<T>.Count;
        Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
        nuint n = (nuint)inputSize, s = (nuint)inputSize;
        nuint k = 0;
        for (; k + (nuint)width <= n; k += (nuint)width)
        {
            Vector256<T> x0 = Vector256.LoadUnsafe(ref x, k);
            a0 = MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, k), a0);
            a1 = MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, s + k), a1);
            a2 = MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 2 * s + k), a2);
            a3 = MultiplyAdd(x0, Vector256.LoadUnsafe(ref w, 3 * s + k), a3);
        }

        Unsafe.Add(ref z, 0) = Finish(a0, ref x, ref w, k, n, 0, 0, s, ref bias, 0);
        Unsafe.Add(ref z, 1) = Finish(a1, ref x, ref w, k, n, 0, 1, s, ref bias, 1);
        Unsafe.Add(ref z, 2) = Finish(a2, ref x, ref w, k, n, 0, 2, s, ref bias, 2);
        Unsafe.Add(ref z, 3) = Finish(a3, ref x, ref w, k, n, 0, 3, s, ref bias, 3);
    }

    /// <summary>bias + the accumulator's lanes + the products past the last whole vector (fewer than one vector's worth).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Finish<T>(Vector256<T> accumulator, ref T x, ref T w, nuint k, nuint n, nuint row, nuint unit, nuint stride, ref T bias, int biasIndex)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = Vector256.Sum(accumulator);
        for (nuint i = k; i < n; i++)
        {
            sum += Unsafe.Add(ref x, row * stride + i) * Unsafe.Add(ref w, unit * stride + i);
        }

        return Unsafe.Add(ref bias, biasIndex) + sum;
    }

    private static T Dot<T>(ref T x, ref T w, int length) where T : unmanaged, IFloatingPointIeee754<T>
        => TensorPrimitives.Dot<T>(MemoryMarshal.CreateReadOnlySpan(ref x, length), MemoryMarshal.CreateReadOnlySpan(ref w, length));

    /// <summary>dW[u..u+3, k..k+3·width) += Σ_rows dZ[row, u..u+3] ⊗ X[row, k..k+3·width): twelve accumulators over the batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterBlock4x3<T>(ref T dz, ref T x, ref T dw, int rows, int outputSize, int inputSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint width = (nuint)Vector256<T>.Count, s = (nuint)inputSize, o = (nuint)outputSize;
        Vector256<T> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector256<T> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        for (nuint r = 0; r < (nuint)rows; r++)
        {
            Vector256<T> x0 = Vector256.LoadUnsafe(ref x, r * s), x1 = Vector256.LoadUnsafe(ref x, r * s + width), x2 = Vector256.LoadUnsafe(ref x, r * s + 2 * width);
            Vector256<T> g = Vector256.Create(Unsafe.Add(ref dz, r * o));
            a00 = MultiplyAdd(g, x0, a00); a01 = MultiplyAdd(g, x1, a01); a02 = MultiplyAdd(g, x2, a02);
            g = Vector256.Create(Unsafe.Add(ref dz, r * o + 1));
            a10 = MultiplyAdd(g, x0, a10); a11 = MultiplyAdd(g, x1, a11); a12 = MultiplyAdd(g, x2, a12);
            g = Vector256.Create(Unsafe.Add(ref dz, r * o + 2));
            a20 = MultiplyAdd(g, x0, a20); a21 = MultiplyAdd(g, x1, a21); a22 = MultiplyAdd(g, x2, a22);
            g = Vector256.Create(Unsafe.Add(ref dz, r * o + 3));
            a30 = MultiplyAdd(g, x0, a30); a31 = MultiplyAdd(g, x1, a31); a32 = MultiplyAdd(g, x2, a32);
        }

        AddTo(ref dw, 0, a00); AddTo(ref dw, width, a01); AddTo(ref dw, 2 * width, a02);
        AddTo(ref dw, s, a10); AddTo(ref dw, s + width, a11); AddTo(ref dw, s + 2 * width, a12);
        AddTo(ref dw, 2 * s, a20); AddTo(ref dw, 2 * s + width, a21); AddTo(ref dw, 2 * s + 2 * width, a22);
        AddTo(ref dw, 3 * s, a30); AddTo(ref dw, 3 * s + width, a31); AddTo(ref dw, 3 * s + 2 * width, a32);
    }

    /// <summary>
    /// One vector of columns [column, column + width) for <paramref name="units"/> weight rows from <paramref name="unit"/>.
    /// When the vector overlaps columns a previous call already did (the tail), only columns ≥ <paramref name="firstNew"/> are added.
    /// </summary>
    private static void OuterColumns<T>(ref T dz, ref T x, ref T dw, int unit, int units, int column, int firstNew, int rows, int outputSize, int inputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint s = (nuint)inputSize, o = (nuint)outputSize;
        Vector256<T> keep = Vector256<T>.Zero;
        for (int lane = 0; lane < Vector256<T>.Count; lane++)
        {
            keep = keep.WithElement(lane, column + lane >= firstNew ? T.One : T.Zero);
        }

        for (int u = unit; u < unit + units; u++)
        {
            Vector256<T> sum = default;
            for (nuint r = 0; r < (nuint)rows; r++)
            {
                sum = MultiplyAdd(Vector256.Create(Unsafe.Add(ref dz, r * o + (nuint)u)), Vector256.LoadUnsafe(ref x, r * s + (nuint)column), sum);
            }

            AddTo(ref dw, (nuint)u * s + (nuint)column, sum * keep);
        }
    }

    /// <summary>dX[row..row+2, k..k+vectors·width) = Σ_units dZ[row.., unit] · W[unit, k..]: 3 rows × up to 4 vectors of accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputBlock3<T>(ref T dz, ref T w, ref T dx, int row, int k, int vectors, int outputSize, int inputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector256<T>.Count;
        nuint s = (nuint)inputSize, o = (nuint)outputSize;

        // The last block may run past the row: its vectors are shifted back to end at the row's end, so columns shared
        // with the vector before are computed twice, to the same value. Unused vectors repeat the last one.
        nuint c0 = (nuint)Math.Min(k, inputSize - width);
        nuint c1 = (nuint)Math.Min(k + Math.Min(1, vectors - 1) * width, inputSize - width);
        nuint c2 = (nuint)Math.Min(k + Math.Min(2, vectors - 1) * width, inputSize - width);
        nuint c3 = (nuint)Math.Min(k + Math.Min(3, vectors - 1) * width, inputSize - width);
        Vector256<T> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<T> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<T> a20 = default, a21 = default, a22 = default, a23 = default;
        ref T g = ref Unsafe.Add(ref dz, (nuint)row * o);
        for (nuint u = 0; u < o; u++)
        {
            Vector256<T> g0 = Vector256.Create(Unsafe.Add(ref g, u));
            Vector256<T> g1 = Vector256.Create(Unsafe.Add(ref g, o + u));
            Vector256<T> g2 = Vector256.Create(Unsafe.Add(ref g, 2 * o + u));
            Vector256<T> w0 = Vector256.LoadUnsafe(ref w, u * s + c0);
            a00 = MultiplyAdd(g0, w0, a00); a10 = MultiplyAdd(g1, w0, a10); a20 = MultiplyAdd(g2, w0, a20);
            Vector256<T> w1 = Vector256.LoadUnsafe(ref w, u * s + c1);
            a01 = MultiplyAdd(g0, w1, a01); a11 = MultiplyAdd(g1, w1, a11); a21 = MultiplyAdd(g2, w1, a21);
            Vector256<T> w2 = Vector256.LoadUnsafe(ref w, u * s + c2);
            a02 = MultiplyAdd(g0, w2, a02); a12 = MultiplyAdd(g1, w2, a12); a22 = MultiplyAdd(g2, w2, a22);
            Vector256<T> w3 = Vector256.LoadUnsafe(ref w, u * s + c3);
            a03 = MultiplyAdd(g0, w3, a03); a13 = MultiplyAdd(g1, w3, a13); a23 = MultiplyAdd(g2, w3, a23);
        }

        ref T r0 = ref Unsafe.Add(ref dx, (nuint)row * s);
        ref T r1 = ref Unsafe.Add(ref r0, s);
        ref T r2 = ref Unsafe.Add(ref r0, 2 * s);
        a03.StoreUnsafe(ref r0, c3); a02.StoreUnsafe(ref r0, c2); a01.StoreUnsafe(ref r0, c1); a00.StoreUnsafe(ref r0, c0);
        a13.StoreUnsafe(ref r1, c3); a12.StoreUnsafe(ref r1, c2); a11.StoreUnsafe(ref r1, c1); a10.StoreUnsafe(ref r1, c0);
        a23.StoreUnsafe(ref r2, c3); a22.StoreUnsafe(ref r2, c2); a21.StoreUnsafe(ref r2, c1); a20.StoreUnsafe(ref r2, c0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo<T>(ref T destination, nuint offset, Vector256<T> value) where T : unmanaged
        => (Vector256.LoadUnsafe(ref destination, offset) + value).StoreUnsafe(ref destination, offset);
}
