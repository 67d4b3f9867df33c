using System;
using System.Numerics;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// The pooling kernels against nn.MaxPool2d / nn.AvgPool2d written out as nested loops (no padding, floor output sizes),
/// with ties, NaN, and pools that overlap, leave inputs out, or do not divide the input.
/// </summary>
[Collection(KernelThreadsCollection.Name)]
public sealed class PoolingKernelTests
{
    public static TheoryData<int, PoolingGeometry> Geometries()
    {
        var geometries = new TheoryData<int, PoolingGeometry>();
        PoolingGeometry[] shapes =
        [
            new(3, 7, 9, 2, 2, 2),   // does not divide: the last row and column are left out
            new(3, 7, 9, 3, 3, 2),   // overlapping windows
            new(2, 7, 9, 2, 2, 3),   // gaps between windows
            new(2, 5, 6, 3, 2, 1),
            new(2, 4, 4, 1, 1, 1),
            new(6, 28, 28, 2, 2, 2), // LeNet's first pool
            new(4, 4, 4, 4, 4, 4),   // one window over the whole plane
            // 1-D: height and pool height 1.
            new(3, 1, 11, 1, 2, 2),
            new(2, 1, 10, 1, 3, 2),
            new(1, 1, 7, 1, 7, 1),
        ];
        foreach (PoolingGeometry shape in shapes)
        {
            foreach (int rows in new[] { 1, 3 })
            {
                geometries.Add(rows, shape);
            }
        }

        return geometries;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Max_pooling_matches_the_definition(int rows, PoolingGeometry geometry)
    {
        CheckMaxPool<double>(rows, geometry, ties: false);
        CheckMaxPool<float>(rows, geometry, ties: false);
    }

    /// <summary>Inputs drawn from {0, 1, 2} tie in almost every window: the first maximum in row-major order must win.</summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void Max_pooling_sends_ties_to_the_first_maximum(int rows, PoolingGeometry geometry)
    {
        CheckMaxPool<double>(rows, geometry, ties: true);
        CheckMaxPool<float>(rows, geometry, ties: true);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Average_pooling_matches_the_definition(int rows, PoolingGeometry geometry)
    {
        CheckAvgPool<double>(rows, geometry, 1e-15);
        CheckAvgPool<float>(rows, geometry, 1e-6);
    }

    [Fact]
    public void Max_pooling_picks_the_first_of_equal_maxima_in_a_hand_worked_case()
    {
        // One channel, 2×4, 2×2 windows with stride 2:
        //   1 3 | 3 0
        //   3 2 | 1 3
        // Left window: 3 at (0, 1) first, index 1. Right window: 3 at (0, 2), index 2, before the 3 at (1, 3).
        var geometry = new PoolingGeometry(1, 2, 4, 2, 2, 2);
        double[] y = new double[2];
        int[] argmax = new int[2];
        PoolingKernels.MaxPoolForward<double>([1, 3, 3, 0, 3, 2, 1, 3], y, argmax, 1, geometry);
        Assert.Equal([3.0, 3.0], y);
        Assert.Equal([1, 2], argmax);

        double[] dx = new double[8];
        PoolingKernels.MaxPoolBackward<double>([10, 20], argmax, dx, 1, geometry);
        Assert.Equal([0.0, 10, 20, 0, 0, 0, 0, 0], dx);
    }

    [Fact]
    public void A_NaN_in_a_window_makes_its_maximum_NaN_at_the_first_NaN()
    {
        // 1×2×6, 2×2 windows: the first holds a NaN after a larger number, the second two NaNs, the third none.
        var geometry = new PoolingGeometry(1, 2, 6, 2, 2, 2);
        double nan = double.NaN;
        double[] x = [5, 1, 0, nan, -1, -2,
                      nan, 2, nan, 3, -3, -4];
        double[] y = new double[3];
        int[] argmax = new int[3];
        PoolingKernels.MaxPoolForward<double>(x, y, argmax, 1, geometry);
        Assert.True(double.IsNaN(y[0]) && double.IsNaN(y[1]), $"expected NaN, NaN, got {y[0]}, {y[1]}");
        Assert.Equal(-1.0, y[2]);
        Assert.Equal([6, 3, 4], argmax);

        float[] yFloat = new float[3];
        PoolingKernels.MaxPoolForward<float>(Array.ConvertAll(x, v => (float)v), yFloat, argmax, 1, geometry);
        Assert.True(float.IsNaN(yFloat[0]) && float.IsNaN(yFloat[1]) && yFloat[2] == -1f);
        Assert.Equal([6, 3, 4], argmax);
    }

    [Fact]
    public void The_maximum_is_the_value_at_its_index_even_for_zeros_of_both_signs()
    {
        // −0 and +0 are equal, so the first one is the maximum, and the output is exactly it, sign included.
        var geometry = new PoolingGeometry(1, 1, 4, 1, 2, 2);
        double[] y = new double[2];
        int[] argmax = new int[2];
        PoolingKernels.MaxPoolForward<double>([-0.0, 0.0, 0.0, -0.0], y, argmax, 1, geometry);
        Assert.Equal([0, 2], argmax);
        Assert.True(double.IsNegative(y[0]) && !double.IsNegative(y[1]), $"expected −0 and +0, got {y[0]:R} and {y[1]:R}");
    }

    /// <summary>
    /// The float 2×2, stride-2 vector path (eight input columns per vector, then scalar columns) on values drawn from
    /// {NaN, −0, +0, 1, 2}, so that most windows tie or hold NaNs: every output is the first maximum of its window in
    /// row-major order, NaN counting as the largest and the first NaN winning, bit for bit. On the scalar paths
    /// (NETGEN_VECTOR_WIDTH 128 and 0) the same check covers the scalar window.
    /// </summary>
    [Theory]
    [InlineData(1, 6, 21, 3)]
    [InlineData(3, 28, 28, 3)]
    [InlineData(2, 9, 8, 3)]
    [InlineData(2, 4, 17, 3)]
    [InlineData(6, 28, 28, 32)] // enough inputs to split the samples between two threads
    public void Max_pooling_2x2_in_float_sends_ties_and_NaNs_to_the_first_in_window_order(int channels, int height, int width, int rows)
    {
        var geometry = new PoolingGeometry(channels, height, width, 2, 2, 2);
        var random = new Random(height * 31 + width);
        float[] values = [float.NaN, -0f, 0f, 1f, 2f];
        float[] x = new float[rows * geometry.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = values[random.Next(values.Length)];
        }

        float[] y = new float[rows * geometry.OutputSize];
        int[] argmax = new int[y.Length];
        KernelThreadsCollection.WithMaxThreads(2, () => PoolingKernels.MaxPoolForward<float>(x, y, argmax, rows, geometry));

        int output = 0;
        for (int row = 0; row < rows; row++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int oh = 0; oh < geometry.OutputHeight; oh++)
                {
                    for (int ow = 0; ow < geometry.OutputWidth; ow++, output++)
                    {
                        // The window in row-major order; the first NaN, else the first of the largest values.
                        int[] window = [0, 1, width, width + 1];
                        int corner = c * height * width + 2 * oh * width + 2 * ow, expected = corner;
                        foreach (int offset in window)
                        {
                            float value = x[row * geometry.InputSize + corner + offset], best = x[row * geometry.InputSize + expected];
                            if (!float.IsNaN(best) && (float.IsNaN(value) || value > best))
                            {
                                expected = corner + offset;
                            }
                        }

                        Assert.Equal(expected, argmax[output]);
                        Assert.Equal(BitConverter.SingleToInt32Bits(x[row * geometry.InputSize + expected]), BitConverter.SingleToInt32Bits(y[output]));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The float 2×2, stride-2 backward path, which writes dX densely instead of clearing and scattering, against the
    /// scatter written out here: every input, including a last row or column no window covers, gets exactly the sum of
    /// the gradients whose argmax it is (dX starts as NaN, so an input left unwritten shows). Argmax that does not lie in
    /// its own window (any in-range index is accepted) takes the scatter as well. On the scalar paths the same check
    /// covers the general loop.
    /// </summary>
    [Theory]
    [InlineData(1, 6, 21, 3, false)]
    [InlineData(3, 28, 28, 3, false)]
    [InlineData(2, 9, 8, 3, false)]
    [InlineData(2, 7, 9, 3, false)]
    [InlineData(16, 10, 10, 3, false)]
    [InlineData(2, 7, 9, 3, true)]
    [InlineData(6, 28, 28, 32, false)] // split between two threads
    [InlineData(6, 28, 28, 32, true)]  // a foreign index in the second thread's part
    public void Max_pooling_2x2_gradients_in_float_go_to_each_windows_argmax_and_nowhere_else(int channels, int height, int width, int rows, bool foreignIndices)
    {
        var geometry = new PoolingGeometry(channels, height, width, 2, 2, 2);
        var random = new Random(height * 17 + width);
        float[] x = new float[rows * geometry.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.Next(3); // ties, so argmax depends on the first-maximum rule
        }

        float[] dy = new float[rows * geometry.OutputSize];
        for (int i = 0; i < dy.Length; i++)
        {
            dy[i] = i % 7 == 0 ? -0f : (float)(random.NextDouble() * 2 - 1); // −0 too: both paths give +0 for it
        }

        int[] argmax = new int[dy.Length];
        PoolingKernels.MaxPoolForward<float>(x, new float[dy.Length], argmax, rows, geometry);
        if (foreignIndices)
        {
            argmax[^1] = 0; // the first input of the last sample: in range, outside the last window
        }

        float[] expected = new float[x.Length];
        for (int row = 0; row < rows; row++)
        {
            for (int output = 0; output < geometry.OutputSize; output++)
            {
                expected[row * geometry.InputSize + argmax[row * geometry.OutputSize + output]] += dy[row * geometry.OutputSize + output];
            }
        }

        float[] dx = new float[x.Length];
        Array.Fill(dx, float.NaN);
        KernelThreadsCollection.WithMaxThreads(2, () => PoolingKernels.MaxPoolBackward<float>(dy, argmax, dx, rows, geometry));
        Assert.Equal(Array.ConvertAll(expected, BitConverter.SingleToInt32Bits), Array.ConvertAll(dx, BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void A_NaN_makes_only_its_own_windows_average_NaN()
    {
        var geometry = new PoolingGeometry(1, 2, 4, 2, 2, 2);
        double[] y = new double[2];
        PoolingKernels.AvgPoolForward<double>([1, double.NaN, 1, 2, 3, 4, 5, 6], y, 1, geometry);
        Assert.True(double.IsNaN(y[0]));
        Assert.Equal((1 + 2 + 5 + 6) / 4.0, y[1]);
    }

    /// <summary>Average pooling is linear, so central differences of ⟨Y, R⟩ are its gradient up to rounding.</summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void Average_pooling_gradients_equal_central_differences(int rows, PoolingGeometry geometry)
    {
        var random = new Random(21);
        double[] x = Values(random, rows * geometry.InputSize), r = Values(random, rows * geometry.OutputSize), dx = new double[x.Length];
        PoolingKernels.AvgPoolBackward<double>(r, dx, rows, geometry);
        AssertCentralDifferences(x, dx, () =>
        {
            var y = new double[r.Length];
            PoolingKernels.AvgPoolForward<double>(x, y, rows, geometry);
            return Dot(y, r);
        });
    }

    /// <summary>With distinct inputs every maximum is unique, ⟨Y, R⟩ is differentiable, and its slope is R at each window's maximum.</summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void Max_pooling_gradients_equal_central_differences(int rows, PoolingGeometry geometry)
    {
        var random = new Random(22);
        double[] x = Values(random, rows * geometry.InputSize), r = Values(random, rows * geometry.OutputSize), dx = new double[x.Length];
        var argmax = new int[r.Length];
        PoolingKernels.MaxPoolForward<double>(x, new double[r.Length], argmax, rows, geometry);
        PoolingKernels.MaxPoolBackward<double>(r, argmax, dx, rows, geometry);
        AssertCentralDifferences(x, dx, () =>
        {
            var y = new double[r.Length];
            PoolingKernels.MaxPoolForward<double>(x, y, new int[r.Length], rows, geometry);
            return Dot(y, r);
        });
    }

    [Fact]
    public void The_geometry_computes_PyTorchs_floor_output_sizes()
    {
        // nn.MaxPool2d(3, stride=2) on 7×9: floor((7 − 3) / 2) + 1 = 3, floor((9 − 3) / 2) + 1 = 4.
        var geometry = new PoolingGeometry(3, 7, 9, 3, 3, 2);
        Assert.Equal((3, 4, 189, 36), (geometry.OutputHeight, geometry.OutputWidth, geometry.InputSize, geometry.OutputSize));
    }

    [Fact]
    public void No_rows_touch_nothing()
    {
        var geometry = new PoolingGeometry(3, 7, 9, 2, 2, 2);
        PoolingKernels.MaxPoolForward<double>([], [], [], 0, geometry);
        PoolingKernels.MaxPoolBackward<double>([], [], [], 0, geometry);
        PoolingKernels.AvgPoolForward<double>([], [], 0, geometry);
        PoolingKernels.AvgPoolBackward<double>([], [], 0, geometry);
    }

    [Fact]
    public void Every_kernel_rejects_short_spans_and_bad_indices_before_touching_memory()
    {
        var geometry = new PoolingGeometry(2, 4, 5, 2, 2, 2);
        int rows = 2;
        double[] x = new double[rows * geometry.InputSize], y = new double[rows * geometry.OutputSize], dx = new double[x.Length];
        int[] argmax = new int[y.Length];
        Array.Fill(y, 7.0);
        Array.Fill(dx, 7.0);
        Array.Fill(argmax, 7);

        Assert.Throws<ArgumentException>("inputs", () => PoolingKernels.MaxPoolForward<double>(x.AsSpan(1), y, argmax, rows, geometry));
        Assert.Throws<ArgumentException>("outputs", () => PoolingKernels.MaxPoolForward<double>(x, y.AsSpan(1), argmax, rows, geometry));
        Assert.Throws<ArgumentException>("argmax", () => PoolingKernels.MaxPoolForward<double>(x, y, argmax.AsSpan(1), rows, geometry));
        Assert.Throws<ArgumentException>("outputGradients", () => PoolingKernels.MaxPoolBackward<double>(y.AsSpan(1), argmax, dx, rows, geometry));
        Assert.Throws<ArgumentException>("argmax", () => PoolingKernels.MaxPoolBackward<double>(y, argmax.AsSpan(1), dx, rows, geometry));
        Assert.Throws<ArgumentException>("inputGradients", () => PoolingKernels.MaxPoolBackward<double>(y, argmax, dx.AsSpan(1), rows, geometry));
        Assert.Throws<ArgumentException>("inputs", () => PoolingKernels.AvgPoolForward<double>(x.AsSpan(1), y, rows, geometry));
        Assert.Throws<ArgumentException>("outputs", () => PoolingKernels.AvgPoolForward<double>(x, y.AsSpan(1), rows, geometry));
        Assert.Throws<ArgumentException>("outputGradients", () => PoolingKernels.AvgPoolBackward<double>(y.AsSpan(1), dx, rows, geometry));
        Assert.Throws<ArgumentException>("inputGradients", () => PoolingKernels.AvgPoolBackward<double>(y, dx.AsSpan(1), rows, geometry));
        Assert.Throws<ArgumentOutOfRangeException>(() => PoolingKernels.AvgPoolForward<double>(x, y, -1, geometry));

        int[] outside = (int[])argmax.Clone();
        outside[^1] = geometry.InputSize;
        Assert.Throws<ArgumentException>("argmax", () => PoolingKernels.MaxPoolBackward<double>(y, outside, dx, rows, geometry));
        outside[^1] = -1;
        Assert.Throws<ArgumentException>("argmax", () => PoolingKernels.MaxPoolBackward<double>(y, outside, dx, rows, geometry));

        Assert.All(y, value => Assert.Equal(7.0, value));
        Assert.All(dx, value => Assert.Equal(7.0, value));
        Assert.All(argmax, value => Assert.Equal(7, value));
    }

    public static TheoryData<PoolingGeometry> InvalidGeometries() => new()
    {
        new(0, 4, 4, 2, 2, 2),
        new(1, 0, 4, 1, 2, 2),
        new(1, 4, 4, 0, 2, 2),
        new(1, 4, 4, 2, 2, 0),
        new(1, 4, 4, 5, 2, 2),   // a pool taller than the input
        new(1, 1, 4, 1, 5, 1),   // a pool wider than the input
        new(60_000, 60_000, 1, 1, 1, 1),
    };

    [Theory]
    [MemberData(nameof(InvalidGeometries))]
    public void Invalid_geometries_are_rejected(PoolingGeometry geometry)
    {
        double[] y = [7.0];
        Assert.Throws<ArgumentException>("geometry", () => PoolingKernels.AvgPoolForward<double>([], y, 1, geometry));
        Assert.Throws<ArgumentException>("geometry", () => PoolingKernels.MaxPoolForward<double>([], y, new int[1], 1, geometry));
        Assert.Equal(7.0, y[0]);
    }

    private static void CheckMaxPool<T>(int rows, PoolingGeometry g, bool ties) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(Seed(rows, g) + (ties ? 1 : 0));
        double[] x = ties ? Array.ConvertAll(new double[rows * g.InputSize], _ => (double)random.Next(3)) : Values(random, rows * g.InputSize);
        double[] dy = Values(random, rows * g.OutputSize);
        T[] y = Filled(rows * g.OutputSize, T.NaN), dx = Filled(rows * g.InputSize, T.NaN);
        int[] argmax = Filled(rows * g.OutputSize, -5);
        PoolingKernels.MaxPoolForward<T>(Cast<T>(x), y, argmax, rows, g);
        PoolingKernels.MaxPoolBackward<T>(Cast<T>(dy), argmax, dx, rows, g);

        // The reference: scan each window in row-major order and keep the first strictly largest value.
        int oh = (g.Height - g.PoolHeight) / g.Stride + 1, ow = (g.Width - g.PoolWidth) / g.Stride + 1;
        var expectedDx = new double[x.Length];
        for (int n = 0; n < rows; n++)
        for (int c = 0; c < g.Channels; c++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int output = ((n * g.Channels + c) * oh + i) * ow + j, best = -1;
            double max = double.NegativeInfinity;
            for (int a = 0; a < g.PoolHeight; a++)
            for (int b = 0; b < g.PoolWidth; b++)
            {
                int index = (c * g.Height + i * g.Stride + a) * g.Width + j * g.Stride + b;
                if (best < 0 || x[n * g.InputSize + index] > max)
                {
                    max = x[n * g.InputSize + index];
                    best = index;
                }
            }

            Assert.Equal(best, argmax[output]);
            Assert.Equal(max, double.CreateTruncating(y[output]), 1e-7);
            expectedDx[n * g.InputSize + best] += double.CreateTruncating(T.CreateTruncating(dy[output]));
        }

        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(expectedDx[i], double.CreateTruncating(dx[i]), 1e-6);
        }
    }

    private static void CheckAvgPool<T>(int rows, PoolingGeometry g, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(Seed(rows, g) + 2);
        double[] x = Values(random, rows * g.InputSize), dy = Values(random, rows * g.OutputSize);
        T[] y = Filled(rows * g.OutputSize, T.NaN), dx = Filled(rows * g.InputSize, T.NaN);
        PoolingKernels.AvgPoolForward<T>(Cast<T>(x), y, rows, g);
        PoolingKernels.AvgPoolBackward<T>(Cast<T>(dy), dx, rows, g);

        int oh = (g.Height - g.PoolHeight) / g.Stride + 1, ow = (g.Width - g.PoolWidth) / g.Stride + 1, count = g.PoolHeight * g.PoolWidth;
        var expectedDx = new double[x.Length];
        for (int n = 0; n < rows; n++)
        for (int c = 0; c < g.Channels; c++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int output = ((n * g.Channels + c) * oh + i) * ow + j;
            double sum = 0;
            for (int a = 0; a < g.PoolHeight; a++)
            for (int b = 0; b < g.PoolWidth; b++)
            {
                int index = n * g.InputSize + (c * g.Height + i * g.Stride + a) * g.Width + j * g.Stride + b;
                sum += double.CreateTruncating(T.CreateTruncating(x[index]));
                expectedDx[index] += double.CreateTruncating(T.CreateTruncating(dy[output])) / count;
            }

            Assert.True(Math.Abs(sum / count - double.CreateTruncating(y[output])) <= tolerance, $"{typeof(T).Name} y[{output}]: expected {sum / count}, got {y[output]}");
        }

        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(expectedDx[i] - double.CreateTruncating(dx[i])) <= tolerance * 4, $"{typeof(T).Name} dx[{i}]: expected {expectedDx[i]}, got {dx[i]}");
        }
    }

    private static void AssertCentralDifferences(double[] x, double[] gradient, Func<double> objective)
    {
        const double step = 1e-6;
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + step;
            double up = objective();
            x[i] = saved - step;
            double down = objective();
            x[i] = saved;
            double difference = (up - down) / (2 * step);
            Assert.True(Math.Abs(difference - gradient[i]) <= 1e-6 * Math.Max(1, Math.Abs(difference)), $"dX[{i}]: central difference {difference}, kernel {gradient[i]}");
        }
    }

    private static int Seed(int rows, PoolingGeometry g) => ((rows * 131 + g.InputSize) * 131 + g.OutputSize) * 131 + g.PoolHeight * 7 + g.PoolWidth + g.Stride * 13;

    private static double[] Values(Random random, int count) => Array.ConvertAll(new double[count], _ => random.NextDouble() * 2 - 1);

    private static double Dot(double[] x, double[] y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    private static T[] Cast<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T> => Array.ConvertAll(values, T.CreateTruncating);

    private static T[] Filled<T>(int count, T value)
    {
        var values = new T[count];
        Array.Fill(values, value);
        return values;
    }
}
