using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using NetGen.Serialization.Onnx;

namespace NetGen;

/// <summary>
/// Writes a network's inference graph (evaluation mode, what <c>Predict</c> computes) as an ONNX model (IR version 7,
/// opset 13), so it runs where .NET does not: for each layer its operator with the weights as initializers — Gemm
/// (X·Wᵀ + b, transB = 1), Conv, MaxPool, AveragePool, BatchNormalization with the running statistics, Identity for
/// Dropout — then its activation (Tanh, Sigmoid, Relu, LeakyRelu, Softmax over axis 1). A model with a LayerNorm layer
/// uses LayerNormalization and imports opset 17 (IR version 8). The input is "input" of shape [batch, InputSize] (or
/// the declared input shape after the batch axis); the output "output" is what <c>Predict</c> returns, softmax or
/// sigmoid included.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX opset a model imports when the network has no LayerNorm layer.</summary>
    public const int Opset = 13;

    /// <summary>The ONNX opset a model imports when the network has a LayerNorm layer: LayerNormalization arrived in opset 17.</summary>
    public const int LayerNormalizationOpset = 17;

    /// <summary>The IR version of opset 13 (ONNX 1.8).</summary>
    private const int IrVersion = 7;

    /// <summary>The IR version of opset 17 (ONNX 1.12).</summary>
    private const int LayerNormalizationIrVersion = 8;

    /// <summary>Writes the model to <paramref name="stream"/>.</summary>
    public static void Export<T>(INetwork<T> network, Stream stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        CreateModel(network).WriteTo(stream);
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically.</summary>
    public static void Export<T>(INetwork<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
        => AtomicFile.Write(path, stream => Export(network, stream));

    private static ModelProto CreateModel<T>(INetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkArchitecture architecture = network.Architecture;
        int elementType = typeof(T) == typeof(float) ? (int)TensorProto.Types.DataType.Float : (int)TensorProto.Types.DataType.Double;
        var graph = new GraphProto { Name = architecture.Name };
        // A shaped network's input is [N, C, H, W] (or [N, C, L]), as PyTorch exports it; its output is flat, as Predict's.
        graph.Input.Add(Value("input", elementType, architecture.InputShape));
        graph.Output.Add(Value("output", elementType, [architecture.Layers[^1].Units]));

        foreach (LayerArchitecture layer in architecture.Layers)
        {
            if (layer.CustomActivation is { } custom)
            {
                throw new NotSupportedException(
                    $"{architecture.Name} uses the custom activation {custom}, which has no ONNX operator; ONNX export needs the built-in activations.");
            }
        }

        ReadOnlySpan<T> parameters = network.Parameters, buffers = network.Buffers;
        string current = "input";
        for (int i = 0; i < architecture.Layers.Count; i++)
        {
            LayerArchitecture layer = architecture.Layers[i];
            bool last = i == architecture.Layers.Count - 1;
            foreach (ParameterTensor tensor in layer.Tensors)
            {
                graph.Initializer.Add(Tensor(
                    $"layers.{i}.{tensor.Name}", elementType, parameters.Slice(tensor.Offset, tensor.Size), tensor.Shape.Select(dimension => (long)dimension).ToArray()));
            }

            // BatchNorm's running statistics, which evaluation normalises with.
            foreach (ParameterTensor buffer in layer.Buffers)
            {
                graph.Initializer.Add(Tensor(
                    $"layers.{i}.{buffer.Name}", elementType, buffers.Slice(buffer.Offset, buffer.Size), buffer.Shape.Select(dimension => (long)dimension).ToArray()));
            }

            // A dense layer after a shaped one flattens its input in C, H, W order, as nn.Flatten does.
            if (layer.Kind == LayerKind.Dense && layer.InputShape.Count > 1)
            {
                graph.Node.Add(Flatten($"layers.{i}.flatten", current, $"layers.{i}.flattened"));
                current = $"layers.{i}.flattened";
            }

            // The layer's own operator, ending in "output" when nothing follows it and its output is flat.
            bool flatOutput = layer.OutputShape.Count == 1;
            string linear = last && flatOutput && layer.Activation == Activation.Identity ? "output" : $"layers.{i}.linear";
            graph.Node.Add(LayerNode(architecture, layer, i, current, linear));
            current = linear;

            // NetGen's softmax runs over all of a sample's outputs; ONNX's over axis 1 only, so a shaped one (only the last
            // layer may have one) is flattened first.
            if (layer.Activation == Activation.Softmax && !flatOutput)
            {
                graph.Node.Add(Flatten($"layers.{i}.flatten", current, $"layers.{i}.flattened"));
                current = $"layers.{i}.flattened";
                flatOutput = true;
            }

            if (layer.Activation != Activation.Identity)
            {
                string activated = last && flatOutput ? "output" : $"layers.{i}.activation";
                graph.Node.Add(ActivationNode(layer, $"layers.{i}.{layer.Activation.ToString().ToLowerInvariant()}", current, activated));
                current = activated;
            }

            if (last && !flatOutput)
            {
                graph.Node.Add(Flatten("output.flatten", current, "output"));
            }
        }

        bool layerNormalization = architecture.Layers.Any(layer => layer.Kind == LayerKind.LayerNorm);
        var model = new ModelProto
        {
            IrVersion = layerNormalization ? LayerNormalizationIrVersion : IrVersion,
            ProducerName = "NetGen",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? string.Empty,
            Graph = graph,
            DocString = $"{architecture.Name}: {architecture.Inputs} inputs, layers {string.Join(", ", architecture.Layers.Select(l => $"{l.Units} {l.Activation}"))}.",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = layerNormalization ? LayerNormalizationOpset : Opset });
        return model;
    }

    /// <summary>
    /// The operator of layer <paramref name="index"/> itself: Gemm, Conv, MaxPool, AveragePool, BatchNormalization,
    /// LayerNormalization or Identity. A Gemm or Conv of a layer without a bias has no bias input.
    /// </summary>
    private static NodeProto LayerNode(NetworkArchitecture architecture, LayerArchitecture layer, int index, string input, string output)
    {
        string prefix = $"layers.{index}";
        int spatial = layer.InputShape.Count - 1;
        string[] weights = layer.FindTensor("bias") is null ? [input, prefix + ".weight"] : [input, prefix + ".weight", prefix + ".bias"];
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                NodeProto gemm = Node("Gemm", prefix + ".gemm", output, weights);
                gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
                return gemm;
            case LayerKind.BatchNorm:
                // Evaluation mode: (x − running_mean) / √(running_var + ε) · weight + bias per channel, axis 1 of [N, C] or [N, C, …].
                NodeProto batchNorm = Node(
                    "BatchNormalization", prefix + ".batchnorm", output, input, prefix + ".weight", prefix + ".bias", prefix + "." + LayerArchitecture.RunningMean, prefix + "." + LayerArchitecture.RunningVariance);
                batchNorm.Attribute.Add(Float("epsilon", layer.Normalization!.Epsilon));
                return batchNorm;
            case LayerKind.LayerNorm:
                // Over every axis after the batch axis, with weight and bias of the sample's shape.
                NodeProto layerNorm = Node("LayerNormalization", prefix + ".layernorm", output, input, prefix + ".weight", prefix + ".bias");
                layerNorm.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
                layerNorm.Attribute.Add(Float("epsilon", layer.Normalization!.Epsilon));
                return layerNorm;
            case LayerKind.Dropout:
                return Node("Identity", prefix + ".dropout", output, input);
            case LayerKind.Conv1D or LayerKind.Conv2D:
                WindowArchitecture kernel = layer.Window!;
                NodeProto conv = Node("Conv", prefix + ".conv", output, weights);
                conv.Attribute.Add(Ints("kernel_shape", Enumerable.Repeat((long)kernel.Size, spatial)));
                conv.Attribute.Add(Ints("strides", Enumerable.Repeat((long)kernel.Stride, spatial)));
                conv.Attribute.Add(Ints("pads", Enumerable.Repeat((long)kernel.Padding, 2 * spatial))); // begins, then ends
                return conv;
            case LayerKind.MaxPool1D or LayerKind.MaxPool2D or LayerKind.AvgPool1D or LayerKind.AvgPool2D:
                WindowArchitecture window = layer.Window!;
                bool max = layer.Kind is LayerKind.MaxPool1D or LayerKind.MaxPool2D;
                NodeProto pool = Node(max ? "MaxPool" : "AveragePool", prefix + (max ? ".maxpool" : ".avgpool"), output, input);
                pool.Attribute.Add(Ints("kernel_shape", Enumerable.Repeat((long)window.Size, spatial)));
                pool.Attribute.Add(Ints("strides", Enumerable.Repeat((long)window.Stride, spatial)));
                return pool;
            default:
                throw new NotSupportedException($"{architecture.Name}'s layer {index} is a {layer.Kind} layer, which ONNX export does not write.");
        }
    }

    private static NodeProto Flatten(string name, string input, string output)
    {
        NodeProto flatten = Node("Flatten", name, output, input);
        flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        return flatten;
    }

    private static AttributeProto Float(string name, double value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    private static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private static NodeProto ActivationNode(LayerArchitecture layer, string name, string input, string output)
    {
        NodeProto node = layer.Activation switch
        {
            Activation.Sigmoid => Node("Sigmoid", name, output, input),
            Activation.Tanh => Node("Tanh", name, output, input),
            Activation.ReLU => Node("Relu", name, output, input),
            Activation.LeakyReLU => Node("LeakyRelu", name, output, input),
            Activation.Softmax => Node("Softmax", name, output, input),
            _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.Activation, "No ONNX operator for this activation."),
        };
        if (layer.Activation == Activation.LeakyReLU)
        {
            node.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = (float)layer.Slope });
        }
        else if (layer.Activation == Activation.Softmax)
        {
            node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        }

        return node;
    }

    private static NodeProto Node(string operation, string name, string output, params string[] inputs)
    {
        var node = new NodeProto { OpType = operation, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        return node;
    }

    private static TensorProto Tensor<T>(string name, int elementType, ReadOnlySpan<T> values, params long[] dims) where T : unmanaged
    {
        byte[] data = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            int size = data.Length / values.Length;
            for (int i = 0; i < data.Length; i += size)
            {
                Array.Reverse(data, i, size);
            }
        }

        var tensor = new TensorProto { Name = name, DataType = elementType, RawData = ByteString.CopyFrom(data) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    private static ValueInfoProto Value(string name, int elementType, IReadOnlyList<int> sample)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int dimension in sample)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dimension });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }
}
