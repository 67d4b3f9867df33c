using System;
using System.Text;

namespace NetGen.Metrics;

/// <summary>
/// How many samples of each true class were predicted as each class: <c>this[t, p]</c> counts the samples of true class
/// <c>t</c> predicted as <c>p</c>, so the diagonal holds the correct predictions. Made by
/// <see cref="ClassificationMetrics.ConfusionMatrix"/>.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] _counts;

    internal ConfusionMatrix(int[,] counts) => _counts = counts;

    /// <summary>The number of classes: the matrix is Classes × Classes.</summary>
    public int Classes => _counts.GetLength(0);

    /// <summary>The number of samples of true class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[actual, predicted];

    /// <summary>The number of samples counted.</summary>
    public int Total
    {
        get
        {
            int total = 0;
            foreach (int count in _counts)
            {
                total += count;
            }

            return total;
        }
    }

    /// <summary>
    /// The matrix as aligned plain text, rows the true classes and columns the predicted ones, labelled with
    /// <paramref name="classNames"/> (or the class numbers).
    /// </summary>
    public string ToString(ReadOnlySpan<string> classNames)
    {
        if (!classNames.IsEmpty && classNames.Length != Classes)
        {
            throw new ArgumentException($"classNames has {classNames.Length} names for {Classes} classes.", nameof(classNames));
        }

        string Name(int c, ReadOnlySpan<string> names) => names.IsEmpty ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : names[c];
        int width = "true \\ predicted".Length;
        for (int c = 0; c < Classes; c++)
        {
            width = Math.Max(width, Name(c, classNames).Length);
            for (int p = 0; p < Classes; p++)
            {
                width = Math.Max(width, _counts[c, p].ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
            }
        }

        var text = new StringBuilder();
        text.Append("true \\ predicted".PadRight(width));
        for (int p = 0; p < Classes; p++)
        {
            text.Append("  ").Append(Name(p, classNames).PadLeft(width));
        }

        for (int t = 0; t < Classes; t++)
        {
            text.AppendLine().Append(Name(t, classNames).PadRight(width));
            for (int p = 0; p < Classes; p++)
            {
                text.Append("  ").Append(_counts[t, p].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width));
            }
        }

        return text.ToString();
    }

    /// <summary>The matrix as aligned plain text with class numbers as labels.</summary>
    public override string ToString() => ToString(ReadOnlySpan<string>.Empty);
}
