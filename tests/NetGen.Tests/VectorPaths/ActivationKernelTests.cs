using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.VectorPaths;

/// <summary>
/// The span activations against System.Math, at lengths that reach every part of the element-wise loop on the path
/// this process runs (InstructionSetTests reruns this class on every other path): shorter than a vector, whole
/// vectors (exactly one of each width among them: 2, 4, 8 and 16), and whole vectors with an overlapping tail.
/// </summary>
public sealed class ActivationKernelTests
{
    public static TheoryData<int> Lengths() => new() { 0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 65, 100 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Tanh_of_zero_is_zero_with_its_sign(int length)
    {
        foreach (float zero in new[] { 0f, -0f })
        {
            float[] y = new float[length];
            ActivationKernels.Tanh<float>(Filled(length, zero), y);
            Assert.All(y, value => Assert.Equal(BitConverter.SingleToInt32Bits(zero), BitConverter.SingleToInt32Bits(value)));
        }

        foreach (double zero in new[] { 0.0, -0.0 })
        {
            double[] y = new double[length];
            ActivationKernels.Tanh<double>(Filled(length, zero), y);
            Assert.All(y, value => Assert.Equal(BitConverter.DoubleToInt64Bits(zero), BitConverter.DoubleToInt64Bits(value)));
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Float_tanh_is_odd_bit_for_bit_and_within_four_ulp_of_Math(int length)
    {
        float[] z = Array.ConvertAll(RandomSpread(length, seed: length), value => (float)value);
        float[] y = new float[length], yOfNegated = new float[length];
        ActivationKernels.Tanh<float>(z, y);
        ActivationKernels.Tanh<float>(Array.ConvertAll(z, value => -value), yOfNegated);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(-y[i]), BitConverter.SingleToInt32Bits(yOfNegated[i]));
            float expected = (float)Math.Tanh(z[i]);
            Assert.True(Math.Abs(y[i] - expected) <= 4 * (MathF.BitIncrement(Math.Abs(expected)) - Math.Abs(expected)) + float.Epsilon,
                $"tanh({z[i]:R}) = {y[i]:R}, Math.Tanh gives {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Double_tanh_is_odd_bit_for_bit_and_within_four_ulp_of_Math(int length)
    {
        double[] z = RandomSpread(length, seed: length);
        double[] y = new double[length], yOfNegated = new double[length];
        ActivationKernels.Tanh<double>(z, y);
        ActivationKernels.Tanh<double>(Array.ConvertAll(z, value => -value), yOfNegated);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(-y[i]), BitConverter.DoubleToInt64Bits(yOfNegated[i]));
            double expected = Math.Tanh(z[i]);
            Assert.True(Math.Abs(y[i] - expected) <= 4 * (Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected)) + double.Epsilon,
                $"tanh({z[i]:R}) = {y[i]:R}, Math.Tanh gives {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Tanh_saturates_to_one_and_passes_NaN_on(int length)
    {
        // Where e^2|z| overflows (float past 44, double past 355), at and past float's |z| = 10 cut-off, the infinities and
        // NaN, each with both signs, cycled so that every slot of a vector meets each.
        double[] special = { 10, 10.5, 44.5, 89, 400, 1e30, double.PositiveInfinity, double.NaN };
        double[] z = new double[length];
        for (int i = 0; i < length; i++)
        {
            z[i] = (i % 2 == 0 ? 1 : -1) * special[(i / 2 + i) % special.Length];
        }

        float[] zf = Array.ConvertAll(z, value => (float)value);
        float[] yf = new float[length];
        double[] yd = new double[length];
        ActivationKernels.Tanh<float>(zf, yf);
        ActivationKernels.Tanh<double>(z, yd);
        for (int i = 0; i < length; i++)
        {
            if (double.IsNaN(z[i]))
            {
                Assert.True(float.IsNaN(yf[i]) && double.IsNaN(yd[i]), $"tanh(NaN) = {yf[i]}, {yd[i]}");
                continue;
            }

            Assert.Equal(MathF.Sign(zf[i]), yf[i]);
            Assert.Equal(Math.Tanh(z[i]), yd[i], 15);
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sigmoid_is_within_four_ulp_of_the_formula_in_double_and_saturates(int length)
    {
        double[] spread = RandomSpread(length, seed: length + 100);
        // Past the float and double exponent ranges, NaN and the infinities, in the first slots (a whole vector when long enough).
        double[] special = { 0, -0.0, 120, -120, 800, -800, double.NaN, double.PositiveInfinity, double.NegativeInfinity };
        for (int i = 0; i < Math.Min(length, special.Length); i++)
        {
            spread[i] = special[i];
        }

        float[] zf = Array.ConvertAll(spread, value => (float)value), yf = new float[length];
        double[] yd = new double[length];
        ActivationKernels.Sigmoid<float>(zf, yf);
        ActivationKernels.Sigmoid<double>(spread, yd);
        for (int i = 0; i < length; i++)
        {
            float expectedFloat = (float)(1 / (1 + Math.Exp(-(double)zf[i])));
            double expected = 1 / (1 + Math.Exp(-spread[i]));
            if (double.IsNaN(expected))
            {
                Assert.True(float.IsNaN(yf[i]) && double.IsNaN(yd[i]), $"sigmoid(NaN) = {yf[i]}, {yd[i]}");
                continue;
            }

            Assert.True(Math.Abs(yf[i] - expectedFloat) <= 4 * (MathF.BitIncrement(expectedFloat) - expectedFloat), $"float sigmoid({zf[i]:R}) = {yf[i]:R}, expected {expectedFloat:R}");
            Assert.True(Math.Abs(yd[i] - expected) <= 4 * (Math.BitIncrement(expected) - expected), $"double sigmoid({spread[i]:R}) = {yd[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void Lane_tanh_of_zero_is_zero_and_is_odd_bit_for_bit()
    {
        Assert.Equal(Vector256<float>.Zero.AsInt32(), LaneKernels.Tanh(Vector256<float>.Zero).AsInt32());
        Assert.Equal(Vector256.Create(-0f).AsInt32(), LaneKernels.Tanh(Vector256.Create(-0f)).AsInt32());
        Assert.Equal(Vector256<double>.Zero.AsInt64(), LaneKernels.Tanh(Vector256<double>.Zero).AsInt64());
        double[] spread = RandomSpread(64, seed: 3);
        for (int i = 0; i + 8 <= spread.Length; i += 8)
        {
            Vector256<float> z = Vector256.Create(Array.ConvertAll(spread[i..(i + 8)], value => (float)value));
            Assert.Equal((-LaneKernels.Tanh(z)).AsInt32(), LaneKernels.Tanh(-z).AsInt32());
            Vector256<double> zd = Vector256.Create(spread[i..(i + 4)]);
            Assert.Equal((-LaneKernels.Tanh(zd)).AsInt64(), LaneKernels.Tanh(-zd).AsInt64());
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ReLU_derivatives_pass_NaN_on_from_the_output_and_the_gradient(int length)
    {
        foreach (float slope in new[] { 0f, 0.1f })
        {
            // Outputs and gradients cycle through NaN, negative, zero and positive values, out of step with each other.
            float[] y = new float[length], gradient = new float[length];
            for (int i = 0; i < length; i++)
            {
                y[i] = (i % 4) switch { 0 => float.NaN, 1 => -1.5f, 2 => 0f, _ => 2f };
                gradient[i] = i % 3 == 0 ? float.NaN : i - 7.5f;
            }

            float[] result = (float[])gradient.Clone();
            if (slope == 0)
            {
                ActivationKernels.ReLUBackward<float>(y, result);
            }
            else
            {
                ActivationKernels.LeakyReLUBackward<float>(y, result, slope);
            }

            for (int i = 0; i < length; i++)
            {
                float expected = float.IsNaN(y[i]) || float.IsNaN(gradient[i]) ? float.NaN : y[i] > 0 ? gradient[i] : slope * gradient[i];
                Assert.Equal(expected, result[i]);
            }
        }
    }

    private static T[] Filled<T>(int length, T value)
    {
        var values = new T[length];
        Array.Fill(values, value);
        return values;
    }

    /// <summary>Values of both signs whose magnitudes span 10⁻⁹ to 30: tiny (tanh z ≈ z), around 1, and saturated.</summary>
    private static double[] RandomSpread(int length, int seed)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            double magnitude = Math.Pow(10, random.NextDouble() * 10.5 - 9);
            values[i] = random.Next(2) == 0 ? magnitude : -magnitude;
        }

        return values;
    }
}
