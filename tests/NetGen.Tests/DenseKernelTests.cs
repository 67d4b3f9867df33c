using System;
using System.Linq;
using System.Runtime.CompilerServices;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests;

/// <summary>The dense-layer kernels against the textbook triple loops, over shapes that hit every block and tail.</summary>
[Collection(KernelThreadsCollection.Name)]
public sealed class DenseKernelTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var shapes = new TheoryData<int, int, int>();
        // Rows: every tail of the 6-row (Vector256) and 8-row (Vector512) tiles, alone and after whole tiles, on both sides
        // of the forward pass's GEMM threshold. Sizes: shorter than a vector, exactly one and two vectors of either width,
        // panels of 16 and 32 columns with and without a tail, reductions longer than one depth block, and reductions of
        // length one (one row for dW, one unit for dX).
        foreach (int rows in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15, 16, 17 })
        {
            foreach ((int inputs, int outputs) in new[] { (5, 3), (8, 4), (13, 9), (16, 16), (24, 5), (33, 17), (37, 11), (64, 10), (100, 7), (300, 40), (20, 270), (37, 1), (1, 31), (31, 33), (65, 32), (32, 65) })
            {
                shapes.Add(rows, inputs, outputs);
            }
        }

        shapes.Add(263, 40, 19); // dW reduces over the rows: more than one depth block

        return shapes;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_kernels_match_the_definitions(int rows, int inputs, int outputs) => Check<float>(rows, inputs, outputs, 1e-5);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_kernels_match_the_definitions(int rows, int inputs, int outputs) => Check<double>(rows, inputs, outputs, 1e-12);

    /// <summary>Products big enough to be split over threads: three parts, so that at least one holds a panel tail.</summary>
    public static TheoryData<int, int, int> SplitShapes() => new() { { 64, 300, 270 }, { 50, 784, 37 }, { 7, 1000, 500 }, { 130, 256, 100 } };

    [Theory]
    [MemberData(nameof(SplitShapes))]
    public void Products_split_over_threads_match_the_definitions(int rows, int inputs, int outputs)
    {
        int threads = KernelThreads.MaxThreads;
        KernelThreads.MaxThreads = 3;
        try
        {
            Assert.True(KernelThreads.PartsFor(2.0 * rows * inputs * outputs, (Math.Min(inputs, outputs) + 15) / 16) > 1, "the shape must be large enough to split");
            Check<float>(rows, inputs, outputs, 1e-5);
            Check<double>(rows, inputs, outputs, 1e-12);
        }
        finally
        {
            KernelThreads.MaxThreads = threads;
        }
    }

    [Fact]
    public void A_split_product_equals_the_serial_one_bit_for_bit()
    {
        // Each element of C is summed by one thread in the same order either way, so threads change nothing but the time.
        var random = new Random(5);
        float[] Random(int n) => Array.ConvertAll(new float[n], _ => (float)(random.NextDouble() * 2 - 1));
        float[] w = Random(270 * 300), b = Random(270), x = Random(64 * 300), dz = Random(64 * 270);
        float[] Run(int threads)
        {
            int saved = KernelThreads.MaxThreads;
            KernelThreads.MaxThreads = threads;
            try
            {
                var z = new float[64 * 270];
                var dw = new float[270 * 300];
                var dx = new float[64 * 300];
                float[] stepped = (float[])w.Clone();
                DenseKernels.Forward<float>(w, b, x, z, 64, 300, 270);
                DenseKernels.AccumulateParameterGradients<float>(dz, x, dw, new float[270], 64, 300, 270);
                DenseKernels.BackpropagateInputs<float>(dz, w, dx, 64, 300, 270);
                DenseKernels.SgdWeightStep<float>(dz, x, stepped, 64, 300, 270, 0.1f, 0.01f, 1f / 64);
                return [.. z, .. dw, .. dx, .. stepped];
            }
            finally
            {
                KernelThreads.MaxThreads = saved;
            }
        }

        Assert.Equal(Run(1), Run(3));
    }

    [Fact]
    public void Every_kernel_rejects_spans_shorter_than_its_shape_before_touching_memory()
    {
        float[] w = new float[12], b = new float[4], x = new float[6], z = new float[8], dz = new float[8], dx = new float[6];
        float[] shortWeights = new float[11];
        Assert.Throws<ArgumentException>("weights", () => DenseKernels.Forward<float>(shortWeights, b, x, z, 2, 3, 4));
        Assert.Throws<ArgumentException>("outputs", () => DenseKernels.Forward<float>(w, b, x, new float[7], 2, 3, 4));
        Assert.Throws<ArgumentException>("weightGradients", () => DenseKernels.AccumulateParameterGradients<float>(dz, x, shortWeights, new float[4], 2, 3, 4));
        Assert.Throws<ArgumentException>("biasGradients", () => DenseKernels.AccumulateBiasGradients<float>(dz, new float[3], 2, 4));
        Assert.Throws<ArgumentException>("inputs", () => DenseKernels.SgdWeightStep<float>(dz, new float[5], w, 2, 3, 4, 0.1f, 0f, 0.5f));
        Assert.Throws<ArgumentException>("inputGradients", () => DenseKernels.BackpropagateInputs<float>(dz, w, new float[5], 2, 3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => DenseKernels.BackpropagateInputs<float>(dz, w, dx, -1, 3, 4));
    }

    [Fact]
    public void Networks_trained_on_several_threads_at_once_get_their_one_thread_results()
    {
        // Only one product at a time can have the workers; the others run on their own thread. Either way each
        // network must end exactly where it ends when trained alone on one thread.
        var random = new Random(4);
        float[] inputs = Array.ConvertAll(new float[64 * 784], _ => (float)random.NextDouble());
        int[] labels = Array.ConvertAll(new int[64], _ => random.Next(10));
        float[] Train()
        {
            var network = new Training.MnistNet();
            for (int step = 0; step < 20; step++)
            {
                network.TrainBatch(inputs, labels);
            }

            return network.Parameters.ToArray();
        }

        int saved = KernelThreads.MaxThreads;
        try
        {
            KernelThreads.MaxThreads = 1;
            float[] alone = Train();
            KernelThreads.MaxThreads = 2;
            var results = new float[4][];
            System.Threading.Tasks.Parallel.For(0, results.Length, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = Train());
            Assert.All(results, result => Assert.Equal(alone, result));
        }
        finally
        {
            KernelThreads.MaxThreads = saved;
        }
    }

    /// <summary>
    /// A product that reduces over one term streams C (Gemm.RankOne) and starts each row from what the caller asked for:
    /// the bias (β = 0 with a bias), nothing (β = 0), C (β = 1) or β·C. Only some of these are reachable from the dense
    /// kernels, so the product is called directly, at column counts below one vector, with and without whole Vector512s
    /// and Vector256s, and with tails.
    /// </summary>
    [Theory]
    [InlineData(0.0, true)]
    [InlineData(0.0, false)]
    [InlineData(1.0, false)]
    [InlineData(0.5, false)]
    public void Products_of_one_term_start_from_the_bias_nothing_C_or_beta_C(double beta, bool withBias)
    {
        foreach (int n in new[] { 1, 7, 21, 33, 65 })
        {
            CheckRankOne<float>(n, beta, withBias, 1e-6);
            CheckRankOne<double>(n, beta, withBias, 1e-14);
        }
    }

    private static void CheckRankOne<T>(int n, double beta, bool withBias, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int m = 5;
        const double alpha = 0.75;
        var random = new Random(9);
        T[] a = Values<T>(random, m), b = Values<T>(random, n), c = Values<T>(random, m * n), bias = Values<T>(random, n);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double start = withBias ? double.CreateTruncating(bias[j]) : beta == 0 ? 0 : beta * double.CreateTruncating(c[i * n + j]);
                expected[i * n + j] = start + alpha * double.CreateTruncating(a[i]) * double.CreateTruncating(b[j]);
            }
        }

        Gemm.Multiply(m, n, 1, ref a[0], 1, 1, ref b[0], n, bTransposed: false, ref c[0], n, T.CreateTruncating(alpha), T.CreateTruncating(beta),
            ref withBias ? ref bias[0] : ref Unsafe.NullRef<T>());

        for (int k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - double.CreateTruncating(c[k])) <= tolerance, $"{typeof(T).Name} C[{k}]: expected {expected[k]}, got {c[k]}");
        }
    }

    private static T[] Values<T>(Random random, int count) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var values = new T[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    [Fact]
    public void The_ReLU_kernel_zeroes_negatives_and_passes_NaN_on()
    {
        // 37 values: whole vectors of every width and a tail.
        float[] z = new float[37], y = new float[37];
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = i % 5 == 0 ? float.NaN : (i - 18) * 0.25f;
        }

        ActivationKernels.ReLU<float>(z, y);

        for (int i = 0; i < z.Length; i++)
        {
            Assert.Equal(float.IsNaN(z[i]) ? float.NaN : Math.Max(z[i], 0f), y[i]);
        }
    }

    [Theory]
    [InlineData(3, 20)]
    [InlineData(7, 40)] // rows and inputs past a whole tile and panel
    public void Empty_reductions_still_write_their_result(int rows, int inputs)
    {
        // dX = dZ·W of a layer without units is all zeros, whatever dX held before.
        float[] dx = Array.ConvertAll(new float[rows * inputs], _ => float.NaN);
        DenseKernels.BackpropagateInputs<float>([], [], dx, rows, inputs, 0);
        Assert.All(dx, value => Assert.Equal(0f, value));

        // An SGD step over no samples has a zero gradient, so only the weight decay acts: W ← (1 − αλ)·W.
        float[] weights = Array.ConvertAll(new float[7 * inputs], _ => 2f);
        DenseKernels.SgdWeightStep<float>([], [], weights, 0, inputs, 7, 0.5f, 0.1f, 1f);
        Assert.All(weights, value => Assert.Equal(2f * (1 - 0.5f * 0.1f), value));

        // Z = X·Wᵀ + b with no inputs is the bias in every row.
        float[] z = new float[rows * 5];
        DenseKernels.Forward<float>([], [1, 2, 3, 4, 5], [], z, rows, 0, 5);
        Assert.Equal(Enumerable.Repeat(new float[] { 1, 2, 3, 4, 5 }, rows).SelectMany(row => row), z);
    }

    [Theory]
    [InlineData(37, 0.0)]
    [InlineData(37, 0.1)]
    [InlineData(784, 0.0)]
    [InlineData(784, 0.1)]
    public void A_single_samples_weight_step_gives_the_same_bits_wherever_the_weights_start(int inputs, double weightDecay)
    {
        AssertSameStepAtEveryOffset<float>(inputs, weightDecay, 1e-6);
        AssertSameStepAtEveryOffset<double>(inputs, weightDecay, 1e-14);
    }

    /// <summary>
    /// W ← (1 − αλ)·W − α·s·dzᵀx for one sample, with W starting at each element offset of two cache lines, so that
    /// every offset from the 64-byte boundaries that the Vector512 stream aligns to is reached: the result matches the
    /// formula in double and is the same, bit for bit, at every offset.
    /// </summary>
    private static void AssertSameStepAtEveryOffset<T>(int inputs, double weightDecay, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int units = 3;
        var random = new Random(inputs);
        T[] Random(int n) => Array.ConvertAll(new T[n], _ => T.CreateTruncating(random.NextDouble() * 2 - 1));
        T[] w = Random(units * inputs), dz = Random(units), x = Random(inputs);
        T rate = T.CreateTruncating(0.5), decay = T.CreateTruncating(weightDecay), scale = T.CreateTruncating(0.25);
        T[]? first = null;
        int offsets = 128 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (int offset = 0; offset < offsets; offset++)
        {
            var buffer = new T[offset + w.Length];
            Span<T> weights = buffer.AsSpan(offset, w.Length);
            w.CopyTo(weights);
            DenseKernels.SgdWeightStep<T>(dz, x, weights, 1, inputs, units, rate, decay, scale);
            T[] result = weights.ToArray();
            first ??= result;
            Assert.True(first.AsSpan().SequenceEqual(result), $"{typeof(T).Name}, {inputs} inputs: the step at offset {offset} differs from the step at offset 0");
            for (int o = 0; o < units; o++)
            {
                for (int i = 0; i < inputs; i++)
                {
                    double start = double.CreateTruncating(w[o * inputs + i]);
                    double expected = (1 - 0.5 * weightDecay) * start - 0.5 * 0.25 * double.CreateTruncating(dz[o]) * double.CreateTruncating(x[i]);
                    Assert.Equal(expected, double.CreateTruncating(result[o * inputs + i]), tolerance);
                }
            }
        }
    }

    [Fact]
    public void MaxThreads_rejects_less_than_one_thread()
        => Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.MaxThreads = 0);

    private static void Check<T>(int rows, int inputs, int outputs, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(rows * 1000 + inputs * 10 + outputs);
        T[] Random(int n) => Array.ConvertAll(new T[n], _ => T.CreateTruncating(random.NextDouble() * 2 - 1));
        T[] w = Random(outputs * inputs), b = Random(outputs), x = Random(rows * inputs), dz = Random(rows * outputs);
        T[] dwStart = Random(outputs * inputs), dbStart = Random(outputs);

        var z = new T[rows * outputs];
        DenseKernels.Forward<T>(w, b, x, z, rows, inputs, outputs);
        T[] dw = (T[])dwStart.Clone(), db = (T[])dbStart.Clone();
        DenseKernels.AccumulateParameterGradients<T>(dz, x, dw, db, rows, inputs, outputs);
        var dx = Random(rows * inputs); // overwritten, not accumulated
        DenseKernels.BackpropagateInputs<T>(dz, w, dx, rows, inputs, outputs);

        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double expected = double.CreateTruncating(b[o]);
                for (int k = 0; k < inputs; k++)
                {
                    expected += double.CreateTruncating(x[r * inputs + k]) * double.CreateTruncating(w[o * inputs + k]);
                }

                Assert.Equal(expected, double.CreateTruncating(z[r * outputs + o]), tolerance * inputs);
            }

            for (int k = 0; k < inputs; k++)
            {
                double expected = 0;
                for (int o = 0; o < outputs; o++)
                {
                    expected += double.CreateTruncating(dz[r * outputs + o]) * double.CreateTruncating(w[o * inputs + k]);
                }

                Assert.Equal(expected, double.CreateTruncating(dx[r * inputs + k]), tolerance * outputs);
            }
        }

        for (int o = 0; o < outputs; o++)
        {
            double expectedBias = double.CreateTruncating(dbStart[o]);
            for (int r = 0; r < rows; r++)
            {
                expectedBias += double.CreateTruncating(dz[r * outputs + o]);
            }

            Assert.Equal(expectedBias, double.CreateTruncating(db[o]), tolerance * rows);
            for (int k = 0; k < inputs; k++)
            {
                double expected = double.CreateTruncating(dwStart[o * inputs + k]);
                for (int r = 0; r < rows; r++)
                {
                    expected += double.CreateTruncating(dz[r * outputs + o]) * double.CreateTruncating(x[r * inputs + k]);
                }

                Assert.Equal(expected, double.CreateTruncating(dw[o * inputs + k]), tolerance * rows);
            }
        }

        // The fused SGD step, with weight decay: W ← W − α·(s·dZᵀX + λW).
        const double rate = 0.3, decay = 0.01;
        double scale = 1.0 / rows;
        T[] stepped = (T[])w.Clone();
        DenseKernels.SgdWeightStep<T>(dz, x, stepped, rows, inputs, outputs, T.CreateTruncating(rate), T.CreateTruncating(decay), T.CreateTruncating(scale));
        for (int o = 0; o < outputs; o++)
        {
            for (int k = 0; k < inputs; k++)
            {
                double gradient = 0;
                for (int r = 0; r < rows; r++)
                {
                    gradient += double.CreateTruncating(dz[r * outputs + o]) * double.CreateTruncating(x[r * inputs + k]);
                }

                double weight = double.CreateTruncating(w[o * inputs + k]);
                Assert.Equal(weight - rate * (scale * gradient + decay * weight), double.CreateTruncating(stepped[o * inputs + k]), tolerance);
            }
        }
    }
}
