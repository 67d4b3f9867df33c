using System;
using BenchmarkDotNet.Attributes;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// The three matrix products of a dense layer alone, on one thread, on the first layers of mnist-b64 (64 × 784 → 128)
/// and deep (128 × 784 → 256): forward Z = X·Wᵀ + b, weight gradients dW += dZᵀ·X, and input gradients dX = dZ·W.
/// The report turns the times into GFLOP/s against the measured FMA peak of the widest accelerated vector, and names the
/// kernel path that ran (<see cref="KernelPaths.VectorWidth"/>; NETGEN_VECTOR_WIDTH=256 measures the Vector256 path on a
/// machine with AVX-512).
/// </summary>
public class GemmBenchmarks
{
    private float[] _weights = null!, _bias = null!, _inputs = null!, _outputs = null!, _outputGradients = null!;
    private float[] _weightGradients = null!, _biasGradients = null!, _inputGradients = null!;
    private (int Rows, int Inputs, int Units) _shape;

    [Params("mnist-b64", "deep")]
    public string Layer { get; set; } = "mnist-b64";

    /// <summary>Rows, inputs and units of a benchmarked layer.</summary>
    public static (int Rows, int Inputs, int Units) ShapeOf(string layer) => layer == "deep" ? (128, 784, 256) : (64, 784, 128);

    /// <summary>The floating-point operations of one product of the layer: 2 per multiply-add.</summary>
    public static double FlopsOf(string layer)
    {
        (int rows, int inputs, int units) = ShapeOf(layer);
        return 2.0 * rows * inputs * units;
    }

    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.MaxThreads = 1;
        Console.WriteLine($"// GemmBenchmarks: NetGen's kernels on the {KernelPaths.VectorWidth}-bit path (0: scalar)");
        _shape = ShapeOf(Layer);
        var random = new Random(3);
        float[] Random(int count) => Array.ConvertAll(new float[count], _ => (float)(random.NextDouble() - 0.5));
        _weights = Random(_shape.Units * _shape.Inputs);
        _bias = Random(_shape.Units);
        _inputs = Random(_shape.Rows * _shape.Inputs);
        _outputGradients = Random(_shape.Rows * _shape.Units);
        _outputs = new float[_shape.Rows * _shape.Units];
        _weightGradients = new float[_shape.Units * _shape.Inputs];
        _biasGradients = new float[_shape.Units];
        _inputGradients = new float[_shape.Rows * _shape.Inputs];
    }

    [GlobalCleanup]
    public void Cleanup() => KernelThreads.MaxThreads = Environment.ProcessorCount;

    [Benchmark]
    public void Forward() => DenseKernels.Forward<float>(_weights, _bias, _inputs, _outputs, _shape.Rows, _shape.Inputs, _shape.Units);

    [Benchmark]
    public void WeightGradients()
        => DenseKernels.AccumulateParameterGradients<float>(_outputGradients, _inputs, _weightGradients, _biasGradients, _shape.Rows, _shape.Inputs, _shape.Units);

    [Benchmark]
    public void InputGradients() => DenseKernels.BackpropagateInputs<float>(_outputGradients, _weights, _inputGradients, _shape.Rows, _shape.Inputs, _shape.Units);
}
