using System;

namespace NetGen;

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> when the monitored loss (validation loss when there is
/// validation data, else training loss) has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs, as Keras' ReduceLROnPlateau and PyTorch's ReduceLROnPlateau do. The reduction
/// multiplies whatever <see cref="TrainingOptions.LearningRateSchedule"/> gives, and never goes below
/// <see cref="MinimumRate"/>. Its state lives in one Fit call: a resumed run starts unreduced.
/// </summary>
public sealed record ReduceLearningRateOnPlateau
{
    /// <summary>What the rate is multiplied by at each reduction, in (0, 1); 0.1 by default.</summary>
    public double Factor { get; init; } = 0.1;

    /// <summary>Epochs without improvement before a reduction; at least 1. 10 by default.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>The smallest decrease that counts as an improvement; 1e-4 by default.</summary>
    public double MinDelta { get; init; } = 1e-4;

    /// <summary>Epochs after a reduction during which no further reduction happens; 0 by default.</summary>
    public int Cooldown { get; init; }

    /// <summary>The rate is never reduced below this; 0 by default.</summary>
    public double MinimumRate { get; init; }

    internal void Validate()
    {
        if (!(Factor > 0 && Factor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Factor), Factor, "ReduceLearningRateOnPlateau.Factor must lie in (0, 1).");
        }

        if (Patience < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "ReduceLearningRateOnPlateau.Patience must be at least 1 epoch.");
        }

        if (!(MinDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MinDelta), MinDelta, "ReduceLearningRateOnPlateau.MinDelta must be zero or more.");
        }

        if (Cooldown < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Cooldown), Cooldown, "ReduceLearningRateOnPlateau.Cooldown must be zero or more.");
        }

        if (!(MinimumRate >= 0) || double.IsInfinity(MinimumRate))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumRate), MinimumRate, "ReduceLearningRateOnPlateau.MinimumRate must be finite and zero or more.");
        }
    }

    /// <summary>The state of the rule over one Fit call.</summary>
    internal sealed class Tracker(ReduceLearningRateOnPlateau rule)
    {
        private double _best = double.PositiveInfinity;
        private int _wait, _cooldown;

        /// <summary>What the scheduled rate is multiplied by; starts at 1.</summary>
        public double Scale { get; private set; } = 1;

        /// <summary>The rate for an epoch: the scheduled rate times the reductions so far, not below the minimum.</summary>
        public double Apply(double scheduledRate) => Math.Max(scheduledRate * Scale, Math.Min(scheduledRate, rule.MinimumRate));

        /// <summary>Takes an epoch's monitored loss and the rate it used, and reduces the scale after a plateau.</summary>
        public void Observe(double monitored, double rate)
        {
            if (monitored < _best - rule.MinDelta)
            {
                _best = monitored;
                _wait = 0;
            }
            else
            {
                _wait++;
            }

            if (_cooldown > 0)
            {
                // As PyTorch does: epochs in the cooldown do not count towards the next plateau.
                _cooldown--;
                _wait = 0;
            }

            if (_wait >= rule.Patience && rate > rule.MinimumRate)
            {
                Scale *= rule.Factor;
                _wait = 0;
                _cooldown = rule.Cooldown;
            }
        }
    }
}
