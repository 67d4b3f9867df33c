using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text.RegularExpressions;
using Xunit;

namespace NetGen.Tests.Normalization;

/// <summary>One network of <see cref="NormalizationNetworkTests"/> and the reference that computes what it should.</summary>
public sealed class NormalizationCase(string name, Func<INetwork<double>> create, ReferenceNormalizedNetwork reference, int samples, bool finiteDifferences = true)
{
    public string Name => name;

    public INetwork<double> Create() => create();

    public Func<INetwork<double>> Factory => create;

    public ReferenceNormalizedNetwork Reference => reference;

    /// <summary>The batch size of the checks: small, and no more samples than ObserveMasks can read a Dropout mask back for.</summary>
    public int Samples => samples;

    /// <summary>Whether central differences over every parameter are quick (not for the issue's 101,290-parameter NormNet).</summary>
    public bool FiniteDifferences => finiteDifferences;

    /// <summary>Whether the running statistics can be predicted without the masks: no BatchNorm after a Dropout.</summary>
    public bool StatisticsIndependentOfMasks
        => Reference.Layers.Select((layer, index) => (layer, index)).All(pair => pair.layer is not RefBatchNorm || !Reference.Layers.Take(pair.index).OfType<RefDropout>().Any());

    /// <summary>Whether the only Dropout feeds the output dense layer, where its mask can be read back from the gradient.</summary>
    public bool MaskObservable => NormalizationNetworkTests.MaskObservable(Reference);

    public override string ToString() => name;
}

/// <summary>
/// Dropout, BatchNorm and LayerNorm in generated networks against <see cref="ReferenceNormalizedNetwork"/>, written
/// independently as plain loops (and itself checked by <see cref="ReferenceNormalizedNetworkTests"/>): the gradient in
/// training mode against central differences of the network's own batch loss (BatchNorm couples the samples; a Dropout
/// mask is held fixed by restoring <see cref="INetwork{T}.RandomState"/> before every call) and against the reference's
/// backward pass; the running statistics after five steps; evaluation with the running statistics; num_batches_tracked;
/// the masks (their rate, their exact scale, never in evaluation, reproduced by a seed); a one-sample call that BatchNorm
/// refuses; a refused update; float networks at float precision.
/// <para>
/// A mask is read back (<see cref="ObserveMasks{T}"/>) from a second network of the same type with the same generator
/// state, whose output layer is zeroed so that the output layer's weight gradient is a known linear map of the dropped
/// values. That relies on a call's masks depending only on the generator state and the batch size, not on parameters or
/// inputs, which inverted dropout as nn.Dropout draws them satisfies.
/// </para>
/// </summary>
public sealed class NormalizationNetworkTests
{
    internal static ReferenceNormalizedNetwork NormNetReference() => new(
        [1, 28, 28], Loss.CrossEntropy,
        new RefConv(8, 3, Padding: 1),
        new RefBatchNorm(Activation.ReLU),
        new RefPool(Max: true, 2, 2),
        new RefDense(64),
        new RefLayerNorm(Activation.Tanh),
        new RefDropout(0.25),
        new RefDense(10, Activation.Softmax));

    internal static ReferenceNormalizedNetwork MiniNormNetReference() => new(
        [1, 6, 6], Loss.CrossEntropy,
        new RefConv(2, 3, Padding: 1),
        new RefBatchNorm(Activation.ReLU),
        new RefPool(Max: true, 2, 2),
        new RefDense(5),
        new RefLayerNorm(Activation.Tanh),
        new RefDropout(0.25),
        new RefDense(4, Activation.Softmax));

    internal static ReferenceNormalizedNetwork DropoutInputReference() => new([8], Loss.MeanSquaredError, new RefDropout(0.25), new RefDense(8));

    internal static ReferenceNormalizedNetwork DenseBatchNormReference() => new(
        [4], Loss.CrossEntropy, new RefDense(6), new RefBatchNorm(Activation.ReLU, Momentum: 0.2, Epsilon: 1e-3), new RefDense(3, Activation.Softmax));

    internal static ReferenceNormalizedNetwork Conv2DBatchNormReference() => new(
        [1, 5, 5], Loss.CrossEntropy, new RefConv(2, 3, Padding: 1), new RefBatchNorm(Activation.ReLU), new RefPool(Max: false, 2, 2), new RefBatchNorm(), new RefDense(3, Activation.Softmax));

    public static IEnumerable<object[]> Cases() => AllCases().Select(c => new object[] { c });

    public static IEnumerable<object[]> FiniteDifferenceCases() => AllCases().Where(c => c.FiniteDifferences).Select(c => new object[] { c });

    public static IEnumerable<object[]> ObservableCases() => AllCases().Where(c => c.MaskObservable || !c.Reference.Layers.OfType<RefDropout>().Any()).Select(c => new object[] { c });

    public static IEnumerable<object[]> BatchNormCases() => AllCases().Where(c => c.Reference.BatchNormCount > 0 && c.StatisticsIndependentOfMasks).Select(c => new object[] { c });

    /// <summary>BatchNorm without Dropout: two calls over halves can be compared with one over the whole.</summary>
    public static IEnumerable<object[]> DeterministicBatchNormCases()
        => AllCases().Where(c => c.Reference.BatchNormCount > 0 && !c.Reference.Layers.OfType<RefDropout>().Any()).Select(c => new object[] { c });

    /// <summary>Networks with a BatchNorm after a dense layer, or after a convolution of one position, each with the BatchNorm's index.</summary>
    public static IEnumerable<object[]> OneValuePerChannelCases()
    {
        yield return ["dense, BatchNorm", new GradientCheckTests.NetworkFactory(() => new DenseBatchNormNet()), 1];
        yield return ["dense, BatchNorm, Dropout", new GradientCheckTests.NetworkFactory(() => new DropoutBatchNormNet()), 1];
        yield return ["Dropout, dense, BatchNorm", new GradientCheckTests.NetworkFactory(() => new InputDropoutBatchNormNet()), 2];
        yield return ["convolution to 1×1, BatchNorm", new GradientCheckTests.NetworkFactory(() => new PointConvBatchNormNet()), 1];
    }

    /// <summary>Networks small enough for finite differences in which every BatchNorm sees several positions per channel, so that one sample is a batch.</summary>
    public static IEnumerable<object[]> OneSampleCases()
        => AllCases()
            .Where(c => c.FiniteDifferences && Enumerable.Range(0, c.Reference.Layers.Count).All(l => c.Reference.Layers[l] is not RefBatchNorm || c.Reference.InputSizeOf(l) > c.Reference.BufferRange(l).Channels))
            .Select(c => new object[] { c });

    private static IEnumerable<NormalizationCase> AllCases()
    {
        yield return new("mini NormNet: conv, BatchNorm, pool, dense, LayerNorm, Dropout, softmax", () => new MiniNormNet(), MiniNormNetReference(), samples: 3);
        yield return new("the issue's NormNet", () => new NormNet(), NormNetReference(), samples: 4, finiteDifferences: false);
        yield return new("dense, BatchNorm(ReLU, momentum 0.2, ε 1e-3), softmax", () => new DenseBatchNormNet(), DenseBatchNormReference(), samples: 4);
        yield return new("dense without bias, BatchNorm(tanh), dense", () => new DenseBatchNormNoBiasNet(), new ReferenceNormalizedNetwork(
            [4], Loss.MeanSquaredError, new RefDense(5, Bias: false), new RefBatchNorm(Activation.Tanh), new RefDense(2)), samples: 4);
        yield return new("1-D convolution without bias, BatchNorm per channel, max pool, dense", () => new Conv1DBatchNormNet(), new ReferenceNormalizedNetwork(
            [2, 9], Loss.MeanSquaredError, new RefConv(3, 3, Bias: false), new RefBatchNorm(Activation.LeakyReLU, Slope: 0.1), new RefPool(Max: true, 2, 2), new RefDense(2)), samples: 4);
        yield return new("2-D convolution, BatchNorm, average pool, BatchNorm, softmax", () => new Conv2DBatchNormNet(), Conv2DBatchNormReference(), samples: 3);
        yield return new("convolution to 1×1 positions, BatchNorm", () => new PointConvBatchNormNet(), new ReferenceNormalizedNetwork(
            [2, 3, 3], Loss.MeanSquaredError, new RefConv(3, 3), new RefBatchNorm(), new RefDense(2)), samples: 3);
        yield return new("1-D convolution, LayerNorm(sigmoid), BCE", () => new ConvLayerNormNet(), new ReferenceNormalizedNetwork(
            [2, 6], Loss.BinaryCrossEntropy, new RefConv(3, 3, Activation.Tanh), new RefLayerNorm(Activation.Sigmoid), new RefDense(2, Activation.Sigmoid)), samples: 3);
        yield return new("2-D convolution without bias, LayerNorm(ε 1e-3), dense without bias", () => new Conv2DLayerNormNoBiasNet(), new ReferenceNormalizedNetwork(
            [2, 4, 4], Loss.MeanSquaredError, new RefConv(3, 2, Activation.ReLU, Bias: false), new RefLayerNorm(Epsilon: 1e-3), new RefDense(2, Bias: false)), samples: 3);
        yield return new("Dropout on the input, dense", () => new DropoutInputNet(), DropoutInputReference(), samples: 4);
        yield return new("dense without bias, BatchNorm(ReLU), Dropout(0.5), dense", () => new DropoutBatchNormNet(), new ReferenceNormalizedNetwork(
            [4], Loss.MeanSquaredError, new RefDense(6, Bias: false), new RefBatchNorm(Activation.ReLU), new RefDropout(0.5), new RefDense(4)), samples: 4);
        yield return new("Dropout(0.2), dense without bias, BatchNorm(tanh), dense", () => new InputDropoutBatchNormNet(), new ReferenceNormalizedNetwork(
            [4], Loss.MeanSquaredError, new RefDropout(0.2), new RefDense(5, Bias: false), new RefBatchNorm(Activation.Tanh), new RefDense(2)), samples: 4);
        yield return new("BatchNorm first, over the input features", () => new InputBatchNormNet(), new ReferenceNormalizedNetwork(
            [4], Loss.MeanSquaredError, new RefBatchNorm(Activation.Tanh), new RefDense(2)), samples: 4);
        yield return new("BatchNorm first, per channel of a shaped input", () => new InputBatchNormShapedNet(), new ReferenceNormalizedNetwork(
            [2, 3, 3], Loss.MeanSquaredError, new RefBatchNorm(Activation.ReLU), new RefDense(2)), samples: 3);
        yield return new("LayerNorm first", () => new InputLayerNormNet(), new ReferenceNormalizedNetwork(
            [4], Loss.MeanSquaredError, new RefLayerNorm(Activation.Tanh), new RefDense(2)), samples: 3);
        yield return new("dense (a kernel layer), BatchNorm, dense, SGD", () => new SgdBatchNormNet(), new ReferenceNormalizedNetwork(
            [40], Loss.MeanSquaredError, new RefDense(12, Bias: false), new RefBatchNorm(Activation.Tanh), new RefDense(2)), samples: 4);
    }

    // ---- Layout -------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_architecture_places_every_tensor_and_buffer_where_the_reference_does(NormalizationCase c)
    {
        INetwork<double> network = c.Create();
        ReferenceNormalizedNetwork reference = c.Reference;
        NetworkArchitecture architecture = network.Architecture;

        Assert.Equal(reference.ParameterCount, network.ParameterCount);
        Assert.Equal(reference.BufferCount, network.Buffers.Length);
        Assert.Equal(reference.BufferCount, architecture.BufferCount);
        Assert.Equal(reference.BatchNormCount, network.BatchesTracked.Length);
        bool dropout = reference.Layers.OfType<RefDropout>().Any();
        Assert.Equal(dropout, architecture.HasDropout);
        Assert.Equal(dropout ? 4 : 0, network.RandomState.Length);
        Assert.Equal(reference.Layers.Count, architecture.Layers.Count);
        for (int l = 0; l < reference.Layers.Count; l++)
        {
            LayerArchitecture layer = architecture.Layers[l];
            switch (reference.Layers[l])
            {
                case RefBatchNorm norm:
                    (int offset, int channels) = reference.BufferRange(l);
                    Assert.Equal(LayerKind.BatchNorm, layer.Kind);
                    AssertTensor(layer.Tensor("weight"), [channels], reference.ParameterOffset(l));
                    AssertTensor(layer.Tensor("bias"), [channels], reference.ParameterOffset(l) + channels);
                    Assert.Equal(new[] { "running_mean", "running_var" }, layer.Buffers.Select(buffer => buffer.Name));
                    AssertTensor(layer.Buffers[0], [channels], offset);
                    AssertTensor(layer.Buffers[1], [channels], offset + channels);
                    Assert.Equal(new NormalizationArchitecture(norm.Momentum, norm.Epsilon), layer.Normalization);
                    Assert.Equal(norm.Activation, layer.Activation);
                    break;
                case RefLayerNorm norm:
                    Assert.Equal(LayerKind.LayerNorm, layer.Kind);
                    AssertTensor(layer.Tensor("weight"), layer.InputShape.ToArray(), reference.ParameterOffset(l));
                    AssertTensor(layer.Tensor("bias"), layer.InputShape.ToArray(), reference.ParameterOffset(l) + reference.InputSizeOf(l));
                    Assert.Empty(layer.Buffers);
                    Assert.Equal(norm.Epsilon, layer.Normalization!.Epsilon);
                    Assert.Equal(norm.Activation, layer.Activation);
                    break;
                case RefDropout drop:
                    Assert.Equal(LayerKind.Dropout, layer.Kind);
                    Assert.Empty(layer.Tensors);
                    Assert.Equal(drop.Rate, layer.DropoutRate);
                    break;
                case RefDense dense:
                    Assert.Equal(reference.ParameterOffset(l), layer.Tensor("weight").Offset);
                    Assert.Equal(dense.Bias, layer.FindTensor("bias") is not null);
                    break;
                case RefConv conv:
                    Assert.Equal(reference.ParameterOffset(l), layer.Tensor("weight").Offset);
                    Assert.Equal(conv.Bias, layer.FindTensor("bias") is not null);
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_new_network_starts_with_unit_weights_zero_biases_and_fresh_statistics(NormalizationCase c)
    {
        INetwork<double> network = c.Create();
        AssertFreshNormalization(network, c.Reference);

        GradientCheckTests.RandomizeParameters(network, seed: 1);
        network.InitializeParameters(17);

        AssertFreshNormalization(network, c.Reference);
    }

    // ---- Gradients ----------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(FiniteDifferenceCases))]
    public void The_training_gradient_matches_central_differences_of_the_network_batch_loss(NormalizationCase c)
    {
        INetwork<double> network = c.Create();
        GradientCheckTests.RandomizeParameters(network, seed: 13);
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(c.Reference, c.Samples, seed: 11);
        ulong[] state = network.RandomState.ToArray();

        network.AccumulateGradients(inputs, targets);
        double[] analytic = network.Gradients.ToArray();
        network.ZeroGradients();

        GradientCheckTests.AssertGradientsAgree(NetworkFiniteDifferences(network, inputs, targets, state), analytic);
        if (!network.RandomState.IsEmpty)
        {
            // The mask held fixed is a real one: without restoring the generator the next call drops other values.
            state.CopyTo(network.RandomState);
            double first = network.AccumulateGradients(inputs, targets);
            Assert.NotEqual(first, network.AccumulateGradients(inputs, targets));
        }
    }

    [Theory]
    [MemberData(nameof(OneSampleCases))]
    public void A_batch_of_one_sample_has_the_gradient_of_its_own_statistics(NormalizationCase c)
    {
        // One sample is a batch too when every BatchNorm sees several positions per channel.
        INetwork<double> network = c.Create();
        GradientCheckTests.RandomizeParameters(network, seed: 23);
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(c.Reference, 1, seed: 29);
        ulong[] state = network.RandomState.ToArray();

        network.AccumulateGradients(inputs, targets);
        double[] analytic = network.Gradients.ToArray();
        network.ZeroGradients();

        GradientCheckTests.AssertGradientsAgree(NetworkFiniteDifferences(network, inputs, targets, state), analytic);
    }

    [Theory]
    [MemberData(nameof(ObservableCases))]
    public void The_training_gradient_and_loss_equal_the_reference_with_the_same_masks(NormalizationCase c)
    {
        INetwork<double> network = c.Create();
        GradientCheckTests.RandomizeParameters(network, seed: 31);
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(c.Reference, c.Samples, seed: 37);
        double[] parameters = network.Parameters.ToArray();
        ulong[] state = network.RandomState.ToArray();
        Dictionary<int, double[]> masks = ObserveMasks(c.Factory, c.Reference, parameters, inputs, state, tolerance: 1e-9);
        Assert.All(masks.Values, mask => Assert.True(mask.Contains(0) && mask.Any(m => m != 0), "the mask read back both drops and keeps"));

        double loss = network.AccumulateGradients(inputs, targets);

        Assert.Equal(c.Reference.SummedLoss(parameters, inputs, targets, training: true, masks: masks), loss, 1e-12);
        AssertClose(c.Reference.Gradient(parameters, inputs, targets, training: true, masks: masks), network.Gradients.ToArray(), 1e-10, "gradient");
    }

    [Theory]
    [MemberData(nameof(DeterministicBatchNormCases))]
    public void Two_calls_over_two_halves_differ_from_one_call_over_the_whole_batch_and_each_matches_the_reference(NormalizationCase c)
    {
        ReferenceNormalizedNetwork reference = c.Reference;
        INetwork<double> halves = c.Create(), whole = c.Create();
        GradientCheckTests.RandomizeParameters(halves, seed: 41);
        GradientCheckTests.RandomizeParameters(whole, seed: 41);
        double[] parameters = halves.Parameters.ToArray();
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, 6, seed: 43);
        int half = 3 * reference.Inputs, halfTargets = 3 * reference.Outputs;

        halves.AccumulateGradients(inputs.AsSpan(0, half), targets.AsSpan(0, halfTargets));
        halves.AccumulateGradients(inputs.AsSpan(half), targets.AsSpan(halfTargets));
        whole.AccumulateGradients(inputs, targets);

        double[] first = reference.Gradient(parameters, inputs[..half], targets[..halfTargets], training: true);
        double[] second = reference.Gradient(parameters, inputs[half..], targets[halfTargets..], training: true);
        AssertClose(first.Select((g, i) => g + second[i]).ToArray(), halves.Gradients.ToArray(), 1e-10, "two halves' gradient");
        AssertClose(reference.Gradient(parameters, inputs, targets, training: true), whole.Gradients.ToArray(), 1e-10, "the whole's gradient");
        double difference = Enumerable.Range(0, parameters.Length).Max(i => Math.Abs(halves.Gradients[i] - whole.Gradients[i]));
        Assert.True(difference > 1e-3 * whole.Gradients.ToArray().Max(Math.Abs), $"the halves' gradient is the whole's ({difference:R})");

        double[] buffers = reference.InitialBuffers();
        buffers = reference.UpdatedBuffers(buffers, reference.Forward(parameters, inputs[..half], training: true));
        buffers = reference.UpdatedBuffers(buffers, reference.Forward(parameters, inputs[half..], training: true));
        AssertClose(buffers, halves.Buffers.ToArray(), 1e-12, "running statistics after two halves");
        AssertClose(reference.UpdatedBuffers(reference.InitialBuffers(), reference.Forward(parameters, inputs, training: true)), whole.Buffers.ToArray(), 1e-12, "running statistics after the whole");
        Assert.All(halves.BatchesTracked.ToArray(), count => Assert.Equal(2, count));
        Assert.All(whole.BatchesTracked.ToArray(), count => Assert.Equal(1, count));
    }

    [Theory]
    [InlineData(300)] // more than Trainer.MaxRowsPerPass: the generated code runs the call in several passes
    [InlineData(257)]
    public void Statistics_cover_the_whole_call_when_it_runs_in_several_passes(int samples)
    {
        Assert.True(samples > Trainer.MaxRowsPerPass);
        foreach ((string name, INetwork<double> network, ReferenceNormalizedNetwork reference) in new (string, INetwork<double>, ReferenceNormalizedNetwork)[]
        {
            ("dense, BatchNorm", new DenseBatchNormNet(), DenseBatchNormReference()),
            ("2-D convolution, BatchNorm, pool, BatchNorm", new Conv2DBatchNormNet(), Conv2DBatchNormReference()),
        })
        {
            GradientCheckTests.RandomizeParameters(network, seed: 47);
            double[] parameters = network.Parameters.ToArray();
            (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, samples, seed: 53);

            double loss = network.AccumulateGradients(inputs, targets);

            ReferenceBatch batch = reference.Forward(parameters, inputs, training: true);
            double[] once = reference.UpdatedBuffers(reference.InitialBuffers(), batch);
            Assert.Equal(reference.SummedLoss(batch, targets), loss, 1e-12 * samples);
            AssertClose(reference.Gradient(parameters, inputs, targets, training: true), network.Gradients.ToArray(), 1e-10, $"{name}: gradient");
            AssertClose(once, network.Buffers.ToArray(), 1e-12, $"{name}: running statistics");
            Assert.All(network.BatchesTracked.ToArray(), count => Assert.Equal(1, count));

            network.ZeroGradients();
            network.TrainBatch(inputs, targets); // the parameters before its update are the same ones

            AssertClose(reference.UpdatedBuffers(once, batch), network.Buffers.ToArray(), 1e-12, $"{name}: running statistics after TrainBatch");
            Assert.All(network.BatchesTracked.ToArray(), count => Assert.Equal(2, count));
        }
    }

    // ---- Running statistics and evaluation ----------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(BatchNormCases))]
    public void Running_statistics_after_five_training_steps_equal_the_reference(NormalizationCase c)
    {
        INetwork<double> network = c.Create();
        GradientCheckTests.RandomizeParameters(network, seed: 59);
        double[] expected = c.Reference.InitialBuffers();
        for (int step = 1; step <= 5; step++)
        {
            (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(c.Reference, c.Samples, seed: 60 + step);
            double[] parameters = network.Parameters.ToArray(); // whatever the optimizer made of them
            expected = c.Reference.UpdatedBuffers(expected, c.Reference.Forward(parameters, inputs, training: true));

            network.TrainBatch(inputs, targets);
        }

        AssertClose(expected, network.Buffers.ToArray(), 1e-12, "running statistics after 5 steps");
        Assert.All(network.BatchesTracked.ToArray(), count => Assert.Equal(5, count));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluation_uses_the_running_statistics_and_no_dropout(NormalizationCase c)
    {
        INetwork<double> network = c.Create();
        GradientCheckTests.RandomizeParameters(network, seed: 67);
        for (int step = 0; step < 3; step++)
        {
            (double[] trainInputs, double[] trainTargets) = ReferenceNormalizedNetworkTests.Batch(c.Reference, c.Samples, seed: 70 + step);
            network.TrainBatch(trainInputs, trainTargets);
        }

        AssertEvaluationMatchesReference(network, c.Reference, "after 3 steps");

        // Statistics written straight into Buffers are the ones evaluation uses.
        ReferenceNormalizedNetworkTests.RandomBuffers(c.Reference, seed: 71).CopyTo(network.Buffers);
        AssertEvaluationMatchesReference(network, c.Reference, "with written buffers");
    }

    [Fact]
    public void BatchesTracked_counts_training_calls_and_only_them()
    {
        INetwork<double> network = new Conv2DBatchNormNet();
        ReferenceNormalizedNetwork reference = Conv2DBatchNormReference();
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, 4, seed: 73);
        var outputs = new double[4 * network.OutputSize];
        Assert.Equal(new long[] { 0, 0 }, network.BatchesTracked.ToArray());

        network.TrainBatch(inputs, targets);
        Assert.Equal(new long[] { 1, 1 }, network.BatchesTracked.ToArray());
        network.AccumulateGradients(inputs, targets);
        network.AccumulateGradients(inputs.AsSpan(0, 2 * network.InputSize), targets.AsSpan(0, 2 * network.OutputSize));
        Assert.Equal(new long[] { 3, 3 }, network.BatchesTracked.ToArray());
        network.ApplyGradients(6);
        network.TrainStep(inputs.AsSpan(0, network.InputSize), targets.AsSpan(0, network.OutputSize)); // 25 positions per channel
        Assert.Equal(new long[] { 4, 4 }, network.BatchesTracked.ToArray());
        double[] buffers = network.Buffers.ToArray();

        network.Predict(inputs.AsSpan(0, network.InputSize), outputs.AsSpan(0, network.OutputSize));
        network.PredictBatch(inputs, outputs);
        network.ComputeLoss(inputs, targets);

        Assert.Equal(new long[] { 4, 4 }, network.BatchesTracked.ToArray());
        Assert.Equal(buffers, network.Buffers.ToArray());
    }

    // ---- One value per channel ----------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(OneValuePerChannelCases))]
    public void A_training_call_that_gives_BatchNorm_one_value_per_channel_is_refused_and_changes_nothing(string name, GradientCheckTests.NetworkFactory factory, int batchNormLayer)
    {
        INetwork<double> network = factory.Create();
        GradientCheckTests.RandomizeParameters(network, seed: 79);
        var random = new Random(83);
        double[] inputs = Enumerable.Range(0, 2 * network.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] targets = Enumerable.Range(0, 2 * network.OutputSize).Select(_ => random.NextDouble()).ToArray();
        network.TrainBatch(inputs, targets); // two samples are fine, and leave optimizer state and statistics to keep
        network.AccumulateGradients(inputs, targets); // and an accumulated gradient
        NetworkSnapshot before = NetworkSnapshot.Of(network);

        foreach ((string call, Action action) in new (string, Action)[]
        {
            ("TrainStep", () => network.TrainStep(inputs.AsSpan(0, network.InputSize), targets.AsSpan(0, network.OutputSize))),
            ("TrainBatch", () => network.TrainBatch(inputs.AsSpan(0, network.InputSize), targets.AsSpan(0, network.OutputSize))),
            ("AccumulateGradients", () => network.AccumulateGradients(inputs.AsSpan(0, network.InputSize), targets.AsSpan(0, network.OutputSize))),
        })
        {
            ArgumentException exception = Assert.ThrowsAny<ArgumentException>(action);
            Assert.Matches(new Regex($@"\blayers?[ .\[]?{batchNormLayer}\b", RegexOptions.IgnoreCase), exception.Message);
            before.AssertUnchanged(network, $"{name}, {call}");
        }

        var output = new double[network.OutputSize];
        network.Predict(inputs.AsSpan(0, network.InputSize), output); // evaluation needs no batch statistics
        Assert.All(output, value => Assert.True(double.IsFinite(value)));
    }

    [Fact]
    public void A_one_sample_training_call_after_a_convolution_with_several_positions_works()
    {
        var network = new Conv2DBatchNormNet();
        ReferenceNormalizedNetwork reference = Conv2DBatchNormReference();
        GradientCheckTests.RandomizeParameters(network, seed: 89);
        double[] parameters = network.Parameters.ToArray();
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, 1, seed: 97);

        double loss = network.TrainStep(inputs, targets);

        // 25 positions per channel for the first BatchNorm, 4 (after the 2×2 pool) for the second.
        ReferenceBatch batch = reference.Forward(parameters, inputs, training: true);
        Assert.Equal(reference.SummedLoss(batch, targets), loss, 1e-12);
        AssertClose(reference.UpdatedBuffers(reference.InitialBuffers(), batch), network.Buffers.ToArray(), 1e-12, "running statistics");
        Assert.Equal(new long[] { 1, 1 }, network.BatchesTracked.ToArray());
    }

    // ---- Refused updates ----------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_refused_update_leaves_the_statistics_the_counts_and_the_generator_unchanged(NormalizationCase c)
    {
        INetwork<double> network = c.Create();
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(c.Reference, c.Samples, seed: 101);
        network.TrainBatch(inputs, targets); // a first finite step: optimizer state, statistics and a generator to keep
        NetworkSnapshot before = NetworkSnapshot.Of(network);
        double[] poisoned = (double[])inputs.Clone();
        poisoned[1] = double.PositiveInfinity;

        Assert.Throws<NonFiniteUpdateException>(() => network.TrainBatch(poisoned, targets));

        before.AssertUnchanged(network, c.Name, gradientsCleared: true);
        network.TrainBatch(inputs, targets); // and the network trains on
        Assert.All(network.Parameters.ToArray(), value => Assert.True(double.IsFinite(value)));
    }

    [Fact]
    public void A_refused_one_sample_step_after_a_convolution_leaves_everything_unchanged()
    {
        var network = new MiniNormNet();
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(MiniNormNetReference(), 1, seed: 103);
        network.TrainStep(inputs, targets);
        NetworkSnapshot before = NetworkSnapshot.Of(network);
        inputs[7] = double.NaN;

        Assert.Throws<NonFiniteUpdateException>(() => network.TrainStep(inputs, targets));

        before.AssertUnchanged(network, "TrainStep", gradientsCleared: true);
    }

    // ---- Dropout ------------------------------------------------------------------------------------------------------

    [Fact]
    public void Dropout_drops_values_at_its_rate()
    {
        // 500 calls of 8 samples × 8 values: the dropped fraction lies within 4 standard errors, √(p(1 − p)/n), of 0.25.
        var network = new DropoutInputNet();
        var random = new Random(107);
        double[] inputs = Enumerable.Range(0, 64).Select(_ => 0.5 + random.NextDouble()).ToArray();
        int dropped = 0, values = 0, repeats = 0, uniformCalls = 0;
        bool[]? previous = null;
        for (int call = 0; call < 500; call++)
        {
            bool[] zeroed = DroppedInputs(network, inputs).Select(v => v == 0).ToArray();
            dropped += zeroed.Count(z => z);
            values += zeroed.Length;
            repeats += previous is not null && zeroed.SequenceEqual(previous) ? 1 : 0;
            uniformCalls += Enumerable.Range(1, 7).All(s => zeroed.AsSpan(s * 8, 8).SequenceEqual(zeroed.AsSpan(0, 8))) ? 1 : 0;
            previous = zeroed;
        }

        double fraction = (double)dropped / values, standardError = Math.Sqrt(0.25 * 0.75 / values);
        Assert.InRange(fraction, 0.25 - 4 * standardError, 0.25 + 4 * standardError);
        Assert.Equal(0, repeats);      // each call draws a new mask
        Assert.Equal(0, uniformCalls); // and one per sample, not one for the batch
    }

    [Fact]
    public void Kept_values_are_scaled_by_exactly_one_over_the_keep_probability_in_double()
        => AssertExactScale(new DropoutInputNet(), 0.25);

    [Fact]
    public void Kept_values_are_scaled_by_exactly_one_over_the_keep_probability_in_float()
        => AssertExactScale(new DropoutInputFloatNet(), 0.25);

    [Fact]
    public void Restoring_the_random_state_reproduces_the_mask()
    {
        var network = new DropoutInputNet();
        double[] inputs = Enumerable.Range(1, 64).Select(i => (double)i).ToArray();
        ulong[] state = network.RandomState.ToArray();

        double[] first = DroppedInputs(network, inputs);
        Assert.NotEqual(state, network.RandomState.ToArray()); // the call drew from the generator
        double[] second = DroppedInputs(network, inputs);
        state.CopyTo(network.RandomState);
        double[] again = DroppedInputs(network, inputs);

        Assert.Equal(first, again);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Evaluation_never_drops_and_never_draws()
    {
        var network = new DropoutInputNet();
        GradientCheckTests.RandomizeParameters(network, seed: 109);
        ReferenceNormalizedNetwork reference = DropoutInputReference();
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, 8, seed: 113);
        double[] parameters = network.Parameters.ToArray();
        ulong[] state = network.RandomState.ToArray();
        double[] expected = reference.Predict(parameters, inputs);
        var output = new double[8];
        var outputs = new double[64];

        for (int s = 0; s < 8; s++)
        {
            for (int repeat = 0; repeat < 3; repeat++)
            {
                network.Predict(inputs.AsSpan(s * 8, 8), output);
                AssertClose(expected[(s * 8)..(s * 8 + 8)], output, 1e-12, $"Predict of sample {s}");
            }
        }

        network.PredictBatch(inputs, outputs);
        AssertClose(expected, outputs, 1e-12, "PredictBatch");
        Assert.Equal(reference.SummedLoss(parameters, inputs, targets, training: false) / 8, network.ComputeLoss(inputs, targets), 1e-12);
        Assert.Equal(state, network.RandomState.ToArray());
    }

    [Fact]
    public void TrainStep_draws_a_mask_too()
    {
        var network = new DropoutInputNet();
        ulong[] state = network.RandomState.ToArray();

        network.TrainStep(new double[8], new double[8]);

        Assert.NotEqual(state, network.RandomState.ToArray());
    }

    // ---- Seeds --------------------------------------------------------------------------------------------------------

    [Fact]
    public void The_same_seed_gives_bit_identical_training_in_double() => AssertSeedReproducesTraining(() => new MiniNormNet());

    [Fact]
    public void The_same_seed_gives_bit_identical_training_in_float() => AssertSeedReproducesTraining(() => new MiniNormFloatNet());

    [Fact]
    public void InitializeParameters_resets_the_parameters_the_generator_the_statistics_and_the_counts()
    {
        var network = new MiniNormNet();
        ReferenceNormalizedNetwork reference = MiniNormNetReference();
        network.InitializeParameters(7);
        double[] parameters = network.Parameters.ToArray();
        ulong[] state = network.RandomState.ToArray();
        for (int step = 0; step < 3; step++)
        {
            (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, 4, seed: 120 + step);
            network.TrainBatch(inputs, targets);
        }

        Assert.NotEqual(state, network.RandomState.ToArray());
        network.InitializeParameters(7);

        Assert.Equal(parameters, network.Parameters.ToArray());
        Assert.Equal(state, network.RandomState.ToArray());
        Assert.Equal(reference.InitialBuffers(), network.Buffers.ToArray());
        Assert.All(network.BatchesTracked.ToArray(), count => Assert.Equal(0, count));
        var other = new MiniNormNet();
        other.InitializeParameters(8);
        Assert.NotEqual(state, other.RandomState.ToArray());
        other.InitializeParameters(7);
        Assert.Equal(state, other.RandomState.ToArray());
    }

    // ---- Float --------------------------------------------------------------------------------------------------------

    [Fact]
    public void The_float_mini_NormNet_matches_the_double_reference_to_float_precision()
        => AssertFloatNetworkMatchesReference(() => new MiniNormFloatNet(), MiniNormNetReference(), samples: 3);

    [Fact]
    public void The_float_NormNet_of_the_issue_matches_the_double_reference_to_float_precision()
        => AssertFloatNetworkMatchesReference(() => new NormFloatNet(), NormNetReference(), samples: 4);

    // ---- Helpers ------------------------------------------------------------------------------------------------------

    private static void AssertFloatNetworkMatchesReference(Func<INetwork<float>> create, ReferenceNormalizedNetwork reference, int samples)
    {
        const double Tolerance = 1e-4;
        INetwork<float> network = create();
        var random = new Random(4);
        for (int i = 0; i < network.ParameterCount; i++)
        {
            network.Parameters[i] = (float)(random.NextDouble() - 0.5);
        }

        // The gradient of a training call, with the masks it draws.
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, samples, seed: 6);
        inputs = inputs.Select(v => (double)(float)v).ToArray();
        double[] parameters = Doubles<float>(network.Parameters);
        ulong[] state = network.RandomState.ToArray();
        Dictionary<int, double[]> masks = ObserveMasks(create, reference, parameters, inputs, state, tolerance: 1e-3);

        float loss = network.AccumulateGradients(Values<float>(inputs), Values<float>(targets));

        double expectedLoss = reference.SummedLoss(parameters, inputs, targets, training: true, masks: masks);
        Assert.True(Math.Abs(expectedLoss - loss) <= Tolerance * Math.Max(1, Math.Abs(expectedLoss)), $"loss {expectedLoss:R} against {loss:R}");
        double[] expected = reference.Gradient(parameters, inputs, targets, training: true, masks: masks);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - network.Gradients[i]) <= Tolerance * scale, $"parameter {i}: {expected[i]:R} against {network.Gradients[i]:R}");
        }

        // That call's update of the running statistics, five training steps', then evaluation with them.
        network.ZeroGradients();
        double[] buffers = reference.UpdatedBuffers(reference.InitialBuffers(), reference.Forward(parameters, inputs, training: true, masks: masks));
        AssertClose(buffers, Doubles<float>(network.Buffers), Tolerance, "running statistics after AccumulateGradients");
        for (int step = 1; step <= 5; step++)
        {
            (double[] batchInputs, double[] batchTargets) = ReferenceNormalizedNetworkTests.Batch(reference, samples, seed: 10 + step);
            batchInputs = batchInputs.Select(v => (double)(float)v).ToArray();
            buffers = reference.UpdatedBuffers(buffers, reference.Forward(Doubles<float>(network.Parameters), batchInputs, training: true));
            network.TrainBatch(Values<float>(batchInputs), Values<float>(batchTargets));
        }

        AssertClose(buffers, Doubles<float>(network.Buffers), Tolerance, "running statistics after 5 steps");
        Assert.All(network.BatchesTracked.ToArray(), count => Assert.Equal(6, count));
        var outputs = new float[samples * reference.Outputs];
        network.PredictBatch(Values<float>(inputs), outputs);
        AssertClose(reference.Predict(Doubles<float>(network.Parameters), inputs, Doubles<float>(network.Buffers)), outputs.Select(v => (double)v).ToArray(), Tolerance, "PredictBatch");
    }

    private static void AssertSeedReproducesTraining<T>(Func<INetwork<T>> create) where T : unmanaged, IFloatingPointIeee754<T>
    {
        INetwork<T> first = create(), second = create();
        first.InitializeParameters(42);
        second.InitializeParameters(42);
        ReferenceNormalizedNetwork reference = MiniNormNetReference();
        for (int step = 0; step < 6; step++)
        {
            (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, 5, seed: 130 + step);
            first.TrainBatch(Values<T>(inputs), Values<T>(targets));
            second.TrainBatch(Values<T>(inputs), Values<T>(targets));
        }

        Assert.Equal(first.Parameters.ToArray(), second.Parameters.ToArray());
        Assert.Equal(first.OptimizerState.ToArray(), second.OptimizerState.ToArray());
        Assert.Equal(first.Buffers.ToArray(), second.Buffers.ToArray());
        Assert.Equal(first.BatchesTracked.ToArray(), second.BatchesTracked.ToArray());
        Assert.Equal(first.RandomState.ToArray(), second.RandomState.ToArray());

        // And the seed is what fixes the generator: another seed starts it elsewhere.
        INetwork<T> again = create(), other = create();
        again.InitializeParameters(42);
        other.InitializeParameters(43);
        Assert.NotEqual(again.RandomState.ToArray(), other.RandomState.ToArray());
    }

    /// <summary>The network's inputs after its Dropout in one training call of eight samples, read from the dense layer's weight gradient.</summary>
    private static double[] DroppedInputs(INetwork<double> network, double[] inputs) => DroppedInputs<double>(network, inputs);

    /// <summary>
    /// With the dense layer's weights and biases zero its outputs are 0; targets C/2 on the diagonal (sample s, output s)
    /// make the MSE gradient 2(0 − C/2)/C = −1 exactly there and 0 elsewhere, so the weight gradient's row s is minus
    /// sample s's dropped inputs, to the last bit.
    /// </summary>
    private static T[] DroppedInputs<T>(INetwork<T> network, double[] inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(8 * 8 + 8, network.ParameterCount);
        network.Parameters.Clear();
        var targets = new T[64];
        for (int s = 0; s < 8; s++)
        {
            targets[s * 8 + s] = T.CreateChecked(4);
        }

        network.ZeroGradients();
        network.AccumulateGradients(Values<T>(inputs), targets);
        T[] dropped = network.Gradients.Slice(0, 64).ToArray().Select(g => -g).ToArray();
        network.ZeroGradients();
        return dropped;
    }

    private static void AssertExactScale<T>(INetwork<T> network, double rate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = T.CreateChecked(1 / (1 - rate));
        var random = new Random(127);
        int kept = 0;
        for (int call = 0; call < 20; call++)
        {
            double[] inputs = Enumerable.Range(0, 64).Select(_ => double.CreateChecked(T.CreateChecked((random.NextDouble() * 2 - 1) * 3))).ToArray();
            T[] dropped = DroppedInputs(network, inputs);
            for (int i = 0; i < 64; i++)
            {
                T x = T.CreateChecked(inputs[i]);
                if (dropped[i] != T.Zero)
                {
                    Assert.Equal(x * scale, dropped[i]);
                    kept++;
                }
            }
        }

        Assert.InRange(kept, 800, 1120); // 1280 values, three quarters kept
    }

    private static void AssertFreshNormalization(INetwork<double> network, ReferenceNormalizedNetwork reference)
    {
        for (int l = 0; l < reference.Layers.Count; l++)
        {
            int size = reference.Layers[l] switch
            {
                RefBatchNorm => reference.BufferRange(l).Channels,
                RefLayerNorm => reference.InputSizeOf(l),
                _ => 0,
            };
            Assert.All(network.Parameters.Slice(reference.ParameterOffset(l), size).ToArray(), gamma => Assert.Equal(1, gamma));
            Assert.All(network.Parameters.Slice(reference.ParameterOffset(l) + size, size).ToArray(), beta => Assert.Equal(0, beta));
        }

        Assert.Equal(reference.InitialBuffers(), network.Buffers.ToArray());
        Assert.All(network.BatchesTracked.ToArray(), count => Assert.Equal(0, count));
        if (!network.RandomState.IsEmpty)
        {
            Assert.Contains(network.RandomState.ToArray(), word => word != 0); // xoshiro's state must not be all zeros
        }
    }

    private static void AssertEvaluationMatchesReference(INetwork<double> network, ReferenceNormalizedNetwork reference, string when)
    {
        (double[] inputs, double[] targets) = ReferenceNormalizedNetworkTests.Batch(reference, 5, seed: 137);
        double[] parameters = network.Parameters.ToArray(), buffers = network.Buffers.ToArray();
        NetworkSnapshot before = NetworkSnapshot.Of(network);
        double[] expected = reference.Predict(parameters, inputs, buffers);
        int outputs = reference.Outputs;

        var batchOutputs = new double[5 * outputs];
        network.PredictBatch(inputs, batchOutputs);
        AssertClose(expected, batchOutputs, 1e-12, $"PredictBatch {when}");
        var output = new double[outputs];
        for (int s = 0; s < 5; s++)
        {
            network.Predict(inputs.AsSpan(s * reference.Inputs, reference.Inputs), output);
            AssertClose(expected[(s * outputs)..((s + 1) * outputs)], output, 1e-12, $"Predict of sample {s} {when}");
        }

        // One sample alone gives the same outputs: evaluation does not look across the batch.
        network.PredictBatch(inputs.AsSpan(0, reference.Inputs), output);
        AssertClose(expected[..outputs], output, 1e-12, $"PredictBatch of one sample {when}");
        Assert.Equal(reference.SummedLoss(parameters, inputs, targets, training: false, buffers) / 5, network.ComputeLoss(inputs, targets), 1e-12);
        before.AssertUnchanged(network, $"evaluation {when}");
    }

    /// <summary>
    /// The masks the next training call of a network of <paramref name="create"/>'s type draws from generator state
    /// <paramref name="state"/> on <paramref name="inputs"/>, read back from a probe network: the same parameters but the
    /// output layer's weights and biases zero, so that its outputs (and so the loss gradient D at them, here of one-hot
    /// targets) do not depend on the mask, and its weight gradient is Dᵀ·(h ⊙ m) with h the Dropout's input, which the
    /// reference computes. Solved per input by least squares, then rounded to 0 or 1/(1 − rate); the residual must be
    /// within <paramref name="tolerance"/>.
    /// </summary>
    internal static Dictionary<int, double[]> ObserveMasks<T>(Func<INetwork<T>> create, ReferenceNormalizedNetwork reference, double[] parameters, double[] inputs, ulong[] state, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var masks = new Dictionary<int, double[]>();
        if (!reference.Layers.OfType<RefDropout>().Any())
        {
            return masks;
        }

        Assert.True(MaskObservable(reference), "the network's only Dropout must feed its output dense layer");
        int layer = reference.Layers.Count - 2, last = reference.Layers.Count - 1;
        int samples = inputs.Length / reference.Inputs, width = reference.InputSizeOf(layer), units = reference.Outputs;
        double rate = ((RefDropout)reference.Layers[layer]).Rate, scale = 1 / (1 - rate);
        // Zero output weights and biases leave every sample the same outputs, y; a one-hot target at output s makes row s
        // of D y's loss gradient less e_s. Those rows are independent for s < C under MSE, for s < C − 1 under the losses
        // whose gradient rows sum to a multiple of the outputs' (softmax cross-entropy, sigmoid BCE at y = ½).
        int readable = reference.Loss == Loss.MeanSquaredError ? units : units - 1;
        Assert.True(samples <= readable, $"{samples} samples: at most {readable} masks can be read back");
        double[] probe = (double[])parameters.Clone();
        Array.Clear(probe, reference.ParameterOffset(last), reference.ParameterCount - reference.ParameterOffset(last));
        var targets = new double[samples * units];
        for (int s = 0; s < samples; s++)
        {
            targets[s * units + s] = 1;
        }

        INetwork<T> network = create();
        Values<T>(probe).CopyTo(network.Parameters);
        state.CopyTo(network.RandomState);
        network.ZeroGradients();
        network.AccumulateGradients(Values<T>(inputs), Values<T>(targets));
        double[] weightGradient = Doubles<T>(network.Gradients.Slice(reference.ParameterOffset(last), units * width));

        ReferenceBatch batch = reference.Forward(probe, inputs, training: true);
        double[] h = batch.Values[layer], d = reference.OutputGradient(batch, targets);
        double[,] normal = new double[samples, samples];
        for (int a = 0; a < samples; a++)
        {
            for (int b = 0; b < samples; b++)
            {
                for (int u = 0; u < units; u++)
                {
                    normal[a, b] += d[a * units + u] * d[b * units + u];
                }
            }
        }

        double largest = h.Max(Math.Abs) * scale;
        var mask = new double[samples * width];
        for (int i = 0; i < width; i++)
        {
            var right = new double[samples];
            for (int a = 0; a < samples; a++)
            {
                for (int u = 0; u < units; u++)
                {
                    right[a] += d[a * units + u] * weightGradient[u * width + i];
                }
            }

            double[] v = Solve(normal, right);
            for (int s = 0; s < samples; s++)
            {
                double x = h[s * width + i];
                bool kept = x != 0 && Math.Abs(v[s] - scale * x) < Math.Abs(v[s]);
                mask[s * width + i] = kept ? scale : 0;
                Assert.True(Math.Abs(v[s] - mask[s * width + i] * x) <= tolerance * largest, $"sample {s}, value {i}: the gradient shows {v[s]:R} for an input of {x:R}");
            }
        }

        masks[layer] = mask;
        return masks;
    }

    internal static bool MaskObservable(ReferenceNormalizedNetwork reference)
        => reference.Layers.Count(layer => layer is RefDropout) == 1 && reference.Layers.Count >= 2
           && reference.Layers[^2] is RefDropout && reference.Layers[^1] is RefDense { Bias: true };

    /// <summary>Gaussian elimination with partial pivoting.</summary>
    private static double[] Solve(double[,] matrix, double[] right)
    {
        int n = right.Length;
        var a = (double[,])matrix.Clone();
        var b = (double[])right.Clone();
        for (int column = 0; column < n; column++)
        {
            int pivot = Enumerable.Range(column, n - column).MaxBy(row => Math.Abs(a[row, column]));
            for (int k = 0; k < n; k++)
            {
                (a[column, k], a[pivot, k]) = (a[pivot, k], a[column, k]);
            }

            (b[column], b[pivot]) = (b[pivot], b[column]);
            for (int row = column + 1; row < n; row++)
            {
                double factor = a[row, column] / a[column, column];
                for (int k = column; k < n; k++)
                {
                    a[row, k] -= factor * a[column, k];
                }

                b[row] -= factor * b[column];
            }
        }

        var x = new double[n];
        for (int row = n - 1; row >= 0; row--)
        {
            double sum = b[row];
            for (int k = row + 1; k < n; k++)
            {
                sum -= a[row, k] * x[k];
            }

            x[row] = sum / a[row, row];
        }

        return x;
    }

    /// <summary>
    /// ∂(summed loss)/∂θ by central differences of the network's own training-mode loss (AccumulateGradients returns the
    /// batch's summed loss), the generator restored before every call so that every call drops the same values.
    /// </summary>
    private static double[] NetworkFiniteDifferences(INetwork<double> network, double[] inputs, double[] targets, ulong[] state, double h = 1e-5)
    {
        double[] parameters = network.Parameters.ToArray();
        var gradient = new double[parameters.Length];
        double Loss()
        {
            state.CopyTo(network.RandomState);
            network.ZeroGradients();
            return network.AccumulateGradients(inputs, targets);
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            network.Parameters[i] = parameters[i] + h;
            double plus = Loss();
            network.Parameters[i] = parameters[i] - h;
            double minus = Loss();
            network.Parameters[i] = parameters[i];
            gradient[i] = (plus - minus) / (2 * h);
        }

        network.ZeroGradients();
        return gradient;
    }

    internal static T[] Values<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T>
        => Array.ConvertAll(values, value => T.CreateChecked(value));

    internal static double[] Doubles<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var doubles = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            doubles[i] = double.CreateChecked(values[i]);
        }

        return doubles;
    }

    private static void AssertTensor(ParameterTensor tensor, int[] shape, int offset)
    {
        Assert.Equal(shape, tensor.Shape.ToArray());
        Assert.Equal(offset, tensor.Offset);
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
        => ReferenceNormalizedNetworkTests.AssertClose(expected, actual, tolerance, what);

    /// <summary>Every piece of a network's state that a refused call must leave as it was.</summary>
    private sealed record NetworkSnapshot(double[] Parameters, double[] Gradients, double[] OptimizerState, long OptimizerStep, double[] Buffers, long[] BatchesTracked, ulong[] RandomState)
    {
        public static NetworkSnapshot Of(INetwork<double> network) => new(
            network.Parameters.ToArray(), network.Gradients.ToArray(), network.OptimizerState.ToArray(), network.OptimizerStep,
            network.Buffers.ToArray(), network.BatchesTracked.ToArray(), network.RandomState.ToArray());

        /// <summary>Asserts that nothing changed, except the gradients a refused update clears when <paramref name="gradientsCleared"/>.</summary>
        public void AssertUnchanged(INetwork<double> network, string what, bool gradientsCleared = false)
        {
            Assert.True(Parameters.AsSpan().SequenceEqual(network.Parameters), $"{what}: parameters changed");
            Assert.True(OptimizerState.AsSpan().SequenceEqual(network.OptimizerState), $"{what}: optimizer state changed");
            Assert.True(OptimizerStep == network.OptimizerStep, $"{what}: the optimizer step changed");
            Assert.True(Buffers.AsSpan().SequenceEqual(network.Buffers), $"{what}: running statistics changed");
            Assert.True(BatchesTracked.AsSpan().SequenceEqual(network.BatchesTracked), $"{what}: num_batches_tracked changed");
            Assert.True(RandomState.AsSpan().SequenceEqual(network.RandomState), $"{what}: the dropout generator moved");
            if (gradientsCleared)
            {
                Assert.All(network.Gradients.ToArray(), g => Assert.Equal(0, g));
            }
            else
            {
                Assert.True(Gradients.AsSpan().SequenceEqual(network.Gradients), $"{what}: gradients changed");
            }
        }
    }
}

/// <summary>Steady-state training and prediction of BatchNorm and Dropout networks allocate nothing.</summary>
[Collection(KernelThreadsCollection.Name)]
public sealed class NormalizationAllocationTests
{
    [Fact]
    public void Training_and_prediction_of_a_BatchNorm_and_Dropout_network_allocate_nothing()
    {
        var network = new DropoutBatchNormNet();
        var random = new Random(3);
        double[] inputs = Enumerable.Range(0, 16 * 4).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] targets = Enumerable.Range(0, 16 * 4).Select(_ => random.NextDouble()).ToArray();
        var outputs = new double[16 * 4];

        network.TrainBatch(inputs, targets); // the first call at a batch size grows the buffers
        network.PredictBatch(inputs, outputs);
        Assert.Equal(0, AllocationTests.AllocatedBytes(200, () =>
        {
            network.TrainBatch(inputs, targets);
            network.AccumulateGradients(inputs, targets);
            network.ApplyGradients(16);
            network.PredictBatch(inputs, outputs);
            network.Predict(inputs.AsSpan(0, 4), outputs.AsSpan(0, 4));
        }));
    }

    [Fact]
    public void The_float_mini_NormNet_allocates_nothing_per_step()
    {
        var network = new MiniNormFloatNet();
        var random = new Random(5);
        float[] inputs = Enumerable.Range(0, 8 * 36).Select(_ => (float)random.NextDouble()).ToArray();
        int[] labels = Enumerable.Range(0, 8).Select(s => s % 4).ToArray();
        float[] target = [0, 1, 0, 0];
        var outputs = new float[8 * 4];

        network.TrainBatch(inputs, labels);
        network.PredictBatch(inputs, outputs);
        Assert.Equal(0, AllocationTests.AllocatedBytes(200, () =>
        {
            network.TrainBatch(inputs, labels);
            network.TrainStep(inputs.AsSpan(0, 36), target); // 36 positions per channel: a batch of one is allowed
            network.PredictBatch(inputs, outputs);
        }));
    }
}
