using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen;

/// <summary>
/// Thrown by a training step (<c>TrainStep</c>, <c>TrainBatch</c>, <c>ApplyGradients</c>) whose update would make a
/// parameter or optimizer state NaN or infinite: a non-finite input, or an overflow inside the network, reached the
/// gradient. The update is not applied: parameters, optimizer state and step count are as they were before the call,
/// and the accumulated gradient, which holds the non-finite values, is cleared.
/// </summary>
public sealed class NonFiniteUpdateException : ArithmeticException
{
    internal NonFiniteUpdateException(string message, string tensor, int index)
        : base(message)
    {
        Tensor = tensor;
        Index = index;
    }

    /// <summary>Where the first non-finite value was found: a parameter tensor (<c>layers.0.weight</c>), or <c>inputs</c>.</summary>
    public string Tensor { get; }

    /// <summary>The element's index within <see cref="Tensor"/>.</summary>
    public int Index { get; }
}

/// <summary>
/// The checks a generated training step makes before it changes anything, so that no update makes a parameter or
/// optimizer state non-finite. Each is one vectorised pass over data the update reads anyway. Called by generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StepGuard
{
    /// <summary>
    /// Throws <see cref="NonFiniteUpdateException"/> naming the first non-finite gradient's tensor and element, after
    /// clearing <paramref name="gradients"/>, unless every gradient is finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireFiniteGradients<T>(Span<T> gradients, NetworkArchitecture architecture)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!AllFinite<T>(gradients))
        {
            RefuseGradients(gradients, architecture);
        }
    }

    /// <summary>
    /// Whether every value is finite: for the few gradients of a tiny network a sum of v·0 (0 for a finite v, NaN for an
    /// infinite or NaN one) in four chains, which costs a few cycles where a call costs more than the step's
    /// arithmetic; the kernels' vectorised scan (<see cref="Kernels.FiniteScan"/>) for the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (values.Length >= 64)
        {
            return Kernels.FiniteScan.All(values);
        }

        T a = T.Zero, b = T.Zero, c = T.Zero, d = T.Zero;
        int i = 0;
        for (; i + 4 <= values.Length; i += 4)
        {
            a += values[i] * T.Zero;
            b += values[i + 1] * T.Zero;
            c += values[i + 2] * T.Zero;
            d += values[i + 3] * T.Zero;
        }

        for (; i < values.Length; i++)
        {
            a += values[i] * T.Zero;
        }

        return a + b + (c + d) == T.Zero;
    }

    /// <summary>The cold path of <see cref="RequireFiniteGradients{T}"/>: clears the gradient and throws, naming the first non-finite one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RefuseGradients<T>(Span<T> gradients, NetworkArchitecture architecture) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int first = FirstNonFinite<T>(gradients);
        T value = gradients[first];
        gradients.Clear();
        (string tensor, int index) = Locate(architecture, first);
        throw new NonFiniteUpdateException(
            $"{architecture.Name}: the gradient of {tensor}[{index}] is {value}, so the update was not applied (parameters and optimizer state are unchanged, the gradient is cleared). " +
            "A non-finite input reached it, or a value overflowed inside the network; check the data, or lower the learning rate.",
            tensor,
            index);
    }

    /// <summary>
    /// The check of a step that updates weights during the backward pass (fused SGD), made before it: every input
    /// finite, and the loss finite. Throws <see cref="NonFiniteUpdateException"/> otherwise.
    /// </summary>
    public static void RequireFiniteStep<T>(ReadOnlySpan<T> inputs, T loss, NetworkArchitecture architecture)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Kernels.FiniteScan.All(inputs))
        {
            int first = FirstNonFinite(inputs);
            int sample = first / Math.Max(1, architecture.Inputs), feature = first % Math.Max(1, architecture.Inputs);
            throw new NonFiniteUpdateException(
                $"{architecture.Name}: input {feature} of sample {sample} is {inputs[first]}, so the step was not taken (parameters and optimizer state are unchanged).",
                "inputs",
                first);
        }

        if (!T.IsFinite(loss))
        {
            throw new NonFiniteUpdateException(
                $"{architecture.Name}: the loss is {loss}, so the step was not taken (parameters and optimizer state are unchanged); check the targets, or lower the learning rate.",
                "loss",
                0);
        }
    }

    /// <summary>
    /// The check a training call of a network with BatchNorm makes before its update: the batch mean and variance of
    /// BatchNorm layer <paramref name="layer"/> are finite, since the running statistics would keep them. Activations
    /// that are finite but huge can overflow the variance while the loss stays finite (a channel of infinite variance
    /// normalises to 0). Otherwise clears <paramref name="gradients"/> and throws <see cref="NonFiniteUpdateException"/>.
    /// </summary>
    public static void RequireFiniteStatistics<T>(ReadOnlySpan<T> mean, ReadOnlySpan<T> variance, Span<T> gradients, NetworkArchitecture architecture, int layer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (AllFinite(mean) && AllFinite(variance))
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(architecture);
        bool meanFails = !AllFinite(mean);
        ReadOnlySpan<T> failing = meanFails ? mean : variance;
        int channel = FirstNonFinite(failing);
        gradients.Clear();
        string tensor = $"layers.{layer.ToString(System.Globalization.CultureInfo.InvariantCulture)}.{(meanFails ? LayerArchitecture.RunningMean : LayerArchitecture.RunningVariance)}";
        throw new NonFiniteUpdateException(
            $"{architecture.Name}: the batch {(meanFails ? "mean" : "variance")} of channel {channel} of layer {layer}, a BatchNorm, is {failing[channel]}, so the update was not applied " +
            "(parameters, optimizer state and running statistics are unchanged, the gradient is cleared). The activations entering it overflow; check the data's scale, or lower the learning rate.",
            tensor,
            channel);
    }

    private static int FirstNonFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>The tensor (as files name it) and element of flat parameter index <paramref name="parameter"/>.</summary>
    private static (string Tensor, int Index) Locate(NetworkArchitecture architecture, int parameter)
    {
        for (int layer = 0; layer < architecture.Layers.Count; layer++)
        {
            foreach (ParameterTensor tensor in architecture.Layers[layer].Tensors)
            {
                if (parameter >= tensor.Offset && parameter < tensor.Offset + tensor.Size)
                {
                    return ($"layers.{layer}.{tensor.Name}", parameter - tensor.Offset);
                }
            }
        }

        return ("parameters", parameter);
    }
}
