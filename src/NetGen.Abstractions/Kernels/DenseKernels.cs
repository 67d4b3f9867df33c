using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels;

/// <summary>
/// The three products of a dense layer over a batch of <c>rows</c> samples, with W stored <c>[outputSize × inputSize]</c>
/// row-major, X <c>[rows × inputSize]</c> and Z, dZ <c>[rows × outputSize]</c>:
/// <list type="bullet">
/// <item>forward, Z = X·Wᵀ + b;</item>
/// <item>parameter gradients, dW += dZᵀ·X and db += Σ_rows dZ;</item>
/// <item>input gradients, dX = dZ·W.</item>
/// </list>
/// Every inner loop runs along a contiguous row of <c>inputSize</c> values.
/// </summary>
public static class DenseKernels
{
    /// <summary>Z = X·Wᵀ + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> outputs, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> x = inputs.Slice(row * inputSize, inputSize);
            Span<T> z = outputs.Slice(row * outputSize, outputSize);
            for (int unit = 0; unit < outputSize; unit++)
            {
                z[unit] = bias[unit] + TensorPrimitives.Dot(weights.Slice(unit * inputSize, inputSize), x);
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
            ReadOnlySpan<T> x = inputs.Slice(row * inputSize, inputSize);
            ReadOnlySpan<T> dz = outputGradients.Slice(row * outputSize, outputSize);
            TensorPrimitives.Add(biasGradients, dz, biasGradients);
            for (int unit = 0; unit < outputSize; unit++)
            {
                Span<T> dw = weightGradients.Slice(unit * inputSize, inputSize);
                TensorPrimitives.MultiplyAdd(x, dz[unit], dw, dw);
            }
        }
    }

    /// <summary>dX = dZ·W (overwrites <paramref name="inputGradients"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackpropagateInputs<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> weights, Span<T> inputGradients, int rows, int inputSize, int outputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> dz = outputGradients.Slice(row * outputSize, outputSize);
            Span<T> dx = inputGradients.Slice(row * inputSize, inputSize);
            dx.Clear();
            for (int unit = 0; unit < outputSize; unit++)
            {
                TensorPrimitives.MultiplyAdd(weights.Slice(unit * inputSize, inputSize), dz[unit], dx, dx);
            }
        }
    }
}
