using System;
using System.Linq;
using Xunit;

namespace NetGen.Tests;

/// <summary>Each initializer's distribution, from the torch.nn.init formulas, on a 400 × 300 layer.</summary>
public sealed class InitializerTests
{
    private const int FanIn = 300, FanOut = 400;

    [Theory]
    [InlineData(Initializer.GlorotUniform, Activation.Tanh, 0.0, true)]     // a = √(6 / 700)
    [InlineData(Initializer.HeUniform, Activation.ReLU, 0.0, true)]          // a = √2·√(3 / 300)
    [InlineData(Initializer.HeUniform, Activation.LeakyReLU, 0.2, true)]     // a = √(2 / 1.04)·√(3 / 300)
    [InlineData(Initializer.GlorotNormal, Activation.Sigmoid, 0.0, false)]   // σ = √(2 / 700)
    [InlineData(Initializer.HeNormal, Activation.ReLU, 0.0, false)]          // σ = √2 / √300
    [InlineData(Initializer.LeCunNormal, Activation.Identity, 0.0, false)]   // σ = 1 / √300
    public void Weights_follow_the_torch_formula(Initializer initializer, Activation activation, double slope, bool uniform)
    {
        double gain = activation == Activation.LeakyReLU ? Math.Sqrt(2 / (1 + slope * slope)) : Math.Sqrt(2);
        double expectedDeviation = initializer switch
        {
            Initializer.GlorotUniform => Math.Sqrt(6.0 / (FanIn + FanOut)) / Math.Sqrt(3),
            Initializer.HeUniform => gain * Math.Sqrt(3.0 / FanIn) / Math.Sqrt(3),
            Initializer.GlorotNormal => Math.Sqrt(2.0 / (FanIn + FanOut)),
            Initializer.HeNormal => gain / Math.Sqrt(FanIn),
            _ => 1 / Math.Sqrt(FanIn),
        };
        var weights = new double[FanIn * FanOut];
        var bias = new double[FanOut];
        bias.AsSpan().Fill(7);

        ParameterInitializer.InitializeDense<double>(weights, bias, FanIn, FanOut, activation, slope, initializer, new SeededRandom(1));

        double mean = 0, squares = 0, maxAbs = 0;
        foreach (double w in weights)
        {
            mean += w;
            squares += w * w;
            maxAbs = Math.Max(maxAbs, Math.Abs(w));
        }

        mean /= weights.Length;
        double deviation = Math.Sqrt(squares / weights.Length - mean * mean);
        Assert.InRange(deviation, 0.99 * expectedDeviation, 1.01 * expectedDeviation);
        Assert.InRange(mean, -0.01 * expectedDeviation, 0.01 * expectedDeviation);
        if (uniform)
        {
            Assert.InRange(maxAbs, 0.999 * Math.Sqrt(3) * expectedDeviation, Math.Sqrt(3) * expectedDeviation);
        }
        else
        {
            Assert.True(maxAbs > 3.5 * expectedDeviation, "a normal draw of 120,000 values reaches past 3.5σ");
        }

        Assert.All(bias, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Zeros_sets_every_weight_to_zero()
    {
        var weights = new float[12];
        weights.AsSpan().Fill(1);

        ParameterInitializer.InitializeDense<float>(weights, new float[3], 4, 3, Activation.Tanh, 0, Initializer.Zeros, new SeededRandom(1));

        Assert.All(weights, w => Assert.Equal(0, w));
    }

    /// <summary>
    /// input [3] → Dense(4, Bias = false) → BatchNorm → Dense(2) → LayerNorm over [2] → Dense(1), built as the generator
    /// describes it; with <paramref name="normalization"/> false, the same Dense layers with nothing between them.
    /// </summary>
    private static NetworkArchitecture NormalizedArchitecture(bool normalization)
    {
        var dense0 = new LayerArchitecture(LayerKind.Dense, [3], [4], Activation.ReLU, [new ParameterTensor("weight", [4, 3], 0)]);
        if (!normalization)
        {
            return new NetworkArchitecture(
                "Plain",
                [3],
                [
                    dense0,
                    new LayerArchitecture(LayerKind.Dense, [4], [2], Activation.Tanh, [new ParameterTensor("weight", [2, 4], 12), new ParameterTensor("bias", [2], 20)]),
                    new LayerArchitecture(LayerKind.Dense, [2], [1], Activation.Identity, [new ParameterTensor("weight", [1, 2], 22), new ParameterTensor("bias", [1], 24)]),
                ],
                Loss.MeanSquaredError,
                Precision.Double,
                "Sgd",
                []);
        }

        return new NetworkArchitecture(
            "Normalized",
            [3],
            [
                dense0,
                new LayerArchitecture(
                    LayerKind.BatchNorm, [4], [4], Activation.Identity, [new ParameterTensor("weight", [4], 12), new ParameterTensor("bias", [4], 16)],
                    buffers: [new ParameterTensor("running_mean", [4], 0), new ParameterTensor("running_var", [4], 4)],
                    normalization: new NormalizationArchitecture(0.1, 1e-5)),
                new LayerArchitecture(LayerKind.Dense, [4], [2], Activation.Tanh, [new ParameterTensor("weight", [2, 4], 20), new ParameterTensor("bias", [2], 28)]),
                new LayerArchitecture(
                    LayerKind.LayerNorm, [2], [2], Activation.Identity, [new ParameterTensor("weight", [2], 30), new ParameterTensor("bias", [2], 32)],
                    normalization: new NormalizationArchitecture(0, 1e-5)),
                new LayerArchitecture(LayerKind.Dense, [2], [1], Activation.Identity, [new ParameterTensor("weight", [1, 2], 34), new ParameterTensor("bias", [1], 36)]),
            ],
            Loss.MeanSquaredError,
            Precision.Double,
            "Sgd",
            []);
    }

    [Fact]
    public void A_normalisation_layer_s_weight_is_one_and_its_bias_zero()
    {
        var parameters = new double[37];
        parameters.AsSpan().Fill(7);

        ParameterInitializer.Initialize<double>(parameters, NormalizedArchitecture(normalization: true), seed: 3);

        Assert.All(parameters[12..16], w => Assert.Equal(1, w)); // BatchNorm γ
        Assert.All(parameters[16..20], b => Assert.Equal(0, b)); // BatchNorm β
        Assert.All(parameters[30..32], w => Assert.Equal(1, w)); // LayerNorm γ
        Assert.All(parameters[32..34], b => Assert.Equal(0, b)); // LayerNorm β
    }

    [Fact]
    public void Normalisation_layers_draw_nothing_so_the_layers_around_them_get_the_values_they_would_without_them()
    {
        var plain = new double[25];
        var normalized = new double[37];

        ParameterInitializer.Initialize<double>(plain, NormalizedArchitecture(normalization: false), seed: 8);
        ParameterInitializer.Initialize<double>(normalized, NormalizedArchitecture(normalization: true), seed: 8);

        Assert.Equal(plain[0..12], normalized[0..12]);   // Dense(4, Bias = false): a weight only, drawn first
        Assert.Equal(plain[12..20], normalized[20..28]); // the second Dense layer's weight: the next draws
        Assert.Equal(plain[22..24], normalized[34..36]); // the third's: the draws after those
        Assert.All(normalized[0..12], w => Assert.InRange(Math.Abs(w), 1e-9, Math.Sqrt(2) * Math.Sqrt(3.0 / 3))); // He uniform, fan-in 3
    }

    [Fact]
    public void Buffers_start_as_a_new_BatchNorm_s_running_mean_zero_and_running_var_one()
    {
        var buffers = new float[8];
        buffers.AsSpan().Fill(5);

        ParameterInitializer.InitializeBuffers<float>(buffers, NormalizedArchitecture(normalization: true));

        Assert.Equal([0f, 0, 0, 0, 1, 1, 1, 1], buffers);
    }

    [Fact]
    public void InitializeBuffers_refuses_a_span_of_another_length()
    {
        var exception = Assert.Throws<ArgumentException>(() => ParameterInitializer.InitializeBuffers<double>(new double[7], NormalizedArchitecture(normalization: true)));

        Assert.Contains("8 buffer values", exception.Message);
        Assert.Equal("buffers", exception.ParamName);
        ParameterInitializer.InitializeBuffers<double>(Span<double>.Empty, NormalizedArchitecture(normalization: false)); // none to set
    }

    [Fact]
    public void A_generated_network_starts_with_gamma_one_beta_zero_and_the_running_statistics_of_a_new_BatchNorm()
    {
        var network = new Normalization.NormConvFilesNet();
        network.Parameters.Fill(3);
        network.Buffers.Fill(3);

        network.InitializeParameters(21);

        NetworkArchitecture architecture = Normalization.NormConvFilesNet.Architecture;
        foreach (LayerArchitecture layer in architecture.Layers.Where(layer => layer.Kind is LayerKind.BatchNorm or LayerKind.LayerNorm))
        {
            ParameterTensor gamma = layer.Tensor("weight"), beta = layer.Tensor("bias");
            Assert.All(network.Parameters.Slice(gamma.Offset, gamma.Size).ToArray(), w => Assert.Equal(1, w));
            Assert.All(network.Parameters.Slice(beta.Offset, beta.Size).ToArray(), b => Assert.Equal(0, b));
        }

        Assert.Equal([0.0, 0, 0, 1, 1, 1], network.Buffers.ToArray());
        Assert.Equal([0L], network.BatchesTracked.ToArray());
        Assert.Null(architecture.Layers[0].FindTensor("bias")); // Conv2D(Bias = false): a weight only
        Assert.Contains(network.Parameters.Slice(0, 27).ToArray(), w => w != 0);
    }
}
