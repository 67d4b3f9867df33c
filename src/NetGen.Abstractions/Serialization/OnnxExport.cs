using System;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using NetGen.Serialization.Onnx;

namespace NetGen;

/// <summary>
/// Writes a network's inference graph as an ONNX model (IR version 7, opset 13), so it runs where .NET does not: for
/// each layer a Gemm (X·Wᵀ + b, transB = 1) with the weights as initializers, then its activation (Tanh, Sigmoid,
/// Relu, LeakyRelu, Softmax over axis 1). The input is "input" of shape [batch, InputSize]; the output "output" is what
/// <c>Predict</c> returns, softmax or sigmoid included.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX opset the model imports.</summary>
    public const int Opset = 13;

    private const int IrVersion = 7;

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
        graph.Input.Add(Value("input", elementType, architecture.Inputs));
        graph.Output.Add(Value("output", elementType, architecture.Layers[^1].Units));

        foreach (LayerArchitecture layer in architecture.Layers)
        {
            if (layer.CustomActivation is { } custom)
            {
                throw new NotSupportedException(
                    $"{architecture.Name} uses the custom activation {custom}, which has no ONNX operator; ONNX export needs the built-in activations.");
            }
        }

        ReadOnlySpan<T> parameters = network.Parameters;
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

            // The layer's own operator, ending in "output" when nothing follows it.
            string linear = last && layer.Activation == Activation.Identity ? "output" : $"layers.{i}.linear";
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    NodeProto gemm = Node("Gemm", $"layers.{i}.gemm", linear, current, $"layers.{i}.weight", $"layers.{i}.bias");
                    gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
                    graph.Node.Add(gemm);
                    break;
                default:
                    throw new NotSupportedException($"{architecture.Name}'s layer {i} is a {layer.Kind} layer, which ONNX export does not write yet.");
            }

            current = linear;

            if (layer.Activation != Activation.Identity)
            {
                string activated = last ? "output" : $"layers.{i}.activation";
                graph.Node.Add(ActivationNode(layer, $"layers.{i}.{layer.Activation.ToString().ToLowerInvariant()}", current, activated));
                current = activated;
            }
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "NetGen",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? string.Empty,
            Graph = graph,
            DocString = $"{architecture.Name}: {architecture.Inputs} inputs, layers {string.Join(", ", architecture.Layers.Select(l => $"{l.Units} {l.Activation}"))}.",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        return model;
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

    private static ValueInfoProto Value(string name, int elementType, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }
}
