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
    }
}
