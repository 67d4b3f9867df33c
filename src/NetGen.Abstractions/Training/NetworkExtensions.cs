using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen;

/// <summary>
/// Prediction that returns new arrays, for code that is not hot: each call allocates its result. The span overloads on
/// the network (<see cref="INetwork{T}.Predict"/>, <see cref="INetwork{T}.PredictBatch"/>) allocate nothing. Like the
/// network itself, these are not thread-safe: they use the network's buffers.
/// </summary>
public static class NetworkExtensions
{
    /// <summary>Returns the network's <c>OutputSize</c> outputs for one sample.</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> does not hold <c>InputSize</c> values.</exception>
    public static T[] Predict<T>(this INetwork<T> network, T[] input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(input);
        var output = new T[network.OutputSize];
        network.Predict(input, output);
        return output;
    }

    /// <summary>Returns the outputs for a batch of samples, <c>OutputSize</c> values per sample, row-major.</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="inputs"/> is not a positive multiple of <c>InputSize</c>.</exception>
    public static T[] PredictBatch<T>(this INetwork<T> network, T[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        int samples = NetworkArguments.SampleCount(inputs.Length, network.InputSize, network.GetType().Name, nameof(inputs));
        var outputs = new T[(long)samples * network.OutputSize];
        network.PredictBatch(inputs, outputs);
        return outputs;
    }

    /// <summary>Returns the class with the largest output for one sample (the first on a tie).</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> does not hold <c>InputSize</c> values.</exception>
    public static int PredictClass<T>(this INetwork<T> network, T[] input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(input);
        Span<T> output = network.OutputSize <= 256 ? stackalloc T[network.OutputSize] : new T[network.OutputSize];
        network.Predict(input, output);
        return TensorPrimitives.IndexOfMax<T>(output);
    }

    /// <summary>Returns the class with the largest output for each sample of a batch.</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="inputs"/> is not a positive multiple of <c>InputSize</c>.</exception>
    public static int[] PredictClasses<T>(this INetwork<T> network, T[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Preprocessing.OneHot.Decode<T>(PredictBatch(network, inputs), network.OutputSize);
}
