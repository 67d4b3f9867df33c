using System;

namespace NetGen;

/// <summary>
/// How the learning rate changes from epoch to epoch. Each schedule is a closed form of the epoch: with a linear
/// warm-up of W epochs, epoch e (from 1) uses α·e/W while e ≤ W, and the schedule's own rate for k = e − W − 1
/// (0, 1, 2, …) afterwards. α is the optimizer's learning rate when <c>Fit</c> starts.
/// </summary>
public abstract record LearningRateSchedule
{
    /// <summary>The number of warm-up epochs W, ramping linearly up to α; 0 (none) by default.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>The learning rate for <paramref name="epoch"/> (from 1), given the base rate α.</summary>
    public double LearningRate(double baseRate, int epoch)
    {
        if (epoch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "Epochs are numbered from 1.");
        }

        return epoch <= WarmupEpochs ? baseRate * epoch / WarmupEpochs : AfterWarmup(baseRate, epoch - WarmupEpochs - 1);
    }

    /// <summary>The rate k epochs after the warm-up (k from 0).</summary>
    protected abstract double AfterWarmup(double baseRate, int k);

    internal virtual void Validate()
    {
        if (WarmupEpochs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), WarmupEpochs, "WarmupEpochs must be zero or more.");
        }
    }
}

/// <summary>α every epoch.</summary>
public sealed record ConstantSchedule : LearningRateSchedule
{
    /// <inheritdoc />
    protected override double AfterWarmup(double baseRate, int k) => baseRate;
}

/// <summary>α·γ^⌊k / StepSize⌋, as <c>torch.optim.lr_scheduler.StepLR</c>.</summary>
/// <param name="StepSize">Epochs between decays; at least 1.</param>
/// <param name="Gamma">The factor per decay, in (0, 1].</param>
public sealed record StepDecaySchedule(int StepSize, double Gamma) : LearningRateSchedule
{
    /// <inheritdoc />
    protected override double AfterWarmup(double baseRate, int k) => baseRate * Math.Pow(Gamma, k / StepSize);

    internal override void Validate()
    {
        base.Validate();
        if (StepSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, "StepSize must be at least 1 epoch.");
        }

        if (!(Gamma > 0 && Gamma <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "Gamma must lie in (0, 1].");
        }
    }
}

/// <summary>α·γᵏ, as <c>torch.optim.lr_scheduler.ExponentialLR</c>.</summary>
/// <param name="Gamma">The factor per epoch, in (0, 1].</param>
public sealed record ExponentialSchedule(double Gamma) : LearningRateSchedule
{
    /// <inheritdoc />
    protected override double AfterWarmup(double baseRate, int k) => baseRate * Math.Pow(Gamma, k);

    internal override void Validate()
    {
        base.Validate();
        if (!(Gamma > 0 && Gamma <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "Gamma must lie in (0, 1].");
        }
    }
}

/// <summary>
/// η_min + (α − η_min)·(1 + cos(π·k / Period)) / 2, as <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> with
/// T_max = Period.
/// </summary>
/// <param name="Period">T_max: the epochs from α down to η_min; at least 1.</param>
/// <param name="MinimumRate">η_min ≥ 0; 0 by default.</param>
public sealed record CosineAnnealingSchedule(int Period, double MinimumRate = 0) : LearningRateSchedule
{
    /// <inheritdoc />
    protected override double AfterWarmup(double baseRate, int k)
        => MinimumRate + (baseRate - MinimumRate) * (1 + Math.Cos(Math.PI * k / Period)) / 2;

    internal override void Validate()
    {
        base.Validate();
        if (Period < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Period), Period, "Period must be at least 1 epoch.");
        }

        if (!(MinimumRate >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumRate), MinimumRate, "MinimumRate must be zero or more.");
        }
    }
}
