using System;

namespace NetGen.RuntimeGraph;

/// <summary>
/// A float matrix of <see cref="Rows"/> × <see cref="Columns"/>, row-major, with a gradient of the same shape once
/// backward reaches it. Parameters keep theirs across steps; intermediates come from the tape's pool.
/// </summary>
public sealed class Tensor
{
    internal Tensor(float[] storage, int rows, int columns, bool isParameter)
    {
        Storage = storage;
        Rows = rows;
        Columns = columns;
        IsParameter = isParameter;
    }

    /// <summary>Creates a trainable parameter of the given shape, with its gradient buffer.</summary>
    public static Tensor Parameter(int rows, int columns)
        => new(new float[rows * columns], rows, columns, isParameter: true) { GradientStorage = new float[rows * columns] };

    public int Rows { get; }

    public int Columns { get; }

    public bool IsParameter { get; }

    public int Length => Rows * Columns;

    public Span<float> Data => Storage.AsSpan(0, Length);

    /// <summary>∂loss/∂this, once backward has reached it; parameters accumulate into theirs until the optimizer clears it.</summary>
    public Span<float> Gradient => GradientStorage.AsSpan(0, Length);

    /// <summary>Whether backward has written a gradient yet this step (intermediates only; parameters always accumulate).</summary>
    internal bool HasGradient { get; set; }

    /// <summary>Whether any parameter feeds this tensor, so that backward must reach it.</summary>
    internal bool RequiresGradient { get; set; }

    internal float[] Storage { get; set; }

    internal float[] GradientStorage { get; set; } = Array.Empty<float>();
}
