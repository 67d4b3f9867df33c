using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace NetGen.Tests.Normalization;

/// <summary>
/// The corners of training with modes: a Predictor of a trained normalised network, Dropout over passes of
/// MaxRowsPerPass, overflow that the loss does not show, and Fit's batches for BatchNorm layers of one value and of
/// several values per channel.
/// </summary>
public sealed class NormalizationEdgeTests
{
    /// <summary>A Predictor runs the evaluation forward pass on per-thread buffers: four threads at once agree with PredictBatch exactly.</summary>
    [Fact]
    public void A_predictor_of_a_trained_normalised_network_predicts_as_PredictBatch_from_several_threads()
    {
        var network = new NormNet();
        ReferenceNormalizedNetwork reference = NormalizationNetworkTests.NormNetReference();
        GradientCheckTests.RandomizeParameters(network, seed: 11);
        for (int step = 0; step < 3; step++)
        {
            (double[] x, double[] y) = ReferenceNormalizedNetworkTests.Batch(reference, 4, seed: 20 + step);
            network.TrainBatch(x, y);
        }

        (double[] inputs, _) = ReferenceNormalizedNetworkTests.Batch(reference, 300, seed: 99);
        var expected = new double[300 * NormNet.OutputSize];
        network.PredictBatch(inputs, expected);
        using var predictor = network.CreatePredictor();
        Parallel.For(0, 4, _ =>
        {
            var actual = new double[300 * NormNet.OutputSize];
            for (int repeat = 0; repeat < 3; repeat++)
            {
                predictor.PredictBatch(inputs, actual);
                Assert.Equal(expected, actual);
            }
        });
    }

    /// <summary>Dropout and LayerNorm over 300 samples, two passes of at most MaxRowsPerPass: central differences with the masks held by RandomState.</summary>
    [Fact]
    public void Dropout_over_several_passes_matches_central_differences()
    {
        var network = new DropoutPassesNet();
        GradientCheckTests.RandomizeParameters(network, seed: 7);
        const int samples = 300;
        var random = new Random(9);
        double[] inputs = Enumerable.Range(0, samples * 6).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] targets = Enumerable.Range(0, samples * 2).Select(_ => random.NextDouble()).ToArray();
        ulong[] state = network.RandomState.ToArray();
        network.AccumulateGradients(inputs, targets);
        double[] analytic = network.Gradients.ToArray();
        network.ZeroGradients();
        double[] parameters = network.Parameters.ToArray();
        var numeric = new double[parameters.Length];
        const double h = 1e-5;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters.CopyTo(network.Parameters);
            network.Parameters[i] += h;
            state.CopyTo(network.RandomState);
            double plus = network.AccumulateGradients(inputs, targets);
            network.Parameters[i] -= 2 * h;
            state.CopyTo(network.RandomState);
            double minus = network.AccumulateGradients(inputs, targets);
            numeric[i] = (plus - minus) / (2 * h);
        }

        GradientCheckTests.AssertGradientsAgree(numeric, analytic);
    }

    /// <summary>
    /// Huge but finite inputs: BatchNorm keeps the loss finite while the float variance overflows (1e20 squared), or, for
    /// two equal samples, while 1/√ε scales the gradient of inputs of 1e36 past float. Either way the step is refused and
    /// nothing changes: parameters, running statistics, batch counts.
    /// </summary>
    [Theory]
    [InlineData(1e20f, false)]
    [InlineData(1e36f, true)]
    public void Overflow_that_the_loss_does_not_show_refuses_the_step_and_changes_nothing(float scale, bool equalSamples)
    {
        var network = new FloatSgdBatchNormNet();
        var random = new Random(1);
        float[] sample = Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? 1f : -1f) * scale).ToArray();
        float[] inputs = equalSamples
            ? [.. sample, .. sample]
            : Enumerable.Range(0, 2 * 40).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        float[] targets = [1f, 0f, -1f, 3f];
        float[] parameters = network.Parameters.ToArray(), buffers = network.Buffers.ToArray();

        Assert.Throws<NonFiniteUpdateException>(() => network.TrainBatch(inputs, targets));

        Assert.Equal(parameters, network.Parameters.ToArray());
        Assert.Equal(buffers, network.Buffers.ToArray());
        Assert.Equal(0, network.BatchesTracked[0]);
        Assert.True(network.Gradients.ToArray().All(g => g == 0));
    }

    /// <summary>
    /// A BatchNorm with several values per channel (after a convolution) trains on single samples, so Fit takes
    /// BatchSize 1 and counts one batch per sample; a BatchNorm of one value per channel refuses it and changes nothing.
    /// </summary>
    [Fact]
    public void Fit_takes_BatchSize_1_only_where_every_BatchNorm_sees_several_values_per_channel()
    {
        var convolutional = new Conv2DBatchNormNet();
        var random = new Random(1);
        double[] images = Enumerable.Range(0, 5 * 25).Select(_ => random.NextDouble()).ToArray();
        convolutional.Fit(images, [0, 1, 2, 0, 1], new TrainingOptions { Epochs = 1, BatchSize = 1, Shuffle = false });
        Assert.Equal(5, convolutional.BatchesTracked[0]);

        var dense = new DenseBatchNormNet();
        double[] parameters = dense.Parameters.ToArray();
        double[] features = Enumerable.Range(0, 5 * DenseBatchNormNet.InputSize).Select(_ => random.NextDouble()).ToArray();
        int[] labels = Enumerable.Range(0, 5).Select(i => i % DenseBatchNormNet.OutputSize).ToArray();
        var refusal = Assert.Throws<ArgumentException>(() => dense.Fit(features, labels, new TrainingOptions { Epochs = 1, BatchSize = 1 }));
        Assert.Contains("BatchSize = 1", refusal.Message);
        Assert.Equal(parameters, dense.Parameters.ToArray());
        Assert.Equal(0, dense.BatchesTracked[0]);
    }
}
