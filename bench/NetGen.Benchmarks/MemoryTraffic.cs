using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Workloads;

namespace NetGen.Benchmarks;

/// <summary>
/// The bytes a single-sample call of a dense workload must move, counted from its shapes and optimizer the way the
/// generated code and <c>NetGen.Kernels.DenseKernels</c> run it: every pass over a layer's weights W and bias b (and
/// over the bias gradients that a training step accumulates), each read and each write counted once, and the sample's
/// input read once. Re-reads of the input and of the activation and gradient vectors (at most a few KB, which stay in
/// L1 between the passes that reuse them) are not counted, nor is the output copied out.
/// </summary>
/// <remarks>
/// What the generated code does with one sample (MnistWorkloadNet's RunForward and RunBackwardAndDescend):
/// <list type="bullet">
/// <item>forward, per layer: <c>DenseKernels.Forward</c> with fewer than four rows is dot products of eight (Vector512
/// path) or four weight rows at a time with the input, which reads W and b once;</item>
/// <item>backward, per layer from the last: <c>BackpropagateInputs</c> (dX = dZ·W, every layer but the first) reads W
/// once; <c>AccumulateBiasGradients</c> reads and writes the bias gradient; with plain SGD and a clean gradient,
/// <c>SgdWeightStep</c> applies the update in the weight product's epilogue, which for a reduction of length one is a
/// stream over W that reads and writes each weight once (the weight gradient is never stored);</item>
/// <item>then <c>OptimizerKernels.Sgd</c> over each bias, which reads the bias and its gradient and writes both (it
/// clears the gradient).</item>
/// </list>
/// Only that path is counted: a layer of at most 128 weights (the generator's unroll limit,
/// <c>NetworkPlan.UnrollWeightLimit</c>), a batch above one or another optimizer run other code, which throws here.
/// </remarks>
public static class MemoryTraffic
{
    /// <summary>The workloads are float32.</summary>
    private const int ElementBytes = sizeof(float);

    /// <summary>The generator's limit for unrolled layers, below which no DenseKernels call is made (NetworkPlan.UnrollWeightLimit).</summary>
    private const int UnrollWeightLimit = 128;

    /// <summary>One pass over one array: what it is, and the bytes it reads and writes.</summary>
    public sealed record Pass(string What, long BytesRead, long BytesWritten)
    {
        /// <summary>Whether the pass only reads (else it updates its array in place: load, modify, store).</summary>
        public bool ReadsOnly => BytesWritten == 0;
    }

    /// <summary>The passes of one call, and the bytes of the distinct arrays it touches.</summary>
    public sealed record Call(string Name, IReadOnlyList<Pass> Passes, long WorkingSetBytes)
    {
        public long BytesRead => Passes.Sum(p => p.BytesRead);

        public long BytesWritten => Passes.Sum(p => p.BytesWritten);

        /// <summary>Every byte read or written.</summary>
        public long Bytes => BytesRead + BytesWritten;

        /// <summary>The bytes of the passes that only read.</summary>
        public long ReadOnlyBytes => Passes.Where(p => p.ReadsOnly).Sum(p => p.BytesRead);

        /// <summary>The bytes (read and written) of the passes that update in place.</summary>
        public long ReadWriteBytes => Bytes - ReadOnlyBytes;

        /// <summary>
        /// The time, ns, these bytes take at the given bandwidths (GB/s, which is bytes per ns): the read-only passes
        /// at the read bandwidth, the in-place passes at the read+write one.
        /// </summary>
        public double NanosecondsAt(double readGigabytesPerSecond, double readWriteGigabytesPerSecond)
            => ReadOnlyBytes / readGigabytesPerSecond + ReadWriteBytes / readWriteGigabytesPerSecond;
    }

    /// <summary>One sample's forward pass (<c>Predict</c>).</summary>
    public static Call Prediction(Workload workload)
    {
        RequireKernelLayers(workload);
        var passes = new List<Pass> { new("the sample's input", (long)workload.Inputs * ElementBytes, 0) };
        AddForward(workload, passes);
        return new Call($"{workload.Inputs}-{string.Join("-", workload.Layers.Select(l => l.Units))} prediction", passes, ParameterBytes(workload) + (long)workload.Inputs * ElementBytes);
    }

    /// <summary>One training step on one sample (<c>TrainStep</c>), on the path it takes with plain SGD: the update fused into the weight product.</summary>
    public static Call TrainStep(Workload workload)
    {
        RequireKernelLayers(workload);
        if (workload.BatchSize != 1)
        {
            throw new NotSupportedException($"{workload.Name}: only a step of one sample is counted (batch {workload.BatchSize}).");
        }

        if (workload.Optimizer != OptimizerKind.Sgd || workload.Momentum != 0)
        {
            throw new NotSupportedException($"{workload.Name}: only plain SGD, whose update is fused into the weight product, is counted.");
        }

        var passes = new List<Pass> { new("the sample's input", (long)workload.Inputs * ElementBytes, 0) };
        AddForward(workload, passes);
        long biasBytes = 0;
        for (int layer = workload.Layers.Count - 1; layer >= 0; layer--)
        {
            (long weights, long bias) = LayerBytes(workload, layer);
            biasBytes += bias;
            if (layer > 0)
            {
                passes.Add(new($"layer {layer}: W read by dX = dZ·W", weights, 0));
            }

            passes.Add(new($"layer {layer}: bias gradient accumulated", bias, bias));
            passes.Add(new($"layer {layer}: W read and written by the fused SGD rank-1 update", weights, weights));
        }

        passes.Add(new("SGD on the biases: each bias and its gradient read and written (the gradient cleared)", 2 * biasBytes, 2 * biasBytes));
        return new Call($"{workload.Name} step", passes, ParameterBytes(workload) + biasBytes + (long)workload.Inputs * ElementBytes);
    }

    private static void AddForward(Workload workload, List<Pass> passes)
    {
        for (int layer = 0; layer < workload.Layers.Count; layer++)
        {
            (long weights, long bias) = LayerBytes(workload, layer);
            passes.Add(new($"layer {layer}: W read by the matrix-vector product", weights, 0));
            passes.Add(new($"layer {layer}: b read", bias, 0));
        }
    }

    /// <summary>The bytes of a layer's weights (units × fan-in) and of its bias (units).</summary>
    private static (long Weights, long Bias) LayerBytes(Workload workload, int layer)
    {
        int fanIn = layer == 0 ? workload.Inputs : workload.Layers[layer - 1].Units;
        int units = workload.Layers[layer].Units;
        return ((long)units * fanIn * ElementBytes, (long)units * ElementBytes);
    }

    private static long ParameterBytes(Workload workload)
        => Enumerable.Range(0, workload.Layers.Count).Sum(layer => LayerBytes(workload, layer).Weights + LayerBytes(workload, layer).Bias);

    private static void RequireKernelLayers(Workload workload)
    {
        for (int layer = 0; layer < workload.Layers.Count; layer++)
        {
            if (LayerBytes(workload, layer).Weights / ElementBytes <= UnrollWeightLimit)
            {
                throw new NotSupportedException($"{workload.Name}: layer {layer} is unrolled by the generator, which this count does not cover.");
            }
        }
    }
}
