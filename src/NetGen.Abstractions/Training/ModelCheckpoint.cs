using System;
using System.Globalization;

namespace NetGen;

/// <summary>
/// Saves the network during <see cref="Trainer"/>.Fit: every <see cref="Every"/> epochs, or only when the monitored
/// loss (validation loss when there is validation data, else training loss) is the best so far. Each save is atomic
/// (a temporary file renamed over the target), so a crash mid-save leaves the previous file intact.
/// </summary>
/// <param name="Path">
/// The file to write. <c>{epoch}</c> in it is replaced by the epoch number (e.g. <c>"run/epoch-{epoch}.ckpt"</c>)
/// to keep one file per save; without it each save replaces the last.
/// </param>
public sealed record ModelCheckpoint(string Path)
{
    /// <summary>Epochs between saves; at least 1. 1 by default.</summary>
    public int Every { get; init; } = 1;

    /// <summary>
    /// Whether an epoch that is due to be saved (every <see cref="Every"/>) is saved only when its monitored loss is the
    /// lowest so far; false by default.
    /// </summary>
    public bool SaveBestOnly { get; init; }

    /// <summary>
    /// Whether only the parameters are saved (a safetensors file, as <c>Save</c> writes) rather than a checkpoint with
    /// the optimizer state and the epoch count, which <c>LoadCheckpoint</c> resumes from; false by default.
    /// </summary>
    public bool WeightsOnly { get; init; }

    /// <summary>The path of the save after <paramref name="epoch"/>.</summary>
    public string PathFor(int epoch) => Path.Replace("{epoch}", epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("ModelCheckpoint.Path must name a file.", nameof(Path));
        }

        if (Every < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Every), Every, "ModelCheckpoint.Every must be at least 1 epoch.");
        }
    }
}
