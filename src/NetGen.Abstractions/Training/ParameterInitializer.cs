using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// Draws a dense layer's initial weights, as <c>torch.nn.init</c> defines them, and zeroes its biases. The scheme
/// follows the activation: He (Kaiming) uniform for ReLU and leaky ReLU, Glorot (Xavier) uniform for the rest.
/// </summary>
public static class ParameterInitializer
{
    /// <summary>The seed a new network draws its initial parameters from.</summary>
    public const int DefaultSeed = 42;

    /// <summary>
    /// Fills <paramref name="weights"/> (<c>[fanOut × fanIn]</c>) and zeroes <paramref name="bias"/>:
    /// <list type="bullet">
    /// <item>Glorot uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)), for identity, sigmoid, tanh and softmax;</item>
    /// <item>He uniform: U(−a, a) with a = gain·√(3 / fanIn) and gain = √(2 / (1 + slope²)), for ReLU (slope 0) and leaky ReLU.</item>
    /// </list>
    /// </summary>
    public static void InitializeDense<T>(Span<T> weights, Span<T> bias, int fanIn, int fanOut, Activation activation, double slope, SeededRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        double bound = activation switch
        {
            Activation.ReLU => Math.Sqrt(2.0) * Math.Sqrt(3.0 / fanIn),
            Activation.LeakyReLU => Math.Sqrt(2.0 / (1.0 + slope * slope)) * Math.Sqrt(3.0 / fanIn),
            _ => Math.Sqrt(6.0 / (fanIn + fanOut)),
        };

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = T.CreateTruncating(random.NextDouble(-bound, bound));
        }

        bias.Clear();
    }
}
