using System;
using System.Collections.Generic;
using System.Linq;
using NetGen;
using NetGen.RuntimeGraph;

namespace NetGen.Workloads;

/// <summary>The optimizers the standard workloads use.</summary>
public enum OptimizerKind
{
    Sgd,
    Adam,
}

/// <summary>One layer of a workload, for engines that build their model at run time.</summary>
public sealed record LayerDefinition(int Units, Activation Activation);

/// <summary>
/// A standard workload: the architecture, loss, optimizer and batch size that every engine uses, and the
/// NetGen-generated network declared for it.
/// </summary>
public sealed record Workload(
    string Name,
    int Inputs,
    IReadOnlyList<LayerDefinition> Layers,
    Loss Loss,
    OptimizerKind Optimizer,
    double LearningRate,
    double Momentum,
    int BatchSize,
    Func<INetwork<float>> CreateNetwork,
    Func<INetwork<double>>? CreateDoubleNetwork = null)
{
    public int Outputs => Layers[^1].Units;

    /// <summary>Floating-point operations of one forward pass per sample: 2·in·out per layer.</summary>
    public long ForwardFlopsPerSample
    {
        get
        {
            long flops = 0;
            int fanIn = Inputs;
            foreach (LayerDefinition layer in Layers)
            {
                flops += 2L * fanIn * layer.Units;
                fanIn = layer.Units;
            }

            return flops;
        }
    }

    /// <summary>
    /// Floating-point operations of the GEMMs in one training step: forward (Z = XWᵀ), weight gradients (dZᵀX) and,
    /// below the first layer, input gradients (dZ·W).
    /// </summary>
    public long TrainingGemmFlops
    {
        get
        {
            long flops = 0;
            int fanIn = Inputs;
            for (int i = 0; i < Layers.Count; i++)
            {
                long layerFlops = 2L * BatchSize * fanIn * Layers[i].Units;
                flops += layerFlops * (i == 0 ? 2 : 3);
                fanIn = Layers[i].Units;
            }

            return flops;
        }
    }

    /// <summary>The same architecture, loss and optimizer in the runtime-graph engine, with its own (unloaded) weights.</summary>
    public GraphNetwork CreateGraphNetwork()
        => new(
            Inputs,
            Layers.Select(l => (l.Units, l.Activation)).ToArray(),
            Loss,
            parameters => Optimizer == OptimizerKind.Adam
                ? new Adam(parameters, (float)LearningRate)
                : Momentum > 0
                    ? new SgdMomentum(parameters, (float)LearningRate, (float)Momentum)
                    : new Sgd(parameters, (float)LearningRate));

    public override string ToString() => Name;
}

/// <summary>The five standard workloads of docs/workloads.md, plus the end-to-end one.</summary>
public static class Workloads
{
    private static readonly LayerDefinition[] Mnist = [new(128, Activation.ReLU), new(10, Activation.Softmax)];

    public static readonly Workload Xor = new(
        "xor", 2, [new(4, Activation.Tanh), new(1, Activation.Sigmoid)], Loss.BinaryCrossEntropy, OptimizerKind.Sgd, 0.1, 0, 1, () => new XorWorkloadNet(), () => new XorWorkloadNet64());

    public static readonly Workload Iris = new(
        "iris", 4, [new(16, Activation.ReLU), new(3, Activation.Softmax)], Loss.CrossEntropy, OptimizerKind.Adam, 1e-3, 0, 16, () => new IrisWorkloadNet(), () => new IrisWorkloadNet64());

    public static readonly Workload MnistBatch64 = new(
        "mnist-b64", 784, Mnist, Loss.CrossEntropy, OptimizerKind.Sgd, 0.01, 0, 64, () => new MnistWorkloadNet(), () => new MnistWorkloadNet64());

    public static readonly Workload MnistBatch1 = new(
        "mnist-b1", 784, Mnist, Loss.CrossEntropy, OptimizerKind.Sgd, 0.01, 0, 1, () => new MnistWorkloadNet(), () => new MnistWorkloadNet64());

    public static readonly Workload Deep = new(
        "deep", 784, [new(256, Activation.ReLU), new(256, Activation.ReLU), new(10, Activation.Softmax)], Loss.CrossEntropy, OptimizerKind.Adam, 1e-3, 0, 128,
        () => new DeepWorkloadNet(), () => new DeepWorkloadNet64());

    public static readonly Workload MnistEndToEnd = new(
        "mnist-e2e", 784, Mnist, Loss.CrossEntropy, OptimizerKind.Sgd, 0.05, 0.9, 64, () => new MnistEndToEndNet());

    /// <summary>The five step-timing workloads, in the order of docs/workloads.md.</summary>
    public static IReadOnlyList<Workload> Standard { get; } = [Xor, Iris, MnistBatch64, MnistBatch1, Deep];

    public static Workload ByName(string name)
    {
        foreach (Workload workload in (Workload[])[.. Standard, MnistEndToEnd])
        {
            if (workload.Name == name)
            {
                return workload;
            }
        }

        throw new ArgumentException($"No workload is named '{name}'.", nameof(name));
    }
}

/// <summary>Seeded synthetic batches for a workload: inputs in [0, 1), valid targets for its loss. Every engine gets the same ones.</summary>
public sealed class WorkloadData
{
    public WorkloadData(Workload workload, int batches, int seed)
    {
        var random = new SeededRandom(seed);
        Batches = batches;
        Inputs = new float[batches * workload.BatchSize * workload.Inputs];
        Targets = new float[batches * workload.BatchSize * workload.Outputs];
        Labels = new int[batches * workload.BatchSize];
        for (int i = 0; i < Inputs.Length; i++)
        {
            Inputs[i] = (float)random.NextDouble();
        }

        for (int sample = 0; sample < Labels.Length; sample++)
        {
            if (workload.Loss == Loss.BinaryCrossEntropy)
            {
                for (int k = 0; k < workload.Outputs; k++)
                {
                    Targets[sample * workload.Outputs + k] = random.NextInt32(2);
                }
            }
            else
            {
                Labels[sample] = random.NextInt32(workload.Outputs);
                Targets[sample * workload.Outputs + Labels[sample]] = 1;
            }
        }

        BatchInputs = workload.BatchSize * workload.Inputs;
        BatchTargets = workload.BatchSize * workload.Outputs;
    }

    public int Batches { get; }

    public float[] Inputs { get; }

    public float[] Targets { get; }

    public int[] Labels { get; }

    private int BatchInputs { get; }

    private int BatchTargets { get; }

    public ReadOnlySpan<float> InputsOf(int batch) => Inputs.AsSpan((batch % Batches) * BatchInputs, BatchInputs);

    public ReadOnlySpan<float> TargetsOf(int batch) => Targets.AsSpan((batch % Batches) * BatchTargets, BatchTargets);
}
