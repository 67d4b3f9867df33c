using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// The convolution kernels against nn.Conv2d's definition written out as nested loops over doubles (a cross-correlation
/// with zero padding), and the two backward products also against central finite differences of ⟨Z, R⟩.
/// </summary>
[Collection(KernelThreadsCollection.Name)]
public sealed class ConvolutionKernelTests
{
    /// <summary>
    /// 2-D and 1-D geometries: odd sizes, kernels of 1, 2, 3 and 5, strides 1 and 2, padding 0 to 2 (also padding wider
    /// than the kernel reaches, so that whole rows of windows read only zeros), one filter and several, and LeNet's two
    /// layers, whose products have more than one depth block and panels with tails.
    /// </summary>
    public static TheoryData<int, ConvolutionGeometry> Geometries()
    {
        var geometries = new TheoryData<int, ConvolutionGeometry>();
        ConvolutionGeometry[] shapes =
        [
            new(3, 7, 9, 4, 3, 3, 1, 1, 1),
            new(3, 7, 9, 1, 3, 3, 2, 0, 0),
            new(3, 7, 9, 5, 2, 2, 1, 0, 0),
            new(3, 7, 9, 5, 2, 2, 2, 2, 2),
            new(3, 7, 9, 2, 1, 1, 1, 0, 0),
            new(3, 7, 9, 3, 1, 1, 2, 1, 2),
            new(2, 5, 6, 3, 3, 2, 2, 2, 1),
            new(1, 4, 4, 7, 3, 3, 1, 2, 2),
            new(1, 28, 28, 6, 5, 5, 1, 2, 2),
            new(6, 14, 14, 16, 5, 5, 1, 0, 0),
            // Along the filters (DirectConvolution.RunsAlongFilters, ForwardRunsAlongFilters): 24 filters in a vector
            // and a part (512-bit float), 9 kernel rows (one left unpaired), kernel rows of 6, and rows of 28 outputs
            // (tiles of 12, 12 and 4).
            new(3, 9, 9, 24, 3, 3, 1, 1, 1),
            new(2, 8, 10, 16, 2, 6, 1, 0, 0),
            new(4, 1, 30, 16, 1, 3, 1, 0, 0),
            // 1-D: height, kernel height and padding along the height are 1, 1 and 0.
            new(3, 1, 11, 4, 1, 3, 1, 0, 1),
            new(2, 1, 9, 1, 1, 2, 2, 0, 2),
            new(1, 1, 7, 3, 1, 1, 1, 0, 0),
            new(8, 1, 128, 16, 1, 5, 1, 0, 2),
        ];
        foreach (ConvolutionGeometry shape in shapes)
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
    public void Double_forward_matches_the_definition(int rows, ConvolutionGeometry geometry) => CheckForward<double>(rows, geometry, 1e-12);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Float_forward_matches_the_definition(int rows, ConvolutionGeometry geometry) => CheckForward<float>(rows, geometry, 1e-5);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Double_parameter_gradients_match_the_definition(int rows, ConvolutionGeometry geometry) => CheckParameterGradients<double>(rows, geometry, 1e-12);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Float_parameter_gradients_match_the_definition(int rows, ConvolutionGeometry geometry) => CheckParameterGradients<float>(rows, geometry, 1e-5);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Double_input_gradients_match_the_definition(int rows, ConvolutionGeometry geometry) => CheckInputGradients<double>(rows, geometry, 1e-12);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Float_input_gradients_match_the_definition(int rows, ConvolutionGeometry geometry) => CheckInputGradients<float>(rows, geometry, 1e-5);

    /// <summary>
    /// Where 512-bit vectors run, the direct kernel uses them, so its 256-bit tiles are checked in a child run of these
    /// tests with 512-bit vectors switched off (without Vector512 this run already uses the 256-bit tiles).
    /// </summary>
    [Fact]
    public async Task The_kernels_match_the_definition_with_512_bit_vectors_switched_off()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return;
        }

        await ChildTestRun.RequirePassesAsync(
            "FullyQualifiedName~NetGen.Tests.ConvolutionKernelTests&FullyQualifiedName!~switched_off",
            new Dictionary<string, string> { ["DOTNET_PreferredVectorBitWidth"] = "256" }, minimumPassed: 200, TimeSpan.FromMinutes(5), "DOTNET_PreferredVectorBitWidth=256");
    }

    /// <summary>Products large enough for Gemm to split over threads give the same numbers.</summary>
    [Fact]
    public void Products_split_over_threads_match_the_definition()
    {
        var geometry = new ConvolutionGeometry(8, 32, 32, 32, 3, 3, 1, 1, 1);
        Assert.True(KernelThreads.PartsFor(2.0 * geometry.Filters * geometry.WindowSize * geometry.OutputPositions, 4) > 1, "the product must be large enough to split");
        int saved = KernelThreads.MaxThreads;
        KernelThreads.MaxThreads = 3;
        try
        {
            CheckForward<double>(2, geometry, 1e-12);
            CheckParameterGradients<double>(2, geometry, 1e-12);
            CheckInputGradients<double>(2, geometry, 1e-12);
        }
        finally
        {
            KernelThreads.MaxThreads = saved;
        }
    }

    /// <summary>
    /// ⟨Z, R⟩ is linear in W and b, so its central differences are its gradient up to rounding: an independent check that
    /// the parameter gradient kernel computes ∂⟨Z, R⟩/∂W from the forward kernel's own convolution.
    /// </summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void Parameter_gradients_equal_central_differences_of_the_forward_pass(int rows, ConvolutionGeometry geometry)
    {
        var random = new Random(11);
        double[] w = Values(random, geometry.WeightCount), b = Values(random, geometry.Filters);
        double[] x = Values(random, rows * geometry.InputSize), r = Values(random, rows * geometry.OutputSize);
        double[] scratch = new double[geometry.ScratchLength(rows)], dw = new double[w.Length], db = new double[b.Length];
        ConvolutionKernels.AccumulateParameterGradients<double>(r, x, dw, db, rows, geometry, scratch);

        double Objective()
        {
            var z = new double[rows * geometry.OutputSize];
            ConvolutionKernels.Forward<double>(w, b, x, z, rows, geometry, scratch);
            return Dot(z, r);
        }

        AssertCentralDifferences(w, dw, Objective, "dW");
        AssertCentralDifferences(b, db, Objective, "db");
    }

    /// <summary>The input gradient is the adjoint of the convolution: its central differences, and ⟨conv(X) − b, R⟩ = ⟨X, convᵀ(R)⟩.</summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void Input_gradients_are_the_adjoint_of_the_forward_pass(int rows, ConvolutionGeometry geometry)
    {
        var random = new Random(12);
        double[] w = Values(random, geometry.WeightCount), b = new double[geometry.Filters];
        double[] x = Values(random, rows * geometry.InputSize), r = Values(random, rows * geometry.OutputSize);
        double[] scratch = new double[geometry.ScratchLength(rows)], dx = new double[x.Length], z = new double[r.Length];
        ConvolutionKernels.BackpropagateInputs<double>(r, w, dx, rows, geometry, scratch);
        ConvolutionKernels.Forward<double>(w, b, x, z, rows, geometry, scratch);
        double left = Dot(z, r), right = Dot(x, dx);
        Assert.True(Math.Abs(left - right) <= 1e-12 * (Math.Abs(left) + 1), $"⟨conv(X), R⟩ = {left}, ⟨X, convᵀ(R)⟩ = {right}");

        AssertCentralDifferences(x, dx, () =>
        {
            var outputs = new double[rows * geometry.OutputSize];
            ConvolutionKernels.Forward<double>(w, b, x, outputs, rows, geometry, scratch);
            return Dot(outputs, r);
        }, "dX");
    }

    [Fact]
    public void Parameter_gradients_add_to_what_the_buffers_hold()
    {
        var geometry = new ConvolutionGeometry(2, 5, 6, 3, 3, 3, 1, 1, 1);
        var random = new Random(13);
        double[] dz = Values(random, 2 * geometry.OutputSize), x = Values(random, 2 * geometry.InputSize);
        double[] scratch = new double[geometry.ScratchLength(2)];
        double[] dw = Values(random, geometry.WeightCount), db = Values(random, geometry.Filters);
        double[] dwStart = (double[])dw.Clone(), dbStart = (double[])db.Clone();
        (double[] expectedDw, double[] expectedDb) = ReferenceParameterGradients(dz, x, 2, geometry);
        ConvolutionKernels.AccumulateParameterGradients<double>(dz, x, dw, db, 2, geometry, scratch);
        for (int i = 0; i < dw.Length; i++)
        {
            Assert.Equal(dwStart[i] + expectedDw[i], dw[i], 1e-12);
        }

        for (int i = 0; i < db.Length; i++)
        {
            Assert.Equal(dbStart[i] + expectedDb[i], db[i], 1e-12);
        }
    }

    /// <summary>
    /// LeNet's two convolutions at batch 8 and 64 split over two threads (the forward pass and dX by samples, dW by filter
    /// tiles): each product equals the reference, and equals the one-thread product bit for bit.
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    public void Products_split_over_threads_match_the_reference_and_one_thread_bit_for_bit(int rows)
    {
        ConvolutionGeometry[] geometries = [new(1, 28, 28, 6, 5, 5, 1, 2, 2), new(6, 14, 14, 16, 5, 5, 1, 0, 0)];
        int threads = KernelThreads.MaxThreads;
        try
        {
            foreach (ConvolutionGeometry geometry in geometries)
            {
                KernelThreads.MaxThreads = 2;
                CheckForward<float>(rows, geometry, 1e-4);
                CheckParameterGradients<float>(rows, geometry, 1e-4);
                CheckInputGradients<float>(rows, geometry, 1e-4);

                var random = new Random(rows);
                float[] w = Array.ConvertAll(Values(random, geometry.WeightCount), v => (float)v), b = Array.ConvertAll(Values(random, geometry.Filters), v => (float)v);
                float[] x = Array.ConvertAll(Values(random, rows * geometry.InputSize), v => (float)v), dz = Array.ConvertAll(Values(random, rows * geometry.OutputSize), v => (float)v);
                // Room for two parts whatever the machine's processor count, so that the split runs on one core too.
                float[] scratch = new float[2 * geometry.ScratchLength(1)];
                (float[] Z, float[] Dw, float[] Db, float[] Dx) Run(int maxThreads)
                {
                    KernelThreads.MaxThreads = maxThreads;
                    float[] z = new float[rows * geometry.OutputSize], dw = new float[geometry.WeightCount], db = new float[geometry.Filters], dx = new float[rows * geometry.InputSize];
                    ConvolutionKernels.Forward<float>(w, b, x, z, rows, geometry, scratch);
                    ConvolutionKernels.AccumulateParameterGradients<float>(dz, x, dw, db, rows, geometry, scratch);
                    ConvolutionKernels.BackpropagateInputs<float>(dz, w, dx, rows, geometry, scratch);
                    return (z, dw, db, dx);
                }

                var one = Run(1);
                var two = Run(2);
                Assert.Equal(one.Z, two.Z);
                Assert.Equal(one.Dw, two.Dw);
                Assert.Equal(one.Db, two.Db);
                Assert.Equal(one.Dx, two.Dx);
            }
        }
        finally
        {
            KernelThreads.MaxThreads = threads;
        }
    }

    [Fact]
    public void No_rows_touch_nothing_and_need_no_scratch()
    {
        var geometry = new ConvolutionGeometry(3, 7, 9, 4, 3, 3, 1, 1, 1);
        Assert.Equal(0, geometry.ScratchLength(0));
        double[] w = new double[geometry.WeightCount], b = new double[4], dw = [.. new double[geometry.WeightCount - 1], 5], db = [1, 2, 3, 4];
        ConvolutionKernels.Forward<double>(w, b, [], [], 0, geometry, []);
        ConvolutionKernels.AccumulateParameterGradients<double>([], [], dw, db, 0, geometry, []);
        ConvolutionKernels.BackpropagateInputs<double>([], w, [], 0, geometry, []);
        Assert.Equal(5, dw[^1]);
        Assert.Equal([1.0, 2, 3, 4], db);
    }

    [Fact]
    public void The_geometry_computes_PyTorchs_output_sizes()
    {
        // nn.Conv2d(3, 4, 3, stride=2, padding=1) on 7×9: floor((7 + 2 − 3) / 2) + 1 = 4, floor((9 + 2 − 3) / 2) + 1 = 5.
        var geometry = new ConvolutionGeometry(3, 7, 9, 4, 3, 3, 2, 1, 1);
        Assert.Equal((4, 5), (geometry.OutputHeight, geometry.OutputWidth));
        Assert.Equal((189, 80, 108), (geometry.InputSize, geometry.OutputSize, geometry.WeightCount));
        // One sample's working memory per thread the batch can be split over.
        Assert.Equal(27L * 20, geometry.ScratchLength(1));
        Assert.Equal(27L * 20 * Math.Min(64, Environment.ProcessorCount), geometry.ScratchLength(64));
        Assert.Equal((7, 9), ((geometry with { Stride = 1 }).OutputHeight, (geometry with { Stride = 1 }).OutputWidth));
    }

    [Fact]
    public void A_geometry_prints_its_defining_sizes_even_when_it_is_invalid()
    {
        // Stride 0 has no output size; printing must not divide by it (an exception message prints the geometry).
        Assert.Equal("ConvolutionGeometry { Channels = 1, Height = 2, Width = 3, Filters = 4, KernelHeight = 5, KernelWidth = 6, Stride = 0, PaddingHeight = 8, PaddingWidth = 9 }",
            new ConvolutionGeometry(1, 2, 3, 4, 5, 6, 0, 8, 9).ToString());
    }

    [Fact]
    public void Every_kernel_rejects_short_spans_before_touching_memory()
    {
        var geometry = new ConvolutionGeometry(2, 4, 5, 3, 3, 3, 1, 1, 1);
        int rows = 2;
        double[] w = new double[geometry.WeightCount], b = new double[3], x = new double[rows * geometry.InputSize];
        double[] z = new double[rows * geometry.OutputSize], scratch = new double[geometry.ScratchLength(rows)];
        double[] dw = new double[w.Length], db = new double[3], dx = new double[x.Length];
        Array.Fill(z, 7.0);
        Array.Fill(dw, 7.0);
        Array.Fill(db, 7.0);
        Array.Fill(dx, 7.0);

        Assert.Throws<ArgumentException>("weights", () => ConvolutionKernels.Forward<double>(w.AsSpan(1), b, x, z, rows, geometry, scratch));
        Assert.Throws<ArgumentException>("bias", () => ConvolutionKernels.Forward<double>(w, b.AsSpan(1), x, z, rows, geometry, scratch));
        Assert.Throws<ArgumentException>("inputs", () => ConvolutionKernels.Forward<double>(w, b, x.AsSpan(1), z, rows, geometry, scratch));
        Assert.Throws<ArgumentException>("outputs", () => ConvolutionKernels.Forward<double>(w, b, x, z.AsSpan(1), rows, geometry, scratch));
        Assert.Throws<ArgumentException>("scratch", () => ConvolutionKernels.Forward<double>(w, b, x, z, rows, geometry, scratch.AsSpan(1)));
        Assert.Throws<ArgumentException>("outputGradients", () => ConvolutionKernels.AccumulateParameterGradients<double>(z.AsSpan(1), x, dw, db, rows, geometry, scratch));
        Assert.Throws<ArgumentException>("inputs", () => ConvolutionKernels.AccumulateParameterGradients<double>(z, x.AsSpan(1), dw, db, rows, geometry, scratch));
        Assert.Throws<ArgumentException>("weightGradients", () => ConvolutionKernels.AccumulateParameterGradients<double>(z, x, dw.AsSpan(1), db, rows, geometry, scratch));
        Assert.Throws<ArgumentException>("biasGradients", () => ConvolutionKernels.AccumulateParameterGradients<double>(z, x, dw, db.AsSpan(1), rows, geometry, scratch));
        Assert.Throws<ArgumentException>("scratch", () => ConvolutionKernels.AccumulateParameterGradients<double>(z, x, dw, db, rows, geometry, scratch.AsSpan(1)));
        Assert.Throws<ArgumentException>("outputGradients", () => ConvolutionKernels.BackpropagateInputs<double>(z.AsSpan(1), w, dx, rows, geometry, scratch));
        Assert.Throws<ArgumentException>("weights", () => ConvolutionKernels.BackpropagateInputs<double>(z, w.AsSpan(1), dx, rows, geometry, scratch));
        Assert.Throws<ArgumentException>("inputGradients", () => ConvolutionKernels.BackpropagateInputs<double>(z, w, dx.AsSpan(1), rows, geometry, scratch));
        Assert.Throws<ArgumentException>("scratch", () => ConvolutionKernels.BackpropagateInputs<double>(z, w, dx, rows, geometry, scratch.AsSpan(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConvolutionKernels.Forward<double>(w, b, x, z, -1, geometry, scratch));

        Assert.All(z, value => Assert.Equal(7.0, value));
        Assert.All(dw, value => Assert.Equal(7.0, value));
        Assert.All(db, value => Assert.Equal(7.0, value));
        Assert.All(dx, value => Assert.Equal(7.0, value));
    }

    public static TheoryData<ConvolutionGeometry> InvalidGeometries() => new()
    {
        new(0, 4, 4, 1, 3, 3, 1, 0, 0),
        new(1, 4, 4, 0, 3, 3, 1, 0, 0),
        new(1, 4, 4, 1, 0, 3, 1, 0, 0),
        new(1, 4, 4, 1, 3, 3, 0, 0, 0),
        new(1, 4, 4, 1, 3, 3, 1, -1, 0),
        new(1, 4, 4, 1, 5, 3, 1, 0, 0),   // a 5-high kernel on 4 rows without padding
        new(1, 1, 4, 1, 1, 7, 1, 0, 1),   // a 7-wide kernel on 4 + 2 padded columns
        new(60_000, 60_000, 1, 1, 1, 1, 1, 0, 0), // 3.6·10⁹ inputs per sample
    };

    [Theory]
    [MemberData(nameof(InvalidGeometries))]
    public void Invalid_geometries_are_rejected_with_a_message(ConvolutionGeometry geometry)
    {
        double[] z = [7.0];
        Assert.Throws<ArgumentException>("geometry", () => ConvolutionKernels.Forward<double>([], [], [], z, 1, geometry, []));
        Assert.Equal(7.0, z[0]);
    }

    private static void CheckForward<T>(int rows, ConvolutionGeometry geometry, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(Seed(rows, geometry) + 31);
        double[] w = Values(random, geometry.WeightCount), b = Values(random, geometry.Filters), x = Values(random, rows * geometry.InputSize);
        double[] expected = ReferenceForward(Round<T>(w), Round<T>(b), Round<T>(x), rows, geometry);
        foreach (bool direct in Algorithms<T>(DirectConvolution.Applies(geometry)))
        {
            T[] z = Filled<T>(rows * geometry.OutputSize, T.NaN);
            ConvolutionKernels.Forward<T>(Cast<T>(w), Cast<T>(b), Cast<T>(x), z, rows, geometry, Filled<T>((int)geometry.ScratchLength(rows), T.NaN), direct);
            AssertClose(expected, z, tolerance, direct ? "Z (direct)" : "Z (unfolded)");
        }
    }

    private static void CheckParameterGradients<T>(int rows, ConvolutionGeometry geometry, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(Seed(rows, geometry) + 37);
        double[] dz = Values(random, rows * geometry.OutputSize), x = Values(random, rows * geometry.InputSize);
        (double[] expectedDw, double[] expectedDb) = ReferenceParameterGradients(Round<T>(dz), Round<T>(x), rows, geometry);
        foreach (bool direct in Algorithms<T>(DirectConvolution.Applies(geometry)))
        {
            T[] dw = new T[geometry.WeightCount], db = new T[geometry.Filters];
            ConvolutionKernels.AccumulateParameterGradients<T>(Cast<T>(dz), Cast<T>(x), dw, db, rows, geometry, Filled<T>((int)geometry.ScratchLength(rows), T.NaN), direct);
            AssertClose(expectedDw, dw, tolerance, direct ? "dW (direct)" : "dW (unfolded)");
            AssertClose(expectedDb, db, tolerance, direct ? "db (direct)" : "db (unfolded)");
        }
    }

    private static void CheckInputGradients<T>(int rows, ConvolutionGeometry geometry, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(Seed(rows, geometry) + 41);
        double[] dz = Values(random, rows * geometry.OutputSize), w = Values(random, geometry.WeightCount);
        double[] expected = ReferenceInputGradients(Round<T>(dz), Round<T>(w), rows, geometry);
        foreach (bool direct in Algorithms<T>(DirectConvolution.AppliesToInputGradient(geometry)))
        {
            T[] dx = Filled<T>(rows * geometry.InputSize, T.NaN);
            ConvolutionKernels.BackpropagateInputs<T>(Cast<T>(dz), Cast<T>(w), dx, rows, geometry, Filled<T>((int)geometry.ScratchLength(rows), T.NaN), direct);
            AssertClose(expected, dx, tolerance, direct ? "dX (direct)" : "dX (unfolded)");
        }
    }

    /// <summary>
    /// dW and the forward pass run along the filters where that fills more lanes: LeNet's second layer (16 filters fill
    /// whole vectors on every path) and a 1-D layer of 16 filters with 28 outputs (28 of 32 positions real), not LeNet's
    /// first (6 filters, 88% of the q tiles' lanes real), nor, for dW, a kernel row longer than six.
    /// </summary>
    [Fact]
    public void Products_run_along_the_filters_where_they_fill_more_lanes()
    {
        if (!DirectConvolution.IsSupported<float>())
        {
            return; // no direct kernel on this path
        }

        Assert.True(DirectConvolution.RunsAlongFilters<float>(new ConvolutionGeometry(6, 14, 14, 16, 5, 5, 1, 0, 0)));
        Assert.True(DirectConvolution.RunsAlongFilters<double>(new ConvolutionGeometry(6, 14, 14, 16, 5, 5, 1, 0, 0)));
        Assert.False(DirectConvolution.RunsAlongFilters<float>(new ConvolutionGeometry(1, 28, 28, 6, 5, 5, 1, 2, 2)));
        Assert.False(DirectConvolution.RunsAlongFilters<float>(new ConvolutionGeometry(2, 8, 10, 16, 2, 7, 1, 0, 0)));
        Assert.True(DirectConvolution.ForwardRunsAlongFilters<float>(new ConvolutionGeometry(6, 14, 14, 16, 5, 5, 1, 0, 0)));
        Assert.True(DirectConvolution.ForwardRunsAlongFilters<float>(new ConvolutionGeometry(4, 1, 30, 16, 1, 3, 1, 0, 0)));
        Assert.False(DirectConvolution.ForwardRunsAlongFilters<float>(new ConvolutionGeometry(1, 28, 28, 6, 5, 5, 1, 2, 2)));
    }

    /// <summary>
    /// The along-rows forward pass on every stride-1 geometry above and on the transposed geometry of every direct
    /// input gradient (dZ padded by K − 1 − P), whichever layout the rule would pick for them, plus shapes that reach
    /// its edges: odd output heights (a tile's second row past the end), rows of several vectors with a part left,
    /// filter counts that leave a tile of 1 to 5, padding so wide that whole row pairs read only zeros, and padding wider than
    /// the kernel along the rows.
    /// </summary>
    public static TheoryData<int, ConvolutionGeometry> AlongRowsGeometries()
    {
        var geometries = new TheoryData<int, ConvolutionGeometry>();
        var shapes = new List<ConvolutionGeometry>
        {
            new(2, 13, 21, 8, 3, 3, 1, 1, 1),
            new(3, 11, 17, 7, 3, 5, 1, 1, 2),
            new(1, 9, 33, 13, 3, 3, 1, 1, 1),
            new(2, 11, 15, 5, 4, 3, 1, 3, 2),
            new(1, 3, 40, 9, 2, 2, 1, 3, 0),
            new(2, 6, 5, 4, 3, 2, 1, 1, 3),
        };
        foreach (var entry in Geometries())
        {
            var geometry = (ConvolutionGeometry)entry[1];
            if ((int)entry[0] == 1 && DirectConvolution.Applies(geometry))
            {
                shapes.Add(geometry);
                if (DirectConvolution.AppliesToInputGradient(geometry))
                {
                    shapes.Add(DirectConvolution.TransposedGeometry(geometry));
                }
            }
        }

        foreach (ConvolutionGeometry shape in shapes)
        {
            geometries.Add(2, shape);
        }

        return geometries;
    }

    [Theory]
    [MemberData(nameof(AlongRowsGeometries))]
    public void Double_forward_along_the_rows_matches_the_definition(int rows, ConvolutionGeometry geometry) => CheckForwardAlongRows<double>(rows, geometry, 1e-12);

    [Theory]
    [MemberData(nameof(AlongRowsGeometries))]
    public void Float_forward_along_the_rows_matches_the_definition(int rows, ConvolutionGeometry geometry) => CheckForwardAlongRows<float>(rows, geometry, 1e-5);

    private static void CheckForwardAlongRows<T>(int rows, ConvolutionGeometry geometry, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!DirectConvolution.IsSupported<T>())
        {
            return; // no direct kernel on this path
        }

        var random = new Random(Seed(rows, geometry) + 43);
        double[] w = Values(random, geometry.WeightCount), b = Values(random, geometry.Filters), x = Values(random, rows * geometry.InputSize);
        double[] expected = ReferenceForward(Round<T>(w), Round<T>(b), Round<T>(x), rows, geometry);
        T[] bias = Cast<T>(b);
        AssertClose(expected, Run(ref bias[0]), tolerance, "Z (along the rows)");

        // Without a bias, as the input gradient calls it.
        double[] expectedWithoutBias = ReferenceForward(Round<T>(w), new double[geometry.Filters], Round<T>(x), rows, geometry);
        AssertClose(expectedWithoutBias, Run(ref System.Runtime.CompilerServices.Unsafe.NullRef<T>()), tolerance, "Z (along the rows, no bias)");

        // The outputs in an array with a guard of 64 values after them, which the vectors that run past a row must not reach.
        T[] Run(ref T biasRef)
        {
            int length = rows * geometry.OutputSize;
            T[] z = Filled<T>(length + 64, T.NaN);
            T guard = T.CreateTruncating(12345);
            z.AsSpan(length).Fill(guard);
            DirectConvolution.ForwardAlongRows<T>(Cast<T>(w), ref biasRef, Cast<T>(x), z.AsSpan(0, length), rows, geometry, Filled<T>((int)DirectConvolution.ForwardScratchLength(geometry), T.NaN));
            Assert.All(z.AsSpan(length).ToArray(), value => Assert.Equal(guard, value));
            return z.AsSpan(0, length).ToArray();
        }
    }

    /// <summary>
    /// The input gradient of LeNet's second layer runs along the rows on every path (its transposed convolution skips
    /// the kernel rows that read dZ's zero padding), its forward pass along the filters, and a 1-D layer along q.
    /// </summary>
    [Fact]
    public void Forward_passes_run_along_the_rows_where_they_compute_fewer_products()
    {
        if (!DirectConvolution.IsSupported<float>())
        {
            return; // no direct kernel on this path
        }

        var lenet2 = new ConvolutionGeometry(6, 14, 14, 16, 5, 5, 1, 0, 0);
        Assert.True(DirectConvolution.ForwardRunsAlongRows<float>(DirectConvolution.TransposedGeometry(lenet2)));
        Assert.True(DirectConvolution.ForwardRunsAlongRows<double>(DirectConvolution.TransposedGeometry(lenet2)));
        Assert.False(DirectConvolution.ForwardRunsAlongRows<float>(lenet2));
        Assert.False(DirectConvolution.ForwardRunsAlongRows<float>(new ConvolutionGeometry(8, 1, 128, 16, 1, 5, 1, 0, 2)));
    }

    /// <summary>The unfolded algorithm always; the direct one too where it applies and the machine runs it.</summary>
    private static bool[] Algorithms<T>(bool directApplies) where T : unmanaged, IFloatingPointIeee754<T>
        => directApplies && DirectConvolution.IsSupported<T>() ? [false, true] : [false];

    /// <summary>X(n, c, h, w), or 0 outside the input: the zero padding.</summary>
    private static double Input(double[] x, int n, int c, int h, int w, ConvolutionGeometry g)
        => h < 0 || h >= g.Height || w < 0 || w >= g.Width ? 0 : x[((n * g.Channels + c) * g.Height + h) * g.Width + w];

    /// <summary>Z(n, f, i, j) = b(f) + Σ_(c, kh, kw) W(f, c, kh, kw)·X(n, c, i·S + kh − PH, j·S + kw − PW).</summary>
    private static double[] ReferenceForward(double[] w, double[] b, double[] x, int rows, ConvolutionGeometry g)
    {
        int oh = (g.Height + 2 * g.PaddingHeight - g.KernelHeight) / g.Stride + 1, ow = (g.Width + 2 * g.PaddingWidth - g.KernelWidth) / g.Stride + 1;
        var z = new double[rows * g.Filters * oh * ow];
        for (int n = 0; n < rows; n++)
        for (int f = 0; f < g.Filters; f++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double sum = b[f];
            for (int c = 0; c < g.Channels; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                sum += w[((f * g.Channels + c) * g.KernelHeight + kh) * g.KernelWidth + kw] * Input(x, n, c, i * g.Stride + kh - g.PaddingHeight, j * g.Stride + kw - g.PaddingWidth, g);
            }

            z[((n * g.Filters + f) * oh + i) * ow + j] = sum;
        }

        return z;
    }

    /// <summary>dW(f, c, kh, kw) = Σ_(n, i, j) dZ(n, f, i, j)·X(n, c, i·S + kh − PH, j·S + kw − PW); db(f) = Σ_(n, i, j) dZ(n, f, i, j).</summary>
    private static (double[] Weights, double[] Bias) ReferenceParameterGradients(double[] dz, double[] x, int rows, ConvolutionGeometry g)
    {
        int oh = (g.Height + 2 * g.PaddingHeight - g.KernelHeight) / g.Stride + 1, ow = (g.Width + 2 * g.PaddingWidth - g.KernelWidth) / g.Stride + 1;
        var dw = new double[g.Filters * g.Channels * g.KernelHeight * g.KernelWidth];
        var db = new double[g.Filters];
        for (int n = 0; n < rows; n++)
        for (int f = 0; f < g.Filters; f++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double gradient = dz[((n * g.Filters + f) * oh + i) * ow + j];
            db[f] += gradient;
            for (int c = 0; c < g.Channels; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                dw[((f * g.Channels + c) * g.KernelHeight + kh) * g.KernelWidth + kw] += gradient * Input(x, n, c, i * g.Stride + kh - g.PaddingHeight, j * g.Stride + kw - g.PaddingWidth, g);
            }
        }

        return (dw, db);
    }

    /// <summary>dX(n, c, h, w) = Σ dZ(n, f, i, j)·W(f, c, kh, kw) over every (f, i, j, kh, kw) with i·S + kh − PH = h and j·S + kw − PW = w.</summary>
    private static double[] ReferenceInputGradients(double[] dz, double[] w, int rows, ConvolutionGeometry g)
    {
        int oh = (g.Height + 2 * g.PaddingHeight - g.KernelHeight) / g.Stride + 1, ow = (g.Width + 2 * g.PaddingWidth - g.KernelWidth) / g.Stride + 1;
        var dx = new double[rows * g.Channels * g.Height * g.Width];
        for (int n = 0; n < rows; n++)
        for (int c = 0; c < g.Channels; c++)
        for (int h = 0; h < g.Height; h++)
        for (int x = 0; x < g.Width; x++)
        {
            double sum = 0;
            for (int f = 0; f < g.Filters; f++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int i = h + g.PaddingHeight - kh, j = x + g.PaddingWidth - kw;
                if (i >= 0 && j >= 0 && i % g.Stride == 0 && j % g.Stride == 0 && i / g.Stride < oh && j / g.Stride < ow)
                {
                    sum += dz[((n * g.Filters + f) * oh + i / g.Stride) * ow + j / g.Stride] * w[((f * g.Channels + c) * g.KernelHeight + kh) * g.KernelWidth + kw];
                }
            }

            dx[((n * g.Channels + c) * g.Height + h) * g.Width + x] = sum;
        }

        return dx;
    }

    /// <summary>Each gradient entry against (f(θ + h) − f(θ − h)) / 2h, a few dozen entries spread over the tensor.</summary>
    private static void AssertCentralDifferences(double[] parameters, double[] gradient, Func<double> objective, string name)
    {
        const double step = 1e-3;
        int every = Math.Max(1, parameters.Length / 40);
        for (int i = 0; i < parameters.Length; i += every)
        {
            double saved = parameters[i];
            parameters[i] = saved + step;
            double up = objective();
            parameters[i] = saved - step;
            double down = objective();
            parameters[i] = saved;
            double difference = (up - down) / (2 * step);
            Assert.True(Math.Abs(difference - gradient[i]) <= 1e-6 * Math.Max(1, Math.Abs(difference)), $"{name}[{i}]: central difference {difference}, kernel {gradient[i]}");
        }
    }

    /// <summary>The largest error relative to the largest expected magnitude (at least 1), against <paramref name="tolerance"/>.</summary>
    private static void AssertClose<T>(double[] expected, T[] actual, double tolerance, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (double value in expected)
        {
            scale = Math.Max(scale, Math.Abs(value));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - double.CreateTruncating(actual[i]));
            Assert.True(error <= tolerance * scale, $"{typeof(T).Name} {name}[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    /// <summary>A seed that differs between cases and runs alike (a record's hash code is randomised per process).</summary>
    private static int Seed(int rows, ConvolutionGeometry g) => ((rows * 131 + g.InputSize) * 131 + g.WeightCount) * 131 + g.OutputSize;

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

    /// <summary>The values as the kernel sees them (rounded to <typeparamref name="T"/>), back in double for the reference.</summary>
    private static double[] Round<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T> => Array.ConvertAll(Cast<T>(values), double.CreateTruncating);

    private static T[] Filled<T>(int count, T value)
    {
        var values = new T[count];
        Array.Fill(values, value);
        return values;
    }
}
