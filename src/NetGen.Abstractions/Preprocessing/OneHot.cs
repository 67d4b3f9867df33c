using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Preprocessing;

/// <summary>One-hot encoding of class labels, and its inverse.</summary>
public static class OneHot
{
    /// <summary>
    /// Returns one row of <paramref name="classes"/> values per label, all zero but a one at the label's index.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is not positive, or a label is outside [0, classes).</exception>
    public static T[] Encode<T>(ReadOnlySpan<int> labels, int classes)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        var rows = new T[(long)labels.Length * classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"labels[{i}] is {labels[i]}; with {classes} classes each label must lie in [0, {classes - 1}].");
            }

            rows[(long)i * classes + labels[i]] = T.One;
        }

        return rows;
    }

    /// <summary>Returns the index of the largest value of each row of <paramref name="classes"/> values: the predicted classes of a batch of outputs.</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="rows"/> is not a multiple of <paramref name="classes"/>.</exception>
    public static int[] Decode<T>(ReadOnlySpan<T> rows, int classes)
        where T : unmanaged, INumber<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (rows.Length % classes != 0)
        {
            throw new ArgumentException($"rows has {rows.Length} values, not a multiple of {classes} classes.", nameof(rows));
        }

        var labels = new int[rows.Length / classes];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = TensorPrimitives.IndexOfMax(rows.Slice(i * classes, classes));
        }

        return labels;
    }
}
