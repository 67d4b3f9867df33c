using System;
using System.Collections.Generic;

namespace NetGen;

/// <summary>
/// What a <see cref="Trainer"/>.Fit call did: the report of every epoch it ran, in order, the same figures as per-epoch
/// arrays (for plotting), the best epoch, whether early stopping ended training, and which epoch's weights the network
/// was left with.
/// </summary>
public sealed class TrainingHistory
{
    private readonly List<EpochReport> _epochs = new();

    /// <summary>One report per completed epoch.</summary>
    public IReadOnlyList<EpochReport> Epochs => _epochs;

    /// <summary>The mean training loss of each epoch, in order.</summary>
    public double[] TrainingLoss => Select(static r => r.TrainingLoss);

    /// <summary>The validation loss after each epoch, in order; empty when training had no validation data.</summary>
    public double[] ValidationLoss => HasValidation ? Select(static r => r.ValidationLoss!.Value) : Array.Empty<double>();

    /// <summary>
    /// The validation accuracy after each epoch, in order; empty for regression networks and without validation data.
    /// </summary>
    public double[] Accuracy => _epochs.Count > 0 && _epochs[0].Accuracy is not null ? Select(static r => r.Accuracy!.Value) : Array.Empty<double>();

    /// <summary>The learning rate of each epoch, in order (after the schedule and any plateau reduction).</summary>
    public double[] LearningRate => Select(static r => r.LearningRate);

    /// <summary>
    /// The epoch (from 1) with the lowest monitored loss: the validation loss when there is validation data, else the
    /// training loss. 0 when no epoch ran.
    /// </summary>
    public int BestEpoch
    {
        get
        {
            int best = 0;
            double bestLoss = double.PositiveInfinity;
            foreach (EpochReport report in _epochs)
            {
                double monitored = report.ValidationLoss ?? report.TrainingLoss;
                if (monitored < bestLoss)
                {
                    bestLoss = monitored;
                    best = report.Epoch;
                }
            }

            return best;
        }
    }

    /// <summary>Whether early stopping ended training before <see cref="TrainingOptions.Epochs"/>.</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>
    /// The epoch (from 1) whose parameters the network holds after Fit: the best one when early stopping stopped training
    /// and restored the best weights, else the last one. 0 when no epoch ran.
    /// </summary>
    public int KeptEpoch { get; internal set; }

    /// <summary>
    /// The training loss of <see cref="KeptEpoch"/>, the epoch whose weights the network holds (not necessarily the last
    /// one run), or NaN when no epoch ran.
    /// </summary>
    public double FinalLoss => Kept?.TrainingLoss ?? double.NaN;

    /// <summary>The validation loss of <see cref="KeptEpoch"/>, or null without validation data or when no epoch ran.</summary>
    public double? FinalValidationLoss => Kept?.ValidationLoss;

    private bool HasValidation => _epochs.Count > 0 && _epochs[0].ValidationLoss is not null;

    private EpochReport? Kept => _epochs.Find(r => r.Epoch == KeptEpoch);

    internal void Add(EpochReport report)
    {
        _epochs.Add(report);
        KeptEpoch = report.Epoch;
    }

    private double[] Select(Func<EpochReport, double> figure)
    {
        var values = new double[_epochs.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = figure(_epochs[i]);
        }

        return values;
    }
}
