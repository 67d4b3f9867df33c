using System;
using System.Threading;
using NetGen.Tests.Training;
using Xunit;

namespace NetGen.Tests;

/// <summary>Steady-state training and prediction allocate nothing: buffers are allocated once and reused.</summary>
[Collection(KernelThreadsCollection.Name)]
public sealed class AllocationTests
{
    /// <summary>
    /// The bytes this thread allocates across <paramref name="calls"/> calls of <paramref name="action"/>, once the
    /// code is in its final form: tiered compilation promotes hot methods in the background, and installing that code
    /// can run class constructors on this thread, which would be counted against the network.
    /// </summary>
    internal static long AllocatedBytes(int calls, Action action)
    {
        for (int i = 0; i < 2000; i++)
        {
            action();
        }

        Thread.Sleep(300);
        for (int i = 0; i < 100; i++)
        {
            action();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void TrainStep_allocates_nothing_across_1000_calls_on_an_unrolled_network()
    {
        var network = new XorNet();
        float[] input = [1, 0];
        float[] target = [1];
        Assert.Equal(0, AllocatedBytes(1000, () => network.TrainStep(input, target)));
    }

    [Fact]
    public void TrainBatch_allocates_nothing_when_its_products_and_update_are_split_over_threads()
    {
        var network = new MnistNet();
        var random = new Random(2);
        float[] inputs = Array.ConvertAll(new float[64 * 784], _ => (float)random.NextDouble());
        int[] labels = Array.ConvertAll(new int[64], _ => random.Next(10));
        int threads = Kernels.KernelThreads.MaxThreads;
        Kernels.KernelThreads.MaxThreads = 2; // split even where the machine has one core
        var deep = new NetGen.Workloads.DeepWorkloadNet(); // Adam over 269,322 parameters: the update is split too
        try
        {
            Assert.Equal(0, AllocatedBytes(200, () => network.TrainBatch(inputs, labels)));
            Assert.Equal(0, AllocatedBytes(20, () => deep.TrainBatch(inputs.AsSpan(0, 8 * 784), labels.AsSpan(0, 8))));
        }
        finally
        {
            Kernels.KernelThreads.MaxThreads = threads;
        }
    }

    [Fact]
    public void TrainStep_and_Predict_allocate_nothing_on_a_kernel_network()
    {
        var network = new MnistNet();
        float[] input = new float[784];
        input.AsSpan(100, 200).Fill(0.5f);
        float[] output = new float[10];
        Assert.Equal(0, AllocatedBytes(1000, () =>
        {
            network.TrainStep(input, 3);
            network.Predict(input, output);
        }));
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

        // The first call at this batch size grows the buffers; none after it allocates.
        network.TrainBatch(inputs, targets);
        Assert.Equal(0, AllocatedBytes(100, () =>
        {
            network.TrainBatch(inputs, targets);
            network.PredictBatch(inputs, outputs);
        }));
    }

    [Fact]
    public void A_Predictor_allocates_nothing_after_its_first_call_on_a_thread()
    {
        var network = new MnistNet();
        float[] input = new float[784];
        input.AsSpan(100, 200).Fill(0.5f);
        float[] inputs = new float[16 * 784], output = new float[10], outputs = new float[16 * 10];
        using MnistNet.Predictor predictor = network.CreatePredictor();
        Assert.Equal(0, AllocatedBytes(200, () =>
        {
            predictor.Predict(input, output);
            predictor.PredictBatch(inputs, outputs);
        }));
    }

    /// <summary>
    /// A convolutional network's training and prediction, with its products split over two threads: LeNet's layers at
    /// batch 16, so that both its direct convolutions run, along q (6 filters) and along the filters (16), with pooling
    /// and Adam between them.
    /// </summary>
    [Fact]
    public void A_convolutional_network_allocates_nothing_per_batch_on_two_threads()
    {
        var network = new AllocationLeNet();
        var random = new Random(3);
        float[] inputs = Array.ConvertAll(new float[16 * 784], _ => (float)random.NextDouble());
        int[] labels = Array.ConvertAll(new int[16], _ => random.Next(10));
        float[] outputs = new float[16 * 10];
        int threads = Kernels.KernelThreads.MaxThreads;
        Kernels.KernelThreads.MaxThreads = 2;
        try
        {
            network.TrainBatch(inputs, labels);
            Assert.Equal(0, AllocatedBytes(20, () =>
            {
                network.TrainBatch(inputs, labels);
                network.PredictBatch(inputs, outputs);
                network.Predict(inputs.AsSpan(0, 784), outputs.AsSpan(0, 10));
            }));
        }
        finally
        {
            Kernels.KernelThreads.MaxThreads = threads;
        }
    }

    [Fact]
    public void Adam_with_clipping_allocates_nothing_per_batch_on_a_kernel_network()
    {
        var network = new AdamKernelNet();
        float[] inputs = new float[32 * 64];
        int[] labels = new int[32];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (i % 7) * 0.1f;
        }

        for (int s = 0; s < labels.Length; s++)
        {
            labels[s] = s % 10;
        }

        network.TrainBatch(inputs, labels);
        Assert.Equal(0, AllocatedBytes(100, () => network.TrainBatch(inputs, labels)));
    }
}

[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class AllocationLeNet { }
