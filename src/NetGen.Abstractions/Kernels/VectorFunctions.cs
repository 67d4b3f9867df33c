using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// eˣ and ln x on Vector256, for float and double, written out rather than taken from Vector256.Exp and Vector256.Log.
/// Those are generic library code without precompiled instances: called from a kernel they ran as tier-0 code for
/// the first steps (and exist only from .NET 9), and the float versions compute in double. These are compiled with the
/// kernel that calls them and stay in their own precision.
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        // Beyond [−104, 89] the result is 0 or +∞ (selected at the end); clamping keeps the exponent arithmetic in range.
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(-104f)), Vector256.Create(89f));

        // n = round(x·log₂e): adding 1.5·2²³ leaves n in the low mantissa bits, rounded to nearest.
        Vector256<float> shifter = Vector256.Create(12582912f);
        Vector256<float> shifted = VectorMath.MultiplyAdd(clamped, Vector256.Create(1.44269504088896341f), shifter);
        Vector256<int> n = shifted.AsInt32() - shifter.AsInt32();
        Vector256<float> nFloat = shifted - shifter;

        Vector256<float> r = VectorMath.MultiplyAdd(nFloat, Vector256.Create(-0.693359375f), clamped);
        r = VectorMath.MultiplyAdd(nFloat, Vector256.Create(2.12194440e-4f), r);

        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = VectorMath.MultiplyAdd(p, r * r, r + Vector256<float>.One);

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
        Vector256<double> shifted = VectorMath.MultiplyAdd(clamped, Vector256.Create(1.4426950408889634), shifter);
        Vector256<long> n = shifted.AsInt64() - shifter.AsInt64();
        Vector256<double> nDouble = shifted - shifter;

        Vector256<double> r = VectorMath.MultiplyAdd(nDouble, Vector256.Create(-6.93145751953125e-1), clamped);
        r = VectorMath.MultiplyAdd(nDouble, Vector256.Create(-1.42860682030941723212e-6), r);

        // The Taylor series to r¹³/13!: the first term left out is below 5·10⁻¹⁸ of the result for |r| ≤ ln 2 / 2.
        Vector256<double> p = Vector256.Create(1.0 / 6227020800);
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 479001600));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 39916800));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 3628800));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 362880));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 40320));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 5040));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 720));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 120));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 24));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(1.0 / 6));
        p = VectorMath.MultiplyAdd(p, r, Vector256.Create(0.5));
        p = VectorMath.MultiplyAdd(p, r * r, r + Vector256<double>.One);

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
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2f / 7));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2f / 5));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2f / 3));
        Vector256<float> logM = VectorMath.MultiplyAdd(s * z, series, s + s);

        Vector256<float> e = Vector256.ConvertToSingle(exponent);
        Vector256<float> result = VectorMath.MultiplyAdd(e, Vector256.Create(0.693359375f), VectorMath.MultiplyAdd(e, Vector256.Create(-2.12194440e-4f), logM));

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
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 19));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 17));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 15));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 13));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 11));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 9));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 7));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 5));
        series = VectorMath.MultiplyAdd(series, z, Vector256.Create(2.0 / 3));
        Vector256<double> logM = VectorMath.MultiplyAdd(s * z, series, s + s);

        // The exponent (|e| < 1100) as a double without a 64-bit conversion instruction (AVX2 has none): added to the
        // bits of 1.5·2⁵², whose last place is 1, it gives 1.5·2⁵² + e.
        Vector256<double> e = (exponent + Vector256.Create(0x4338000000000000L)).AsDouble() - Vector256.Create(6755399441055744.0);
        Vector256<double> result = VectorMath.MultiplyAdd(e, Vector256.Create(6.93147180369123816490e-1), VectorMath.MultiplyAdd(e, Vector256.Create(1.90821492927058770002e-10), logM));

        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), Vector256.Create(double.NegativeInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(double.PositiveInfinity)), x, result);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero) | ~Vector256.Equals(x, x), Vector256.Create(double.NaN), result);
    }
}
