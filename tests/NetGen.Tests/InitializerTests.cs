using System;
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
}
