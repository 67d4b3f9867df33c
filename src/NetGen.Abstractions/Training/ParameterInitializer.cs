using System;
using System.Numerics;

namespace NetGen;

/// <summary>Draws a dense layer's initial weights, as <c>torch.nn.init</c> defines them, and zeroes its biases.</summary>
public static class ParameterInitializer
{
    /// <summary>The seed a new network draws its initial parameters from.</summary>
    public const int DefaultSeed = 42;

    /// <summary>
    /// Fills <paramref name="weights"/> (<c>[fanOut × fanIn]</c>) by <paramref name="initializer"/> (see
    /// <see cref="Initializer"/> for each formula) and zeroes <paramref name="bias"/>.
    /// </summary>
    public static void InitializeDense<T>(
        Span<T> weights, Span<T> bias, int fanIn, int fanOut, Activation activation, double slope, Initializer initializer, SeededRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        if (initializer == Initializer.Default)
        {
            initializer = activation is Activation.ReLU or Activation.LeakyReLU ? Initializer.HeUniform : Initializer.GlorotUniform;
        }

        double gain = activation == Activation.LeakyReLU ? Math.Sqrt(2.0 / (1.0 + slope * slope)) : Math.Sqrt(2.0);
        switch (initializer)
        {
            case Initializer.GlorotUniform:
                FillUniform(weights, Math.Sqrt(6.0 / (fanIn + fanOut)), random);
                break;
            case Initializer.GlorotNormal:
                FillNormal(weights, Math.Sqrt(2.0 / (fanIn + fanOut)), random);
                break;
            case Initializer.HeUniform:
                FillUniform(weights, gain * Math.Sqrt(3.0 / fanIn), random);
                break;
            case Initializer.HeNormal:
                FillNormal(weights, gain / Math.Sqrt(fanIn), random);
                break;
            case Initializer.LeCunNormal:
                FillNormal(weights, 1.0 / Math.Sqrt(fanIn), random);
                break;
            case Initializer.Zeros:
                weights.Clear();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "Unknown initializer.");
        }

        bias.Clear();
    }

    private static void FillUniform<T>(Span<T> weights, double bound, SeededRandom random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = T.CreateTruncating(random.NextDouble(-bound, bound));
        }
    }

    private static void FillNormal<T>(Span<T> weights, double deviation, SeededRandom random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = T.CreateTruncating(deviation * random.NextGaussian());
        }
    }
}
