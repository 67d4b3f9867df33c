using System;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen;

/// <summary>The training loop, written once for every generated network.</summary>
public static class Trainer
{
    /// <summary>
    /// The most samples one forward and backward pass holds in its buffers. Larger batches are processed in passes
    /// of this size before their one update, so full-batch descent over a large set needs no more activation memory
    /// than a mini-batch of this size.
    /// </summary>
    public const int MaxRowsPerPass = 256;

    /// <summary>
    /// Trains <paramref name="network"/> for <see cref="TrainingOptions.Epochs"/> epochs of batch, stochastic or
    /// mini-batch gradient descent, as <see cref="TrainingOptions.BatchSize"/> says. Each update averages the gradient
    /// over its batch; the gradient accumulated before the call is discarded. After each epoch it measures the
    /// validation data, reports progress, applies the learning-rate schedule and early stopping.
    /// </summary>
    /// <param name="network">The network to train.</param>
    /// <param name="inputs">The samples, <c>InputSize</c> values each, row-major.</param>
    /// <param name="targets">The targets, <c>OutputSize</c> values per sample, row-major.</param>
    /// <param name="options">Epochs, batch size, shuffling, validation, schedule, early stopping, progress and cancellation.</param>
    /// <returns>One report per completed epoch.</returns>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the network holds the last completed epoch's state.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the network holds every update made before.</exception>
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
        int totalSamples = NetworkArguments.SampleCount(inputs.Length, inputSize, name, nameof(inputs));
        NetworkArguments.RequireRows(targets.Length, totalSamples, outputSize, name, nameof(targets));
        (ReadOnlyMemory<T> validationInputs, ReadOnlyMemory<T> validationTargets, int samples) = SplitValidation(network, inputs, targets, totalSamples, options);

        var run = new TrainingRun<T>(network, inputs, targets, samples, options);
        double baseRate = network.LearningRate;
        var history = new TrainingHistory();
        var clock = Stopwatch.StartNew();
        var lastEpoch = NetworkState<T>.Capture(network);
        NetworkState<T>? best = null;
        double bestLoss = double.PositiveInfinity;
        int epochsWithoutImprovement = 0;

        try
        {
            network.ZeroGradients();
            for (int epoch = options.InitialEpoch + 1; epoch <= options.Epochs; epoch++)
            {
                double rate = options.LearningRateSchedule?.LearningRate(baseRate, epoch) ?? baseRate;
                network.LearningRate = rate;
                double trainingLoss = run.Epoch(epoch, out int divergedBatch);
                double? validationLoss = validationInputs.IsEmpty
                    ? null
                    : double.CreateTruncating(network.ComputeLoss(validationInputs.Span, validationTargets.Span));
                if (divergedBatch > 0 || !double.IsFinite(validationLoss ?? 0))
                {
                    NetworkState<T> restore = options.EarlyStopping is { RestoreBestWeights: true } && best is not null ? best : lastEpoch;
                    restore.Restore(network);
                    throw new TrainingDivergedException(epoch, divergedBatch, divergedBatch > 0 ? trainingLoss : validationLoss!.Value);
                }

                double? accuracy = validationInputs.IsEmpty ? null : run.Accuracy(validationInputs, validationTargets);
                var report = new EpochReport(epoch, trainingLoss, validationLoss, accuracy, rate, clock.Elapsed);
                history.Add(report);
                options.Progress?.Report(report);
                lastEpoch = NetworkState<T>.Capture(network, reuse: lastEpoch);

                if (options.EarlyStopping is { } stopping)
                {
                    double monitored = validationLoss ?? trainingLoss;
                    if (monitored < bestLoss - stopping.MinDelta)
                    {
                        bestLoss = monitored;
                        epochsWithoutImprovement = 0;
                        best = stopping.RestoreBestWeights ? NetworkState<T>.Capture(network, reuse: best) : null;
                    }
                    else if (++epochsWithoutImprovement >= stopping.Patience)
                    {
                        best?.Restore(network);
                        break;
                    }
                }
            }
        }
        finally
        {
            network.LearningRate = baseRate;
        }

        return history;
    }

    /// <summary>
    /// Puts <paramref name="order"/> (0, 1, …, n − 1) into the order in which <c>Fit</c> visits the samples in
    /// <paramref name="epoch"/> (from 1) with shuffling seed <paramref name="seed"/>. Each epoch's order depends on the
    /// seed and the epoch alone, so a run resumed at any epoch visits the samples exactly as an uninterrupted one.
    /// </summary>
    public static void EpochOrder(Span<int> order, int seed, int epoch)
    {
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        new SeededRandom(((long)seed << 32) ^ (uint)epoch).Shuffle(order);
    }

    private static (ReadOnlyMemory<T> Inputs, ReadOnlyMemory<T> Targets, int TrainingSamples) SplitValidation<T>(
        INetwork<T> network, T[] inputs, T[] targets, int samples, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = network.GetType().Name;
        if (options.ValidationInputs is not null)
        {
            if (options.ValidationInputs is not T[] validationInputs || options.ValidationTargets is not T[] validationTargets)
            {
                throw new ArgumentException(
                    $"ValidationInputs and ValidationTargets must be {typeof(T).Name}[] arrays, the precision of {name}.", nameof(options));
            }

            int validationSamples = NetworkArguments.SampleCount(validationInputs.Length, network.InputSize, name, nameof(options.ValidationInputs));
            NetworkArguments.RequireRows(validationTargets.Length, validationSamples, network.OutputSize, name, nameof(options.ValidationTargets));
            return (validationInputs, validationTargets, samples);
        }

        int heldOut = (int)(samples * options.ValidationSplit);
        if (heldOut == 0)
        {
            return (ReadOnlyMemory<T>.Empty, ReadOnlyMemory<T>.Empty, samples);
        }

        if (heldOut == samples)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, $"ValidationSplit {options.ValidationSplit} leaves no sample of the {samples} to train on.");
        }

        int training = samples - heldOut;
        return (
            inputs.AsMemory(training * network.InputSize, heldOut * network.InputSize),
            targets.AsMemory(training * network.OutputSize, heldOut * network.OutputSize),
            training);
    }

    /// <summary>The buffers and the walk over the data of one Fit call.</summary>
    private sealed class TrainingRun<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INetwork<T> _network;
        private readonly T[] _inputs, _targets;
        private readonly int _samples, _batchSize, _rowsPerPass;
        private readonly TrainingOptions _options;
        private readonly int[] _order;
        private readonly T[] _stagedInputs, _stagedTargets;
        private T[] _predictions = Array.Empty<T>();

        public TrainingRun(INetwork<T> network, T[] inputs, T[] targets, int samples, TrainingOptions options)
        {
            _network = network;
            _inputs = inputs;
            _targets = targets;
            _samples = samples;
            _options = options;
            _batchSize = options.BatchSize == 0 ? samples : Math.Min(options.BatchSize, samples);
            _rowsPerPass = Math.Min(_batchSize, MaxRowsPerPass);
            _order = options.Shuffle ? new int[samples] : Array.Empty<int>(); // filled by EpochOrder each epoch

            // Shuffled rows are gathered into a staging buffer per pass; in order, the caller's arrays are sliced directly.
            _stagedInputs = options.Shuffle ? new T[_rowsPerPass * network.InputSize] : Array.Empty<T>();
            _stagedTargets = options.Shuffle ? new T[_rowsPerPass * network.OutputSize] : Array.Empty<T>();
        }

        /// <summary>One pass over the training samples. Returns the mean loss; <paramref name="divergedBatch"/> is the first batch (from 1) whose loss was not finite, else 0.</summary>
        public double Epoch(int epoch, out int divergedBatch)
        {
            int inputSize = _network.InputSize, outputSize = _network.OutputSize;
            if (_options.Shuffle)
            {
                EpochOrder(_order, _options.Seed, epoch);
            }

            double lossSum = 0;
            int batch = 0;
            for (int batchStart = 0; batchStart < _samples; batchStart += _batchSize)
            {
                _options.CancellationToken.ThrowIfCancellationRequested();
                batch++;
                int batchEnd = Math.Min(batchStart + _batchSize, _samples);
                if (batchEnd - batchStart <= _rowsPerPass)
                {
                    // One pass: TrainBatch, which networks may fuse (plain SGD updates the weights inside the backward
                    // pass). A non-finite loss still ends the epoch here, and Fit restores the last completed epoch.
                    Stage(batchStart, batchEnd - batchStart, inputSize, outputSize, out ReadOnlySpan<T> x, out ReadOnlySpan<T> t);
                    double loss = double.CreateTruncating(_network.TrainBatch(x, t)) * (batchEnd - batchStart);
                    if (!double.IsFinite(loss))
                    {
                        divergedBatch = batch;
                        return loss;
                    }

                    lossSum += loss;
                    continue;
                }

                double batchLoss = 0;
                for (int passStart = batchStart; passStart < batchEnd; passStart += _rowsPerPass)
                {
                    int rows = Math.Min(_rowsPerPass, batchEnd - passStart);
                    Stage(passStart, rows, inputSize, outputSize, out ReadOnlySpan<T> x, out ReadOnlySpan<T> t);
                    batchLoss += double.CreateTruncating(_network.AccumulateGradients(x, t));
                }

                if (!double.IsFinite(batchLoss))
                {
                    _network.ZeroGradients();
                    divergedBatch = batch;
                    return batchLoss;
                }

                lossSum += batchLoss;
                _network.ApplyGradients(batchEnd - batchStart);
            }

            divergedBatch = 0;
            return lossSum / _samples;
        }

        /// <summary>Samples [first, first + rows) in the epoch's order: copied into the staging buffers when shuffling, else slices of the data.</summary>
        private void Stage(int first, int rows, int inputSize, int outputSize, out ReadOnlySpan<T> inputs, out ReadOnlySpan<T> targets)
        {
            if (!_options.Shuffle)
            {
                inputs = _inputs.AsSpan(first * inputSize, rows * inputSize);
                targets = _targets.AsSpan(first * outputSize, rows * outputSize);
                return;
            }

            for (int r = 0; r < rows; r++)
            {
                int sample = _order[first + r];
                _inputs.AsSpan(sample * inputSize, inputSize).CopyTo(_stagedInputs.AsSpan(r * inputSize));
                _targets.AsSpan(sample * outputSize, outputSize).CopyTo(_stagedTargets.AsSpan(r * outputSize));
            }

            inputs = _stagedInputs.AsSpan(0, rows * inputSize);
            targets = _stagedTargets.AsSpan(0, rows * outputSize);
        }

        /// <summary>
        /// The fraction of correct predictions for a classification network, null for regression. Cross-entropy: the
        /// largest output is the largest target. Binary cross-entropy: each output and its target fall on the same
        /// side of 0.5.
        /// </summary>
        public double? Accuracy(ReadOnlyMemory<T> inputs, ReadOnlyMemory<T> targets)
        {
            if (_network.Loss == Loss.MeanSquaredError)
            {
                return null;
            }

            if (_predictions.Length != targets.Length)
            {
                _predictions = new T[targets.Length];
            }

            _network.PredictBatch(inputs.Span, _predictions);
            ReadOnlySpan<T> expected = targets.Span;
            int outputs = _network.OutputSize, rows = targets.Length / outputs;
            T half = T.CreateTruncating(0.5);
            long correct = 0, total = 0;
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> predicted = _predictions.AsSpan(row * outputs, outputs);
                ReadOnlySpan<T> target = expected.Slice(row * outputs, outputs);
                if (_network.Loss == Loss.CrossEntropy)
                {
                    correct += TensorPrimitives.IndexOfMax(predicted) == TensorPrimitives.IndexOfMax(target) ? 1 : 0;
                    total++;
                    continue;
                }

                for (int k = 0; k < outputs; k++)
                {
                    correct += (predicted[k] >= half) == (target[k] >= half) ? 1 : 0;
                    total++;
                }
            }

            return (double)correct / total;
        }
    }

    /// <summary>A copy of everything an update changes: parameters, optimizer state and step count.</summary>
    private sealed class NetworkState<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _parameters;
        private readonly T[] _optimizerState;
        private long _optimizerStep;

        private NetworkState(INetwork<T> network)
        {
            _parameters = new T[network.ParameterCount];
            _optimizerState = new T[network.OptimizerState.Length];
        }

        public static NetworkState<T> Capture(INetwork<T> network, NetworkState<T>? reuse = null)
        {
            NetworkState<T> state = reuse ?? new NetworkState<T>(network);
            network.Parameters.CopyTo(state._parameters);
            network.OptimizerState.CopyTo(state._optimizerState);
            state._optimizerStep = network.OptimizerStep;
            return state;
        }

        public void Restore(INetwork<T> network)
        {
            _parameters.CopyTo(network.Parameters);
            _optimizerState.CopyTo(network.OptimizerState);
            network.OptimizerStep = _optimizerStep;
            network.ZeroGradients();
        }
    }
}
