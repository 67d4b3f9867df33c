using System;

namespace NetGen;

/// <summary>
/// How <see cref="Trainer.Fit{T}"/> walks the data. <see cref="BatchSize"/> picks the mode of gradient descent:
/// 0 is batch (the whole training set per update), 1 is stochastic (one sample per update), and n is mini-batch
/// (n samples per update; the last batch of an epoch may be smaller).
/// </summary>
public sealed class TrainingOptions
{
    /// <summary>The number of passes over the training set; 1 by default.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per update: 0 for full batch, 1 for stochastic, n for mini-batch. 32 by default.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Whether each epoch visits the samples in a fresh random order; true by default.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The seed of the shuffling order, so a run repeats exactly. 0 by default.</summary>
    public int Seed { get; init; }

    internal void Validate()
    {
        if (Epochs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be zero or more.");
        }

        if (BatchSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be 0 (full batch), 1 (stochastic) or a mini-batch size n > 1.");
        }
    }
}

/// <summary>What one epoch of <see cref="Trainer.Fit{T}"/> achieved.</summary>
/// <param name="Epoch">The epoch's number, from 1.</param>
/// <param name="TrainingLoss">The mean over the epoch's samples of each sample's loss, taken before the update it contributed to.</param>
/// <param name="Elapsed">The time since <c>Fit</c> started.</param>
public sealed record EpochReport(int Epoch, double TrainingLoss, TimeSpan Elapsed);
