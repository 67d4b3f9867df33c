using System;
using System.Threading;

namespace NetGen;

/// <summary>
/// How <see cref="Trainer"/>.Fit walks the data. <see cref="BatchSize"/> picks the mode of gradient descent:
/// 0 is batch (the whole training set per update), 1 is stochastic (one sample per update), and n is mini-batch
/// (n samples per update; the last batch of an epoch may be smaller).
/// </summary>
public sealed class TrainingOptions
{
    /// <summary>The number of passes over the training set; 1 by default.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per update: 0 for full batch, 1 for stochastic, n for mini-batch. 32 by default.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Epochs already completed, for resuming from a checkpoint: training runs epochs InitialEpoch + 1 to
    /// <see cref="Epochs"/>, with the same shuffling and learning rates as an uninterrupted run. 0 by default.
    /// </summary>
    public int InitialEpoch { get; init; }

    /// <summary>Whether each epoch visits the samples in a fresh random order; true by default.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The seed of the shuffling order, so a run repeats exactly. 0 by default.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Held-out samples to measure after each epoch (row-major, as the training inputs); none by default. Untyped, so
    /// an array of the wrong precision is caught only when <c>Fit</c> runs: prefer the <c>Fit</c> overload that takes
    /// the validation arrays as arguments.
    /// </summary>
    public Array? ValidationInputs { get; init; }

    /// <summary>The targets of <see cref="ValidationInputs"/>.</summary>
    public Array? ValidationTargets { get; init; }

    /// <summary>
    /// The fraction of the training samples held out for validation instead of separate validation data; 0 (none) by
    /// default. The held-out samples are chosen after a shuffle seeded by <see cref="Seed"/> (the same seed gives the
    /// same split, whatever <see cref="Shuffle"/> says), and rounded to the nearest sample. Before NetGen 0.1.0 they
    /// were the last rows of the data, unshuffled: a file sorted by class then validated on one class only.
    /// </summary>
    public double ValidationSplit { get; init; }

    /// <summary>
    /// Whether <see cref="ValidationSplit"/> holds out each class in the same proportion (the class of a sample is its
    /// largest target for cross-entropy, target ≥ 0.5 for a one-output binary network); false by default.
    /// </summary>
    public bool Stratify { get; init; }

    /// <summary>Stops training when the monitored loss stops improving; off by default.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>How the learning rate changes per epoch; constant by default.</summary>
    public LearningRateSchedule? LearningRateSchedule { get; init; }

    /// <summary>Lowers the learning rate when the monitored loss stops improving; off by default.</summary>
    public ReduceLearningRateOnPlateau? ReduceLearningRateOnPlateau { get; init; }

    /// <summary>
    /// A random transformation of each training sample, drawn afresh every epoch (for example <see cref="RandomShift"/>
    /// for images); none by default. Validation data is never transformed.
    /// </summary>
    public InputAugmentation? Augmentation { get; init; }

    /// <summary>Saves the network every few epochs, or when it is the best so far; off by default.</summary>
    public ModelCheckpoint? Checkpoint { get; init; }

    /// <summary>
    /// Called with each epoch's report at the end of that epoch, synchronously on the thread that runs <c>Fit</c>, so
    /// every report has been handled when <c>Fit</c> returns. The simplest way to print progress.
    /// </summary>
    public Action<EpochReport>? EpochCompleted { get; init; }

    /// <summary>
    /// Receives one report at the end of every epoch: <see cref="IProgress{T}.Report"/> is called on the training
    /// thread, after <see cref="EpochCompleted"/>. Note that <see cref="Progress{T}"/> forwards reports to the thread
    /// pool (or the captured synchronization context), so with it the last reports may be handled after <c>Fit</c>
    /// returns, or never in a console app that exits; use <see cref="EpochCompleted"/> there.
    /// </summary>
    public IProgress<EpochReport>? Progress { get; init; }

    /// <summary>Checked between batches; cancelling throws <see cref="OperationCanceledException"/> and leaves the network as of the last completed batch.</summary>
    public CancellationToken CancellationToken { get; init; }

    internal void Validate()
    {
        if (Epochs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be zero or more.");
        }

        if (InitialEpoch < 0 || InitialEpoch > Epochs)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialEpoch), InitialEpoch, $"InitialEpoch must lie in [0, Epochs = {Epochs}].");
        }

        if (BatchSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be 0 (full batch), 1 (stochastic) or a mini-batch size n > 1.");
        }

        if (!(ValidationSplit >= 0 && ValidationSplit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationSplit), ValidationSplit, "ValidationSplit must lie in [0, 1).");
        }

        if (ValidationSplit > 0 && ValidationInputs is not null)
        {
            throw new ArgumentException("Give either ValidationInputs and ValidationTargets or a ValidationSplit, not both.", nameof(ValidationSplit));
        }

        if ((ValidationInputs is null) != (ValidationTargets is null))
        {
            throw new ArgumentException("ValidationInputs and ValidationTargets go together: give both or neither.", nameof(ValidationTargets));
        }

        if (Stratify && ValidationSplit == 0)
        {
            throw new ArgumentException("Stratify applies to ValidationSplit; set a ValidationSplit in (0, 1) or leave Stratify off.", nameof(Stratify));
        }

        EarlyStopping?.Validate();
        LearningRateSchedule?.Validate();
        ReduceLearningRateOnPlateau?.Validate();
        Checkpoint?.Validate();
    }
}

/// <summary>What one epoch of <see cref="Trainer"/>.Fit achieved.</summary>
/// <param name="Epoch">The epoch's number, from 1.</param>
/// <param name="TrainingLoss">The mean over the epoch's samples of each sample's loss, taken before the update it contributed to.</param>
/// <param name="ValidationLoss">The mean loss on the validation data after the epoch, or null without validation data.</param>
/// <param name="Accuracy">
/// For classification networks (cross-entropy and binary cross-entropy), the fraction of the validation data predicted
/// correctly after the epoch. Null for regression and without validation data (measuring the training set would cost
/// an extra forward pass over it every epoch).
/// </param>
/// <param name="LearningRate">The learning rate used in this epoch.</param>
/// <param name="Elapsed">The time since <c>Fit</c> started.</param>
public sealed record EpochReport(int Epoch, double TrainingLoss, double? ValidationLoss, double? Accuracy, double LearningRate, TimeSpan Elapsed);
