using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// Draws a network's initial parameters, as <c>torch.nn.init</c> defines them: weights by the layer's initializer, biases
/// zero, a normalisation layer's scale one; and sets its buffers as a new <c>nn.BatchNorm</c> holds them.
/// </summary>
public static class ParameterInitializer
{
    /// <summary>The seed a new network draws its initial parameters from.</summary>
    public const int DefaultSeed = 42;

    /// <summary>
    /// Fills <paramref name="parameters"/> from <paramref name="seed"/>, layer by layer in the order of the
    /// architecture's tensor table: each layer's <c>weight</c> by its initializer, with fan-in and fan-out read from the
    /// weight's shape as <c>torch.nn.init</c> reads them ([out, in, kernel…]: fan-in = in·kernel, fan-out = out·kernel),
    /// and every other tensor zero. A BatchNorm's or LayerNorm's <c>weight</c> (γ, a scale, not a fan-in weight) is one
    /// and draws nothing, so the layers around it draw exactly what they would without it. A layer declared with
    /// <c>Bias = false</c> has only its weight. The same seed always gives the same parameters.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not the architecture's parameter count long.</exception>
    public static void Initialize<T>(Span<T> parameters, NetworkArchitecture architecture, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (parameters.Length != architecture.ParameterCount)
        {
            throw new ArgumentException(
                $"{architecture.Name} has {architecture.ParameterCount} parameters; the span holds {parameters.Length}.", nameof(parameters));
        }

        var random = new SeededRandom(seed);
        foreach (LayerArchitecture layer in architecture.Layers)
        {
            foreach (ParameterTensor tensor in layer.Tensors)
            {
                Span<T> values = parameters.Slice(tensor.Offset, tensor.Size);
                if (tensor.Name != "weight")
                {
                    values.Clear();
                    continue;
                }

                if (layer.Kind is LayerKind.BatchNorm or LayerKind.LayerNorm)
                {
                    values.Fill(T.One);
                    continue;
                }

                int receptiveField = 1;
                for (int dimension = 2; dimension < tensor.Shape.Count; dimension++)
                {
                    receptiveField *= tensor.Shape[dimension];
                }

                int fanOut = tensor.Shape[0] * receptiveField;
                int fanIn = tensor.Shape.Count > 1 ? tensor.Shape[1] * receptiveField : 1;
                FillWeights(values, fanIn, fanOut, layer.Activation, layer.Slope, layer.Initializer, random);
            }
        }
    }

    /// <summary>
    /// Sets <paramref name="buffers"/> as a new <c>nn.BatchNorm</c> holds them: each BatchNorm layer's <c>running_mean</c>
    /// zero and its <c>running_var</c> one, at the offsets the architecture's layers give. Draws nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="buffers"/> is not the architecture's buffer count long.</exception>
    public static void InitializeBuffers<T>(Span<T> buffers, NetworkArchitecture architecture) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (buffers.Length != architecture.BufferCount)
        {
            throw new ArgumentException(
                $"{architecture.Name} has {architecture.BufferCount} buffer values; the span holds {buffers.Length}.", nameof(buffers));
        }

        foreach (LayerArchitecture layer in architecture.Layers)
        {
            foreach (ParameterTensor buffer in layer.Buffers)
            {
                buffers.Slice(buffer.Offset, buffer.Size).Fill(buffer.Name == LayerArchitecture.RunningVariance ? T.One : T.Zero);
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="weights"/> (<c>[fanOut × fanIn]</c>) by <paramref name="initializer"/> (see
    /// <see cref="Initializer"/> for each formula) and zeroes <paramref name="bias"/>.
    /// </summary>
    public static void InitializeDense<T>(
        Span<T> weights, Span<T> bias, int fanIn, int fanOut, Activation activation, double slope, Initializer initializer, SeededRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        FillWeights(weights, fanIn, fanOut, activation, slope, initializer, random);
        bias.Clear();
    }

    private static void FillWeights<T>(Span<T> weights, int fanIn, int fanOut, Activation activation, double slope, Initializer initializer, SeededRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
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
