using System.Globalization;
using System.Linq;

namespace NetGen.Generator.Model;

/// <summary>
/// The shape of one sample as it flows between layers, outermost dimension first: <c>[features]</c>,
/// <c>[channels, length]</c> or <c>[channels, height, width]</c>. A sample is stored flat, row-major in that order, as
/// one item of a PyTorch batch tensor.
/// </summary>
/// <param name="Dimensions">The sizes, outermost first.</param>
internal sealed record Shape(EquatableArray<int> Dimensions)
{
    /// <summary>A flat shape of <paramref name="features"/> values.</summary>
    public static Shape Features(int features) => new(new EquatableArray<int>(new[] { features }));

    public int Rank => Dimensions.Count;

    /// <summary>The number of values in one sample of this shape, saturating at long.MaxValue (a negative dimension counts as 0).</summary>
    public long Elements
        => Dimensions.Aggregate(1L, (product, dimension) =>
            dimension <= 0 ? 0 : product > long.MaxValue / dimension ? long.MaxValue : product * dimension);

    /// <summary>The number of values in one sample, saturating at int.MaxValue (NG0011 reports networks that large).</summary>
    public int Size => (int)System.Math.Min(int.MaxValue, Elements);

    /// <summary>The dimensions as C# would write them in an array initializer, e.g. <c>16, 3</c>.</summary>
    public string ToList() => string.Join(", ", Dimensions.Select(dimension => dimension.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The shape as messages and comments print it, e.g. <c>16 × 3</c>.</summary>
    public override string ToString() => string.Join(" × ", Dimensions.Select(dimension => dimension.ToString(CultureInfo.InvariantCulture)));
}
