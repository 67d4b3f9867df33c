using System;
using System.ComponentModel;

namespace NetGen;

/// <summary>
/// The argument checks every generated network runs before it touches any state, so that a rejected call leaves the
/// network exactly as it was. The messages name the argument, what it holds and what the network expects.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class NetworkArguments
{
    /// <summary>Checks that a single sample's span holds exactly <paramref name="expected"/> values.</summary>
    public static void RequireSample(int length, int expected, string network, string sizeName, string parameterName)
    {
        if (length != expected)
        {
            throw new ArgumentException($"{parameterName} has {length} values; {network} expects {sizeName} = {expected}.", parameterName);
        }
    }

    /// <summary>Returns the number of samples in a batch of <paramref name="length"/> values, which must be a positive multiple of <paramref name="inputSize"/>.</summary>
    public static int SampleCount(int length, int inputSize, string network, string parameterName)
    {
        if (length == 0)
        {
            throw new ArgumentException($"{parameterName} is empty; {network} expects at least one sample of InputSize = {inputSize} values.", parameterName);
        }

        if (length % inputSize != 0)
        {
            throw new ArgumentException($"{parameterName} has {length} values; {network} expects a multiple of InputSize = {inputSize}.", parameterName);
        }

        return length / inputSize;
    }

    /// <summary>Checks that a batch's targets or outputs hold one row of <paramref name="outputSize"/> values per sample.</summary>
    public static void RequireRows(int length, int samples, int outputSize, string network, string parameterName)
    {
        long expected = (long)samples * outputSize;
        if (length != expected)
        {
            throw new ArgumentException(
                $"{parameterName} has {length} values; {network} expects {expected}: OutputSize = {outputSize} values for each of the {samples} samples.",
                parameterName);
        }
    }

    /// <summary>Checks that there is one label per sample and that each is a class index in [0, <paramref name="classes"/>).</summary>
    public static void RequireLabels(ReadOnlySpan<int> labels, int samples, int classes, string network, string parameterName)
    {
        if (labels.Length != samples)
        {
            throw new ArgumentException($"{parameterName} has {labels.Length} values; {network} expects one label per sample, {samples}.", parameterName);
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(
                    parameterName,
                    labels[i],
                    $"{parameterName}[{i}] is {labels[i]}; {network} has OutputSize = {classes} classes, so each label must lie in [0, {classes - 1}].");
            }
        }
    }

    /// <summary>Checks that a sample count passed to ApplyGradients is positive.</summary>
    public static void RequireSampleCount(int sampleCount, string network, string parameterName)
    {
        if (sampleCount <= 0)
        {
            throw new ArgumentOutOfRangeException(
                parameterName,
                sampleCount,
                $"{parameterName} is {sampleCount}; {network} averages the accumulated gradient over it, so it must be at least 1.");
        }
    }

    /// <summary>Returns a learning rate after checking it is finite and greater than zero.</summary>
    public static double RequireLearningRate(double value, string network, string parameterName)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(parameterName, value, $"{parameterName} of {network} is {value}; it must be a finite number greater than zero.");
        }

        return value;
    }

    /// <summary>Returns an optimizer step count after checking it is not negative.</summary>
    public static long RequireStepCount(long value, string network, string parameterName)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(parameterName, value, $"{parameterName} of {network} is {value}; it counts the updates applied, so it must be zero or more.");
        }

        return value;
    }

    /// <summary>
    /// Checks that a training call of <paramref name="samples"/> gives every BatchNorm layer at least two values per
    /// channel: a layer that sees one value per channel in a sample (<see cref="NetworkArchitecture.SingleValueBatchNormLayer"/>)
    /// needs two samples, and PyTorch refuses such a call too.
    /// </summary>
    public static void RequireBatchStatistics(int samples, NetworkArchitecture architecture, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        int layer = architecture.SingleValueBatchNormLayer;
        if (samples < 2 && layer >= 0)
        {
            int channels = architecture.Layers[layer].InputShape[0];
            throw new ArgumentException(
                $"{parameterName} holds {samples} sample; layer {layer} of {architecture.Name}, a BatchNorm over {channels} {(architecture.Layers[layer].InputShape.Count == 1 ? "features" : "channels of one value each")}, " +
                "normalises each of them over the samples of a training call, so it needs at least 2. Train on batches of two or more (Fit joins a trailing " +
                "one-sample batch to the one before), or use LayerNorm, which normalises each sample on its own.",
                parameterName);
        }
    }
}
