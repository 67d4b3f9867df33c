using System;
using NetGen.Tests.Training;
using Xunit;

namespace NetGen.Tests;

/// <summary>Every rejected call names what was expected and leaves parameters and gradients exactly as they were.</summary>
public sealed class BadInputTests
{
    private static void AssertRejectedWithoutChange<TException>(INetwork<float> network, Action call, params string[] messageParts)
        where TException : ArgumentException
    {
        // Leave some accumulated gradient in place, so an untouched gradient is not trivially zero.
        network.AccumulateGradients(new float[network.InputSize], new float[network.OutputSize]);
        float[] parameters = network.Parameters.ToArray();
        float[] gradients = network.Gradients.ToArray();

        var exception = Assert.Throws<TException>(call);

        foreach (string part in messageParts)
        {
            Assert.Contains(part, exception.Message);
        }

        Assert.Equal(parameters, network.Parameters.ToArray());
        Assert.Equal(gradients, network.Gradients.ToArray());
    }

    [Fact]
    public void A_batch_whose_length_is_not_a_multiple_of_InputSize_is_rejected()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.TrainBatch(new float[7], new float[3]),
            "inputs has 7 values; XorNet expects a multiple of InputSize = 2");
    }

    [Fact]
    public void An_empty_batch_is_rejected()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.AccumulateGradients(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty),
            "inputs is empty", "at least one sample");
    }

    [Fact]
    public void Targets_that_do_not_match_the_number_of_samples_are_rejected()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.TrainBatch(new float[8], new float[3]),
            "targets has 3 values; XorNet expects 4", "OutputSize = 1");
    }

    [Fact]
    public void A_single_sample_of_the_wrong_size_is_rejected_by_TrainStep_and_Predict()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.TrainStep(new float[3], new float[1]),
            "input has 3 values; XorNet expects InputSize = 2");
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.TrainStep(new float[2], new float[2]),
            "target has 2 values; XorNet expects OutputSize = 1");
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.Predict(new float[2], new float[4]),
            "output has 4 values; XorNet expects OutputSize = 1");
    }

    [Fact]
    public void PredictBatch_and_ComputeLoss_reject_mismatched_spans()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.PredictBatch(new float[6], new float[2]),
            "outputs has 2 values; XorNet expects 3");
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.ComputeLoss(new float[5], new float[2]),
            "inputs has 5 values");
    }

    [Fact]
    public void Labels_out_of_range_are_rejected_before_anything_changes()
    {
        var network = new MnistNet();
        var inputs = new float[3 * 784];
        AssertRejectedWithoutChange<ArgumentOutOfRangeException>(network, () => network.TrainBatch(inputs, new[] { 1, 10, 2 }),
            "labels[1] is 10", "[0, 9]");
        AssertRejectedWithoutChange<ArgumentOutOfRangeException>(network, () => network.AccumulateGradients(inputs, new[] { 1, 2, -1 }),
            "labels[2] is -1");
        AssertRejectedWithoutChange<ArgumentOutOfRangeException>(network, () => network.TrainStep(new float[784], 12),
            "label[0] is 12");
    }

    [Fact]
    public void A_label_count_that_does_not_match_the_samples_is_rejected()
    {
        var network = new MnistNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.ComputeLoss(new float[2 * 784], new[] { 1, 2, 3 }),
            "labels has 3 values; MnistNet expects one label per sample, 2");
    }

    [Fact]
    public void ApplyGradients_rejects_a_sample_count_below_one()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentOutOfRangeException>(network, () => network.ApplyGradients(0), "sampleCount is 0");
    }

    [Fact]
    public void Fit_rejects_mismatched_data_and_invalid_options_without_training()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.Fit(new float[8], new float[5], new TrainingOptions()),
            "targets has 5 values; XorNet expects 4");
        AssertRejectedWithoutChange<ArgumentOutOfRangeException>(network, () => network.Fit(new float[8], new float[4], new TrainingOptions { BatchSize = -1 }),
            "BatchSize");
    }
}
