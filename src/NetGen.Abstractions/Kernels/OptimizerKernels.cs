using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Parameter updates over the flat parameter vector. Each is one vectorised pass that reads the accumulated gradient,
/// updates the parameters and clears the gradient for the next step.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>
    /// Plain SGD, as <c>torch.optim.SGD</c> without momentum: θ ← θ − α·(s·g), with g the accumulated gradient and
    /// s = <paramref name="gradientScale"/> (1/n to average over n samples); then g ← 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgd<T>(Span<T> parameters, Span<T> gradients, T learningRate, T gradientScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parameters.Length != gradients.Length)
        {
            throw new ArgumentException($"gradients has {gradients.Length} values; parameters has {parameters.Length}.", nameof(gradients));
        }

        // torch computes lr·g after averaging; folding the scale into the gradient first keeps that rounding order.
        T step = -learningRate;
        int length = parameters.Length;
        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> scale = Vector512.Create(gradientScale), rate = Vector512.Create(step);
            for (; i <= length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                Vector512<T> averaged = Vector512.LoadUnsafe(ref g, (nuint)i) * scale;
                (Vector512.LoadUnsafe(ref p, (nuint)i) + rate * averaged).StoreUnsafe(ref p, (nuint)i);
                Vector512<T>.Zero.StoreUnsafe(ref g, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<T> scale = Vector256.Create(gradientScale), rate = Vector256.Create(step);
            for (; i <= length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> averaged = Vector256.LoadUnsafe(ref g, (nuint)i) * scale;
                (Vector256.LoadUnsafe(ref p, (nuint)i) + rate * averaged).StoreUnsafe(ref p, (nuint)i);
                Vector256<T>.Zero.StoreUnsafe(ref g, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<T> scale = Vector128.Create(gradientScale), rate = Vector128.Create(step);
            for (; i <= length - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                Vector128<T> averaged = Vector128.LoadUnsafe(ref g, (nuint)i) * scale;
                (Vector128.LoadUnsafe(ref p, (nuint)i) + rate * averaged).StoreUnsafe(ref p, (nuint)i);
                Vector128<T>.Zero.StoreUnsafe(ref g, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref p, i) += step * (Unsafe.Add(ref g, i) * gradientScale);
            Unsafe.Add(ref g, i) = T.Zero;
        }
    }
}
