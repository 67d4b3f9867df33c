using System;
using NetGen.Tests.Training;
using Xunit;

namespace NetGen.Tests;

/// <summary>Steady-state training and prediction allocate nothing: buffers are allocated once and reused.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void TrainStep_allocates_nothing_across_1000_calls_on_an_unrolled_network()
    {
        var network = new XorNet();
        float[] input = [1, 0];
        float[] target = [1];
        network.TrainStep(input, target);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            network.TrainStep(input, target);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TrainStep_and_Predict_allocate_nothing_on_a_kernel_network()
    {
        var network = new MnistNet();
        float[] input = new float[784];
        input.AsSpan(100, 200).Fill(0.5f);
        float[] output = new float[10];
        network.TrainStep(input, 3);
        network.Predict(input, output);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            network.TrainStep(input, 3);
            network.Predict(input, output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TrainBatch_and_PredictBatch_allocate_nothing_after_their_first_call_at_a_batch_size()
    {
        var network = new MnistNet();
        var random = new Random(1);
        float[] inputs = new float[64 * 784];
        float[] targets = new float[64 * 10];
        float[] outputs = new float[64 * 10];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)random.NextDouble();
        }

        for (int s = 0; s < 64; s++)
        {
            targets[s * 10 + s % 10] = 1;
        }

        network.TrainBatch(inputs, targets);
        network.PredictBatch(inputs, outputs);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            network.TrainBatch(inputs, targets);
            network.PredictBatch(inputs, outputs);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
