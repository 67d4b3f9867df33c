using System;
using System.Diagnostics;
using System.Numerics;

namespace NetGen;

/// <summary>The training loop, written once for every generated network.</summary>
public static class Trainer
{
    /// <summary>
    /// The most samples one <see cref="INetwork{T}.AccumulateGradients"/> call sees. Larger batches are accumulated in
    /// chunks of this size before their one update, so full-batch descent over a large set needs no more activation
    /// memory than a mini-batch of this size.
    /// </summary>
    public const int MaxRowsPerPass = 256;

    /// <summary>
    /// Trains <paramref name="network"/> for <see cref="TrainingOptions.Epochs"/> epochs of batch, stochastic or
    /// mini-batch gradient descent, as <see cref="TrainingOptions.BatchSize"/> says. The gradient accumulated before the
    /// call is discarded. Each update averages the gradient over its batch.
    /// </summary>
    /// <param name="network">The network to train.</param>
    /// <param name="inputs">The samples, <c>InputSize</c> values each, row-major.</param>
    /// <param name="targets">The targets, <c>OutputSize</c> values per sample, row-major.</param>
    /// <param name="options">Epochs, batch size and shuffling.</param>
    /// <returns>One report per epoch.</returns>
    public static TrainingHistory Fit<T>(INetwork<T> network, T[] inputs, T[] targets, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        string name = network.GetType().Name;
        int inputSize = network.InputSize;
        int outputSize = network.OutputSize;
        int samples = NetworkArguments.SampleCount(inputs.Length, inputSize, name, nameof(inputs));
        NetworkArguments.RequireRows(targets.Length, samples, outputSize, name, nameof(targets));

        int batchSize = options.BatchSize == 0 ? samples : Math.Min(options.BatchSize, samples);
        int rowsPerPass = Math.Min(batchSize, MaxRowsPerPass);
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            order[i] = i;
        }

        // Shuffled rows are gathered into one staging buffer per pass; in order, the caller's arrays are sliced directly.
        T[] stagedInputs = options.Shuffle ? new T[rowsPerPass * inputSize] : Array.Empty<T>();
        T[] stagedTargets = options.Shuffle ? new T[rowsPerPass * outputSize] : Array.Empty<T>();
        var random = new SeededRandom(options.Seed);
        var history = new TrainingHistory();
        var clock = Stopwatch.StartNew();

        network.ZeroGradients();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            if (options.Shuffle)
            {
                random.Shuffle(order.AsSpan());
            }

            double lossSum = 0;
            for (int batchStart = 0; batchStart < samples; batchStart += batchSize)
            {
                int batchEnd = Math.Min(batchStart + batchSize, samples);
                for (int passStart = batchStart; passStart < batchEnd; passStart += rowsPerPass)
                {
                    int rows = Math.Min(rowsPerPass, batchEnd - passStart);
                    ReadOnlySpan<T> x, t;
                    if (options.Shuffle)
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            int sample = order[passStart + r];
                            inputs.AsSpan(sample * inputSize, inputSize).CopyTo(stagedInputs.AsSpan(r * inputSize));
                            targets.AsSpan(sample * outputSize, outputSize).CopyTo(stagedTargets.AsSpan(r * outputSize));
                        }

                        x = stagedInputs.AsSpan(0, rows * inputSize);
                        t = stagedTargets.AsSpan(0, rows * outputSize);
                    }
                    else
                    {
                        x = inputs.AsSpan(passStart * inputSize, rows * inputSize);
                        t = targets.AsSpan(passStart * outputSize, rows * outputSize);
                    }

                    lossSum += double.CreateTruncating(network.AccumulateGradients(x, t));
                }

                network.ApplyGradients(batchEnd - batchStart);
            }

            history.Add(new EpochReport(epoch, lossSum / samples, clock.Elapsed));
        }

        return history;
    }
}
