using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen;

/// <summary>
/// A random transformation of each training sample's inputs, drawn afresh every time <c>Fit</c> hands the sample to the
/// network, as a data loader's transforms are in PyTorch. Only training batches are transformed: validation data, and
/// the caller's arrays, are never changed. The draws come from a generator seeded by <see cref="TrainingOptions.Seed"/>
/// and the epoch, apart from the shuffling order, so a run repeats exactly and a resumed run (InitialEpoch) draws what
/// the uninterrupted run would have.
/// </summary>
public abstract record InputAugmentation
{
    /// <summary>
    /// Writes a transformed copy of one sample into <paramref name="destination"/>, which has the sample's length and
    /// does not overlap it.
    /// </summary>
    /// <param name="sample">The sample's inputs, row-major in <paramref name="shape"/>.</param>
    /// <param name="destination">Receives the transformed inputs.</param>
    /// <param name="shape">The network's input shape: <c>[features]</c>, <c>[channels, length]</c> or <c>[channels, height, width]</c>.</param>
    /// <param name="random">The generator to draw from.</param>
    public abstract void Apply<T>(ReadOnlySpan<T> sample, Span<T> destination, IReadOnlyList<int> shape, SeededRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Throws if this augmentation cannot transform inputs of <paramref name="shape"/>, naming what it expects.</summary>
    public virtual void RequireShape(IReadOnlyList<int> shape)
    {
    }

    /// <summary>
    /// The generator of <paramref name="epoch"/>'s draws: a stream of its own, apart from <see cref="Trainer.EpochOrder"/>'s
    /// for the same seed and epoch.
    /// </summary>
    internal static SeededRandom EpochRandom(int seed, int epoch) =>
        new SeededRandom((((long)seed << 32) | (uint)epoch) ^ unchecked((long)0xA5A5_5A5A_C3C3_3C3CUL));
}

/// <summary>
/// Shifts each image (or signal) by a whole number of positions drawn uniformly from −MaxShift to MaxShift along each
/// spatial axis independently, the same for every channel, filling what enters at an edge with that edge's values (so
/// a digit on a uniform background moves over the same background whatever the pixels were scaled by). For
/// <c>[channels, height, width]</c> inputs it shifts rows and columns; for <c>[channels, length]</c>, positions.
/// </summary>
/// <param name="MaxShift">The largest shift, in positions; 0 leaves the inputs as they are. Less than each spatial size.</param>
public sealed record RandomShift(int MaxShift) : InputAugmentation
{
    /// <inheritdoc />
    public override void RequireShape(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count < 2)
        {
            throw new ArgumentException(
                $"RandomShift moves images or signals, so it needs a network whose InputShape is [channels, height, width] or [channels, length]; this one takes [{string.Join(", ", shape)}].",
                nameof(TrainingOptions.Augmentation));
        }

        int smallest = int.MaxValue;
        for (int axis = 1; axis < shape.Count; axis++)
        {
            smallest = Math.Min(smallest, shape[axis]);
        }

        if (MaxShift < 0 || MaxShift >= smallest)
        {
            throw new ArgumentOutOfRangeException(
                nameof(TrainingOptions.Augmentation), MaxShift,
                $"RandomShift's MaxShift is {MaxShift}; it must lie in [0, {smallest - 1}], below the smallest spatial size, for inputs of shape [{string.Join(", ", shape)}].");
        }
    }

    /// <inheritdoc />
    public override void Apply<T>(ReadOnlySpan<T> sample, Span<T> destination, IReadOnlyList<int> shape, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        RequireShape(shape);
        int channels = shape[0], height = shape.Count == 3 ? shape[1] : 1, width = shape[^1];
        if (sample.Length != channels * height * width || destination.Length != sample.Length)
        {
            throw new ArgumentException(
                $"A sample of shape [{string.Join(", ", shape)}] has {channels * height * width} values; got {sample.Length} in and room for {destination.Length}.",
                sample.Length != channels * height * width ? nameof(sample) : nameof(destination));
        }

        // Output (y, x) reads input (y − dy, x − dx), clamped into the image: edge replication.
        int dy = shape.Count == 3 ? Draw(random) : 0;
        int dx = Draw(random);
        for (int channel = 0; channel < channels; channel++)
        {
            ReadOnlySpan<T> source = sample.Slice(channel * height * width, height * width);
            Span<T> target = destination.Slice(channel * height * width, height * width);
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<T> sourceRow = source.Slice(Math.Clamp(y - dy, 0, height - 1) * width, width);
                Span<T> targetRow = target.Slice(y * width, width);
                if (dx >= 0)
                {
                    targetRow.Slice(0, dx).Fill(sourceRow[0]);
                    sourceRow.Slice(0, width - dx).CopyTo(targetRow.Slice(dx));
                }
                else
                {
                    sourceRow.Slice(-dx).CopyTo(targetRow);
                    targetRow.Slice(width + dx).Fill(sourceRow[width - 1]);
                }
            }
        }
    }

    private int Draw(SeededRandom random) => MaxShift == 0 ? 0 : random.NextInt32(2 * MaxShift + 1) - MaxShift;
}
