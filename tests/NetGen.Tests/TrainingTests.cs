using System;
using NetGen.Tests.Training;
using Xunit;

namespace NetGen.Tests;

public sealed class TrainingTests
{
    private static readonly float[] XorInputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly float[] XorTargets = [0, 1, 1, 0];

    [Theory]
    [InlineData(0, 3000)] // batch: the whole set per update
    [InlineData(1, 1000)] // stochastic: one sample per update
    [InlineData(2, 1500)] // mini-batch: two samples per update
    public void Xor_from_its_fixed_seed_reaches_a_mean_BCE_below_0_05_in_every_mode(int batchSize, int epochs)
    {
        var network = new XorNet();

        TrainingHistory history = network.Fit(XorInputs, XorTargets, new TrainingOptions { Epochs = epochs, BatchSize = batchSize, Seed = 1 });

        Assert.Equal(epochs, history.Epochs.Count);
        float loss = network.ComputeLoss(XorInputs, XorTargets);
        Assert.True(loss < 0.05f, $"mean BCE after {epochs} epochs with batch size {batchSize} is {loss}");
        Assert.True(history.Epochs[0].TrainingLoss > 0.3, "the run should start from an untrained network");
    }

    [Fact]
    public void A_1_16_16_1_tanh_network_fits_sine_on_minus_pi_to_pi_to_an_MSE_below_0_005()
    {
        const int points = 64;
        var inputs = new float[points];
        var targets = new float[points];
        for (int i = 0; i < points; i++)
        {
            inputs[i] = (float)(-Math.PI + 2 * Math.PI * i / (points - 1));
            targets[i] = MathF.Sin(inputs[i]);
        }

        var network = new SineNet();
        network.Fit(inputs, targets, new TrainingOptions { Epochs = 3000, BatchSize = 8, Seed = 2 });

        float mse = network.ComputeLoss(inputs, targets);
        Assert.True(mse < 0.005f, $"MSE is {mse}");
    }

    [Fact]
    public void TrainBatch_is_one_step_on_the_mean_gradient_and_returns_the_mean_loss_before_it()
    {
        var batch = new XorNet();
        var manual = new XorNet();
        float expectedLoss = manual.AccumulateGradients(XorInputs, XorTargets) / 4;
        float[] meanGradient = manual.Gradients.ToArray();
        float[] before = manual.Parameters.ToArray();

        float loss = batch.TrainBatch(XorInputs, XorTargets);

        Assert.Equal(expectedLoss, loss, 6);
        for (int i = 0; i < before.Length; i++)
        {
            // θ − α·(Σg / n) with α = 0.5 and n = 4, computed here from the accumulated sum.
            Assert.Equal(before[i] - 0.5f * (meanGradient[i] / 4), batch.Parameters[i], 6);
        }

        Assert.All(batch.Gradients.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void TrainStep_returns_the_loss_before_the_update_and_lowers_it()
    {
        var network = new XorNet();
        float before = network.ComputeLoss(XorInputs.AsSpan(2, 2), XorTargets.AsSpan(1, 1));

        float reported = network.TrainStep(XorInputs.AsSpan(2, 2), XorTargets.AsSpan(1, 1));

        Assert.Equal(before, reported, 6);
        Assert.True(network.ComputeLoss(XorInputs.AsSpan(2, 2), XorTargets.AsSpan(1, 1)) < before);
    }

    [Fact]
    public void Accumulating_in_two_calls_then_applying_equals_one_full_batch_step()
    {
        var split = new XorNet();
        var whole = new XorNet();

        split.AccumulateGradients(XorInputs.AsSpan(0, 4), XorTargets.AsSpan(0, 2));
        split.AccumulateGradients(XorInputs.AsSpan(4, 4), XorTargets.AsSpan(2, 2));
        split.ApplyGradients(4);
        whole.TrainBatch(XorInputs, XorTargets);

        for (int i = 0; i < XorNet.ParameterCount; i++)
        {
            Assert.Equal(whole.Parameters[i], split.Parameters[i], 6);
        }
    }

    [Fact]
    public void A_new_network_starts_from_seeded_parameters_and_InitializeParameters_repeats_a_draw()
    {
        var first = new XorNet();
        var second = new XorNet();
        Assert.Equal(first.Parameters.ToArray(), second.Parameters.ToArray());

        first.InitializeParameters(7);
        float[] drawn = first.Parameters.ToArray();
        first.InitializeParameters(7);
        Assert.Equal(drawn, first.Parameters.ToArray());

        first.InitializeParameters(8);
        Assert.NotEqual(drawn, first.Parameters.ToArray());
    }

    [Fact]
    public void Initial_weights_follow_Glorot_for_tanh_and_He_for_ReLU_and_biases_start_at_zero()
    {
        var digits = new DigitsNet();
        ReadOnlySpan<double> p = digits.Parameters;
        double heBound = Math.Sqrt(6.0 / 784);       // He uniform: √2·√(3 / fanIn)
        double glorotBound = Math.Sqrt(6.0 / (128 + 10));
        ReadOnlySpan<double> hidden = p.Slice(0, 128 * 784);
        ReadOnlySpan<double> hiddenBias = p.Slice(128 * 784, 128);
        ReadOnlySpan<double> output = p.Slice(128 * 784 + 128, 10 * 128);
        ReadOnlySpan<double> outputBias = p.Slice(128 * 784 + 128 + 1280, 10);

        AssertUniform(hidden, heBound);
        AssertUniform(output, glorotBound);
        Assert.True(hiddenBias.IndexOfAnyExcept(0.0) < 0);
        Assert.True(outputBias.IndexOfAnyExcept(0.0) < 0);
    }

    [Fact]
    public void Fit_with_the_same_seed_is_bit_identical_and_another_seed_differs()
    {
        float[] first = FitXor(seed: 4), again = FitXor(seed: 4), other = FitXor(seed: 5);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);

        static float[] FitXor(int seed)
        {
            var network = new XorNet();
            network.Fit(XorInputs, XorTargets, new TrainingOptions { Epochs = 50, BatchSize = 1, Seed = seed });
            return network.Parameters.ToArray();
        }
    }

    [Fact]
    public void Fit_without_shuffling_in_full_batch_mode_equals_repeated_TrainBatch()
    {
        var fitted = new XorNet();
        var stepped = new XorNet();

        fitted.Fit(XorInputs, XorTargets, new TrainingOptions { Epochs = 20, BatchSize = 0, Shuffle = false });
        for (int epoch = 0; epoch < 20; epoch++)
        {
            stepped.TrainBatch(XorInputs, XorTargets);
        }

        Assert.Equal(stepped.Parameters.ToArray(), fitted.Parameters.ToArray());
    }

    [Fact]
    public void Batches_larger_than_one_pass_are_accumulated_in_chunks_with_the_same_result()
    {
        // 600 samples span three passes of at most Trainer.MaxRowsPerPass = 256 rows.
        var random = new Random(9);
        var inputs = new double[600 * 784];
        var labels = new int[600];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = random.NextDouble();
        }

        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = random.Next(10);
        }

        var whole = new DigitsNet();
        var pieces = new DigitsNet();
        double wholeLoss = whole.AccumulateGradients(inputs, labels);
        double piecesLoss = 0;
        for (int start = 0; start < 600; start += 100)
        {
            piecesLoss += pieces.AccumulateGradients(inputs.AsSpan(start * 784, 100 * 784), labels.AsSpan(start, 100));
        }

        Assert.Equal(piecesLoss, wholeLoss, 9);
        double[] expected = pieces.Gradients.ToArray(), actual = whole.Gradients.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 9);
        }
    }

    private static void AssertUniform(ReadOnlySpan<double> values, double bound)
    {
        double min = double.MaxValue, max = double.MinValue, sum = 0;
        foreach (double value in values)
        {
            min = Math.Min(min, value);
            max = Math.Max(max, value);
            sum += value;
        }

        Assert.InRange(min, -bound, -0.95 * bound);
        Assert.InRange(max, 0.95 * bound, bound);
        Assert.InRange(sum / values.Length, -0.05 * bound, 0.05 * bound);
    }
}
