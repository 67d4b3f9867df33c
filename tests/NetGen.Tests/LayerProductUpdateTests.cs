using System;
using System.Numerics;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// Every optimizer applied straight from a dense layer's weight product (<see cref="GradientSource{T}.DenseLayerWeights"/>,
/// the update in the GEMM tile's epilogue) against the torch formulas of <see cref="ReferenceOptimizer"/>, applied to
/// dZᵀ·X summed in double by the textbook loop. Two steps each, so that the state written by the first is read by the
/// second, over shapes that reach every tile and panel tail.
/// </summary>
public sealed class LayerProductUpdateTests
{
    private static readonly string[] Optimizers = ["sgd", "momentum", "nesterov", "adam", "amsgrad", "adamw", "rmsprop", "centered-rmsprop", "adagrad"];

    public static TheoryData<string, int, int, int> Cases()
    {
        var cases = new TheoryData<string, int, int, int>();
        foreach (string optimizer in Optimizers)
        {
            // No rows (a zero gradient: only decay and state act); one row (a reduction of length one); row and panel
            // tails; exact tiles; and more rows than one depth block, which an update must see summed in one piece.
            foreach ((int rows, int inputs, int outputs) in new[] { (0, 13, 9), (1, 37, 11), (7, 33, 17), (5, 16, 6), (64, 100, 7), (300, 40, 19) })
            {
                cases.Add(optimizer, rows, inputs, outputs);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Double_updates_from_a_layer_product_match_the_torch_formulas(string optimizer, int rows, int inputs, int outputs)
        => Check<double>(optimizer, rows, inputs, outputs, 1e-12);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_updates_from_a_layer_product_match_the_torch_formulas(string optimizer, int rows, int inputs, int outputs)
        => Check<float>(optimizer, rows, inputs, outputs, 2e-6);

    [Theory]
    [InlineData("momentum")]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    public void Updates_split_over_threads_match_the_torch_formulas(string optimizer)
    {
        int saved = KernelThreads.MaxThreads;
        KernelThreads.MaxThreads = 3;
        try
        {
            Assert.True(KernelThreads.PartsFor(2.0 * 64 * 300 * 270, 300 / 16) > 1, "the shape must be large enough to split");
            // Over 81,000 float weights, d = g + λθ cancels to near 0 somewhere, and RMSprop's second step d / √s is
            // sensitive there (1e-5 relative was seen). A wrong formula or offset is off by about the learning rate, 1e-2.
            Check<float>(optimizer, 64, 300, 270, 2e-5);
            Check<double>(optimizer, 64, 300, 270, 1e-12);
        }
        finally
        {
            KernelThreads.MaxThreads = saved;
        }
    }

    [Fact]
    public void A_product_of_another_shape_than_the_parameters_is_rejected_before_any_change()
    {
        float[] weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        float[] velocity = new float[11];
        var exception = Assert.Throws<ArgumentException>("gradients", () => OptimizerKernels.SgdMomentum<float>(
            weights, GradientSource<float>.DenseLayerWeights(new float[8], new float[6], 2, 3, 4), velocity, 0.1f, 0.9f, false, 0f, 0.5f));
        Assert.Contains("3 → 4 layer has 12 values; the parameters have 11", exception.Message);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], weights);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientSource<float>.DenseLayerWeights(default, default, -1, 3, 4));
    }

    private static void Check<T>(string optimizer, int rows, int inputs, int outputs, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(rows * 7919 + inputs * 31 + outputs + optimizer.Length);
        T[] Random(int n) => Array.ConvertAll(new T[n], _ => T.CreateTruncating(random.NextDouble() * 2 - 1));

        // In float, dZ and X lie on a grid of 1/8, so that every sum dZᵀX is exact and only the update's own arithmetic
        // is compared. Random float sums are off by ~1e-7, and where one lands near 0 the update's g / √v amplifies that
        // rounding past any tolerance that would still catch a wrong formula.
        T[] Sample(int n) => typeof(T) == typeof(double) ? Random(n) : Array.ConvertAll(new T[n], _ => T.CreateTruncating(Math.Round((random.NextDouble() * 2 - 1) * 8) / 8));
        T[] weights = Random(outputs * inputs);
        double[] theta = Array.ConvertAll(weights, double.CreateTruncating);
        T[][] state = [new T[weights.Length], new T[weights.Length], new T[weights.Length]];
        ReferenceOptimizer reference = Reference(optimizer);
        double scale = double.CreateTruncating(T.CreateTruncating(rows == 0 ? 1 : 1.0 / rows)); // as the kernel gets it

        for (int step = 1; step <= 2; step++)
        {
            T[] dz = Sample(rows * outputs), x = Sample(rows * inputs);
            var gradient = new double[weights.Length];
            for (int o = 0; o < outputs; o++)
            {
                for (int k = 0; k < inputs; k++)
                {
                    double sum = 0;
                    for (int r = 0; r < rows; r++)
                    {
                        sum += double.CreateTruncating(dz[r * outputs + o]) * double.CreateTruncating(x[r * inputs + k]);
                    }

                    gradient[o * inputs + k] = scale * sum;
                }
            }

            reference.Step(theta, gradient, step);
            Update(optimizer, weights, GradientSource<T>.DenseLayerWeights(dz, x, rows, inputs, outputs), state, step, T.CreateTruncating(scale));

            for (int i = 0; i < theta.Length; i++)
            {
                double actual = double.CreateTruncating(weights[i]);
                Assert.True(
                    Math.Abs(theta[i] - actual) <= tolerance * (1 + Math.Abs(theta[i])),
                    $"{optimizer}, step {step}, weight {i} (unit {i / Math.Max(inputs, 1)}, input {i % Math.Max(inputs, 1)}): expected {theta[i]}, got {actual}");
            }
        }
    }

    /// <summary>The same configurations as <see cref="Update{T}"/>, as the independent reference.</summary>
    private static ReferenceOptimizer Reference(string optimizer) => optimizer switch
    {
        "sgd" => new ReferenceSgd(0.1, weightDecay: 0.01),
        "momentum" => new ReferenceSgd(0.1, momentum: 0.9, weightDecay: 0.01),
        "nesterov" => new ReferenceSgd(0.1, momentum: 0.8, nesterov: true),
        "adam" => new ReferenceAdam(0.01, weightDecay: 0.1),
        "amsgrad" => new ReferenceAdam(0.02, beta1: 0.8, beta2: 0.9, eps: 1e-6, amsgrad: true),
        "adamw" => new ReferenceAdam(0.01, weightDecay: 0.1, decoupled: true),
        "rmsprop" => new ReferenceRmsProp(0.01, momentum: 0.5, weightDecay: 0.05),
        "centered-rmsprop" => new ReferenceRmsProp(0.01, alpha: 0.9, centered: true),
        _ => new ReferenceAdagrad(0.1, weightDecay: 0.01, lrDecay: 0.1),
    };

    private static void Update<T>(string optimizer, T[] weights, GradientSource<T> gradient, T[][] state, long step, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        static T C(double value) => T.CreateTruncating(value);
        switch (optimizer)
        {
            case "sgd": OptimizerKernels.Sgd(weights, gradient, C(0.1), C(0.01), scale); break;
            case "momentum": OptimizerKernels.SgdMomentum(weights, gradient, state[0], C(0.1), C(0.9), nesterov: false, C(0.01), scale); break;
            case "nesterov": OptimizerKernels.SgdMomentum(weights, gradient, state[0], C(0.1), C(0.8), nesterov: true, C(0), scale); break;
            case "adam": OptimizerKernels.Adam(weights, gradient, state[0], state[1], default, C(0.01), C(0.9), C(0.999), C(1e-8), C(0.1), decoupledWeightDecay: false, step, scale); break;
            case "amsgrad": OptimizerKernels.Adam(weights, gradient, state[0], state[1], state[2], C(0.02), C(0.8), C(0.9), C(1e-6), C(0), decoupledWeightDecay: false, step, scale); break;
            case "adamw": OptimizerKernels.Adam(weights, gradient, state[0], state[1], default, C(0.01), C(0.9), C(0.999), C(1e-8), C(0.1), decoupledWeightDecay: true, step, scale); break;
            case "rmsprop": OptimizerKernels.RmsProp(weights, gradient, state[0], default, state[1], C(0.01), C(0.99), C(1e-8), C(0.5), C(0.05), scale); break;
            case "centered-rmsprop": OptimizerKernels.RmsProp(weights, gradient, state[0], state[1], default, C(0.01), C(0.9), C(1e-8), C(0), C(0), scale); break;
            default: OptimizerKernels.Adagrad(weights, gradient, state[0], C(0.1), C(1e-10), C(0.01), C(0.1), step, scale); break;
        }
    }
}
