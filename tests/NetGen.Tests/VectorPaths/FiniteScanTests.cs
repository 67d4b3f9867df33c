using System;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.VectorPaths;

/// <summary>
/// The finiteness scan of the step guard and the training-data checks, against T.IsFinite element by element, on the
/// path this process runs (InstructionSetTests reruns this class on every other path). The lengths reach each part
/// of the scan: shorter than any vector, exactly one vector of each width, the four-chain loop, the single-vector
/// loop after it, and the scalar tail; a non-finite value is put at every position of each.
/// </summary>
public sealed class FiniteScanTests
{
    public static TheoryData<int> Lengths() => new() { 0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Finite_spans_pass_whatever_their_magnitude_and_sign(int length)
    {
        float[] floats = new float[length];
        double[] doubles = new double[length];
        float[] floatExtremes = { 0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, -float.MaxValue, 1e-30f, -3.5f };
        double[] doubleExtremes = { 0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, -double.MaxValue, 1e-300, -3.5 };
        for (int i = 0; i < length; i++)
        {
            floats[i] = floatExtremes[i % floatExtremes.Length];
            doubles[i] = doubleExtremes[i % doubleExtremes.Length];
        }

        Assert.True(FiniteScan.All<float>(floats));
        Assert.True(FiniteScan.All<double>(doubles));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void One_NaN_or_infinity_anywhere_fails_the_scan(int length)
    {
        var random = new Random(length);
        float[] floats = new float[length];
        double[] doubles = new double[length];
        for (int i = 0; i < length; i++)
        {
            floats[i] = (float)(random.NextDouble() * 2e6 - 1e6);
            doubles[i] = random.NextDouble() * 2e100 - 1e100;
        }

        for (int position = 0; position < length; position++)
        {
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                float kept = floats[position];
                floats[position] = bad;
                Assert.False(FiniteScan.All<float>(floats), $"float {bad} at {position} of {length}");
                floats[position] = kept;
            }

            foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            {
                double kept = doubles[position];
                doubles[position] = bad;
                Assert.False(FiniteScan.All<double>(doubles), $"double {bad} at {position} of {length}");
                doubles[position] = kept;
            }
        }

        Assert.True(FiniteScan.All<float>(floats));
        Assert.True(FiniteScan.All<double>(doubles));
    }

    [Fact]
    public void The_scan_reads_only_its_span()
    {
        // A NaN just past the span's end, and one just before its start, in the same array: neither is read.
        double[] values = new double[70];
        values[0] = double.NaN;
        values[69] = double.NaN;
        for (int length = 0; length <= 68; length++)
        {
            Assert.True(FiniteScan.All(new ReadOnlySpan<double>(values, 1, length)), $"length {length}");
        }
    }
}
