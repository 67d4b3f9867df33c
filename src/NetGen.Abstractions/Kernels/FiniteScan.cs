using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Whether every value of a span is finite: the scan behind the step guard (every gradient before an update, every
/// input before a fused step) and the training-data checks (every input, target, parameter and state). A training
/// step makes it once over all of a network's gradients, so it follows the kernels' rule rather than calling
/// TensorPrimitives.IsFiniteAll, which ships without precompiled code and ran as tier-0 code for the first steps of
/// every process (a few percent of mnist-e2e's wall time, measured with perf), and picks its own vector width.
/// </summary>
/// <remarks>
/// x·0 is ±0 for a finite x and NaN for an infinite or NaN one, so the sum of x·0 over the span (one fused
/// multiply-add per vector, in four chains) is zero exactly when every value is finite. There is no early exit: the
/// scan's common case is that every value is finite, and a branch per vector would cost that case.
/// </remarks>
internal static class FiniteScan
{
    /// <summary>Whether every value of <paramref name="values"/> is finite (true for an empty span).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static bool All<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T source = ref MemoryMarshal.GetReference(values);
        nuint i = 0, length = (nuint)values.Length;
        if (KernelPaths.Use512 && length >= (nuint)Vector512<T>.Count)
        {
            nuint width = (nuint)Vector512<T>.Count;
            Vector512<T> a = Vector512<T>.Zero, b = a, c = a, d = a, zero = a;
            for (; i + 4 * width <= length; i += 4 * width)
            {
                a = VectorFunctions.MultiplyAdd(Vector512.LoadUnsafe(ref source, i), zero, a);
                b = VectorFunctions.MultiplyAdd(Vector512.LoadUnsafe(ref source, i + width), zero, b);
                c = VectorFunctions.MultiplyAdd(Vector512.LoadUnsafe(ref source, i + 2 * width), zero, c);
                d = VectorFunctions.MultiplyAdd(Vector512.LoadUnsafe(ref source, i + 3 * width), zero, d);
            }

            for (; i + width <= length; i += width)
            {
                a = VectorFunctions.MultiplyAdd(Vector512.LoadUnsafe(ref source, i), zero, a);
            }

            if (!Vector512.EqualsAll((a + b) + (c + d), zero))
            {
                return false;
            }
        }

        if (KernelPaths.Use256 && length - i >= (nuint)Vector256<T>.Count)
        {
            nuint width = (nuint)Vector256<T>.Count;
            Vector256<T> a = Vector256<T>.Zero, b = a, c = a, d = a, zero = a;
            for (; i + 4 * width <= length; i += 4 * width)
            {
                a = VectorFunctions.MultiplyAdd(Vector256.LoadUnsafe(ref source, i), zero, a);
                b = VectorFunctions.MultiplyAdd(Vector256.LoadUnsafe(ref source, i + width), zero, b);
                c = VectorFunctions.MultiplyAdd(Vector256.LoadUnsafe(ref source, i + 2 * width), zero, c);
                d = VectorFunctions.MultiplyAdd(Vector256.LoadUnsafe(ref source, i + 3 * width), zero, d);
            }

            for (; i + width <= length; i += width)
            {
                a = VectorFunctions.MultiplyAdd(Vector256.LoadUnsafe(ref source, i), zero, a);
            }

            if (!Vector256.EqualsAll((a + b) + (c + d), zero))
            {
                return false;
            }
        }

        if (KernelPaths.Only128 && length - i >= (nuint)Vector128<T>.Count)
        {
            nuint width = (nuint)Vector128<T>.Count;
            Vector128<T> a = Vector128<T>.Zero, zero = a;
            for (; i + width <= length; i += width)
            {
                a += Vector128.LoadUnsafe(ref source, i) * zero;
            }

            if (!Vector128.EqualsAll(a, zero))
            {
                return false;
            }
        }

        T sum = T.Zero;
        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref source, i) * T.Zero;
        }

        return sum == T.Zero;
    }
}
