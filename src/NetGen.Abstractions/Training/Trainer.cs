using System;
using System.Collections.Generic;
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
    /// than a mini-batch of this size. A network with a BatchNorm layer is the exception: its statistics cover the
    /// whole batch, so Fit gives it each batch in one <c>TrainBatch</c> call, however large.
    /// </summary>
    public const int MaxRowsPerPass = 256;

    /// <summary>
    /// Trains <paramref name="network"/> for <see cref="TrainingOptions.Epochs"/> epochs of batch, stochastic or
    /// mini-batch gradient descent, as <see cref="TrainingOptions.BatchSize"/> says. Each update averages the gradient
    /// over its batch; the gradient accumulated before the call is discarded. After each epoch it measures the
    /// validation data (<see cref="TrainingOptions.ValidationSplit"/>, or the untyped
    /// <see cref="TrainingOptions.ValidationInputs"/>), reports progress, applies the learning-rate schedule and early
    /// stopping.
    /// </summary>
    /// <remarks>
    /// Before the first update the data is scanned once: every input and target must be finite, cross-entropy targets
    /// must be rows that sum to 1 with values in [0, 1] (one-hot or soft), and binary cross-entropy targets must lie in
    /// [0, 1]. A rejected call throws <see cref="ArgumentException"/> naming the array, the sample and the column, and
    /// changes nothing. The per-step members (<c>TrainStep</c>, <c>TrainBatch</c>) do not scan.
    /// <para>
    /// A network with a BatchNorm layer trains on each batch in one <c>TrainBatch</c> call (the batch's statistics
    /// cover all of it, and its running statistics update once per batch). When a BatchNorm sees one value per channel
    /// (<see cref="NetworkArchitecture.SingleValueBatchNormLayer"/>), Fit never gives it a batch of one sample: a
    /// trailing batch of one sample joins the batch before it (BatchSize 32 on 65 samples gives batches of 32 and 33),
    /// and a training set of one sample, or BatchSize 1, is refused with an <see cref="ArgumentException"/> naming the
    /// layer. Validation is measured in evaluation mode (<c>ComputeLoss</c>, <c>PredictBatch</c>), with the running
    /// statistics and without dropout; the training loss each epoch reports is the training batches' own, in training
    /// mode. Fit does not reseed the dropout generator: the masks continue from <see cref="INetwork{T}.RandomState"/>.
    /// </para>
    /// </remarks>
    /// <param name="network">The network to train.</param>
    /// <param name="inputs">The samples, <c>InputSize</c> values each, row-major.</param>
    /// <param name="targets">The targets, <c>OutputSize</c> values per sample, row-major.</param>
    /// <param name="options">Epochs, batch size, shuffling, validation, schedule, early stopping, progress and cancellation.</param>
    /// <returns>One report per completed epoch.</returns>
    /// <exception cref="ArgumentException">
    /// The data has the wrong shape, a non-finite value, or targets the loss cannot take; or the options contradict each
    /// other; or a network with BatchNorm would train on batches of one sample.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="TrainingDivergedException">
    /// The loss, or a parameter, buffer or optimizer state, became NaN or infinite; the network holds the last completed
    /// epoch's state (or the best epoch's, when early stopping restores best weights), which is finite: parameters,
    /// buffers, batch counts, optimizer state and the dropout generator.
    /// </exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the network holds every update made before.</exception>
    public static TrainingHistory Fit<T>(INetwork<T> network, T[] inputs, T[] targets, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidationData<T>? validation = null;
        if (options.ValidationInputs is not null)
        {
            ArgumentNullException.ThrowIfNull(network);
            if (options.ValidationInputs is not T[] validationInputs || options.ValidationTargets is not T[] validationTargets)
            {
                throw new ArgumentException(
                    $"ValidationInputs and ValidationTargets must be {typeof(T).Name}[] arrays, the precision of {network.GetType().Name}; the Fit overload that takes validation arrays checks this at compile time.",
                    nameof(options));
            }

            validation = new ValidationData<T>(validationInputs, validationTargets, nameof(options.ValidationInputs), nameof(options.ValidationTargets));
        }

        return Run(network, inputs, targets, nameof(targets), validation, options);
    }

    /// <summary>
    /// Trains <paramref name="network"/> as <see cref="Fit{T}(INetwork{T}, T[], T[], TrainingOptions)"/> does, measuring
    /// <paramref name="validationInputs"/> and <paramref name="validationTargets"/> after every epoch. They are checked
    /// as the training data is.
    /// </summary>
    /// <param name="network">The network to train.</param>
    /// <param name="inputs">The samples, <c>InputSize</c> values each, row-major.</param>
    /// <param name="targets">The targets, <c>OutputSize</c> values per sample, row-major.</param>
    /// <param name="validationInputs">Held-out samples, row-major as <paramref name="inputs"/>.</param>
    /// <param name="validationTargets">Their targets.</param>
    /// <param name="options">Epochs, batch size, shuffling, schedule, early stopping, progress and cancellation; no other validation data.</param>
    /// <returns>One report per completed epoch.</returns>
    /// <exception cref="ArgumentException">As the overload without validation data, for either set; or the options also give validation data.</exception>
    /// <exception cref="TrainingDivergedException">The loss, a parameter or the validation loss became non-finite; the network holds the last finite state.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the network holds every update made before.</exception>
    public static TrainingHistory Fit<T>(INetwork<T> network, T[] inputs, T[] targets, T[] validationInputs, T[] validationTargets, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(validationInputs);
        ArgumentNullException.ThrowIfNull(validationTargets);
        ArgumentNullException.ThrowIfNull(options);
        RequireNoValidationInOptions(options);
        return Run(network, inputs, targets, nameof(targets), new ValidationData<T>(validationInputs, validationTargets, nameof(validationInputs), nameof(validationTargets)), options);
    }

    /// <summary>
    /// Trains a cross-entropy <paramref name="network"/> on class labels: label <c>k</c> is the one-hot target with a 1
    /// at output <c>k</c>. Otherwise as <see cref="Fit{T}(INetwork{T}, T[], T[], TrainingOptions)"/>.
    /// </summary>
    /// <param name="network">The network to train; its loss must be <see cref="Loss.CrossEntropy"/>.</param>
    /// <param name="inputs">The samples, <c>InputSize</c> values each, row-major.</param>
    /// <param name="labels">One class index in [0, OutputSize) per sample.</param>
    /// <param name="options">Epochs, batch size, shuffling, validation split (stratified on request), schedule, early stopping, progress and cancellation.</param>
    /// <returns>One report per completed epoch.</returns>
    /// <exception cref="ArgumentException">The network is not a cross-entropy network, or the data is rejected as in the other overloads.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, OutputSize).</exception>
    /// <exception cref="TrainingDivergedException">The loss or a parameter became non-finite; the network holds the last finite state.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the network holds every update made before.</exception>
    public static TrainingHistory Fit<T>(INetwork<T> network, T[] inputs, int[] labels, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireNoValidationInOptions(options);
        T[] targets = OneHotTargets(network, inputs, labels, nameof(inputs), nameof(labels));
        return Run(network, inputs, targets, nameof(labels), null, options);
    }

    /// <summary>
    /// Trains a cross-entropy <paramref name="network"/> on class labels, measuring <paramref name="validationInputs"/>
    /// and <paramref name="validationLabels"/> after every epoch (the reports' accuracy is measured on them).
    /// </summary>
    /// <param name="network">The network to train; its loss must be <see cref="Loss.CrossEntropy"/>.</param>
    /// <param name="inputs">The samples, <c>InputSize</c> values each, row-major.</param>
    /// <param name="labels">One class index in [0, OutputSize) per sample.</param>
    /// <param name="validationInputs">Held-out samples, row-major as <paramref name="inputs"/>.</param>
    /// <param name="validationLabels">Their class indices.</param>
    /// <param name="options">Epochs, batch size, shuffling, schedule, early stopping, progress and cancellation; no other validation data.</param>
    /// <returns>One report per completed epoch.</returns>
    /// <exception cref="ArgumentException">The network is not a cross-entropy network, or either set is rejected.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, OutputSize).</exception>
    /// <exception cref="TrainingDivergedException">The loss, a parameter or the validation loss became non-finite; the network holds the last finite state.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the network holds every update made before.</exception>
    public static TrainingHistory Fit<T>(INetwork<T> network, T[] inputs, int[] labels, T[] validationInputs, int[] validationLabels, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireNoValidationInOptions(options);
        T[] targets = OneHotTargets(network, inputs, labels, nameof(inputs), nameof(labels));
        T[] validationTargets = OneHotTargets(network, validationInputs, validationLabels, nameof(validationInputs), nameof(validationLabels));
        return Run(network, inputs, targets, nameof(labels), new ValidationData<T>(validationInputs, validationTargets, nameof(validationInputs), nameof(validationLabels)), options);
    }

    private static TrainingHistory Run<T>(INetwork<T> network, T[] inputs, T[] targets, string targetsName, ValidationData<T>? validation, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        options.Validate();

        string name = network.GetType().Name;
        int totalSamples = NetworkArguments.SampleCount(inputs.Length, network.InputSize, name, nameof(inputs));
        NetworkArguments.RequireRows(targets.Length, totalSamples, network.OutputSize, name, targetsName);
        RequireTrainable(network, inputs, targets, nameof(inputs), targetsName);
        if (validation is { } given)
        {
            if (options.ValidationSplit > 0)
            {
                throw new ArgumentException("Give either validation data or a ValidationSplit, not both.", nameof(options));
            }

            int validationSamples = NetworkArguments.SampleCount(given.Inputs.Length, network.InputSize, name, given.InputsName);
            NetworkArguments.RequireRows(given.Targets.Length, validationSamples, network.OutputSize, name, given.TargetsName);
            RequireTrainable(network, given.Inputs, given.Targets, given.InputsName, given.TargetsName);
        }

        TrainingDataChecks.RequireFiniteState(network, name);
        options.Augmentation?.RequireShape(network.Architecture.InputShape);
        if (options.ValidationSplit > 0)
        {
            (inputs, targets, validation) = SplitValidation(network, inputs, targets, totalSamples, options);
        }

        RequireBatchesForBatchNorm(network, inputs.Length / network.InputSize, options);
        return Train(network, inputs, targets, validation, options);
    }

    private static TrainingHistory Train<T>(INetwork<T> network, T[] inputs, T[] targets, ValidationData<T>? validation, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = new TrainingRun<T>(network, inputs, targets, inputs.Length / network.InputSize, options);
        double baseRate = network.LearningRate;
        var history = new TrainingHistory();
        var clock = Stopwatch.StartNew();
        var lastEpoch = NetworkState<T>.Capture(network);
        NetworkState<T>? best = null;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0;
        int epochsWithoutImprovement = 0;
        double lowestMonitored = double.PositiveInfinity;
        var plateau = options.ReduceLearningRateOnPlateau is { } rule ? new ReduceLearningRateOnPlateau.Tracker(rule) : null;

        try
        {
            network.ZeroGradients();
            for (int epoch = options.InitialEpoch + 1; epoch <= options.Epochs; epoch++)
            {
                double rate = options.LearningRateSchedule?.LearningRate(baseRate, epoch) ?? baseRate;
                rate = plateau?.Apply(rate) ?? rate;
                network.LearningRate = rate;
                double trainingLoss = run.Epoch(epoch, checkStateEachBatch: false, out int divergedBatch);
                if (divergedBatch == 0 && !TrainingDataChecks.IsFinite(network))
                {
                    // The losses were finite but an update was not: replay the epoch from its start, checking the
                    // state after every batch, to name the batch. The replay is bit-identical up to that batch.
                    lastEpoch.Restore(network);
                    trainingLoss = run.Epoch(epoch, checkStateEachBatch: true, out divergedBatch);
                    RestoreFinite(network, options, best, lastEpoch);
                    throw TrainingDivergedException.NonFiniteParametersAfter(epoch, divergedBatch, trainingLoss);
                }

                double? validationLoss = validation is null
                    ? null
                    : double.CreateTruncating(network.ComputeLoss(validation.Inputs, validation.Targets));
                if (divergedBatch > 0 || !double.IsFinite(validationLoss ?? 0))
                {
                    RestoreFinite(network, options, best, lastEpoch);
                    if (run.RefusedUpdate is { } refused)
                    {
                        throw TrainingDivergedException.UpdateRefused(epoch, divergedBatch, refused);
                    }

                    throw new TrainingDivergedException(epoch, divergedBatch, divergedBatch > 0 ? trainingLoss : validationLoss!.Value);
                }

                double? accuracy = validation is null ? null : run.Accuracy(validation.Inputs, validation.Targets);
                var report = new EpochReport(epoch, trainingLoss, validationLoss, accuracy, rate, clock.Elapsed);
                history.Add(report);
                options.EpochCompleted?.Invoke(report);
                options.Progress?.Report(report);
                lastEpoch = NetworkState<T>.Capture(network, reuse: lastEpoch);
                double monitored = validationLoss ?? trainingLoss;
                plateau?.Observe(monitored, rate);
                bool lowestSoFar = monitored < lowestMonitored;
                lowestMonitored = Math.Min(lowestMonitored, monitored);
                if (options.Checkpoint is { } checkpoint && epoch % checkpoint.Every == 0 && (lowestSoFar || !checkpoint.SaveBestOnly))
                {
                    Save(network, checkpoint, epoch);
                }

                if (options.EarlyStopping is { } stopping)
                {
                    if (monitored < bestLoss - stopping.MinDelta)
                    {
                        bestLoss = monitored;
                        bestEpoch = epoch;
                        epochsWithoutImprovement = 0;
                        best = stopping.RestoreBestWeights ? NetworkState<T>.Capture(network, reuse: best) : null;
                    }
                    else if (++epochsWithoutImprovement >= stopping.Patience)
                    {
                        history.StoppedEarly = true;
                        if (best is not null)
                        {
                            best.Restore(network);
                            history.KeptEpoch = bestEpoch;
                        }

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

    private static void Save<T>(INetwork<T> network, ModelCheckpoint checkpoint, int epoch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string path = System.IO.Path.GetFullPath(checkpoint.PathFor(epoch));
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (checkpoint.WeightsOnly)
        {
            NetworkFiles.Save(network, path);
        }
        else
        {
            NetworkFiles.SaveCheckpoint(network, path, epochsCompleted: epoch);
        }
    }

    private static void RestoreFinite<T>(INetwork<T> network, TrainingOptions options, NetworkState<T>? best, NetworkState<T> lastEpoch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkState<T> restore = options.EarlyStopping is { RestoreBestWeights: true } && best is not null ? best : lastEpoch;
        restore.Restore(network);
    }

    /// <summary>
    /// A BatchNorm layer normalises with the statistics of its batch, which one sample cannot give when the layer sees
    /// one value per channel (after a flat layer), and PyTorch refuses such a call. Fit's batches for such a network
    /// always hold two samples or more: a trailing single sample joins the batch before it, and what cannot be split so
    /// is refused here, before anything changes.
    /// </summary>
    private static void RequireBatchesForBatchNorm<T>(INetwork<T> network, int trainingSamples, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int layer = network.Architecture.SingleValueBatchNormLayer;
        if (layer < 0)
        {
            return;
        }

        string name = network.GetType().Name;
        if (trainingSamples < 2)
        {
            string held = options.ValidationSplit > 0 ? " after the ValidationSplit holds the rest out" : string.Empty;
            throw new ArgumentException(
                $"{name}'s layer {layer} is a BatchNorm layer with one value per channel, which normalises each training batch with that batch's own statistics and cannot train on a single sample; Fit has {trainingSamples} sample to train on{held}. Give at least two.",
                "inputs");
        }

        if (options.BatchSize == 1)
        {
            throw new ArgumentException(
                $"{name}'s layer {layer} is a BatchNorm layer with one value per channel, which normalises each training batch with that batch's own statistics; BatchSize = 1 would give it one sample at a time. Use a BatchSize of 2 or more, or 0 for the full batch.",
                nameof(options));
        }
    }

    /// <summary>The data checks of one inputs/targets pair, per the network's loss.</summary>
    private static void RequireTrainable<T>(INetwork<T> network, T[] inputs, T[] targets, string inputsName, string targetsName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = network.GetType().Name;
        TrainingDataChecks.RequireFinite<T>(inputs, network.InputSize, name, inputsName, "feature");
        TrainingDataChecks.RequireFinite<T>(targets, network.OutputSize, name, targetsName, "output");
        switch (network.Loss)
        {
            case Loss.CrossEntropy:
                TrainingDataChecks.RequireDistributions<T>(targets, network.OutputSize, name, targetsName);
                break;
            case Loss.BinaryCrossEntropy:
                TrainingDataChecks.RequireProbabilities<T>(targets, network.OutputSize, name, targetsName, "BinaryCrossEntropy");
                break;
        }
    }

    private static void RequireNoValidationInOptions(TrainingOptions options)
    {
        if (options.ValidationInputs is not null || options.ValidationTargets is not null)
        {
            throw new ArgumentException(
                "This Fit overload takes its validation data as arguments (or options.ValidationSplit); leave options.ValidationInputs and ValidationTargets unset.",
                nameof(options));
        }
    }

    /// <summary>One-hot target rows for class labels, after checking the network is a cross-entropy one and every label is a class.</summary>
    private static T[] OneHotTargets<T>(INetwork<T> network, T[] inputs, int[] labels, string inputsName, string labelsName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs, inputsName);
        ArgumentNullException.ThrowIfNull(labels, labelsName);
        string name = network.GetType().Name;
        if (network.Loss != Loss.CrossEntropy)
        {
            throw new ArgumentException(
                $"{name} uses {network.Loss}; class labels train only a CrossEntropy network. Give targets of OutputSize = {network.OutputSize} values per sample instead.",
                labelsName);
        }

        int samples = NetworkArguments.SampleCount(inputs.Length, network.InputSize, name, inputsName);
        NetworkArguments.RequireLabels(labels, samples, network.OutputSize, name, labelsName);
        return Preprocessing.OneHot.Encode<T>(labels, network.OutputSize);
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

    /// <summary>
    /// Holds out <see cref="TrainingOptions.ValidationSplit"/> of the samples, chosen after a shuffle seeded by
    /// <see cref="TrainingOptions.Seed"/> (stratified by class when <see cref="TrainingOptions.Stratify"/> is set), and
    /// returns copies of the rows to train on and the rows held out.
    /// </summary>
    private static (T[] Inputs, T[] Targets, ValidationData<T> Validation) SplitValidation<T>(
        INetwork<T> network, T[] inputs, T[] targets, int samples, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[]? classes = options.Stratify ? ClassOfEachSample(network, targets, samples) : null;
        (int[] train, int[] held) = Preprocessing.DataSplit.Split(
            samples, options.ValidationSplit, new SeededRandom((long)options.Seed << 32), classes, nameof(options.ValidationSplit));
        int inputSize = network.InputSize, outputSize = network.OutputSize;
        var validation = new ValidationData<T>(
            Preprocessing.DataSplit.Gather(inputs, inputSize, held), Preprocessing.DataSplit.Gather(targets, outputSize, held), "inputs (held out)", "targets (held out)");
        return (Preprocessing.DataSplit.Gather(inputs, inputSize, train), Preprocessing.DataSplit.Gather(targets, outputSize, train), validation);
    }

    /// <summary>The class of each sample for a stratified split: the largest target for cross-entropy, target ≥ 0.5 for a one-output binary network.</summary>
    private static int[] ClassOfEachSample<T>(INetwork<T> network, T[] targets, int samples)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outputs = network.OutputSize;
        var classes = new int[samples];
        if (network.Loss == Loss.CrossEntropy)
        {
            for (int i = 0; i < samples; i++)
            {
                classes[i] = TensorPrimitives.IndexOfMax<T>(targets.AsSpan(i * outputs, outputs));
            }

            return classes;
        }

        if (network.Loss == Loss.BinaryCrossEntropy && outputs == 1)
        {
            T half = T.CreateTruncating(0.5);
            for (int i = 0; i < samples; i++)
            {
                classes[i] = targets[i] >= half ? 1 : 0;
            }

            return classes;
        }

        throw new ArgumentException(
            $"Stratify needs one class per sample, so a CrossEntropy network or a BinaryCrossEntropy network with one output; {network.GetType().Name} uses {network.Loss} with {outputs} outputs.",
            nameof(TrainingOptions.Stratify));
    }

    /// <summary>Validation data and the names its checks report it under.</summary>
    private sealed record ValidationData<T>(T[] Inputs, T[] Targets, string InputsName, string TargetsName);

    /// <summary>The buffers and the walk over the data of one Fit call.</summary>
    private sealed class TrainingRun<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INetwork<T> _network;
        private readonly T[] _inputs, _targets;
        private readonly int _samples, _batchSize, _rowsPerPass;
        private readonly bool _wholeBatches, _joinsSingleSamples;
        private readonly TrainingOptions _options;
        private readonly int[] _order;
        private readonly T[] _stagedInputs, _stagedTargets;
        private readonly bool _stages;
        private readonly IReadOnlyList<int> _inputShape;
        private SeededRandom? _augmentationRandom;
        private T[] _predictions = Array.Empty<T>();

        public TrainingRun(INetwork<T> network, T[] inputs, T[] targets, int samples, TrainingOptions options)
        {
            _network = network;
            _inputs = inputs;
            _targets = targets;
            _samples = samples;
            _options = options;
            _batchSize = options.BatchSize == 0 ? samples : Math.Min(options.BatchSize, samples);

            // BatchNorm's statistics cover the whole batch: such a network gets each batch in one TrainBatch call, and
            // one with a BatchNorm of one value per channel never a batch of one sample (a trailing one joins the last).
            _wholeBatches = network.Architecture.BatchNormCount > 0;
            _joinsSingleSamples = network.Architecture.SingleValueBatchNormLayer >= 0;
            _rowsPerPass = _wholeBatches ? Math.Min(_batchSize + 1, samples) : Math.Min(_batchSize, MaxRowsPerPass);
            _order = options.Shuffle ? new int[samples] : Array.Empty<int>(); // filled by EpochOrder each epoch

            // Shuffled or augmented rows are gathered into a staging buffer per pass; otherwise the caller's arrays are
            // sliced directly.
            _stages = options.Shuffle || options.Augmentation is not null;
            _inputShape = network.Architecture.InputShape;
            _stagedInputs = _stages ? new T[_rowsPerPass * network.InputSize] : Array.Empty<T>();
            _stagedTargets = _stages ? new T[_rowsPerPass * network.OutputSize] : Array.Empty<T>();
        }

        /// <summary>
        /// One pass over the training samples. Returns the mean loss; <paramref name="divergedBatch"/> is the first batch
        /// (from 1) whose loss was not finite, or, with <paramref name="checkStateEachBatch"/>, after which a parameter or
        /// optimizer state was not finite; else 0.
        /// </summary>
        public double Epoch(int epoch, bool checkStateEachBatch, out int divergedBatch)
        {
            try
            {
                RefusedUpdate = null;
                return EpochOfSteps(epoch, checkStateEachBatch, out divergedBatch);
            }
            catch (NonFiniteUpdateException refused)
            {
                // The step refused an update whose gradient was not finite and changed nothing; the epoch ends at that batch.
                RefusedUpdate = refused;
                divergedBatch = _batch;
                return double.NaN;
            }
        }

        /// <summary>The step that refused its update in the last <see cref="Epoch"/>, or null.</summary>
        public NonFiniteUpdateException? RefusedUpdate { get; private set; }

        private int _batch;

        private double EpochOfSteps(int epoch, bool checkStateEachBatch, out int divergedBatch)
        {
            int inputSize = _network.InputSize, outputSize = _network.OutputSize;
            if (_options.Shuffle)
            {
                EpochOrder(_order, _options.Seed, epoch);
            }

            // Drawn per epoch, so that a replayed epoch (and a resumed run) sees the same transformations.
            _augmentationRandom = _options.Augmentation is null ? null : InputAugmentation.EpochRandom(_options.Seed, epoch);
            double lossSum = 0;
            int batch = 0;
            for (int batchStart = 0, batchEnd; batchStart < _samples; batchStart = batchEnd)
            {
                _options.CancellationToken.ThrowIfCancellationRequested();
                _batch = ++batch;
                batchEnd = BatchEnd(batchStart);
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
                    if (checkStateEachBatch && !TrainingDataChecks.IsFinite(_network))
                    {
                        divergedBatch = batch;
                        return loss / (batchEnd - batchStart);
                    }

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
                if (checkStateEachBatch && !TrainingDataChecks.IsFinite(_network))
                {
                    divergedBatch = batch;
                    return batchLoss / (batchEnd - batchStart);
                }
            }

            divergedBatch = 0;
            return lossSum / _samples;
        }

        /// <summary>
        /// Where the batch that begins at <paramref name="batchStart"/> ends: BatchSize samples on, or at the end of the
        /// data; for a network with a BatchNorm of one value per channel, a single sample left after it joins it.
        /// </summary>
        private int BatchEnd(int batchStart)
        {
            int batchEnd = Math.Min(batchStart + _batchSize, _samples);
            return _joinsSingleSamples && _samples - batchEnd == 1 ? _samples : batchEnd;
        }

        /// <summary>
        /// Samples [first, first + rows) in the epoch's order: copied (and augmented) into the staging buffers when
        /// shuffling or augmenting, else slices of the data.
        /// </summary>
        private void Stage(int first, int rows, int inputSize, int outputSize, out ReadOnlySpan<T> inputs, out ReadOnlySpan<T> targets)
        {
            if (!_stages)
            {
                inputs = _inputs.AsSpan(first * inputSize, rows * inputSize);
                targets = _targets.AsSpan(first * outputSize, rows * outputSize);
                return;
            }

            if (_augmentationRandom is { } random)
            {
                for (int r = 0; r < rows; r++)
                {
                    int sample = _options.Shuffle ? _order[first + r] : first + r;
                    _options.Augmentation!.Apply(_inputs.AsSpan(sample * inputSize, inputSize), _stagedInputs.AsSpan(r * inputSize, inputSize), _inputShape, random);
                    _targets.AsSpan(sample * outputSize, outputSize).CopyTo(_stagedTargets.AsSpan(r * outputSize));
                }
            }
            else
            {
                // Staged without augmentation means shuffled: the rows of this pass in the epoch's order.
                ReadOnlySpan<int> order = _order.AsSpan(first, rows);
                Preprocessing.DataSplit.Gather<T>(_inputs, inputSize, order, _stagedInputs);
                Preprocessing.DataSplit.Gather<T>(_targets, outputSize, order, _stagedTargets);
            }

            inputs = _stagedInputs.AsSpan(0, rows * inputSize);
            targets = _stagedTargets.AsSpan(0, rows * outputSize);
        }

        /// <summary>
        /// The fraction of correct predictions for a classification network, null for regression. Cross-entropy: the
        /// largest output is the largest target. Binary cross-entropy: each output and its target fall on the same
        /// side of 0.5.
        /// </summary>
        public double? Accuracy(T[] inputs, T[] targets)
        {
            if (_network.Loss == Loss.MeanSquaredError)
            {
                return null;
            }

            if (_predictions.Length != targets.Length)
            {
                _predictions = new T[targets.Length];
            }

            _network.PredictBatch(inputs, _predictions);
            ReadOnlySpan<T> expected = targets;
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

    /// <summary>
    /// A copy of everything a training call changes: parameters, BatchNorm's buffers and batch counts, optimizer state
    /// and step count, and the dropout generator, so that a restored state replays bit for bit.
    /// </summary>
    private sealed class NetworkState<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _parameters;
        private readonly T[] _buffers;
        private readonly long[] _batchesTracked;
        private readonly T[] _optimizerState;
        private readonly ulong[] _randomState;
        private long _optimizerStep;

        private NetworkState(INetwork<T> network)
        {
            _parameters = new T[network.ParameterCount];
            _buffers = new T[network.Buffers.Length];
            _batchesTracked = new long[network.BatchesTracked.Length];
            _optimizerState = new T[network.OptimizerState.Length];
            _randomState = new ulong[network.RandomState.Length];
        }

        public static NetworkState<T> Capture(INetwork<T> network, NetworkState<T>? reuse = null)
        {
            NetworkState<T> state = reuse ?? new NetworkState<T>(network);
            network.Parameters.CopyTo(state._parameters);
            network.Buffers.CopyTo(state._buffers);
            network.BatchesTracked.CopyTo(state._batchesTracked);
            network.OptimizerState.CopyTo(state._optimizerState);
            network.RandomState.CopyTo(state._randomState);
            state._optimizerStep = network.OptimizerStep;
            return state;
        }

        public void Restore(INetwork<T> network)
        {
            _parameters.CopyTo(network.Parameters);
            _buffers.CopyTo(network.Buffers);
            _batchesTracked.CopyTo(network.BatchesTracked);
            _optimizerState.CopyTo(network.OptimizerState);
            _randomState.CopyTo(network.RandomState);
            network.OptimizerStep = _optimizerStep;
            network.ZeroGradients();
        }
    }
}
