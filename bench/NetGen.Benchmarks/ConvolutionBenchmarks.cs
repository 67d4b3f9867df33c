using System;
using BenchmarkDotNet.Attributes;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// The three products of a convolution layer alone, on one thread, at batch 64, on LeNet's two layers (1 × 28 × 28 → 6
/// filters 5 × 5 with padding 2, and 6 × 14 × 14 → 16 filters 5 × 5) and a 1-D layer (8 × 128 → 16 filters of 5, padding
/// 2): forward Z = conv(X, W) + b, parameter gradients dW += ∂⟨Z, dZ⟩/∂W and db, and input gradients dX = convᵀ(dZ, W),
/// each by the algorithm <see cref="ConvolutionKernels"/> picks for the geometry. <see cref="FlopsOf"/> turns the times
/// into GFLOP/s.
/// </summary>
public class ConvolutionBenchmarks
{
    private const int Rows = 64;

    private float[] _weights = null!, _bias = null!, _inputs = null!, _outputs = null!, _outputGradients = null!;
    private float[] _weightGradients = null!, _biasGradients = null!, _inputGradients = null!, _scratch = null!;
    private ConvolutionGeometry _geometry;

    [Params("lenet-conv1", "lenet-conv2", "conv1d")]
    public string Layer { get; set; } = "lenet-conv1";

    /// <summary>The geometry of a benchmarked layer.</summary>
    public static ConvolutionGeometry GeometryOf(string layer) => layer switch
    {
        "lenet-conv2" => new ConvolutionGeometry(6, 14, 14, 16, 5, 5, 1, 0, 0),
        "conv1d" => new ConvolutionGeometry(8, 1, 128, 16, 1, 5, 1, 0, 2),
        _ => new ConvolutionGeometry(1, 28, 28, 6, 5, 5, 1, 2, 2),
    };

    /// <summary>A layer's shape for the report: C × H × W → F filters of KH × KW, and its padding.</summary>
    public static string Describe(string layer)
    {
        ConvolutionGeometry g = GeometryOf(layer);
        string input = g.Height == 1 ? $"{g.Channels} × {g.Width}" : $"{g.Channels} × {g.Height} × {g.Width}";
        string kernel = g.KernelHeight == 1 ? $"{g.KernelWidth}" : $"{g.KernelHeight} × {g.KernelWidth}";
        string padding = g.PaddingHeight == 0 && g.PaddingWidth == 0 ? string.Empty : $", padding {Math.Max(g.PaddingHeight, g.PaddingWidth)}";
        return $"{input} → {g.Filters} of {kernel}{padding}";
    }

    /// <summary>The floating-point operations of one product over the batch: 2 per multiply-add, 2·rows·F·C·KH·KW·OH·OW.</summary>
    public static double FlopsOf(string layer)
    {
        ConvolutionGeometry geometry = GeometryOf(layer);
        return 2.0 * Rows * geometry.WeightCount * geometry.OutputHeight * geometry.OutputWidth;
    }

    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.MaxThreads = 1;
        _geometry = GeometryOf(Layer);
        var random = new Random(3);
        float[] Random(int count) => Array.ConvertAll(new float[count], _ => (float)(random.NextDouble() - 0.5));
        _weights = Random(_geometry.WeightCount);
        _bias = Random(_geometry.Filters);
        _inputs = Random(Rows * _geometry.InputSize);
        _outputGradients = Random(Rows * _geometry.OutputSize);
        _outputs = new float[Rows * _geometry.OutputSize];
        _weightGradients = new float[_geometry.WeightCount];
        _biasGradients = new float[_geometry.Filters];
        _inputGradients = new float[Rows * _geometry.InputSize];
        _scratch = new float[_geometry.ScratchLength(Rows)];
    }

    [GlobalCleanup]
    public void Cleanup() => KernelThreads.MaxThreads = Environment.ProcessorCount;

    [Benchmark]
    public void Forward() => ConvolutionKernels.Forward<float>(_weights, _bias, _inputs, _outputs, Rows, _geometry, _scratch);

    [Benchmark]
    public void ParameterGradients()
        => ConvolutionKernels.AccumulateParameterGradients<float>(_outputGradients, _inputs, _weightGradients, _biasGradients, Rows, _geometry, _scratch);

    [Benchmark]
    public void InputGradients() => ConvolutionKernels.BackpropagateInputs<float>(_outputGradients, _weights, _inputGradients, Rows, _geometry, _scratch);
}

/// <summary>
/// Max and average pooling alone, forward and backward, on one thread, at batch 64, on LeNet's two 2 × 2 pools (over
/// 6 × 28 × 28 and 16 × 10 × 10) and a 1-D pool of 2 over 16 × 128.
/// </summary>
public class PoolingBenchmarks
{
    private const int Rows = 64;

    private float[] _inputs = null!, _outputs = null!, _inputGradients = null!;
    private int[] _argmax = null!;
    private PoolingGeometry _geometry;

    [Params("lenet-pool1", "lenet-pool2", "pool1d")]
    public string Layer { get; set; } = "lenet-pool1";

    /// <summary>The geometry of a benchmarked pool.</summary>
    public static PoolingGeometry GeometryOf(string layer) => layer switch
    {
        "lenet-pool2" => new PoolingGeometry(16, 10, 10, 2, 2, 2),
        "pool1d" => new PoolingGeometry(16, 1, 128, 1, 2, 2),
        _ => new PoolingGeometry(6, 28, 28, 2, 2, 2),
    };

    [GlobalSetup]
    public void Setup()
    {
        _geometry = GeometryOf(Layer);
        var random = new Random(4);
        _inputs = Array.ConvertAll(new float[Rows * _geometry.InputSize], _ => (float)(random.NextDouble() - 0.5));
        _outputs = new float[Rows * _geometry.OutputSize];
        _argmax = new int[Rows * _geometry.OutputSize];
        _inputGradients = new float[Rows * _geometry.InputSize];
        PoolingKernels.MaxPoolForward<float>(_inputs, _outputs, _argmax, Rows, _geometry);
    }

    [Benchmark]
    public void MaxForward() => PoolingKernels.MaxPoolForward<float>(_inputs, _outputs, _argmax, Rows, _geometry);

    [Benchmark]
    public void MaxBackward() => PoolingKernels.MaxPoolBackward<float>(_outputs, _argmax, _inputGradients, Rows, _geometry);

    [Benchmark]
    public void AverageForward() => PoolingKernels.AvgPoolForward<float>(_inputs, _outputs, Rows, _geometry);

    [Benchmark]
    public void AverageBackward() => PoolingKernels.AvgPoolBackward<float>(_outputs, _inputGradients, Rows, _geometry);
}
