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

    [Fact]
    public void Fit_rejects_a_NaN_input_naming_the_array_the_sample_and_the_feature()
    {
        var network = new XorNet();
        float[] inputs = [0, 0, 0, 1, 1, float.NaN, 1, 1];
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.Fit(inputs, [0, 1, 1, 0], new TrainingOptions()),
            "inputs[5] is NaN: sample 2, feature 1");
    }

    [Fact]
    public void Fit_rejects_an_infinite_input_that_would_poison_a_tanh_network()
    {
        var network = new XorNet();
        float[] inputs = [float.PositiveInfinity, 1];
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.Fit(inputs, [0.5f], new TrainingOptions { BatchSize = 0 }),
            "inputs[0] is Infinity: sample 0, feature 0");
    }

    [Fact]
    public void Fit_rejects_an_infinite_target_naming_the_sample_and_the_output()
    {
        var network = new SineNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.Fit([0, 1, 2], [0, 1, float.NegativeInfinity], new TrainingOptions()),
            "targets[2] is -Infinity: sample 2, output 0");
    }

    [Fact]
    public void Fit_rejects_a_NaN_in_the_validation_data()
    {
        var network = new SineNet();
        AssertRejectedWithoutChange<ArgumentException>(network,
            () => Trainer.Fit(network, [0f, 1f], [0f, 1f], [0f, float.NaN], [0f, 1f], new TrainingOptions()),
            "validationInputs[1] is NaN: sample 1");
    }

    [Fact]
    public void Fit_rejects_cross_entropy_targets_with_a_2_naming_the_row()
    {
        var network = new Convergence.BlobsAdam();
        float[] targets = [1, 0, 0, 0, 2, 0];
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.Fit(new float[4], targets, new TrainingOptions()),
            "targets[4] is 2: sample 1, output 1", "probabilities in [0, 1]");
    }

    [Fact]
    public void Fit_rejects_an_all_zero_cross_entropy_target_row()
    {
        var network = new Convergence.BlobsAdam();
        float[] targets = [1, 0, 0, 0, 0, 0];
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.Fit(new float[4], targets, new TrainingOptions()),
            "targets row 1 (sample 1, from 0) sums to 0", "int labels");
    }

    [Fact]
    public void Fit_accepts_soft_cross_entropy_targets_that_sum_to_one()
    {
        var network = new Convergence.BlobsAdam();
        float[] targets = [0.9f, 0.05f, 0.05f, 0.1f, 0.8f, 0.1f];

        TrainingHistory history = network.Fit([0, 1, 1, 0], targets, new TrainingOptions { Epochs = 2 });

        Assert.Equal(2, history.Epochs.Count);
    }

    [Fact]
    public void Fit_rejects_binary_cross_entropy_targets_outside_zero_to_one()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => network.Fit([0, 0, 1, 1], [1, 1.5f], new TrainingOptions()),
            "targets[1] is 1.5: sample 1, output 0", "BinaryCrossEntropy");
    }

    [Fact]
    public void Fit_with_labels_rejects_a_label_outside_the_classes()
    {
        var network = new Convergence.BlobsAdam();
        AssertRejectedWithoutChange<ArgumentOutOfRangeException>(network, () => Trainer.Fit(network, new float[4], [0, 3], new TrainingOptions()),
            "labels[1] is 3; BlobsAdam has OutputSize = 3 classes");
    }

    [Fact]
    public void Fit_with_labels_rejects_a_network_that_is_not_cross_entropy()
    {
        var network = new XorNet();
        AssertRejectedWithoutChange<ArgumentException>(network, () => Trainer.Fit(network, new float[4], [0, 1], new TrainingOptions()),
            "XorNet uses BinaryCrossEntropy; class labels train only a CrossEntropy network");
    }

    [Fact]
    public void Fit_rejects_validation_data_together_with_a_validation_split()
    {
        var network = new SineNet();
        AssertRejectedWithoutChange<ArgumentException>(network,
            () => Trainer.Fit(network, [0f, 1f, 2f], [0f, 1f, 2f], [0f], [0f], new TrainingOptions { ValidationSplit = 0.3 }),
            "either validation data or a ValidationSplit, not both");
    }
}
