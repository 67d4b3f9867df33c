using System;
using System.Linq;
using Xunit;

namespace NetGen.Tests.Normalization
{
    /// <summary>
    /// Fit with BatchNorm and Dropout: each batch in one TrainBatch call however large, a trailing single sample joined
    /// to the batch before it, one-sample training refused up front, the running statistics and the dropout generator
    /// part of what divergence restores, and the generator never reseeded.
    /// </summary>
    public sealed class NormalizationTrainerTests
    {
        private static (double[] Inputs, double[] Targets) Data(int samples, int inputs, int outputs)
        {
            var random = new Random(samples);
            return (
                Enumerable.Range(0, samples * inputs).Select(_ => random.NextDouble() * 2 - 1).ToArray(),
                Enumerable.Range(0, samples * outputs).Select(_ => random.NextDouble()).ToArray());
        }

        private static StandInNormalizationNetwork<double> BatchNormStandIn() => new(StandInArchitectures.WithoutLayerNorm(Precision.Double));

        [Fact]
        public void A_trailing_single_sample_joins_the_batch_before_it_so_65_samples_make_batches_of_32_and_33()
        {
            StandInNormalizationNetwork<double> network = BatchNormStandIn();
            (double[] inputs, double[] targets) = Data(65, 3, 1);

            Trainer.Fit(network, inputs, targets, new TrainingOptions { Epochs = 3, BatchSize = 32 });

            Assert.Equal([32, 33, 32, 33, 32, 33], network.TrainBatchRows);
            Assert.Equal([6L], network.BatchesTracked.ToArray());
        }

        [Theory]
        [InlineData(66, 32, new[] { 32, 32, 2 })]  // a trailing batch of two stays
        [InlineData(600, 0, new[] { 600 })]        // the full batch, more than MaxRowsPerPass, in one call
        [InlineData(601, 300, new[] { 300, 301 })] // larger than MaxRowsPerPass, and a trailing single sample
        [InlineData(2, 1000, new[] { 2 })]
        public void A_BatchNorm_network_gets_each_batch_in_one_TrainBatch_call(int samples, int batchSize, int[] rows)
        {
            StandInNormalizationNetwork<double> network = BatchNormStandIn();
            (double[] inputs, double[] targets) = Data(samples, 3, 1);

            Trainer.Fit(network, inputs, targets, new TrainingOptions { Epochs = 1, BatchSize = batchSize });

            Assert.Equal(rows, network.TrainBatchRows);
            Assert.Empty(network.AccumulateRows);
            Assert.Equal(rows.Length, network.OptimizerStep);
        }

        [Fact]
        public void A_network_without_BatchNorm_keeps_its_trailing_single_sample()
        {
            var dropoutOnly = new NetworkArchitecture(
                "DropoutStandIn",
                [3],
                [
                    new LayerArchitecture(LayerKind.Dense, [3], [4], Activation.Tanh, [new ParameterTensor("weight", [4, 3], 0), new ParameterTensor("bias", [4], 12)]),
                    new LayerArchitecture(LayerKind.Dropout, [4], [4], Activation.Identity, [], dropoutRate: 0.5),
                    new LayerArchitecture(LayerKind.Dense, [4], [1], Activation.Identity, [new ParameterTensor("weight", [1, 4], 16), new ParameterTensor("bias", [1], 20)]),
                ],
                Loss.MeanSquaredError,
                Precision.Double,
                "Sgd",
                []);
            var network = new StandInNormalizationNetwork<double>(dropoutOnly);
            (double[] inputs, double[] targets) = Data(65, 3, 1);

            Trainer.Fit(network, inputs, targets, new TrainingOptions { Epochs = 1, BatchSize = 32 });

            Assert.Equal([32, 32, 1], network.TrainBatchRows);
        }

        [Fact]
        public void Fit_refuses_a_single_training_sample_for_a_BatchNorm_network_naming_the_layer_and_changes_nothing()
        {
            StandInNormalizationNetwork<double> network = BatchNormStandIn();
            double[] parameters = network.Parameters.ToArray(), buffers = network.Buffers.ToArray();
            ulong[] random = network.RandomState.ToArray();

            var exception = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, [0.5, -1, 2], [1.0], new TrainingOptions { Epochs = 1 }));

            Assert.Contains("layer 1 is a BatchNorm layer", exception.Message);
            Assert.Contains("1 sample", exception.Message);
            Assert.Empty(network.TrainBatchRows);
            Assert.Equal(parameters, network.Parameters.ToArray());
            Assert.Equal(buffers, network.Buffers.ToArray());
            Assert.Equal([0L], network.BatchesTracked.ToArray());
            Assert.Equal(random, network.RandomState.ToArray());
        }

        [Fact]
        public void Fit_refuses_a_validation_split_that_leaves_one_sample_to_train_a_BatchNorm_network_on()
        {
            StandInNormalizationNetwork<double> network = BatchNormStandIn();
            (double[] inputs, double[] targets) = Data(2, 3, 1);

            var exception = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, inputs, targets, new TrainingOptions { Epochs = 1, ValidationSplit = 0.5 }));

            Assert.Contains("layer 1 is a BatchNorm layer", exception.Message);
            Assert.Contains("ValidationSplit", exception.Message);
            Assert.Empty(network.TrainBatchRows);
        }

        [Fact]
        public void Fit_refuses_BatchSize_1_for_a_BatchNorm_network()
        {
            StandInNormalizationNetwork<double> network = BatchNormStandIn();
            (double[] inputs, double[] targets) = Data(10, 3, 1);

            var exception = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, inputs, targets, new TrainingOptions { Epochs = 1, BatchSize = 1 }));

            Assert.Contains("layer 1 is a BatchNorm layer", exception.Message);
            Assert.Contains("BatchSize = 1", exception.Message);
            Assert.Empty(network.TrainBatchRows);
        }

        [Fact]
        public void A_non_finite_running_statistic_is_divergence_and_Fit_restores_the_last_epoch_s_buffers_counts_and_generator()
        {
            (double[] inputs, double[] targets) = Data(65, 3, 1);
            StandInNormalizationNetwork<double> reference = BatchNormStandIn();
            Trainer.Fit(reference, inputs, targets, new TrainingOptions { Epochs = 2, BatchSize = 32 });
            StandInNormalizationNetwork<double> network = BatchNormStandIn();
            network.PoisonBufferAtStep = 6; // the second batch of epoch 3: its loss is finite, its running_var is not

            var exception = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(network, inputs, targets, new TrainingOptions { Epochs = 4, BatchSize = 32 }));

            Assert.Equal(3, exception.Epoch);
            Assert.Equal(2, exception.Batch);
            Assert.Equal(reference.Parameters.ToArray(), network.Parameters.ToArray());
            Assert.Equal(reference.Buffers.ToArray(), network.Buffers.ToArray());
            Assert.Equal([4L], network.BatchesTracked.ToArray());
            Assert.Equal(reference.RandomState.ToArray(), network.RandomState.ToArray());
            Assert.Equal(4, network.OptimizerStep);
        }

        [Fact]
        public void Fit_does_not_reseed_the_dropout_generator_so_two_calls_continue_one_sequence()
        {
            (double[] inputs, double[] targets) = Data(40, 3, 1);
            StandInNormalizationNetwork<double> once = BatchNormStandIn(), twice = BatchNormStandIn();
            ulong[] initial = once.RandomState.ToArray();

            Trainer.Fit(once, inputs, targets, new TrainingOptions { Epochs = 2, BatchSize = 16 });
            Trainer.Fit(twice, inputs, targets, new TrainingOptions { Epochs = 1, BatchSize = 16 });
            Trainer.Fit(twice, inputs, targets, new TrainingOptions { Epochs = 2, InitialEpoch = 1, BatchSize = 16 });

            Assert.NotEqual(initial, once.RandomState.ToArray());
            Assert.Equal(once.RandomState.ToArray(), twice.RandomState.ToArray());
            Assert.Equal(once.Parameters.ToArray(), twice.Parameters.ToArray());
            Assert.Equal(once.Buffers.ToArray(), twice.Buffers.ToArray());
        }

        [Fact]
        public void Fit_refuses_to_start_from_a_non_finite_running_statistic()
        {
            StandInNormalizationNetwork<double> network = BatchNormStandIn();
            network.Buffers[5] = double.PositiveInfinity;
            (double[] inputs, double[] targets) = Data(8, 3, 1);

            var exception = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, inputs, targets, new TrainingOptions { Epochs = 1 }));

            Assert.Contains("buffer", exception.Message);
            Assert.Empty(network.TrainBatchRows);
        }

        [Fact]
        public void Fit_on_65_samples_in_batches_of_32_updates_the_running_statistics_twice_per_epoch()
        {
            var network = new BatchNormFitNet();
            (double[] inputs, double[] targets) = Data(65, 3, 1);

            Trainer.Fit(network, inputs.Select(value => (float)value).ToArray(), targets.Select(value => (float)value).ToArray(), new TrainingOptions { Epochs = 3, BatchSize = 32 });

            Assert.Equal([6L], network.BatchesTracked.ToArray()); // batches of 32 and 33, never a batch of one
            Assert.Equal(6, network.OptimizerStep);
        }

        [Fact]
        public void Fit_gives_a_generated_BatchNorm_network_a_batch_larger_than_MaxRowsPerPass_in_one_training_call()
        {
            var network = new BatchNormFitNet();
            (double[] inputs, double[] targets) = Data(2 * Trainer.MaxRowsPerPass + 88, 3, 1);

            Trainer.Fit(network, inputs.Select(value => (float)value).ToArray(), targets.Select(value => (float)value).ToArray(), new TrainingOptions { Epochs = 2, BatchSize = 0 });

            Assert.Equal([2L], network.BatchesTracked.ToArray()); // one forward pass in PyTorch's sense per batch
        }

        [Fact]
        public void Fit_refuses_one_sample_for_a_generated_BatchNorm_network_and_changes_nothing()
        {
            var network = new BatchNormFitNet();
            float[] parameters = network.Parameters.ToArray(), buffers = network.Buffers.ToArray();

            var exception = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, [0.5f, -1, 2], [1f], new TrainingOptions { Epochs = 2 }));

            Assert.Contains("layer 1 is a BatchNorm layer", exception.Message);
            Assert.Equal(parameters, network.Parameters.ToArray());
            Assert.Equal(buffers, network.Buffers.ToArray());
            Assert.Equal([0L], network.BatchesTracked.ToArray());
            Assert.Equal(0, network.OptimizerStep);
        }

        private static (float[] Inputs, int[] Labels) Classes(int samples)
        {
            var random = new Random(samples);
            return (
                Enumerable.Range(0, samples * 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
                Enumerable.Range(0, samples).Select(_ => random.Next(3)).ToArray());
        }

        [Fact]
        public void The_same_seeds_train_a_Dropout_network_bit_identically_and_a_second_Fit_continues_the_mask_sequence()
        {
            (float[] inputs, int[] labels) = Classes(50);
            static TrainingOptions Options(int initialEpoch, int epochs) => new() { Epochs = epochs, InitialEpoch = initialEpoch, BatchSize = 16, Seed = 5 };
            NormFilesNet first = new(), second = new(), resumed = new();
            foreach (NormFilesNet network in new[] { first, second, resumed })
            {
                network.InitializeParameters(12);
            }

            Trainer.Fit(first, inputs, labels, Options(0, 3));
            Trainer.Fit(second, inputs, labels, Options(0, 3));
            Trainer.Fit(resumed, inputs, labels, Options(0, 1));
            Trainer.Fit(resumed, inputs, labels, Options(1, 3));

            foreach (NormFilesNet network in new[] { second, resumed })
            {
                Assert.Equal(first.Parameters.ToArray(), network.Parameters.ToArray());
                Assert.Equal(first.Buffers.ToArray(), network.Buffers.ToArray());
                Assert.Equal(first.BatchesTracked.ToArray(), network.BatchesTracked.ToArray());
                Assert.Equal(first.RandomState.ToArray(), network.RandomState.ToArray());
            }
        }

        [Fact]
        public void Fit_resumed_from_its_own_checkpoint_trains_as_the_uninterrupted_run_dropout_masks_included()
        {
            (float[] inputs, int[] labels) = Classes(50);
            string folder = System.IO.Directory.CreateTempSubdirectory("netgen-norm-").FullName;
            try
            {
                var uninterrupted = new NormFilesNet();
                Trainer.Fit(uninterrupted, inputs, labels, new TrainingOptions
                {
                    Epochs = 4, BatchSize = 16, Seed = 3, Checkpoint = new ModelCheckpoint(System.IO.Path.Combine(folder, "epoch-{epoch}.ckpt")),
                });

                var resumed = new NormFilesNet();
                resumed.InitializeParameters(8);
                int completed = resumed.LoadCheckpoint(System.IO.Path.Combine(folder, "epoch-2.ckpt"));
                Trainer.Fit(resumed, inputs, labels, new TrainingOptions { Epochs = 4, InitialEpoch = completed, BatchSize = 16, Seed = 3 });

                Assert.Equal(uninterrupted.Parameters.ToArray(), resumed.Parameters.ToArray());
                Assert.Equal(uninterrupted.Buffers.ToArray(), resumed.Buffers.ToArray());
                Assert.Equal(uninterrupted.BatchesTracked.ToArray(), resumed.BatchesTracked.ToArray());
                Assert.Equal(uninterrupted.RandomState.ToArray(), resumed.RandomState.ToArray());
                Assert.Equal(uninterrupted.OptimizerState.ToArray(), resumed.OptimizerState.ToArray());
            }
            finally
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
        }

        [Fact]
        public void Validation_is_measured_in_evaluation_mode_and_leaves_the_training_state_alone()
        {
            (float[] inputs, int[] labels) = Classes(40);
            (float[] validationInputs, int[] validationLabels) = Classes(12);
            var network = new NormFilesNet();

            TrainingHistory history = Trainer.Fit(network, inputs, labels, validationInputs, validationLabels, new TrainingOptions { Epochs = 2, BatchSize = 8 });

            float[] parameters = network.Parameters.ToArray(), buffers = network.Buffers.ToArray();
            long[] counts = network.BatchesTracked.ToArray();
            ulong[] random = network.RandomState.ToArray();
            float[] validationTargets = Preprocessing.OneHot.Encode<float>(validationLabels, 3);
            double loss = network.ComputeLoss(validationInputs, validationTargets);
            Assert.Equal(history.Epochs[^1].ValidationLoss!.Value, loss);
            Assert.Equal(loss, (double)network.ComputeLoss(validationInputs, validationTargets)); // no masks, no batch statistics
            Assert.Equal(parameters, network.Parameters.ToArray());
            Assert.Equal(buffers, network.Buffers.ToArray());
            Assert.Equal(counts, network.BatchesTracked.ToArray());
            Assert.Equal(random, network.RandomState.ToArray());
        }
    }
}
