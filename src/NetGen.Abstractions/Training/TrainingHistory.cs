using System;
using System.Collections.Generic;

namespace NetGen;

/// <summary>The reports of every epoch a <see cref="Trainer"/>.Fit call ran, in order.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochReport> _epochs = new();

    /// <summary>One report per completed epoch.</summary>
    public IReadOnlyList<EpochReport> Epochs => _epochs;

    /// <summary>The mean training loss of each epoch, in order.</summary>
    public double[] TrainingLoss
    {
        get
        {
            var losses = new double[_epochs.Count];
            for (int i = 0; i < losses.Length; i++)
            {
                losses[i] = _epochs[i].TrainingLoss;
            }

            return losses;
        }
    }

    /// <summary>The last epoch's mean training loss, or NaN when no epoch ran.</summary>
    public double FinalLoss => _epochs.Count == 0 ? double.NaN : _epochs[^1].TrainingLoss;

    internal void Add(EpochReport report) => _epochs.Add(report);
}
