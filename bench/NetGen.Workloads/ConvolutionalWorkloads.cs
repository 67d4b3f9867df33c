using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen;

namespace NetGen.Workloads;

/// <summary>
/// A convolutional workload: a NetGen network over 1 × 28 × 28 inputs (cross-entropy on 10 classes, Adam), its batch
/// size, and the float32 network that is timed and/or the float64 twin that <c>verify</c> trains. Its layers are the
/// generated network's <see cref="NetworkArchitecture"/>, from which the other engines build their models.
/// </summary>
public sealed record ConvolutionalWorkload(
    string Name,
    int BatchSize,
    double LearningRate,
    Func<INetwork<float>>? CreateNetwork,
    Func<INetwork<double>>? CreateDoubleNetwork)
{
    private NetworkArchitecture? _architecture;

    /// <summary>The declared layers, loss and optimizer (of the float32 network, or the float64 one for a verify-only workload).</summary>
    public NetworkArchitecture Architecture
        => _architecture ??= CreateNetwork is not null ? CreateNetwork().Architecture : CreateDoubleNetwork!().Architecture;

    public int Inputs => Architecture.Inputs;

    public int Outputs => Architecture.Layers[^1].Units;

    /// <summary>
    /// The workload's batch shape, loss and optimizer as a <see cref="Workload"/>, for what takes one (<see cref="WorkloadData"/>,
    /// the bench's NetGen engine). Its <see cref="Workload.Layers"/> hold only the output layer and do not describe the network.
    /// </summary>
    public Workload AsWorkload
        => new(Name, Inputs, [new LayerDefinition(Outputs, Activation.Softmax)], Loss.CrossEntropy, OptimizerKind.Adam, LearningRate, 0, BatchSize,
            CreateNetwork ?? (() => throw new InvalidOperationException($"{Name} has no float32 network.")), CreateDoubleNetwork);

    /// <summary>Seeded synthetic batches: inputs in [0, 1), a class label per sample (as every workload's).</summary>
    public WorkloadData CreateData(int batches, int seed) => new(AsWorkload, batches, seed);

    /// <summary>
    /// The floating-point operations of one product of a layer with weights, per sample: 2·F·C·K²·OH·OW for a
    /// convolution (every weight meets every output position), 2·in·out for a dense layer; 0 for other layers.
    /// </summary>
    public static long ProductFlopsPerSample(LayerArchitecture layer)
        => layer.FindTensor("weight") is { } weight && layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D or LayerKind.Dense
            ? 2L * weight.Size * (layer.Units / layer.OutputShape[0])
            : 0;

    /// <summary>The convolutions' and dense layers' products in one forward pass of one sample.</summary>
    public long ForwardFlopsPerSample => Architecture.Layers.Sum(ProductFlopsPerSample);

    /// <summary>
    /// The products of one training step over the batch: forward, parameter gradients and, below the first layer, input
    /// gradients (as <see cref="Workload.TrainingGemmFlops"/> counts the dense workloads). Pooling, activations,
    /// normalisation, dropout, loss and the optimizer are not counted.
    /// </summary>
    public long TrainingFlops
    {
        get
        {
            long flops = 0;
            bool first = true;
            foreach (LayerArchitecture layer in Architecture.Layers)
            {
                long product = ProductFlopsPerSample(layer);
                if (product == 0)
                {
                    continue;
                }

                flops += BatchSize * product * (first ? 2 : 3);
                first = false;
            }

            return flops;
        }
    }

    /// <summary>The layers in one line, e.g. <c>Conv2D(6, 5×5, ReLU, padding 2) → MaxPool2D(2) → …</c>.</summary>
    public string Describe()
        => string.Join(" → ", Architecture.Layers.Select(DescribeLayer)) +
           $", cross-entropy, Adam {LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {BatchSize}";

    private static string DescribeLayer(LayerArchitecture layer)
    {
        string activation = layer.Activation == Activation.Identity ? "" : $", {layer.ActivationName}";
        return layer.Kind switch
        {
            LayerKind.Conv2D => $"Conv2D({layer.OutputShape[0]}, {layer.Window!.Size}×{layer.Window.Size}{activation}" +
                                (layer.Window.Padding > 0 ? $", padding {layer.Window.Padding}" : "") +
                                (layer.FindTensor("bias") is null ? ", no bias" : "") + ")",
            LayerKind.MaxPool2D or LayerKind.AvgPool2D => $"{layer.Kind}({layer.Window!.Size})",
            LayerKind.BatchNorm => $"BatchNorm({layer.ActivationName})",
            LayerKind.Dropout => $"Dropout({layer.DropoutRate.ToString(CultureInfo.InvariantCulture)})",
            LayerKind.Dense => $"Dense({layer.Units}{activation})",
            _ => layer.Kind.ToString(),
        };
    }

    public override string ToString() => Name;
}

/// <summary>The convolutional workloads of docs/workloads.md.</summary>
public static class ConvolutionalWorkloads
{
    /// <summary>lenet-b64: LeNet-5, Adam 10⁻³, batch 64 (issue #16).</summary>
    public static readonly ConvolutionalWorkload LeNet = new("lenet-b64", 64, 1e-3, () => new LeNetWorkloadNet(), () => new LeNetWorkloadNet64());

    /// <summary>lenet-bn-b64: LeNet-5 with BatchNorm after each (bias-free) convolution and Dropout(0.25) before the last dense layer (issue #17).</summary>
    public static readonly ConvolutionalWorkload NormalizedLeNet = new("lenet-bn-b64", 64, 1e-3, () => new NormalizedLeNetWorkloadNet(), null);

    /// <summary>lenet-bn-nodrop, for <c>verify</c> only: lenet-bn-b64 without its Dropout, whose masks no other engine can draw alike, in float64.</summary>
    public static readonly ConvolutionalWorkload NormalizedLeNetNoDropout = new("lenet-bn-nodrop", 64, 1e-3, null, () => new NormalizedLeNetNoDropoutWorkloadNet64());

    /// <summary>The workloads the bench times.</summary>
    public static IReadOnlyList<ConvolutionalWorkload> Timed { get; } = [LeNet, NormalizedLeNet];

    /// <summary>The workloads <c>verify</c> trains in float64 in NetGen and TorchSharp.</summary>
    public static IReadOnlyList<ConvolutionalWorkload> Verified { get; } = [LeNet, NormalizedLeNetNoDropout];

    public static ConvolutionalWorkload ByName(string name)
        => ((ConvolutionalWorkload[])[LeNet, NormalizedLeNet, NormalizedLeNetNoDropout]).FirstOrDefault(w => w.Name == name)
           ?? throw new ArgumentException($"No convolutional workload is named '{name}'.", nameof(name));
}

/// <summary>lenet-b64: LeNet-5 as samples/NetGen.Samples/Networks.cs declares it.</summary>
[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class LeNetWorkloadNet { }

/// <summary>lenet-bn-b64: the samples' NormalizedLeNet.</summary>
[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy)]
[Conv2D(6, 5, Padding = 2, Bias = false)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5, Bias = false)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dropout(0.25)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class NormalizedLeNetWorkloadNet { }

/// <summary>lenet-b64 in double precision, for <c>verify</c>.</summary>
[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class LeNetWorkloadNet64 { }

/// <summary>lenet-bn-nodrop: lenet-bn-b64 without the Dropout, in double precision, for <c>verify</c>.</summary>
[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Conv2D(6, 5, Padding = 2, Bias = false)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5, Bias = false)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class NormalizedLeNetNoDropoutWorkloadNet64 { }
