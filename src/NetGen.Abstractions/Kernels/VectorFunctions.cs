using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
#if !NET9_0_OR_GREATER
using System.Runtime.Intrinsics.X86;
#endif

namespace NetGen.Kernels;

/// <summary>
/// Fused multiply-add, eˣ and ln x on Vector128, Vector256 and Vector512, for float and double. The JIT does not fuse
/// a·b + c written with operators, so kernels call <c>MultiplyAdd</c>. Exp and Log are written out rather than taken
/// from Vector256.Exp and Vector256.Log: those are generic library code without precompiled instances, so called from
/// a kernel they ran as tier-0 code for the first steps (and exist only from .NET 9), and the float versions compute in
/// double. These are compiled with the kernel that calls them and stay in their own precision. The three widths are
/// the same code, line for line.
/// </summary>
/// <remarks>
/// Both follow the classic scheme (Cody and Waite; Cephes). eˣ: n = round(x/ln 2), r = x − n·ln 2 in two parts, a
/// polynomial for eʳ on |r| ≤ ln 2 / 2, then the exponent bits of 2ⁿ, applied as two factors so that results in the
/// subnormal range round once. ln x: x = 2ᵉ·m with m in [√½, √2), s = (m − 1)/(m + 1), ln m = 2·atanh s as an odd
/// series in s, plus e·ln 2 in two parts. Both are within a few units in the last place; the tests hold them to
/// System.Math.
/// </remarks>
internal static class VectorFunctions
{
    /// <summary>a·b + c with one rounding where the hardware has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd<T>(Vector128<T> a, Vector128<T> b, Vector128<T> c) where T : unmanaged
    {
#if NET9_0_OR_GREATER
        if (typeof(T) == typeof(float))
        {
            return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
#else
        if (Fma.IsSupported && typeof(T) == typeof(float))
        {
            return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (Fma.IsSupported && typeof(T) == typeof(double))
        {
            return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
#endif
        return a * b + c;
    }

    /// <summary>a·b + c with one rounding where the hardware has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged
    {
#if NET9_0_OR_GREATER
        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
#else
        if (Fma.IsSupported && typeof(T) == typeof(float))
        {
            return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (Fma.IsSupported && typeof(T) == typeof(double))
        {
            return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
#endif
        return a * b + c;
    }

    /// <summary>a·b + c with one rounding where the hardware has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged
    {
#if NET9_0_OR_GREATER
        if (typeof(T) == typeof(float))
        {
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
#else
        if (Avx512F.IsSupported && typeof(T) == typeof(float))
        {
            return Avx512F.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        if (Avx512F.IsSupported && typeof(T) == typeof(double))
        {
            return Avx512F.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
#endif
        return a * b + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        // Beyond [−104, 89] the result is 0 or +∞ (selected at the end); clamping keeps the exponent arithmetic in range.
        Vector128<float> clamped = Vector128.Min(Vector128.Max(x, Vector128.Create(-104f)), Vector128.Create(89f));

        // n = round(x·log₂e): adding 1.5·2²³ leaves n in the low mantissa bits, rounded to nearest.
        Vector128<float> shifter = Vector128.Create(12582912f);
        Vector128<float> shifted = MultiplyAdd(clamped, Vector128.Create(1.44269504088896341f), shifter);
        Vector128<int> n = shifted.AsInt32() - shifter.AsInt32();
        Vector128<float> nFloat = shifted - shifter;

        Vector128<float> r = MultiplyAdd(nFloat, Vector128.Create(-0.693359375f), clamped);
        r = MultiplyAdd(nFloat, Vector128.Create(2.12194440e-4f), r);

        Vector128<float> p = Vector128.Create(1.9875691500e-4f);
        p = MultiplyAdd(p, r, Vector128.Create(1.3981999507e-3f));
        p = MultiplyAdd(p, r, Vector128.Create(8.3334519073e-3f));
        p = MultiplyAdd(p, r, Vector128.Create(4.1665795894e-2f));
        p = MultiplyAdd(p, r, Vector128.Create(1.6666665459e-1f));
        p = MultiplyAdd(p, r, Vector128.Create(5.0000001201e-1f));
        p = MultiplyAdd(p, r * r, r + Vector128<float>.One);

        // 2ⁿ for n in [−150, 128] as 2^(n/2)·2^(n − n/2), each factor a normal number.
        Vector128<int> half = Vector128.ShiftRightArithmetic(n, 1);
        Vector128<float> scale1 = Vector128.ShiftLeft(half + Vector128.Create(127), 23).AsSingle();
        Vector128<float> scale2 = Vector128.ShiftLeft(n - half + Vector128.Create(127), 23).AsSingle();
        Vector128<float> result = p * scale1 * scale2;

        result = Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(88.7228394f)), Vector128.Create(float.PositiveInfinity), result);
        result = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(-103.972084f)), Vector128<float>.Zero, result);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x); // NaN stays NaN
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Exp(Vector128<double> x)
    {
        Vector128<double> clamped = Vector128.Min(Vector128.Max(x, Vector128.Create(-746.0)), Vector128.Create(710.0));

        Vector128<double> shifter = Vector128.Create(6755399441055744.0); // 1.5·2⁵²
        Vector128<double> shifted = MultiplyAdd(clamped, Vector128.Create(1.4426950408889634), shifter);
        Vector128<long> n = shifted.AsInt64() - shifter.AsInt64();
        Vector128<double> nDouble = shifted - shifter;

        Vector128<double> r = MultiplyAdd(nDouble, Vector128.Create(-6.93145751953125e-1), clamped);
        r = MultiplyAdd(nDouble, Vector128.Create(-1.42860682030941723212e-6), r);

        // The Taylor series to r¹³/13!: the first term left out is below 5·10⁻¹⁸ of the result for |r| ≤ ln 2 / 2.
        Vector128<double> p = Vector128.Create(1.0 / 6227020800);
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 479001600));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 39916800));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 3628800));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 362880));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 40320));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 5040));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 720));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 120));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 24));
        p = MultiplyAdd(p, r, Vector128.Create(1.0 / 6));
        p = MultiplyAdd(p, r, Vector128.Create(0.5));
        p = MultiplyAdd(p, r * r, r + Vector128<double>.One);

        // 2ⁿ for n in [−1077, 1025] as two normal factors. AVX2 has no 64-bit arithmetic shift, so n/2 is taken from
        // the positive n + 2048 with a logical one.
        Vector128<long> half = Vector128.ShiftRightLogical(n + Vector128.Create(2048L), 1) - Vector128.Create(1024L);
        Vector128<double> scale1 = Vector128.ShiftLeft(half + Vector128.Create(1023L), 52).AsDouble();
        Vector128<double> scale2 = Vector128.ShiftLeft(n - half + Vector128.Create(1023L), 52).AsDouble();
        Vector128<double> result = p * scale1 * scale2;

        result = Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(709.782712893384)), Vector128.Create(double.PositiveInfinity), result);
        result = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(-745.1332191019412)), Vector128<double>.Zero, result);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Log(Vector128<float> x)
    {
        // Subnormals are scaled into the normal range first.
        Vector128<float> subnormal = Vector128.LessThan(x, Vector128.Create(1.17549435e-38f));
        Vector128<int> bits = Vector128.ConditionalSelect(subnormal, x * Vector128.Create(8388608f), x).AsInt32();
        Vector128<int> exponent = Vector128.ShiftRightLogical(bits, 23) - Vector128.Create(127) + (subnormal.AsInt32() & Vector128.Create(-23));
        Vector128<float> m = ((bits & Vector128.Create(0x007FFFFF)) | Vector128.Create(0x3F800000)).AsSingle();

        // m in [1, 2) → [√½, √2).
        Vector128<float> large = Vector128.GreaterThan(m, Vector128.Create(1.41421356f));
        m = Vector128.ConditionalSelect(large, m * Vector128.Create(0.5f), m);
        exponent -= large.AsInt32();

        Vector128<float> f = m - Vector128<float>.One;
        Vector128<float> s = f / (Vector128.Create(2f) + f);
        Vector128<float> z = s * s;
        Vector128<float> series = Vector128.Create(2f / 9);
        series = MultiplyAdd(series, z, Vector128.Create(2f / 7));
        series = MultiplyAdd(series, z, Vector128.Create(2f / 5));
        series = MultiplyAdd(series, z, Vector128.Create(2f / 3));
        Vector128<float> logM = MultiplyAdd(s * z, series, s + s);

        Vector128<float> e = Vector128.ConvertToSingle(exponent);
        Vector128<float> result = MultiplyAdd(e, Vector128.Create(0.693359375f), MultiplyAdd(e, Vector128.Create(-2.12194440e-4f), logM));

        result = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128<float>.Zero), Vector128.Create(float.NegativeInfinity), result);
        result = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128.Create(float.PositiveInfinity)), x, result);
        // Negative x and NaN give NaN.
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero) | ~Vector128.Equals(x, x), Vector128.Create(float.NaN), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Log(Vector128<double> x)
    {
        Vector128<double> subnormal = Vector128.LessThan(x, Vector128.Create(2.2250738585072014e-308));
        Vector128<long> bits = Vector128.ConditionalSelect(subnormal, x * Vector128.Create(4503599627370496.0), x).AsInt64();
        Vector128<long> exponent = Vector128.ShiftRightLogical(bits, 52) - Vector128.Create(1023L) + (subnormal.AsInt64() & Vector128.Create(-52L));
        Vector128<double> m = ((bits & Vector128.Create(0x000FFFFFFFFFFFFFL)) | Vector128.Create(0x3FF0000000000000L)).AsDouble();

        Vector128<double> large = Vector128.GreaterThan(m, Vector128.Create(1.4142135623730951));
        m = Vector128.ConditionalSelect(large, m * Vector128.Create(0.5), m);
        exponent -= large.AsInt64();

        Vector128<double> f = m - Vector128<double>.One;
        Vector128<double> s = f / (Vector128.Create(2.0) + f);
        Vector128<double> z = s * s;
        // 2·atanh s = 2s + 2s·Σ z^k/(2k + 1), to z¹⁰: the next term is below 10⁻¹⁸ of the sum for |s| ≤ 0.172.
        Vector128<double> series = Vector128.Create(2.0 / 21);
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 19));
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 17));
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 15));
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 13));
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 11));
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 9));
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 7));
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 5));
        series = MultiplyAdd(series, z, Vector128.Create(2.0 / 3));
        Vector128<double> logM = MultiplyAdd(s * z, series, s + s);

        // The exponent (|e| < 1100) as a double without a 64-bit conversion instruction (AVX2 has none): added to the
        // bits of 1.5·2⁵², whose last place is 1, it gives 1.5·2⁵² + e.
        Vector128<double> e = (exponent + Vector128.Create(0x4338000000000000L)).AsDouble() - Vector128.Create(6755399441055744.0);
        Vector128<double> result = MultiplyAdd(e, Vector128.Create(6.93147180369123816490e-1), MultiplyAdd(e, Vector128.Create(1.90821492927058770002e-10), logM));

        result = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128<double>.Zero), Vector128.Create(double.NegativeInfinity), result);
        result = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128.Create(double.PositiveInfinity)), x, result);
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<double>.Zero) | ~Vector128.Equals(x, x), Vector128.Create(double.NaN), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        // Beyond [−104, 89] the result is 0 or +∞ (selected at the end); clamping keeps the exponent arithmetic in range.
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(-104f)), Vector256.Create(89f));

        // n = round(x·log₂e): adding 1.5·2²³ leaves n in the low mantissa bits, rounded to nearest.
        Vector256<float> shifter = Vector256.Create(12582912f);
        Vector256<float> shifted = MultiplyAdd(clamped, Vector256.Create(1.44269504088896341f), shifter);
        Vector256<int> n = shifted.AsInt32() - shifter.AsInt32();
        Vector256<float> nFloat = shifted - shifter;

        Vector256<float> r = MultiplyAdd(nFloat, Vector256.Create(-0.693359375f), clamped);
        r = MultiplyAdd(nFloat, Vector256.Create(2.12194440e-4f), r);

        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = MultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = MultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = MultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = MultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = MultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = MultiplyAdd(p, r * r, r + Vector256<float>.One);

        // 2ⁿ for n in [−150, 128] as 2^(n/2)·2^(n − n/2), each factor a normal number.
        Vector256<int> half = Vector256.ShiftRightArithmetic(n, 1);
        Vector256<float> scale1 = Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle();
        Vector256<float> scale2 = Vector256.ShiftLeft(n - half + Vector256.Create(127), 23).AsSingle();
        Vector256<float> result = p * scale1 * scale2;

        result = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(88.7228394f)), Vector256.Create(float.PositiveInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(-103.972084f)), Vector256<float>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x); // NaN stays NaN
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        Vector256<double> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(-746.0)), Vector256.Create(710.0));

        Vector256<double> shifter = Vector256.Create(6755399441055744.0); // 1.5·2⁵²
        Vector256<double> shifted = MultiplyAdd(clamped, Vector256.Create(1.4426950408889634), shifter);
        Vector256<long> n = shifted.AsInt64() - shifter.AsInt64();
        Vector256<double> nDouble = shifted - shifter;

        Vector256<double> r = MultiplyAdd(nDouble, Vector256.Create(-6.93145751953125e-1), clamped);
        r = MultiplyAdd(nDouble, Vector256.Create(-1.42860682030941723212e-6), r);

        // The Taylor series to r¹³/13!: the first term left out is below 5·10⁻¹⁸ of the result for |r| ≤ ln 2 / 2.
        Vector256<double> p = Vector256.Create(1.0 / 6227020800);
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 479001600));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 39916800));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 3628800));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 362880));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 40320));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 5040));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 720));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 120));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 24));
        p = MultiplyAdd(p, r, Vector256.Create(1.0 / 6));
        p = MultiplyAdd(p, r, Vector256.Create(0.5));
        p = MultiplyAdd(p, r * r, r + Vector256<double>.One);

        // 2ⁿ for n in [−1077, 1025] as two normal factors. AVX2 has no 64-bit arithmetic shift, so n/2 is taken from
        // the positive n + 2048 with a logical one.
        Vector256<long> half = Vector256.ShiftRightLogical(n + Vector256.Create(2048L), 1) - Vector256.Create(1024L);
        Vector256<double> scale1 = Vector256.ShiftLeft(half + Vector256.Create(1023L), 52).AsDouble();
        Vector256<double> scale2 = Vector256.ShiftLeft(n - half + Vector256.Create(1023L), 52).AsDouble();
        Vector256<double> result = p * scale1 * scale2;

        result = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(709.782712893384)), Vector256.Create(double.PositiveInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(-745.1332191019412)), Vector256<double>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
    {
        // Subnormals are scaled into the normal range first.
        Vector256<float> subnormal = Vector256.LessThan(x, Vector256.Create(1.17549435e-38f));
        Vector256<int> bits = Vector256.ConditionalSelect(subnormal, x * Vector256.Create(8388608f), x).AsInt32();
        Vector256<int> exponent = Vector256.ShiftRightLogical(bits, 23) - Vector256.Create(127) + (subnormal.AsInt32() & Vector256.Create(-23));
        Vector256<float> m = ((bits & Vector256.Create(0x007FFFFF)) | Vector256.Create(0x3F800000)).AsSingle();

        // m in [1, 2) → [√½, √2).
        Vector256<float> large = Vector256.GreaterThan(m, Vector256.Create(1.41421356f));
        m = Vector256.ConditionalSelect(large, m * Vector256.Create(0.5f), m);
        exponent -= large.AsInt32();

        Vector256<float> f = m - Vector256<float>.One;
        Vector256<float> s = f / (Vector256.Create(2f) + f);
        Vector256<float> z = s * s;
        Vector256<float> series = Vector256.Create(2f / 9);
        series = MultiplyAdd(series, z, Vector256.Create(2f / 7));
        series = MultiplyAdd(series, z, Vector256.Create(2f / 5));
        series = MultiplyAdd(series, z, Vector256.Create(2f / 3));
        Vector256<float> logM = MultiplyAdd(s * z, series, s + s);

        Vector256<float> e = Vector256.ConvertToSingle(exponent);
        Vector256<float> result = MultiplyAdd(e, Vector256.Create(0.693359375f), MultiplyAdd(e, Vector256.Create(-2.12194440e-4f), logM));

        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), Vector256.Create(float.NegativeInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(float.PositiveInfinity)), x, result);
        // Negative x and NaN give NaN.
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero) | ~Vector256.Equals(x, x), Vector256.Create(float.NaN), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
    {
        Vector256<double> subnormal = Vector256.LessThan(x, Vector256.Create(2.2250738585072014e-308));
        Vector256<long> bits = Vector256.ConditionalSelect(subnormal, x * Vector256.Create(4503599627370496.0), x).AsInt64();
        Vector256<long> exponent = Vector256.ShiftRightLogical(bits, 52) - Vector256.Create(1023L) + (subnormal.AsInt64() & Vector256.Create(-52L));
        Vector256<double> m = ((bits & Vector256.Create(0x000FFFFFFFFFFFFFL)) | Vector256.Create(0x3FF0000000000000L)).AsDouble();

        Vector256<double> large = Vector256.GreaterThan(m, Vector256.Create(1.4142135623730951));
        m = Vector256.ConditionalSelect(large, m * Vector256.Create(0.5), m);
        exponent -= large.AsInt64();

        Vector256<double> f = m - Vector256<double>.One;
        Vector256<double> s = f / (Vector256.Create(2.0) + f);
        Vector256<double> z = s * s;
        // 2·atanh s = 2s + 2s·Σ z^k/(2k + 1), to z¹⁰: the next term is below 10⁻¹⁸ of the sum for |s| ≤ 0.172.
        Vector256<double> series = Vector256.Create(2.0 / 21);
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 19));
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 17));
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 15));
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 13));
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 11));
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 9));
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 7));
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 5));
        series = MultiplyAdd(series, z, Vector256.Create(2.0 / 3));
        Vector256<double> logM = MultiplyAdd(s * z, series, s + s);

        // The exponent (|e| < 1100) as a double without a 64-bit conversion instruction (AVX2 has none): added to the
        // bits of 1.5·2⁵², whose last place is 1, it gives 1.5·2⁵² + e.
        Vector256<double> e = (exponent + Vector256.Create(0x4338000000000000L)).AsDouble() - Vector256.Create(6755399441055744.0);
        Vector256<double> result = MultiplyAdd(e, Vector256.Create(6.93147180369123816490e-1), MultiplyAdd(e, Vector256.Create(1.90821492927058770002e-10), logM));

        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), Vector256.Create(double.NegativeInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(double.PositiveInfinity)), x, result);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero) | ~Vector256.Equals(x, x), Vector256.Create(double.NaN), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        // Beyond [−104, 89] the result is 0 or +∞ (selected at the end); clamping keeps the exponent arithmetic in range.
        Vector512<float> clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(-104f)), Vector512.Create(89f));

        // n = round(x·log₂e): adding 1.5·2²³ leaves n in the low mantissa bits, rounded to nearest.
        Vector512<float> shifter = Vector512.Create(12582912f);
        Vector512<float> shifted = MultiplyAdd(clamped, Vector512.Create(1.44269504088896341f), shifter);
        Vector512<int> n = shifted.AsInt32() - shifter.AsInt32();
        Vector512<float> nFloat = shifted - shifter;

        Vector512<float> r = MultiplyAdd(nFloat, Vector512.Create(-0.693359375f), clamped);
        r = MultiplyAdd(nFloat, Vector512.Create(2.12194440e-4f), r);

        Vector512<float> p = Vector512.Create(1.9875691500e-4f);
        p = MultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = MultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = MultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = MultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = MultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        p = MultiplyAdd(p, r * r, r + Vector512<float>.One);

        // 2ⁿ for n in [−150, 128] as 2^(n/2)·2^(n − n/2), each factor a normal number.
        Vector512<int> half = Vector512.ShiftRightArithmetic(n, 1);
        Vector512<float> scale1 = Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
        Vector512<float> scale2 = Vector512.ShiftLeft(n - half + Vector512.Create(127), 23).AsSingle();
        Vector512<float> result = p * scale1 * scale2;

        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(88.7228394f)), Vector512.Create(float.PositiveInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-103.972084f)), Vector512<float>.Zero, result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x); // NaN stays NaN
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
    {
        Vector512<double> clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(-746.0)), Vector512.Create(710.0));

        Vector512<double> shifter = Vector512.Create(6755399441055744.0); // 1.5·2⁵²
        Vector512<double> shifted = MultiplyAdd(clamped, Vector512.Create(1.4426950408889634), shifter);
        Vector512<long> n = shifted.AsInt64() - shifter.AsInt64();
        Vector512<double> nDouble = shifted - shifter;

        Vector512<double> r = MultiplyAdd(nDouble, Vector512.Create(-6.93145751953125e-1), clamped);
        r = MultiplyAdd(nDouble, Vector512.Create(-1.42860682030941723212e-6), r);

        // The Taylor series to r¹³/13!: the first term left out is below 5·10⁻¹⁸ of the result for |r| ≤ ln 2 / 2.
        Vector512<double> p = Vector512.Create(1.0 / 6227020800);
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 479001600));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 39916800));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 3628800));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 362880));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 40320));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 5040));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 720));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 120));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 24));
        p = MultiplyAdd(p, r, Vector512.Create(1.0 / 6));
        p = MultiplyAdd(p, r, Vector512.Create(0.5));
        p = MultiplyAdd(p, r * r, r + Vector512<double>.One);

        // 2ⁿ for n in [−1077, 1025] as two normal factors. AVX2 has no 64-bit arithmetic shift, so n/2 is taken from
        // the positive n + 2048 with a logical one.
        Vector512<long> half = Vector512.ShiftRightLogical(n + Vector512.Create(2048L), 1) - Vector512.Create(1024L);
        Vector512<double> scale1 = Vector512.ShiftLeft(half + Vector512.Create(1023L), 52).AsDouble();
        Vector512<double> scale2 = Vector512.ShiftLeft(n - half + Vector512.Create(1023L), 52).AsDouble();
        Vector512<double> result = p * scale1 * scale2;

        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(709.782712893384)), Vector512.Create(double.PositiveInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-745.1332191019412)), Vector512<double>.Zero, result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        // Subnormals are scaled into the normal range first.
        Vector512<float> subnormal = Vector512.LessThan(x, Vector512.Create(1.17549435e-38f));
        Vector512<int> bits = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(8388608f), x).AsInt32();
        Vector512<int> exponent = Vector512.ShiftRightLogical(bits, 23) - Vector512.Create(127) + (subnormal.AsInt32() & Vector512.Create(-23));
        Vector512<float> m = ((bits & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F800000)).AsSingle();

        // m in [1, 2) → [√½, √2).
        Vector512<float> large = Vector512.GreaterThan(m, Vector512.Create(1.41421356f));
        m = Vector512.ConditionalSelect(large, m * Vector512.Create(0.5f), m);
        exponent -= large.AsInt32();

        Vector512<float> f = m - Vector512<float>.One;
        Vector512<float> s = f / (Vector512.Create(2f) + f);
        Vector512<float> z = s * s;
        Vector512<float> series = Vector512.Create(2f / 9);
        series = MultiplyAdd(series, z, Vector512.Create(2f / 7));
        series = MultiplyAdd(series, z, Vector512.Create(2f / 5));
        series = MultiplyAdd(series, z, Vector512.Create(2f / 3));
        Vector512<float> logM = MultiplyAdd(s * z, series, s + s);

        Vector512<float> e = Vector512.ConvertToSingle(exponent);
        Vector512<float> result = MultiplyAdd(e, Vector512.Create(0.693359375f), MultiplyAdd(e, Vector512.Create(-2.12194440e-4f), logM));

        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, result);
        // Negative x and NaN give NaN.
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero) | ~Vector512.Equals(x, x), Vector512.Create(float.NaN), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x)
    {
        Vector512<double> subnormal = Vector512.LessThan(x, Vector512.Create(2.2250738585072014e-308));
        Vector512<long> bits = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(4503599627370496.0), x).AsInt64();
        Vector512<long> exponent = Vector512.ShiftRightLogical(bits, 52) - Vector512.Create(1023L) + (subnormal.AsInt64() & Vector512.Create(-52L));
        Vector512<double> m = ((bits & Vector512.Create(0x000FFFFFFFFFFFFFL)) | Vector512.Create(0x3FF0000000000000L)).AsDouble();

        Vector512<double> large = Vector512.GreaterThan(m, Vector512.Create(1.4142135623730951));
        m = Vector512.ConditionalSelect(large, m * Vector512.Create(0.5), m);
        exponent -= large.AsInt64();

        Vector512<double> f = m - Vector512<double>.One;
        Vector512<double> s = f / (Vector512.Create(2.0) + f);
        Vector512<double> z = s * s;
        // 2·atanh s = 2s + 2s·Σ z^k/(2k + 1), to z¹⁰: the next term is below 10⁻¹⁸ of the sum for |s| ≤ 0.172.
        Vector512<double> series = Vector512.Create(2.0 / 21);
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 19));
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 17));
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 15));
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 13));
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 11));
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 9));
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 7));
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 5));
        series = MultiplyAdd(series, z, Vector512.Create(2.0 / 3));
        Vector512<double> logM = MultiplyAdd(s * z, series, s + s);

        // The exponent (|e| < 1100) as a double without a 64-bit conversion instruction (AVX2 has none): added to the
        // bits of 1.5·2⁵², whose last place is 1, it gives 1.5·2⁵² + e.
        Vector512<double> e = (exponent + Vector512.Create(0x4338000000000000L)).AsDouble() - Vector512.Create(6755399441055744.0);
        Vector512<double> result = MultiplyAdd(e, Vector512.Create(6.93147180369123816490e-1), MultiplyAdd(e, Vector512.Create(1.90821492927058770002e-10), logM));

        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<double>.Zero), Vector512.Create(double.NegativeInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(double.PositiveInfinity)), x, result);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero) | ~Vector512.Equals(x, x), Vector512.Create(double.NaN), result);
    }

    /// <summary>eˣ for float or double lanes; fully optimized at its first call where a caller over its inlining budget calls it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector128<T> Exp<T>(Vector128<T> x) where T : unmanaged
        => typeof(T) == typeof(float) ? Exp(x.AsSingle()).As<float, T>() : Exp(x.AsDouble()).As<double, T>();

    /// <summary>ln x for float or double lanes; fully optimized at its first call like Exp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector128<T> Log<T>(Vector128<T> x) where T : unmanaged
        => typeof(T) == typeof(float) ? Log(x.AsSingle()).As<float, T>() : Log(x.AsDouble()).As<double, T>();

    /// <summary>
    /// tanh z from |z| and z's sign, so odd bit for bit and 0 at 0: for |z| &lt; 0.625 the odd series |z| + |z|·s·R(s),
    /// s = z², with Cephes' minimax coefficients (a polynomial for float, a rational function for double), which keeps
    /// the relative precision near 0; above, 1 − 2/(e^2|z| + 1), which goes to 1 without overflowing. One exponential
    /// and one or two divisions, where expm1 by Kahan's method took an exponential, a logarithm and two divisions. Float
    /// lanes go to <see cref="TanhSingle(Vector128{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Tanh<T>(Vector128<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return TanhSingle(z.AsSingle()).As<float, T>();
        }

        Vector128<T> sign = z & Vector128.Create(-T.Zero);
        Vector128<T> a = Vector128.Abs(z);
        Vector128<T> two = Vector128.Create(T.One + T.One);
        Vector128<T> large = Vector128<T>.One - two / (Exp(two * a) + Vector128<T>.One);
        Vector128<T> s = a * a;
        Vector128<T> numerator = (Vector128.Create(T.CreateTruncating(-9.64399179425052238628e-1)) * s + Vector128.Create(T.CreateTruncating(-9.92877231001918586564e1))) * s
            + Vector128.Create(T.CreateTruncating(-1.61468768441708447952e3));
        Vector128<T> denominator = ((s + Vector128.Create(T.CreateTruncating(1.12811678491632931402e2))) * s + Vector128.Create(T.CreateTruncating(2.23548839060100448583e3))) * s
            + Vector128.Create(T.CreateTruncating(4.84406305325125486048e3));
        Vector128<T> series = a + a * s * (numerator / denominator);
        return Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(T.CreateTruncating(0.625))), series, large) | sign;
    }

    /// <summary>
    /// <see cref="Tanh{T}(Vector128{T})"/> for float, written for latency, since a tiny network's forward pass waits on it
    /// (xor's hidden layer is one Vector128): the same two branches with the same coefficients, but each polynomial by
    /// Estrin's scheme in fused multiply-adds (three deep where Horner's rule is five or six), and e^2|z| without the
    /// general <see cref="Exp(Vector128{float})"/>'s range handling: 2|z| ≥ 0, and past |z| = 10, where float's tanh is
    /// already 1, the result is 1 whatever e^2|z| gave. NaN stays NaN through every step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> TanhSingle(Vector128<float> z)
    {
        Vector128<float> a = Vector128.Abs(z);

        // |z| < 0.625: a + a·s·R(s), s = a², R = (r0 + r1·s) + s²·((r2 + r3·s) + r4·s²).
        Vector128<float> s = a * a;
        Vector128<float> s2 = s * s;
        Vector128<float> r01 = MultiplyAdd(Vector128.Create(1.33314422036e-1f), s, Vector128.Create(-3.33332819422e-1f));
        Vector128<float> r23 = MultiplyAdd(Vector128.Create(2.06390887954e-2f), s, Vector128.Create(-5.37397155531e-2f));
        Vector128<float> r = MultiplyAdd(MultiplyAdd(Vector128.Create(-5.70498872745e-3f), s2, r23), s2, r01);
        Vector128<float> series = MultiplyAdd(a * s, r, a);

        // Above: 1 − 2/(E + 1) with E = e^x, x = 2a = n·ln 2 + f as in Exp, and eᶠ = 1 + f + f²·Q(f) with Q's six
        // coefficients in pairs; n is in [0, 29] for a ≤ 10, so 2ⁿ is one factor.
        Vector128<float> x = a + a;
        Vector128<float> shifter = Vector128.Create(12582912f);
        Vector128<float> shifted = MultiplyAdd(x, Vector128.Create(1.44269504088896341f), shifter);
        Vector128<float> n = shifted - shifter;
        Vector128<float> f = MultiplyAdd(n, Vector128.Create(-0.693359375f), x);
        f = MultiplyAdd(n, Vector128.Create(2.12194440e-4f), f);
        Vector128<float> f2 = f * f;
        Vector128<float> q01 = MultiplyAdd(Vector128.Create(1.6666665459e-1f), f, Vector128.Create(5.0000001201e-1f));
        Vector128<float> q23 = MultiplyAdd(Vector128.Create(8.3334519073e-3f), f, Vector128.Create(4.1665795894e-2f));
        Vector128<float> q45 = MultiplyAdd(Vector128.Create(1.9875691500e-4f), f, Vector128.Create(1.3981999507e-3f));
        Vector128<float> q = MultiplyAdd(MultiplyAdd(q45, f2, q23), f2, q01);
        Vector128<float> scale = Vector128.ShiftLeft(shifted.AsInt32() - shifter.AsInt32() + Vector128.Create(127), 23).AsSingle();
        Vector128<float> e = MultiplyAdd(q, f2, f + Vector128<float>.One) * scale;
        Vector128<float> large = Vector128<float>.One - Vector128.Create(2f) / (e + Vector128<float>.One);
        large = Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128.Create(10f)), Vector128<float>.One, large);

        return Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(0.625f)), series, large) | (z & Vector128.Create(-0f));
    }

    /// <summary>eˣ for float or double lanes; fully optimized at its first call where a caller over its inlining budget calls it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged
        => typeof(T) == typeof(float) ? Exp(x.AsSingle()).As<float, T>() : Exp(x.AsDouble()).As<double, T>();

    /// <summary>ln x for float or double lanes; fully optimized at its first call like Exp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<T> Log<T>(Vector256<T> x) where T : unmanaged
        => typeof(T) == typeof(float) ? Log(x.AsSingle()).As<float, T>() : Log(x.AsDouble()).As<double, T>();

    /// <summary>
    /// tanh z from |z| and z's sign, so odd bit for bit and 0 at 0: for |z| &lt; 0.625 the odd series |z| + |z|·s·R(s),
    /// s = z², with Cephes' minimax coefficients (a polynomial for float, a rational function for double), which keeps
    /// the relative precision near 0; above, 1 − 2/(e^2|z| + 1), which goes to 1 without overflowing. One exponential
    /// and one or two divisions, where expm1 by Kahan's method took an exponential, a logarithm and two divisions. Float
    /// lanes go to <see cref="TanhSingle(Vector256{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh<T>(Vector256<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return TanhSingle(z.AsSingle()).As<float, T>();
        }

        Vector256<T> sign = z & Vector256.Create(-T.Zero);
        Vector256<T> a = Vector256.Abs(z);
        Vector256<T> two = Vector256.Create(T.One + T.One);
        Vector256<T> large = Vector256<T>.One - two / (Exp(two * a) + Vector256<T>.One);
        Vector256<T> s = a * a;
        Vector256<T> numerator = (Vector256.Create(T.CreateTruncating(-9.64399179425052238628e-1)) * s + Vector256.Create(T.CreateTruncating(-9.92877231001918586564e1))) * s
            + Vector256.Create(T.CreateTruncating(-1.61468768441708447952e3));
        Vector256<T> denominator = ((s + Vector256.Create(T.CreateTruncating(1.12811678491632931402e2))) * s + Vector256.Create(T.CreateTruncating(2.23548839060100448583e3))) * s
            + Vector256.Create(T.CreateTruncating(4.84406305325125486048e3));
        Vector256<T> series = a + a * s * (numerator / denominator);
        return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(T.CreateTruncating(0.625))), series, large) | sign;
    }

    /// <summary>
    /// <see cref="Tanh{T}(Vector256{T})"/> for float, written for latency, since a tiny network's forward pass waits on it
    /// (xor's hidden layer is one Vector128): the same two branches with the same coefficients, but each polynomial by
    /// Estrin's scheme in fused multiply-adds (three deep where Horner's rule is five or six), and e^2|z| without the
    /// general <see cref="Exp(Vector256{float})"/>'s range handling: 2|z| ≥ 0, and past |z| = 10, where float's tanh is
    /// already 1, the result is 1 whatever e^2|z| gave. NaN stays NaN through every step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TanhSingle(Vector256<float> z)
    {
        Vector256<float> a = Vector256.Abs(z);

        // |z| < 0.625: a + a·s·R(s), s = a², R = (r0 + r1·s) + s²·((r2 + r3·s) + r4·s²).
        Vector256<float> s = a * a;
        Vector256<float> s2 = s * s;
        Vector256<float> r01 = MultiplyAdd(Vector256.Create(1.33314422036e-1f), s, Vector256.Create(-3.33332819422e-1f));
        Vector256<float> r23 = MultiplyAdd(Vector256.Create(2.06390887954e-2f), s, Vector256.Create(-5.37397155531e-2f));
        Vector256<float> r = MultiplyAdd(MultiplyAdd(Vector256.Create(-5.70498872745e-3f), s2, r23), s2, r01);
        Vector256<float> series = MultiplyAdd(a * s, r, a);

        // Above: 1 − 2/(E + 1) with E = e^x, x = 2a = n·ln 2 + f as in Exp, and eᶠ = 1 + f + f²·Q(f) with Q's six
        // coefficients in pairs; n is in [0, 29] for a ≤ 10, so 2ⁿ is one factor.
        Vector256<float> x = a + a;
        Vector256<float> shifter = Vector256.Create(12582912f);
        Vector256<float> shifted = MultiplyAdd(x, Vector256.Create(1.44269504088896341f), shifter);
        Vector256<float> n = shifted - shifter;
        Vector256<float> f = MultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        f = MultiplyAdd(n, Vector256.Create(2.12194440e-4f), f);
        Vector256<float> f2 = f * f;
        Vector256<float> q01 = MultiplyAdd(Vector256.Create(1.6666665459e-1f), f, Vector256.Create(5.0000001201e-1f));
        Vector256<float> q23 = MultiplyAdd(Vector256.Create(8.3334519073e-3f), f, Vector256.Create(4.1665795894e-2f));
        Vector256<float> q45 = MultiplyAdd(Vector256.Create(1.9875691500e-4f), f, Vector256.Create(1.3981999507e-3f));
        Vector256<float> q = MultiplyAdd(MultiplyAdd(q45, f2, q23), f2, q01);
        Vector256<float> scale = Vector256.ShiftLeft(shifted.AsInt32() - shifter.AsInt32() + Vector256.Create(127), 23).AsSingle();
        Vector256<float> e = MultiplyAdd(q, f2, f + Vector256<float>.One) * scale;
        Vector256<float> large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        large = Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256.Create(10f)), Vector256<float>.One, large);

        return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(0.625f)), series, large) | (z & Vector256.Create(-0f));
    }

    /// <summary>eˣ for float or double lanes; fully optimized at its first call where a caller over its inlining budget calls it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<T> Exp<T>(Vector512<T> x) where T : unmanaged
        => typeof(T) == typeof(float) ? Exp(x.AsSingle()).As<float, T>() : Exp(x.AsDouble()).As<double, T>();

    /// <summary>ln x for float or double lanes; fully optimized at its first call like Exp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<T> Log<T>(Vector512<T> x) where T : unmanaged
        => typeof(T) == typeof(float) ? Log(x.AsSingle()).As<float, T>() : Log(x.AsDouble()).As<double, T>();

    /// <summary>
    /// tanh z from |z| and z's sign, so odd bit for bit and 0 at 0: for |z| &lt; 0.625 the odd series |z| + |z|·s·R(s),
    /// s = z², with Cephes' minimax coefficients (a polynomial for float, a rational function for double), which keeps
    /// the relative precision near 0; above, 1 − 2/(e^2|z| + 1), which goes to 1 without overflowing. One exponential
    /// and one or two divisions, where expm1 by Kahan's method took an exponential, a logarithm and two divisions. Float
    /// lanes go to <see cref="TanhSingle(Vector512{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh<T>(Vector512<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return TanhSingle(z.AsSingle()).As<float, T>();
        }

        Vector512<T> sign = z & Vector512.Create(-T.Zero);
        Vector512<T> a = Vector512.Abs(z);
        Vector512<T> two = Vector512.Create(T.One + T.One);
        Vector512<T> large = Vector512<T>.One - two / (Exp(two * a) + Vector512<T>.One);
        Vector512<T> s = a * a;
        Vector512<T> numerator = (Vector512.Create(T.CreateTruncating(-9.64399179425052238628e-1)) * s + Vector512.Create(T.CreateTruncating(-9.92877231001918586564e1))) * s
            + Vector512.Create(T.CreateTruncating(-1.61468768441708447952e3));
        Vector512<T> denominator = ((s + Vector512.Create(T.CreateTruncating(1.12811678491632931402e2))) * s + Vector512.Create(T.CreateTruncating(2.23548839060100448583e3))) * s
            + Vector512.Create(T.CreateTruncating(4.84406305325125486048e3));
        Vector512<T> series = a + a * s * (numerator / denominator);
        return Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(T.CreateTruncating(0.625))), series, large) | sign;
    }

    /// <summary>
    /// <see cref="Tanh{T}(Vector512{T})"/> for float, written for latency, since a tiny network's forward pass waits on it
    /// (xor's hidden layer is one Vector128): the same two branches with the same coefficients, but each polynomial by
    /// Estrin's scheme in fused multiply-adds (three deep where Horner's rule is five or six), and e^2|z| without the
    /// general <see cref="Exp(Vector512{float})"/>'s range handling: 2|z| ≥ 0, and past |z| = 10, where float's tanh is
    /// already 1, the result is 1 whatever e^2|z| gave. NaN stays NaN through every step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TanhSingle(Vector512<float> z)
    {
        Vector512<float> a = Vector512.Abs(z);

        // |z| < 0.625: a + a·s·R(s), s = a², R = (r0 + r1·s) + s²·((r2 + r3·s) + r4·s²).
        Vector512<float> s = a * a;
        Vector512<float> s2 = s * s;
        Vector512<float> r01 = MultiplyAdd(Vector512.Create(1.33314422036e-1f), s, Vector512.Create(-3.33332819422e-1f));
        Vector512<float> r23 = MultiplyAdd(Vector512.Create(2.06390887954e-2f), s, Vector512.Create(-5.37397155531e-2f));
        Vector512<float> r = MultiplyAdd(MultiplyAdd(Vector512.Create(-5.70498872745e-3f), s2, r23), s2, r01);
        Vector512<float> series = MultiplyAdd(a * s, r, a);

        // Above: 1 − 2/(E + 1) with E = e^x, x = 2a = n·ln 2 + f as in Exp, and eᶠ = 1 + f + f²·Q(f) with Q's six
        // coefficients in pairs; n is in [0, 29] for a ≤ 10, so 2ⁿ is one factor.
        Vector512<float> x = a + a;
        Vector512<float> shifter = Vector512.Create(12582912f);
        Vector512<float> shifted = MultiplyAdd(x, Vector512.Create(1.44269504088896341f), shifter);
        Vector512<float> n = shifted - shifter;
        Vector512<float> f = MultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        f = MultiplyAdd(n, Vector512.Create(2.12194440e-4f), f);
        Vector512<float> f2 = f * f;
        Vector512<float> q01 = MultiplyAdd(Vector512.Create(1.6666665459e-1f), f, Vector512.Create(5.0000001201e-1f));
        Vector512<float> q23 = MultiplyAdd(Vector512.Create(8.3334519073e-3f), f, Vector512.Create(4.1665795894e-2f));
        Vector512<float> q45 = MultiplyAdd(Vector512.Create(1.9875691500e-4f), f, Vector512.Create(1.3981999507e-3f));
        Vector512<float> q = MultiplyAdd(MultiplyAdd(q45, f2, q23), f2, q01);
        Vector512<float> scale = Vector512.ShiftLeft(shifted.AsInt32() - shifter.AsInt32() + Vector512.Create(127), 23).AsSingle();
        Vector512<float> e = MultiplyAdd(q, f2, f + Vector512<float>.One) * scale;
        Vector512<float> large = Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);
        large = Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(10f)), Vector512<float>.One, large);

        return Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(0.625f)), series, large) | (z & Vector512.Create(-0f));
    }

}
