using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// The vector operations of generated code that trains a tiny network on several samples at once, one sample per
/// lane: lane j of every <see cref="Vector256{T}"/> belongs to sample <c>first + j</c>, and each unit of each layer is
/// one vector. Every step of the forward and backward pass is then lane-wise (a weight is a broadcast scalar), so the
/// unrolled code of one sample serves eight floats or four doubles at the cost of one (sixteen or eight in the
/// Vector512 overloads, for the 512 path). Only a parameter's gradient
/// needs the lanes summed, which <see cref="AddLaneSums(Span{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float})"/>
/// does for eight consecutive parameters at a time.
/// </summary>
/// <remarks>
/// Everything here is meant to be inlined into the generated method; Exp and Log, the largest, are also fully optimized
/// for when the method's inlining budget runs out. Generated code uses the Vector256 forms only on the 256 and 512
/// paths of <see cref="KernelPaths"/> with <see cref="Fma.IsSupported"/>, and the Vector512 forms on the 512 path (with
/// <see cref="Avx512F.IsSupported"/> when compiled for .NET 8), with T float or double; every form computes the same
/// where it is not accelerated.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LaneKernels
{
    /// <summary>
    /// Lane j holds <c>source[first + j·stride]</c> for j &lt; <paramref name="lanes"/>, and 0 beyond: one column of
    /// a row-major block of samples (an input or a target of each sample).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The lanes reach outside <paramref name="source"/>, or lanes is not in [1, Vector256&lt;T&gt;.Count].</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<T> Column<T>(ReadOnlySpan<T> source, int first, int stride, int lanes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((uint)(lanes - 1) >= (uint)Vector256<T>.Count || first < 0 || stride < 0 || (long)first + (long)(lanes - 1) * stride >= source.Length)
        {
            ThrowOutOfRange("Column", lanes, first, stride, source.Length);
        }

        ref T start = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), first);
        if (Avx2.IsSupported && lanes == Vector256<T>.Count)
        {
            fixed (T* pointer = &start)
            {
                if (typeof(T) == typeof(float))
                {
                    Vector256<int> offsets = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * stride;
                    return Avx2.GatherVector256((float*)pointer, offsets, sizeof(float)).As<float, T>();
                }

                Vector128<int> indices = Vector128.Create(0, 1, 2, 3) * stride;
                return Avx2.GatherVector256((double*)pointer, indices, sizeof(double)).As<double, T>();
            }
        }

        Vector256<T> column = Vector256<T>.Zero;
        for (int lane = 0; lane < lanes; lane++)
        {
            column = column.WithElement(lane, Unsafe.Add(ref start, lane * stride));
        }

        return column;
    }

    /// <summary>Lane j holds <c>labels[first + j]</c> as a T for j &lt; <paramref name="lanes"/>, and −1 (no class) beyond.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The lanes reach outside <paramref name="labels"/>, or lanes is not in [1, Vector256&lt;T&gt;.Count].</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Labels<T>(ReadOnlySpan<int> labels, int first, int lanes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((uint)(lanes - 1) >= (uint)Vector256<T>.Count || first < 0 || (long)first + lanes > labels.Length)
        {
            ThrowOutOfRange("Labels", lanes, first, 1, labels.Length);
        }

        Vector256<T> values = Vector256.Create(-T.One);
        for (int lane = 0; lane < lanes; lane++)
        {
            values = values.WithElement(lane, T.CreateTruncating(labels[first + lane]));
        }

        return values;
    }

    /// <summary>1 in the lanes whose label is <paramref name="index"/>, else 0: one column of the one-hot targets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> OneHot<T>(Vector256<T> labels, int index) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector256.Equals(labels, Vector256.Create(T.CreateTruncating(index))) & Vector256<T>.One;

    /// <summary>All bits set in the first <paramref name="lanes"/> lanes, clear in the rest: ANDed into what must be 0 for lanes without a sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Mask<T>(int lanes) where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(float)
            ? Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(lanes)).As<int, T>()
            : Vector256.LessThan(Vector256.Create(0L, 1, 2, 3), Vector256.Create((long)lanes)).As<long, T>();

    /// <summary>max(a, b) lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Max<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Max(a, b);

    /// <summary>eˣ lane by lane (see <see cref="VectorFunctions"/>).</summary>
    /// <remarks>
    /// Inlined where the caller's budget allows (a call passes and returns its vectors through memory, which cost xor's
    /// lane pass more than its arithmetic); where it does not, compiled fully optimized at its first call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorFunctions.Exp(x);

    /// <summary>ln x lane by lane (see <see cref="VectorFunctions"/>); inlined like <see cref="Exp{T}(Vector256{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<T> Log<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorFunctions.Log(x);

    /// <summary>max(z, 0), as the span kernel and the unrolled code compute it: only z &lt; 0 becomes 0, so NaN passes through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ReLU<T>(Vector256<T> z) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector256.AndNot(z, Vector256.LessThan(z, Vector256<T>.Zero));

    /// <summary>z for z &gt; 0, else slope·z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LeakyReLU<T>(Vector256<T> z, T slope) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<T>.Zero), z, z * Vector256.Create(slope));

    /// <summary>1 / (1 + e⁻ᶻ): 0 where e⁻ᶻ overflows, 1 where it underflows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid<T>(Vector256<T> z) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector256<T>.One / (Vector256<T>.One + Exp(-z));

    /// <summary>tanh z lane by lane (see <see cref="VectorFunctions.Tanh{T}(Vector256{T})"/>): odd bit for bit, 0 at 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh<T>(Vector256<T> z) where T : unmanaged, IFloatingPointIeee754<T> => VectorFunctions.Tanh(z);

    /// <summary>
    /// Binary cross-entropy of σ(z) against t, from the logit: max(z, 0) − t·z + ln(1 + e^−|z|), finite where σ(z)
    /// rounds to 0 or 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> BinaryCrossEntropyWithLogits<T>(Vector256<T> z, Vector256<T> t) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector256.Max(z, Vector256<T>.Zero) - t * z + LogOnePlus(Exp(-Vector256.Abs(z)));

    /// <summary>ln(1 + x) for x ≥ 0, accurate for small x by Kahan's method: with w = 1 + x rounded, ln w · x / (w − 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> LogOnePlus<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector256<T> w = Vector256<T>.One + x;
        Vector256<T> corrected = Log(w) * x / (w - Vector256<T>.One);
        return Vector256.ConditionalSelect(Vector256.Equals(w, Vector256<T>.One), x, corrected);
    }

    /// <summary>
    /// The ReLU's derivative at its output, times the gradient: y &gt; 0 ? g : 0·g, and a NaN output passes on, as the
    /// span kernel computes it (so a NaN gradient stays NaN too).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ReLUBackward<T>(Vector256<T> y, Vector256<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => LeakyReLUBackward(y, gradient, T.Zero);

    /// <summary>The leaky ReLU's derivative at its output, times the gradient: y &gt; 0 ? g : slope·g, and a NaN output passes on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LeakyReLUBackward<T>(Vector256<T> y, Vector256<T> gradient, T slope) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector256.ConditionalSelect(
            Vector256.Equals(y, y),
            Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<T>.Zero), gradient, gradient * Vector256.Create(slope)),
            y);

    /// <summary>gradient · y(1 − y): the sigmoid's derivative at its output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SigmoidBackward<T>(Vector256<T> y, Vector256<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => gradient * y * (Vector256<T>.One - y);

    /// <summary>gradient · (1 − y²): the tanh's derivative at its output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> TanhBackward<T>(Vector256<T> y, Vector256<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => gradient * (Vector256<T>.One - y * y);

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Sum(x);

    /// <summary>
    /// <c>destination[k] += Σ lanes of vₖ</c> for every k below destination's length (at most 8): eight gradients
    /// summed over the samples at once, by a tree of horizontal adds instead of eight separate reductions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddLaneSums(
        Span<float> destination, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7)
        => AddFirst(destination, LaneSums(v0, v1, v2, v3, v4, v5, v6, v7));

    /// <summary><c>destination[k] += Σ lanes of vₖ</c> for every k below destination's length (at most 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddLaneSums(Span<double> destination, Vector256<double> v0, Vector256<double> v1, Vector256<double> v2, Vector256<double> v3)
        => AddFirst(destination, LaneSums(v0, v1, v2, v3));

    /// <summary>Lane k holds the sum of the lanes of vₖ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LaneSums(
        Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7)
    {
        if (Avx.IsSupported)
        {
            // [v0 lo 4, v1 lo 4, v2 lo 4, v3 lo 4 | the same of the high halves], then for v4 … v7; the halves added last.
            Vector256<float> low = Avx.HorizontalAdd(Avx.HorizontalAdd(v0, v1), Avx.HorizontalAdd(v2, v3));
            Vector256<float> high = Avx.HorizontalAdd(Avx.HorizontalAdd(v4, v5), Avx.HorizontalAdd(v6, v7));
            return Avx.Permute2x128(low, high, 0x20) + Avx.Permute2x128(low, high, 0x31);
        }

        return Vector256.Create(
            Vector256.Sum(v0), Vector256.Sum(v1), Vector256.Sum(v2), Vector256.Sum(v3),
            Vector256.Sum(v4), Vector256.Sum(v5), Vector256.Sum(v6), Vector256.Sum(v7));
    }

    /// <summary>Lane k holds the sum of the lanes of vₖ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LaneSums(Vector256<double> v0, Vector256<double> v1, Vector256<double> v2, Vector256<double> v3)
    {
        if (Avx.IsSupported)
        {
            // [v0 01, v1 01, v0 23, v1 23] and the same for v2, v3; then the halves added.
            Vector256<double> low = Avx.HorizontalAdd(v0, v1), high = Avx.HorizontalAdd(v2, v3);
            return Avx.Permute2x128(low, high, 0x20) + Avx.Permute2x128(low, high, 0x31);
        }

        return Vector256.Create(Vector256.Sum(v0), Vector256.Sum(v1), Vector256.Sum(v2), Vector256.Sum(v3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddFirst<T>(Span<T> destination, Vector256<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (destination.Length == Vector256<T>.Count)
        {
            ref T start = ref MemoryMarshal.GetReference(destination);
            (Vector256.LoadUnsafe(ref start) + sums).StoreUnsafe(ref start);
            return;
        }

        if (destination.Length > Vector256<T>.Count)
        {
            ThrowOutOfRange("AddLaneSums", destination.Length, 0, 1, Vector256<T>.Count);
        }

        for (int k = 0; k < destination.Length; k++)
        {
            destination[k] += sums.GetElement(k);
        }
    }

    // The Vector512 lane pass (RunLanes512): sixteen floats or eight doubles per block, the same operations as above
    // lane for lane. Compiled for .NET 9 or later, generated code takes it on the 512 path (KernelPaths) whatever the
    // hardware, with Vector512.FusedMultiplyAdd, which is AVX-512F's instruction where Vector512 is accelerated and
    // rounds once in software elsewhere; compiled for .NET 8, only where AVX-512F is supported, whose fused multiply-add
    // it then calls. Everything here also runs, through Vector512's software fallback, where AVX-512 is missing, with
    // the same results. Column, Labels and Mask differ from their Vector256 forms only in what they return, hence the suffix.

    /// <summary>
    /// Lane j holds <c>source[first + j·stride]</c> for j &lt; <paramref name="lanes"/>, and 0 beyond: the Vector512
    /// form of <see cref="Column{T}(ReadOnlySpan{T}, int, int, int)"/>. A whole block is gathered as two Vector256
    /// halves (.NET has no 512-bit gather), where AVX2 has them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The lanes reach outside <paramref name="source"/>, or lanes is not in [1, Vector512&lt;T&gt;.Count].</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<T> Column512<T>(ReadOnlySpan<T> source, int first, int stride, int lanes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((uint)(lanes - 1) >= (uint)Vector512<T>.Count || first < 0 || stride < 0 || (long)first + (long)(lanes - 1) * stride >= source.Length)
        {
            ThrowOutOfRange("Column512", lanes, first, stride, source.Length);
        }

        ref T start = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), first);
        if (Avx2.IsSupported && lanes == Vector512<T>.Count)
        {
            fixed (T* pointer = &start)
            {
                if (typeof(T) == typeof(float))
                {
                    Vector256<int> offsets = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * stride;
                    Vector256<float> low = Avx2.GatherVector256((float*)pointer, offsets, sizeof(float));
                    Vector256<float> high = Avx2.GatherVector256((float*)pointer + 8 * stride, offsets, sizeof(float));
                    return Vector512.Create(low, high).As<float, T>();
                }

                Vector128<int> indices = Vector128.Create(0, 1, 2, 3) * stride;
                Vector256<double> lowDoubles = Avx2.GatherVector256((double*)pointer, indices, sizeof(double));
                Vector256<double> highDoubles = Avx2.GatherVector256((double*)pointer + 4 * stride, indices, sizeof(double));
                return Vector512.Create(lowDoubles, highDoubles).As<double, T>();
            }
        }

        Vector512<T> column = Vector512<T>.Zero;
        for (int lane = 0; lane < lanes; lane++)
        {
            column = column.WithElement(lane, Unsafe.Add(ref start, lane * stride));
        }

        return column;
    }

    /// <summary>Lane j holds <c>labels[first + j]</c> as a T for j &lt; <paramref name="lanes"/>, and −1 (no class) beyond: the Vector512 form of <see cref="Labels{T}"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The lanes reach outside <paramref name="labels"/>, or lanes is not in [1, Vector512&lt;T&gt;.Count].</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Labels512<T>(ReadOnlySpan<int> labels, int first, int lanes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((uint)(lanes - 1) >= (uint)Vector512<T>.Count || first < 0 || (long)first + lanes > labels.Length)
        {
            ThrowOutOfRange("Labels512", lanes, first, 1, labels.Length);
        }

        if (typeof(T) == typeof(float) && lanes == Vector512<T>.Count)
        {
            // A whole block of float lanes: sixteen ints converted at once.
            return Vector512.ConvertToSingle(Vector512.Create(labels.Slice(first, 16))).As<float, T>();
        }

        Vector512<T> values = Vector512.Create(-T.One);
        for (int lane = 0; lane < lanes; lane++)
        {
            values = values.WithElement(lane, T.CreateTruncating(labels[first + lane]));
        }

        return values;
    }

    /// <summary>1 in the lanes whose label is <paramref name="index"/>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> OneHot<T>(Vector512<T> labels, int index) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.Equals(labels, Vector512.Create(T.CreateTruncating(index))) & Vector512<T>.One;

    /// <summary>All bits set in the first <paramref name="lanes"/> lanes, clear in the rest: the Vector512 form of <see cref="Mask{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Mask512<T>(int lanes) where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(float)
            ? Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(lanes)).As<int, T>()
            : Vector512.LessThan(Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((long)lanes)).As<long, T>();

    /// <summary>max(a, b) lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Max<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Max(a, b);

    /// <summary>eˣ lane by lane (see <see cref="VectorFunctions"/>); inlined like the Vector256 form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<T> Exp<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorFunctions.Exp(x);

    /// <summary>ln x lane by lane (see <see cref="VectorFunctions"/>); inlined like the Vector256 form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<T> Log<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorFunctions.Log(x);

    /// <summary>max(z, 0): only z &lt; 0 becomes 0, so NaN passes through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ReLU<T>(Vector512<T> z) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.AndNot(z, Vector512.LessThan(z, Vector512<T>.Zero));

    /// <summary>z for z &gt; 0, else slope·z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LeakyReLU<T>(Vector512<T> z, T slope) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<T>.Zero), z, z * Vector512.Create(slope));

    /// <summary>1 / (1 + e⁻ᶻ): 0 where e⁻ᶻ overflows, 1 where it underflows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sigmoid<T>(Vector512<T> z) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512<T>.One / (Vector512<T>.One + Exp(-z));

    /// <summary>tanh z lane by lane (see <see cref="VectorFunctions.Tanh{T}(Vector512{T})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh<T>(Vector512<T> z) where T : unmanaged, IFloatingPointIeee754<T> => VectorFunctions.Tanh(z);

    /// <summary>Binary cross-entropy of σ(z) against t, from the logit: max(z, 0) − t·z + ln(1 + e^−|z|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BinaryCrossEntropyWithLogits<T>(Vector512<T> z, Vector512<T> t) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.Max(z, Vector512<T>.Zero) - t * z + LogOnePlus(Exp(-Vector512.Abs(z)));

    /// <summary>ln(1 + x) for x ≥ 0, by Kahan's method, as the Vector256 form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> LogOnePlus<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> w = Vector512<T>.One + x;
        Vector512<T> corrected = Log(w) * x / (w - Vector512<T>.One);
        return Vector512.ConditionalSelect(Vector512.Equals(w, Vector512<T>.One), x, corrected);
    }

    /// <summary>y &gt; 0 ? g : 0·g, and a NaN output passes on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ReLUBackward<T>(Vector512<T> y, Vector512<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => LeakyReLUBackward(y, gradient, T.Zero);

    /// <summary>y &gt; 0 ? g : slope·g, and a NaN output passes on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LeakyReLUBackward<T>(Vector512<T> y, Vector512<T> gradient, T slope) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(
            Vector512.Equals(y, y),
            Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<T>.Zero), gradient, gradient * Vector512.Create(slope)),
            y);

    /// <summary>gradient · y(1 − y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SigmoidBackward<T>(Vector512<T> y, Vector512<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => gradient * y * (Vector512<T>.One - y);

    /// <summary>gradient · (1 − y²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> TanhBackward<T>(Vector512<T> y, Vector512<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => gradient * (Vector512<T>.One - y * y);

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Sum(x);

    /// <summary>
    /// <c>destination[k] += Σ lanes of vₖ</c> for every k below destination's length (at most 16): each vector's halves
    /// added into a Vector256, then the tree of the eight-float form over each eight of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddLaneSums(
        Span<float> destination, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6, Vector512<float> v7,
        Vector512<float> v8, Vector512<float> v9, Vector512<float> v10, Vector512<float> v11,
        Vector512<float> v12, Vector512<float> v13, Vector512<float> v14, Vector512<float> v15)
    {
        Vector256<float> low = LaneSums(Halves(v0), Halves(v1), Halves(v2), Halves(v3), Halves(v4), Halves(v5), Halves(v6), Halves(v7));
        Vector256<float> high = LaneSums(Halves(v8), Halves(v9), Halves(v10), Halves(v11), Halves(v12), Halves(v13), Halves(v14), Halves(v15));
        AddFirst(destination, Vector512.Create(low, high));
    }

    /// <summary><c>destination[k] += Σ lanes of vₖ</c> for every k below destination's length (at most 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddLaneSums(
        Span<double> destination, Vector512<double> v0, Vector512<double> v1, Vector512<double> v2, Vector512<double> v3,
        Vector512<double> v4, Vector512<double> v5, Vector512<double> v6, Vector512<double> v7)
    {
        Vector256<double> low = LaneSums(Halves(v0), Halves(v1), Halves(v2), Halves(v3));
        Vector256<double> high = LaneSums(Halves(v4), Halves(v5), Halves(v6), Halves(v7));
        AddFirst(destination, Vector512.Create(low, high));
    }

    /// <summary>The two halves of a Vector512 added: a Vector256 with the same sum of lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Halves<T>(Vector512<T> v) where T : unmanaged, IFloatingPointIeee754<T> => v.GetLower() + v.GetUpper();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddFirst<T>(Span<T> destination, Vector512<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (destination.Length == Vector512<T>.Count)
        {
            ref T start = ref MemoryMarshal.GetReference(destination);
            (Vector512.LoadUnsafe(ref start) + sums).StoreUnsafe(ref start);
            return;
        }

        if (destination.Length > Vector512<T>.Count)
        {
            ThrowOutOfRange("AddLaneSums", destination.Length, 0, 1, Vector512<T>.Count);
        }

        for (int k = 0; k < destination.Length; k++)
        {
            destination[k] += sums.GetElement(k);
        }
    }

    // Apart, so that the message formatting is not inlined into the generated pass with every call.
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfRange(string method, int lanes, int first, int stride, int length)
        => throw new ArgumentOutOfRangeException(
            nameof(lanes), $"{method}: {lanes} lanes from index {first} with stride {stride} do not fit in a span of {length}.");
}
