using System;
using System.Linq;
using System.Numerics;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.VectorPaths;

/// <summary>
/// Inverted dropout: the fraction dropped, the kept values' scale, the masks as the documented draws of
/// <see cref="SeededRandom"/> (so the same on every vector path, which InstructionSetTests reruns this class on), the
/// state's advance, and the backward pass.
/// </summary>
public sealed class DropoutKernelTests
{
    /// <summary>The constant <see cref="DropoutKernels.Seed"/> documents mixing into the seed.</summary>
    private const long Mixer = 0x6A09E667F3BCC909;

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void The_fraction_dropped_is_the_rate_and_kept_values_are_scaled_exactly(double rate)
    {
        CheckFractionAndScale<float>(rate);
        CheckFractionAndScale<double>(rate);
    }

    [Theory]
    [InlineData(1001, 0.3)] // odd: the last draw's high half is left unused
    [InlineData(64, 0.5)]
    [InlineData(1, 0.75)]
    public void Masks_are_the_documented_draws_of_SeededRandom_from_the_mixed_seed(int length, double rate)
    {
        const int seed = 12345;
        ulong[] state = new ulong[4];
        DropoutKernels.Seed(state, seed);
        var generator = new SeededRandom(seed ^ Mixer);
        ulong threshold = (ulong)Math.Round(rate * 4294967296.0);

        // Two calls: the second must start where the generator stands after ⌈length/2⌉ draws.
        for (int call = 0; call < 2; call++)
        {
            double[] inputs = Enumerable.Repeat(1.0, length).ToArray(), outputs = new double[length], mask = new double[length];
            DropoutKernels.Forward<double>(inputs, outputs, mask, rate, state);
            for (int i = 0; i < length; i += 2)
            {
                ulong bits = generator.NextUInt64();
                Assert.Equal((bits & 0xFFFFFFFF) < threshold, mask[i] == 0);
                if (i + 1 < length)
                {
                    Assert.Equal((bits >> 32) < threshold, mask[i + 1] == 0);
                }
            }
        }
    }

    [Fact]
    public void The_same_state_gives_the_same_mask_and_the_state_advances()
    {
        ulong[] state = new ulong[4];
        DropoutKernels.Seed(state, 7);
        ulong[] copy = (ulong[])state.Clone();
        float[] inputs = Enumerable.Range(0, 777).Select(i => (float)i).ToArray();
        float[] first = new float[inputs.Length], firstMask = new float[inputs.Length];
        float[] second = new float[inputs.Length], secondMask = new float[inputs.Length];

        DropoutKernels.Forward<float>(inputs, first, firstMask, 0.5, state);
        DropoutKernels.Forward<float>(inputs, second, secondMask, 0.5, copy);
        Assert.Equal(firstMask, secondMask);
        Assert.Equal(first, second);
        Assert.Equal(state, copy);

        ulong[] seeded = new ulong[4];
        DropoutKernels.Seed(seeded, 7);
        Assert.NotEqual(seeded, state);

        DropoutKernels.Forward<float>(inputs, second, secondMask, 0.5, state);
        Assert.NotEqual(firstMask, secondMask);
    }

    [Fact]
    public void Seeding_is_deterministic_distinct_seeds_give_distinct_masks_and_the_weights_stream_is_not_reused()
    {
        ulong[] a = new ulong[4], b = new ulong[4], c = new ulong[4];
        DropoutKernels.Seed(a, 1);
        DropoutKernels.Seed(b, 1);
        DropoutKernels.Seed(c, 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);

        double[] inputs = Enumerable.Repeat(1.0, 256).ToArray();
        double[] maskA = Mask(inputs, a), maskC = Mask(inputs, c);
        Assert.NotEqual(maskA, maskC);

        // The weights of seed 1 are drawn from new SeededRandom(1): the masks are not its numbers again.
        ulong[] weightsState = new ulong[4];
        SeededRandom.Seed(weightsState, 1);
        Assert.NotEqual(Mask(inputs, (ulong[])b.Clone()), Mask(inputs, weightsState));

        static double[] Mask(double[] inputs, ulong[] state)
        {
            double[] outputs = new double[inputs.Length], mask = new double[inputs.Length];
            DropoutKernels.Forward<double>(inputs, outputs, mask, 0.5, state);
            return mask;
        }
    }

    [Fact]
    public void Float_and_double_draw_the_same_mask_from_the_same_state()
    {
        ulong[] floatState = new ulong[4], doubleState = new ulong[4];
        DropoutKernels.Seed(floatState, 99);
        DropoutKernels.Seed(doubleState, 99);
        float[] floatMask = new float[1003], floatOutputs = new float[1003];
        double[] doubleMask = new double[1003], doubleOutputs = new double[1003];
        DropoutKernels.Forward<float>(new float[1003], floatOutputs, floatMask, 0.4, floatState);
        DropoutKernels.Forward<double>(new double[1003], doubleOutputs, doubleMask, 0.4, doubleState);
        Assert.Equal(doubleMask.Select(m => m == 0), floatMask.Select(m => m == 0));
        Assert.Equal(doubleState, floatState);
    }

    [Fact]
    public void Dropped_NaN_stays_NaN_and_dropped_negative_values_are_negative_zero()
    {
        ulong[] state = new ulong[4];
        DropoutKernels.Seed(state, 5);
        double[] nan = Enumerable.Repeat(double.NaN, 100).ToArray(), outputs = new double[100], mask = new double[100];
        DropoutKernels.Forward<double>(nan, outputs, mask, 0.5, state);
        Assert.Contains(0.0, mask);
        Assert.All(outputs, value => Assert.True(double.IsNaN(value)));

        double[] negative = Enumerable.Repeat(-2.0, 100).ToArray();
        DropoutKernels.Forward<double>(negative, outputs, mask, 0.5, state);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(mask[i] == 0 ? -0.0 : -4.0, outputs[i]);
            Assert.Equal(mask[i] == 0, double.IsNegative(outputs[i]) && outputs[i] == 0);
        }
    }

    [Fact]
    public void The_outputs_may_be_the_inputs()
    {
        ulong[] state = new ulong[4], copy = new ulong[4];
        DropoutKernels.Seed(state, 3);
        DropoutKernels.Seed(copy, 3);
        float[] values = Enumerable.Range(1, 301).Select(i => (float)i).ToArray(), expected = new float[301], mask = new float[301];
        DropoutKernels.Forward<float>(values, expected, mask, 0.2, copy);
        DropoutKernels.Forward<float>(values, values, mask, 0.2, state);
        Assert.Equal(expected, values);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(67)]
    public void Backward_is_the_output_gradient_times_the_mask(int length)
    {
        var random = new Random(length);
        double[] dy = Enumerable.Range(0, length).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] mask = Enumerable.Range(0, length).Select(i => i % 3 == 0 ? 0 : 1 / 0.7).ToArray();
        double[] dx = Enumerable.Repeat(double.NaN, length).ToArray();
        DropoutKernels.Backward<double>(dy, mask, dx);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(dy[i] * mask[i], dx[i]);
        }

        float[] dyF = Array.ConvertAll(dy, value => (float)value), maskF = Array.ConvertAll(mask, value => (float)value), dxF = new float[length];
        DropoutKernels.Backward<float>(dyF, maskF, dxF);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(dyF[i] * maskF[i], dxF[i]);
        }
    }

    [Fact]
    public void Bad_arguments_throw_before_anything_is_written()
    {
        ulong[] state = new ulong[4];
        DropoutKernels.Seed(state, 1);
        ulong[] stateBefore = (ulong[])state.Clone();
        double[] inputs = new double[10], outputs = Enumerable.Repeat(42.0, 10).ToArray(), mask = Enumerable.Repeat(42.0, 10).ToArray();

        void Rejected(string parameter, Action call)
        {
            ArgumentException exception = Assert.ThrowsAny<ArgumentException>(call);
            Assert.Equal(parameter, exception.ParamName);
            Assert.All(outputs, value => Assert.Equal(42.0, value));
            Assert.All(mask, value => Assert.Equal(42.0, value));
            Assert.Equal(stateBefore, state);
        }

        foreach (double rate in new[] { -0.1, 1.0, 1.5, double.NaN, double.PositiveInfinity })
        {
            Assert.Throws<ArgumentOutOfRangeException>("rate", () => DropoutKernels.Forward<double>(inputs, outputs, mask, rate, state));
            Rejected("rate", () => DropoutKernels.Forward<double>(inputs, outputs, mask, rate, state));
        }

        Rejected("outputs", () => DropoutKernels.Forward<double>(inputs, outputs.AsSpan(1), mask, 0.5, state));
        Rejected("mask", () => DropoutKernels.Forward<double>(inputs, outputs, mask.AsSpan(1), 0.5, state));
        Rejected("randomState", () => DropoutKernels.Forward<double>(inputs, outputs, mask, 0.5, state.AsSpan(1)));
        Rejected("randomState", () => DropoutKernels.Forward<double>(inputs, outputs, mask, 0.5, new ulong[5]));
        Rejected("randomState", () => DropoutKernels.Forward<double>(inputs, outputs, mask, 0.5, new ulong[4]));
        Rejected("randomState", () => DropoutKernels.Seed(state.AsSpan(1), 3));
        Rejected("randomState", () => DropoutKernels.Seed(new ulong[5], 3));

        double[] dx = Enumerable.Repeat(42.0, 10).ToArray();
        Assert.Throws<ArgumentException>("mask", () => DropoutKernels.Backward<double>(inputs, mask.AsSpan(1), dx));
        Assert.Throws<ArgumentException>("inputGradients", () => DropoutKernels.Backward<double>(inputs, mask, dx.AsSpan(1)));
        Assert.All(dx, value => Assert.Equal(42.0, value));
    }

    private static void CheckFractionAndScale<T>(double rate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int count = 1 << 18; // 262,144 values
        var random = new Random(17);
        T[] inputs = Enumerable.Range(0, count).Select(_ => T.CreateTruncating(random.NextDouble() * 4 - 2)).ToArray();
        T[] outputs = new T[count], mask = new T[count];
        ulong[] state = new ulong[4];
        DropoutKernels.Seed(state, 2024);
        DropoutKernels.Forward<T>(inputs, outputs, mask, rate, state);

        T scale = T.CreateTruncating(1.0 / (1.0 - rate));
        int dropped = 0;
        for (int i = 0; i < count; i++)
        {
            if (mask[i] == T.Zero)
            {
                dropped++;
                Assert.Equal(inputs[i] * T.Zero, outputs[i]);
            }
            else
            {
                Assert.Equal(scale, mask[i]);
                Assert.Equal(inputs[i] * scale, outputs[i]);
            }
        }

        // Within four standard errors of the rate (none at all for rate 0).
        double fraction = (double)dropped / count, standardError = Math.Sqrt(rate * (1 - rate) / count);
        Assert.True(Math.Abs(fraction - rate) <= 4 * standardError, $"{typeof(T).Name}: dropped {fraction} of the values at rate {rate} (standard error {standardError})");
    }
}
