using System;

namespace NetGen;

/// <summary>
/// Stops training when the monitored loss (the validation loss when there is validation data, else the training loss)
/// has not improved by more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs in a row.
/// </summary>
public sealed record EarlyStopping
{
    /// <summary>Epochs without improvement before stopping; at least 1. 5 by default.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>The smallest decrease that counts as an improvement; 0 by default.</summary>
    public double MinDelta { get; init; }

    /// <summary>Whether the network ends with the parameters of its best epoch rather than its last; true by default.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    internal void Validate()
    {
        if (Patience < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "Patience must be at least 1 epoch.");
        }

        if (!(MinDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MinDelta), MinDelta, "MinDelta must be zero or more.");
        }
    }
}

/// <summary>
/// Thrown by <c>Fit</c> when the loss, or a parameter, buffer or optimizer state, becomes NaN or infinite. The network
/// has been put back to the parameters, buffers, batch counts, optimizer state and dropout generator it had at the end
/// of the last completed epoch (or to its best epoch, when early stopping restores best weights), which are finite, so
/// nothing half-updated survives.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the batch at which the loss stopped being finite.</summary>
    public TrainingDivergedException(int epoch, int batch, double loss)
        : this(epoch, batch, loss, nonFiniteParameters: false,
            $"Training diverged in epoch {epoch}, {(batch == 0 ? "on the validation data" : $"batch {batch}")}: the loss is {loss}. The network holds the parameters of the last completed epoch; lower the learning rate or clip the gradient.")
    {
    }

    private TrainingDivergedException(int epoch, int batch, double loss, bool nonFiniteParameters, string message, Exception? inner = null)
        : base(message, inner)
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        NonFiniteParameters = nonFiniteParameters;
    }

    /// <summary>The epoch (from 1) in which training stopped being finite.</summary>
    public int Epoch { get; }

    /// <summary>The batch (from 1) within that epoch; 0 when it was the validation loss.</summary>
    public int Batch { get; }

    /// <summary>
    /// The batch's mean loss: not finite, unless <see cref="NonFiniteParameters"/> is set; NaN when a step refused its
    /// update (the <see cref="Exception.InnerException"/> is then the step's <see cref="NonFiniteUpdateException"/>).
    /// </summary>
    public double Loss { get; }

    /// <summary>Whether the loss was finite but the batch's update made a parameter or optimizer state NaN or infinite.</summary>
    public bool NonFiniteParameters { get; }

    internal static TrainingDivergedException UpdateRefused(int epoch, int batch, NonFiniteUpdateException refused)
        => new(epoch, batch, double.NaN, nonFiniteParameters: false,
            $"Training diverged in epoch {epoch}, batch {batch}: {refused.Message} The network holds the parameters of the last completed epoch, which are finite; lower the learning rate or clip the gradient.",
            refused);

    internal static TrainingDivergedException NonFiniteParametersAfter(int epoch, int batch, double loss)
        => new(epoch, batch, loss, nonFiniteParameters: true,
            $"Training diverged in epoch {epoch}, batch {batch}: the batch's loss was {loss}, but its update made a parameter or optimizer state NaN or infinite. The network holds the parameters of the last completed epoch, which are finite; lower the learning rate or clip the gradient.");
}
