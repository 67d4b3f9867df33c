using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Reductions and updates over one row (a sample's outputs, a layer's biases), inlined into the kernels that loop over
/// rows. TensorPrimitives would do the same, but it ships without precompiled code: called once per row, its generic
/// operators run as tier-0 code for the first few hundred training steps, which made those steps about 1.5× slower.
/// Inlined here, the row operations are compiled with the kernel that calls them, fully optimized from the first call.
/// Each runs whole vectors of the width <see cref="KernelPaths"/> chose, then (on the Vector512 path) whole Vector256s
/// of what is left, so that rows shorter than a Vector512 (ten classes) are still vectorized, then a scalar tail.
/// </summary>
internal static class RowMath
{
    /// <summary>The largest value; NaN if any value is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        for (int i = 0; i < x.Length; i++)
        {
            max = T.Max(max, x[i]);
        }

        return max;
    }

    /// <summary>Σ xᵢ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T source = ref MemoryMarshal.GetReference(x);
        int i = 0, length = x.Length;
        T sum = T.Zero;
        if (KernelPaths.Use512 && length >= Vector512<T>.Count)
        {
            Vector512<T> vector = Vector512<T>.Zero;
            for (; i <= length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                vector += Vector512.LoadUnsafe(ref source, (nuint)i);
            }

            sum = Vector512.Sum(vector);
        }

        if (KernelPaths.Use256 && length - i >= Vector256<T>.Count)
        {
            Vector256<T> vector = Vector256<T>.Zero;
            for (; i <= length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                vector += Vector256.LoadUnsafe(ref source, (nuint)i);
            }

            sum += Vector256.Sum(vector);
        }

        if (KernelPaths.Only128 && length >= Vector128<T>.Count)
        {
            Vector128<T> vector = Vector128<T>.Zero;
            for (; i <= length - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                vector += Vector128.LoadUnsafe(ref source, (nuint)i);
            }

            sum += Vector128.Sum(vector);
        }

        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref source, i);
        }

        return sum;
    }

    /// <summary>Σ xᵢ·yᵢ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T a = ref MemoryMarshal.GetReference(x);
        ref T b = ref MemoryMarshal.GetReference(y);
        int i = 0, length = x.Length;
        T sum = T.Zero;
        if (KernelPaths.Use512 && length >= Vector512<T>.Count)
        {
            Vector512<T> vector = Vector512<T>.Zero;
            for (; i <= length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                vector = VectorFunctions.MultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), vector);
            }

            sum = Vector512.Sum(vector);
        }

        if (KernelPaths.Use256 && length - i >= Vector256<T>.Count)
        {
            Vector256<T> vector = Vector256<T>.Zero;
            for (; i <= length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                vector = VectorFunctions.MultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), vector);
            }

            sum += Vector256.Sum(vector);
        }

        if (KernelPaths.Only128 && length >= Vector128<T>.Count)
        {
            Vector128<T> vector = Vector128<T>.Zero;
            for (; i <= length - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                vector = VectorFunctions.MultiplyAdd(Vector128.LoadUnsafe(ref a, (nuint)i), Vector128.LoadUnsafe(ref b, (nuint)i), vector);
            }

            sum += Vector128.Sum(vector);
        }

        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>y += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddTo<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T source = ref MemoryMarshal.GetReference(x);
        ref T target = ref MemoryMarshal.GetReference(y);
        int i = 0, length = x.Length;
        if (KernelPaths.Use512)
        {
            for (; i <= length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                (Vector512.LoadUnsafe(ref target, (nuint)i) + Vector512.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        if (KernelPaths.Use256)
        {
            for (; i <= length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref target, (nuint)i) + Vector256.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        if (KernelPaths.Only128)
        {
            for (; i <= length - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                (Vector128.LoadUnsafe(ref target, (nuint)i) + Vector128.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref target, i) += Unsafe.Add(ref source, i);
        }
    }

    /// <summary>y = e^(x − shift), returning Σ y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpShifted<T>(ReadOnlySpan<T> x, T shift, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T source = ref MemoryMarshal.GetReference(x);
        ref T target = ref MemoryMarshal.GetReference(y);
        int i = 0, length = x.Length;
        T sum = T.Zero;
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double))
        {
            if (KernelPaths.Use512 && length >= Vector512<T>.Count)
            {
                Vector512<T> sums = Vector512<T>.Zero;
                for (; i <= length - Vector512<T>.Count; i += Vector512<T>.Count)
                {
                    Vector512<T> e = VectorFunctions.Exp(Vector512.LoadUnsafe(ref source, (nuint)i) - Vector512.Create(shift));
                    e.StoreUnsafe(ref target, (nuint)i);
                    sums += e;
                }

                sum = Vector512.Sum(sums);
            }

            if (KernelPaths.Use256 && length - i >= Vector256<T>.Count)
            {
                Vector256<T> sums = Vector256<T>.Zero;
                for (; i <= length - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    Vector256<T> e = VectorFunctions.Exp(Vector256.LoadUnsafe(ref source, (nuint)i) - Vector256.Create(shift));
                    e.StoreUnsafe(ref target, (nuint)i);
                    sums += e;
                }

                sum += Vector256.Sum(sums);
            }

            if (KernelPaths.Only128 && length >= Vector128<T>.Count)
            {
                Vector128<T> sums = Vector128<T>.Zero;
                for (; i <= length - Vector128<T>.Count; i += Vector128<T>.Count)
                {
                    Vector128<T> e = VectorFunctions.Exp(Vector128.LoadUnsafe(ref source, (nuint)i) - Vector128.Create(shift));
                    e.StoreUnsafe(ref target, (nuint)i);
                    sums += e;
                }

                sum += Vector128.Sum(sums);
            }
        }

        for (; i < length; i++)
        {
            T e = T.Exp(Unsafe.Add(ref source, i) - shift);
            Unsafe.Add(ref target, i) = e;
            sum += e;
        }

        return sum;
    }
}
