using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using NetGen.Tests.Convergence;
using NetGen.Tests.Training;
using Xunit;

namespace NetGen.Tests;

/// <summary>Trainer.Fit: schedules, early stopping, divergence, cancellation, progress, validation and determinism.</summary>
public sealed class TrainingLoopTests
{
    private static readonly double[] FourSamples = [1, 2, 3, 4];

    /// <summary>A synchronous IProgress: System.Progress would post to a thread-pool context.</summary>
    private sealed class Recorder(Action<EpochReport>? onReport = null) : IProgress<EpochReport>
    {
        public List<EpochReport> Reports { get; } = new();

        public void Report(EpochReport value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    [Theory]
    [InlineData(1, 0.1)]
    [InlineData(3, 0.1)]
    [InlineData(4, 0.05)]
    [InlineData(9, 0.025)]
    public void Step_decay_halves_every_three_epochs(int epoch, double expected)
        => Assert.Equal(expected, new StepDecaySchedule(3, 0.5).LearningRate(0.1, epoch), 15);

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 0.9)]
    [InlineData(5, 0.6561)]
    public void Exponential_decay_is_base_times_gamma_to_the_epochs_elapsed(int epoch, double expected)
        => Assert.Equal(expected, new ExponentialSchedule(0.9).LearningRate(1.0, epoch), 15);

    [Fact]
    public void Cosine_annealing_falls_from_the_base_rate_to_the_minimum_over_its_period()
    {
        var schedule = new CosineAnnealingSchedule(Period: 10, MinimumRate: 0.01);

        Assert.Equal(0.1, schedule.LearningRate(0.1, 1), 15);
        Assert.Equal(0.01 + 0.09 * (1 + Math.Cos(Math.PI * 5 / 10)) / 2, schedule.LearningRate(0.1, 6), 15);
        Assert.Equal(0.01, schedule.LearningRate(0.1, 11), 15);
    }

    [Fact]
    public void Linear_warmup_ramps_to_the_base_rate_then_the_schedule_starts_from_its_first_epoch()
    {
        var schedule = new StepDecaySchedule(2, 0.1) { WarmupEpochs = 4 };

        Assert.Equal(0.25, schedule.LearningRate(1.0, 1), 15);
        Assert.Equal(0.75, schedule.LearningRate(1.0, 3), 15);
        Assert.Equal(1.0, schedule.LearningRate(1.0, 4), 15);
        Assert.Equal(1.0, schedule.LearningRate(1.0, 6), 15);
        Assert.Equal(0.1, schedule.LearningRate(1.0, 7), 15);
    }

    [Theory]
    [InlineData(100, 6, 6)] // one pass per batch: TrainBatch, which a network may fuse
    [InlineData(300, 2, 4)] // 300 > Trainer.MaxRowsPerPass: two accumulated passes, then one update
    public void Each_batch_is_one_update_however_many_passes_it_takes(int batchSize, int updates, int passes)
    {
        var network = new ScriptedNetwork(_ => 1);
        double[] samples = new double[600];

        Trainer.Fit(network, samples, samples, new TrainingOptions { Epochs = 1, BatchSize = batchSize });

        Assert.Equal(updates, network.OptimizerStep);
        Assert.Equal(passes, network.AccumulateCalls);
    }

    [Fact]
    public void Fit_uses_the_scheduled_rate_each_epoch_and_restores_the_declared_rate_afterwards()
    {
        var network = new ScriptedNetwork(_ => 1);
        var progress = new Recorder();

        Trainer.Fit(network, FourSamples, FourSamples, new TrainingOptions
        {
            Epochs = 4,
            BatchSize = 2,
            LearningRateSchedule = new ExponentialSchedule(0.5),
            Progress = progress,
        });

        Assert.Equal(new[] { 0.1, 0.05, 0.025, 0.0125 }, progress.Reports.ConvertAll(r => Math.Round(r.LearningRate, 15)));
        Assert.Equal(0.1, network.LearningRate);
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement_and_restores_the_best_epoch()
    {
        // Validation losses by epoch: the best is epoch 3; epochs 4–6 fail to beat it by MinDelta = 0.1.
        double[] curve = [5, 4, 3, 3.5, 2.95, 3.1, 1, 1];
        var network = new ScriptedNetwork(epoch => curve[epoch - 1]);

        TrainingHistory history = Trainer.Fit(network, FourSamples, FourSamples, new TrainingOptions
        {
            Epochs = 8,
            BatchSize = 2,
            ValidationInputs = FourSamples,
            ValidationTargets = FourSamples,
            EarlyStopping = new EarlyStopping { Patience = 3, MinDelta = 0.1 },
        });

        Assert.Equal(6, history.Epochs.Count);
        Assert.Equal(3 * 2, network.Parameters[0]); // two updates per epoch: the parameter after epoch 3
        Assert.Equal(3 * 2, network.OptimizerStep);
    }

    [Fact]
    public void Early_stopping_without_restoring_keeps_the_last_epoch()
    {
        double[] curve = [3, 4, 5];
        var network = new ScriptedNetwork(epoch => curve[epoch - 1]);

        Trainer.Fit(network, FourSamples, FourSamples, new TrainingOptions
        {
            Epochs = 10,
            BatchSize = 4,
            ValidationInputs = FourSamples,
            ValidationTargets = FourSamples,
            EarlyStopping = new EarlyStopping { Patience = 2, RestoreBestWeights = false },
        });

        Assert.Equal(3, network.Parameters[0]);
    }

    [Fact]
    public void A_NaN_loss_throws_naming_the_epoch_and_batch_and_leaves_the_last_completed_epoch()
    {
        // Two batches per epoch: the 7th accumulation is epoch 4, batch 1.
        var network = new ScriptedNetwork(_ => 1) { NaNAtCall = 7 };

        var exception = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Fit(network, FourSamples, FourSamples, new TrainingOptions { Epochs = 10, BatchSize = 2, Shuffle = false }));

        Assert.Equal(4, exception.Epoch);
        Assert.Equal(1, exception.Batch);
        Assert.Contains("epoch 4, batch 1", exception.Message);
        Assert.Equal(6, network.Parameters[0]);
        Assert.Equal(60, network.OptimizerState[0]);
        Assert.Equal(6, network.OptimizerStep);
        Assert.Equal(0, network.Gradients[0]);
    }

    [Fact]
    public void A_real_network_driven_to_overflow_is_put_back_to_its_last_completed_epoch()
    {
        var network = new SineNet();
        float[] inputs = [-3, -1, 0, 1, 3, 2, -2, 0.5f];
        float[] targets = [30, -10, 0, 10, 30, 20, -20, 5];
        float[] lastReported = network.Parameters.ToArray();
        var progress = new Recorder(_ => lastReported = network.Parameters.ToArray());
        network.LearningRate = 1e4; // far past stability: the loss overflows within a few epochs

        var exception = Assert.Throws<TrainingDivergedException>(() =>
            network.Fit(inputs, targets, new TrainingOptions { Epochs = 50, BatchSize = 4, Progress = progress }));

        Assert.Equal(progress.Reports.Count + 1, exception.Epoch);
        Assert.Equal(lastReported, network.Parameters.ToArray());
        Assert.All(network.Parameters.ToArray(), p => Assert.True(float.IsFinite(p)));
        Assert.Equal(1e4, network.LearningRate);
    }

    [Fact]
    public void Cancelling_stops_between_batches_with_every_completed_update_kept()
    {
        using var cancellation = new CancellationTokenSource();
        var network = new ScriptedNetwork(_ => 1);
        var progress = new Recorder(report =>
        {
            if (report.Epoch == 2)
            {
                cancellation.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Fit(network, FourSamples, FourSamples, new TrainingOptions
        {
            Epochs = 10,
            BatchSize = 2,
            Progress = progress,
            CancellationToken = cancellation.Token,
        }));

        Assert.Equal(2, progress.Reports.Count);
        Assert.Equal(4, network.Parameters[0]);
        Assert.Equal(0, network.Gradients[0]);
    }

    [Fact]
    public void Progress_is_reported_exactly_once_per_epoch_in_order()
    {
        var progress = new Recorder();
        (float[] x, float[] y) = ConvergenceTests.Blobs(60, seed: 4);

        new BlobsAdam().Fit(x, y, new TrainingOptions { Epochs = 7, BatchSize = 8, ValidationSplit = 0.25, Progress = progress });

        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 7 }, progress.Reports.ConvertAll(r => r.Epoch));
        Assert.All(progress.Reports, r =>
        {
            Assert.NotNull(r.ValidationLoss);
            Assert.InRange(r.Accuracy!.Value, 0, 1);
            Assert.True(r.Elapsed > TimeSpan.Zero);
        });
    }

    /// <summary>Sample i has input i and class i / 10: the data is sorted by class, as the Iris and MNIST files are.</summary>
    private static (double[] Inputs, double[] Targets) ClassSorted(int perClass)
    {
        var inputs = new double[3 * perClass];
        var targets = new double[3 * perClass * 3];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = i;
            targets[3 * i + i / perClass] = 1;
        }

        return (inputs, targets);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(64)]
    public void Shuffled_batches_hold_each_epochs_order_with_every_sample_beside_its_own_targets(int batchSize)
    {
        // 37 samples: batches with a remainder, and more rows than the gather requests ahead of its copies. Each sample's
        // input is its row number and its target the one-hot row of class row % 3.
        const int samples = 37, seed = 7;
        double[] x = new double[samples], y = new double[3 * samples];
        for (int i = 0; i < samples; i++)
        {
            x[i] = i;
            y[3 * i + i % 3] = 1;
        }

        var network = new RecordingNetwork();
        Trainer.Fit(network, x, y, new TrainingOptions { Epochs = 2, BatchSize = batchSize, Shuffle = true, Seed = seed });

        var expected = new List<double>();
        int[] order = new int[samples];
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            Trainer.EpochOrder(order, seed, epoch);
            expected.AddRange(Array.ConvertAll(order, i => (double)i));
        }

        Assert.Equal(expected, network.TrainedOn);
        Assert.Equal(3 * network.TrainedOn.Count, network.TrainedTargets.Count);
        for (int row = 0; row < network.TrainedOn.Count; row++)
        {
            int sample = (int)network.TrainedOn[row];
            Assert.Equal(y.AsSpan(3 * sample, 3).ToArray(), network.TrainedTargets.GetRange(3 * row, 3).ToArray());
        }

        Assert.Equal(Enumerable.Range(0, samples).Select(i => (double)i), x); // the caller's data is not reordered
    }

    [Fact]
    public void ValidationSplit_holds_out_a_seeded_random_subset_and_trains_on_the_rest()
    {
        (double[] x, double[] y) = ClassSorted(perClass: 10);
        double[] HeldOut(int seed)
        {
            var network = new RecordingNetwork();
            Trainer.Fit(network, x, y, new TrainingOptions { Epochs = 1, BatchSize = 1, Seed = seed, ValidationSplit = 0.3 });
            Assert.Equal(21, network.TrainedOn.Count);
            Assert.DoesNotContain(network.TrainedOn, v => Array.IndexOf(network.ValidatedOn, v) >= 0);
            return network.ValidatedOn;
        }

        double[] held = HeldOut(seed: 1);
        Assert.Equal(9, held.Length);
        Assert.NotEqual(new double[] { 21, 22, 23, 24, 25, 26, 27, 28, 29 }, held); // not the last rows
        Assert.Equal(held, HeldOut(seed: 1));
        Assert.NotEqual(held, HeldOut(seed: 2));
    }

    [Fact]
    public void Stratified_ValidationSplit_holds_out_every_class_in_proportion()
    {
        (double[] x, double[] y) = ClassSorted(perClass: 10);
        var network = new RecordingNetwork();

        Trainer.Fit(network, x, y, new TrainingOptions { Epochs = 1, ValidationSplit = 0.2, Stratify = true, Seed = 5 });

        int[] perClass = new int[3];
        foreach (double sample in network.ValidatedOn)
        {
            perClass[(int)sample / 10]++;
        }

        Assert.Equal(new[] { 2, 2, 2 }, perClass);
    }

    [Fact]
    public void Stratify_on_a_regression_network_is_rejected()
    {
        var network = new SineNet();
        var exception = Assert.Throws<ArgumentException>(() =>
            network.Fit([0, 1, 2, 3], [0, 1, 2, 3], new TrainingOptions { ValidationSplit = 0.5, Stratify = true }));
        Assert.Contains("Stratify needs one class per sample", exception.Message);
    }

    [Fact]
    public void An_update_that_makes_a_parameter_NaN_under_a_finite_loss_throws_naming_the_batch_and_restores_the_last_finite_epoch()
    {
        // Two batches per epoch: update 6 is epoch 3, batch 2. Epochs 1 and 2 leave the parameter at 4.
        var network = new RecordingNetwork { PoisonAtUpdate = 6 };
        double[] x = [0, 1, 2, 3];
        double[] y = [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0];

        var exception = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Fit(network, x, y, new TrainingOptions { Epochs = 5, BatchSize = 2, Shuffle = false }));

        Assert.Equal(3, exception.Epoch);
        Assert.Equal(2, exception.Batch);
        Assert.True(exception.NonFiniteParameters);
        Assert.Contains("epoch 3, batch 2", exception.Message);
        Assert.Equal(4, network.Parameters[0]);
        Assert.Equal(40, network.OptimizerState[0]);
        Assert.Equal(4, network.OptimizerStep);
    }

    [Fact]
    public void Fit_refuses_to_start_from_non_finite_parameters()
    {
        var network = new SineNet();
        network.Parameters[3] = float.NaN;

        var exception = Assert.Throws<ArgumentException>(() => network.Fit([0, 1], [0, 1], new TrainingOptions()));

        Assert.Contains("SineNet holds a NaN or infinite parameter", exception.Message);
    }

    [Fact]
    public void EpochCompleted_runs_on_the_training_thread_before_Fit_returns()
    {
        int trainingThread = Environment.CurrentManagedThreadId;
        var threads = new List<int>();

        new SineNet().Fit([0f, 1f], [0f, 0.8f], new TrainingOptions { Epochs = 5, EpochCompleted = _ => threads.Add(Environment.CurrentManagedThreadId) });

        Assert.Equal(new[] { trainingThread, trainingThread, trainingThread, trainingThread, trainingThread }, threads);
    }

    [Fact]
    public void Fit_with_class_labels_trains_exactly_as_with_the_one_hot_targets_they_stand_for()
    {
        (float[] x, float[] oneHot) = ConvergenceTests.Blobs(30, seed: 6);
        int[] labels = new int[30];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 3; // Blobs gives sample i the class i mod 3
        }

        var fromTargets = new BlobsAdam();
        var fromLabels = new BlobsAdam();
        var options = new TrainingOptions { Epochs = 3, BatchSize = 4, Seed = 2 };
        fromTargets.Fit(x, oneHot, options);
        Trainer.Fit(fromLabels, x, labels, options);

        Assert.Equal(fromTargets.Parameters.ToArray(), fromLabels.Parameters.ToArray());
    }

    [Fact]
    public void Typed_validation_data_is_measured_after_every_epoch()
    {
        (float[] x, float[] y) = ConvergenceTests.Blobs(30, seed: 7);
        (float[] vx, float[] vy) = ConvergenceTests.Blobs(12, seed: 8);
        int[] vlabels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2];
        var network = new BlobsAdam();

        TrainingHistory history = Trainer.Fit(network, x, y, vx, vy, new TrainingOptions { Epochs = 3 });
        Assert.Equal(network.ComputeLoss(vx, vy), history.Epochs[^1].ValidationLoss!.Value, 6);

        var labelled = new BlobsAdam();
        TrainingHistory fromLabels = Trainer.Fit(labelled, x, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], vx, vlabels, new TrainingOptions { Epochs = 3 });
        Assert.Equal(history.Epochs[^1].ValidationLoss, fromLabels.Epochs[^1].ValidationLoss);
    }

    [Fact]
    public void Regression_networks_report_no_accuracy()
    {
        var progress = new Recorder();
        new SineNet().Fit([0f, 1f], [0f, 0.8f], new TrainingOptions { Epochs = 1, Progress = progress });

        Assert.Null(progress.Reports[0].Accuracy);
        Assert.Null(progress.Reports[0].ValidationLoss);
    }

    [Fact]
    public void Two_fits_with_the_same_seed_are_bit_identical_with_Adam_shuffling_and_validation()
    {
        (float[] x, float[] y) = ConvergenceTests.Blobs(90, seed: 5);
        float[] Run(int seed)
        {
            var network = new BlobsAdam();
            network.InitializeParameters(seed);
            network.Fit(x, y, new TrainingOptions { Epochs = 5, BatchSize = 7, Seed = seed, ValidationSplit = 0.2 });
            return [.. network.Parameters, .. network.OptimizerState];
        }

        Assert.Equal(Run(11), Run(11));
        Assert.NotEqual(Run(11), Run(12));
    }

    [Fact]
    public void Invalid_options_are_rejected_with_the_option_named()
    {
        var network = new XorNet();
        float[] x = [0, 0, 1, 1], y = [0, 1];

        Assert.Contains("ValidationSplit", Assert.Throws<ArgumentOutOfRangeException>(() => network.Fit(x, y, new TrainingOptions { ValidationSplit = 1 })).Message);
        Assert.Contains("Patience", Assert.Throws<ArgumentOutOfRangeException>(() => network.Fit(x, y, new TrainingOptions { EarlyStopping = new EarlyStopping { Patience = 0 } })).Message);
        Assert.Contains("Gamma", Assert.Throws<ArgumentOutOfRangeException>(() => network.Fit(x, y, new TrainingOptions { LearningRateSchedule = new ExponentialSchedule(1.5) })).Message);
        Assert.Contains("Single[]", Assert.Throws<ArgumentException>(() => network.Fit(x, y, new TrainingOptions { ValidationInputs = new double[2], ValidationTargets = new double[1] })).Message);
    }

    /// <summary>Four samples of three classes for the recording network, one update per epoch with BatchSize = 0.</summary>
    private static readonly double[] RecordedX = [0, 1, 2, 3];
    private static readonly double[] RecordedY = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0];

    [Fact]
    public void FinalLoss_is_the_loss_of_the_epoch_whose_weights_were_kept()
    {
        // Training losses by epoch; no improvement after epoch 3, so patience 3 stops at epoch 6 and restores epoch 3.
        double[] curve = [5, 4, 3, 3.5, 3.6, 3.7, 1, 1];
        var network = new RecordingNetwork { LossOfStep = step => curve[step - 1] };

        TrainingHistory history = Trainer.Fit(network, RecordedX, RecordedY, new TrainingOptions
        {
            Epochs = 8,
            BatchSize = 0,
            EarlyStopping = new EarlyStopping { Patience = 3 },
        });

        Assert.Equal(6, history.Epochs.Count);
        Assert.Equal(3, history.FinalLoss);
    }

    [Fact]
    public void The_history_names_the_best_epoch_the_epoch_kept_and_that_training_stopped_early()
    {
        double[] validation = [5, 4, 3, 3.5, 3.6, 3.7, 1, 1];
        var network = new RecordingNetwork { ValidationLossOfCall = call => validation[call - 1] };

        TrainingHistory history = Trainer.Fit(network, RecordedX, RecordedY, RecordedX, RecordedY, new TrainingOptions
        {
            Epochs = 8,
            BatchSize = 0,
            EarlyStopping = new EarlyStopping { Patience = 3 },
        });

        Assert.True(history.StoppedEarly);
        Assert.Equal(3, history.BestEpoch);
        Assert.Equal(3, history.KeptEpoch);
        Assert.Equal(3, history.FinalValidationLoss);
        Assert.Equal(new double[] { 5, 4, 3, 3.5, 3.6, 3.7 }, history.ValidationLoss);
        Assert.Equal(3, network.Parameters[0]); // the parameter counts updates: epoch 3's weights
    }

    [Fact]
    public void Without_early_stopping_the_last_epoch_is_kept()
    {
        TrainingHistory history = Trainer.Fit(new RecordingNetwork(), RecordedX, RecordedY, new TrainingOptions { Epochs = 4, BatchSize = 0 });

        Assert.False(history.StoppedEarly);
        Assert.Equal(4, history.KeptEpoch);
        Assert.Empty(history.ValidationLoss);
        Assert.Equal(new double[] { 1, 1, 1, 1 }, history.TrainingLoss);
        Assert.Equal(new double[] { 0.1, 0.1, 0.1, 0.1 }, history.LearningRate);
    }

    [Fact]
    public void The_per_epoch_arrays_match_the_reports()
    {
        (float[] x, float[] y) = ConvergenceTests.Blobs(30, seed: 9);
        TrainingHistory history = new BlobsAdam().Fit(x, y, new TrainingOptions { Epochs = 4, ValidationSplit = 0.2, Stratify = true });

        Assert.Equal(history.Epochs.Select(r => r.ValidationLoss!.Value), history.ValidationLoss);
        Assert.Equal(history.Epochs.Select(r => r.Accuracy!.Value), history.Accuracy);
    }

    [Fact]
    public void A_plateau_halves_the_rate_after_patience_epochs_without_improvement()
    {
        // Losses 5, 4, then flat: epochs 3 and 4 do not improve, so epoch 5 runs at half the rate; epochs 5 and 6 do
        // not improve either, so epoch 7 runs at a quarter.
        double[] curve = [5, 4, 4, 4, 4, 4, 4];
        var network = new RecordingNetwork { LossOfStep = step => curve[step - 1] };

        TrainingHistory history = Trainer.Fit(network, RecordedX, RecordedY, new TrainingOptions
        {
            Epochs = 7,
            BatchSize = 0,
            ReduceLearningRateOnPlateau = new ReduceLearningRateOnPlateau { Factor = 0.5, Patience = 2, MinDelta = 0 },
        });

        Assert.Equal(new[] { 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025 }, history.LearningRate);
        Assert.Equal(0.1, network.LearningRate);
    }

    [Fact]
    public void A_plateau_reduction_stops_at_the_minimum_rate_and_waits_out_its_cooldown()
    {
        // Flat from the start: epoch 1 sets the best; 2 does not improve → reduce (patience 1); cooldown 1 skips epoch 3;
        // epoch 4 reduces again, but not below 0.03.
        var network = new RecordingNetwork();

        TrainingHistory history = Trainer.Fit(network, RecordedX, RecordedY, new TrainingOptions
        {
            Epochs = 6,
            BatchSize = 0,
            ReduceLearningRateOnPlateau = new ReduceLearningRateOnPlateau { Factor = 0.5, Patience = 1, Cooldown = 1, MinimumRate = 0.03 },
        });

        Assert.Equal(new[] { 0.1, 0.1, 0.05, 0.05, 0.03, 0.03 }, history.LearningRate.Select(r => Math.Round(r, 12)));
    }

    [Fact]
    public void A_checkpoint_every_two_epochs_holds_the_state_after_that_epoch()
    {
        string folder = Directory.CreateTempSubdirectory("netgen-checkpoints-").FullName;
        try
        {
            float[] x = [-1, -0.5f, 0, 0.5f, 1], y = [-0.8f, -0.5f, 0, 0.5f, 0.8f];
            new SineNet().Fit(x, y, new TrainingOptions
            {
                Epochs = 5,
                BatchSize = 2,
                Seed = 3,
                Checkpoint = new ModelCheckpoint(Path.Combine(folder, "run", "sine-{epoch}.ckpt")) { Every = 2 },
            });

            Assert.Equal(new[] { "sine-2.ckpt", "sine-4.ckpt" }, Directory.GetFiles(Path.Combine(folder, "run")).Select(Path.GetFileName).Order());
            var twoEpochs = new SineNet();
            twoEpochs.Fit(x, y, new TrainingOptions { Epochs = 2, BatchSize = 2, Seed = 3 });
            var loaded = new SineNet();
            Assert.Equal(2, loaded.LoadCheckpoint(Path.Combine(folder, "run", "sine-2.ckpt")));
            Assert.Equal(twoEpochs.Parameters.ToArray(), loaded.Parameters.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_best_only_checkpoint_holds_the_weights_of_the_best_epoch()
    {
        string folder = Directory.CreateTempSubdirectory("netgen-checkpoints-").FullName;
        try
        {
            float[] x = [-1, -0.5f, 0, 0.5f, 1], y = [-0.8f, -0.5f, 0, 0.5f, 0.8f];
            float[] vx = [-0.75f, 0.25f, 0.9f], vy = [0.7f, -0.3f, -0.75f]; // the opposite trend: validation worsens as training fits
            var network = new SineNet();
            var parametersAfter = new List<float[]>();
            string path = Path.Combine(folder, "best.safetensors");

            TrainingHistory history = Trainer.Fit(network, x, y, vx, vy, new TrainingOptions
            {
                Epochs = 12,
                BatchSize = 1,
                Seed = 4,
                Checkpoint = new ModelCheckpoint(path) { SaveBestOnly = true, WeightsOnly = true },
                EpochCompleted = _ => parametersAfter.Add(network.Parameters.ToArray()),
            });

            var loaded = new SineNet();
            loaded.Load(path);
            Assert.InRange(history.BestEpoch, 1, 11); // an earlier epoch than the last: the file is not just the final state
            Assert.Equal(parametersAfter[history.BestEpoch - 1], loaded.Parameters.ToArray());
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
