using System;
using System.Linq;
using Xunit;

namespace NetGen.Tests
{
    /// <summary>
    /// The generated Architecture is the one table of where every parameter sits: initialisation, files and ONNX export
    /// read it. These tests check the table against the declaration, and its summary.
    /// </summary>
    public sealed class ArchitectureTests
    {
        [Fact]
        public void The_tensor_table_tiles_the_parameter_vector_layer_by_layer()
        {
            NetworkArchitecture architecture = ArchitectureNet.Architecture;

            // [Dense(6, ReLU)] on 5 inputs, then [Dense(3, Softmax)]: weight [units, inputs], then bias [units].
            (string Name, int[] Shape, int Offset)[] expected =
            [
                ("weight", [6, 5], 0), ("bias", [6], 30),
                ("weight", [3, 6], 36), ("bias", [3], 54),
            ];
            var actual = architecture.Layers
                .SelectMany(layer => layer.Tensors)
                .Select(tensor => (tensor.Name, tensor.Shape.ToArray(), tensor.Offset))
                .ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Name, actual[i].Item1);
                Assert.Equal(expected[i].Shape, actual[i].Item2);
                Assert.Equal(expected[i].Offset, actual[i].Offset);
            }

            Assert.Equal(ArchitectureNet.ParameterCount, architecture.ParameterCount);
            Assert.Equal(57, ArchitectureNet.ParameterCount);
            Assert.Equal([5], architecture.InputShape);
            Assert.Equal([6], architecture.Layers[0].OutputShape);
            Assert.All(architecture.Layers, layer => Assert.Equal(LayerKind.Dense, layer.Kind));
        }

        [Fact]
        public void Architecture_prints_one_line_per_layer_with_its_output_shape_and_parameter_count()
        {
            string[] lines = ArchitectureNet.Architecture.ToString().Split('\n');

            Assert.Equal("ArchitectureNet: input [5]; CrossEntropy, Single, Adam", lines[0]);
            Assert.Equal(["#", "layer", "output", "activation", "parameters"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(["0", "Dense", "[6]", "ReLU", "36"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(["1", "Dense", "[3]", "Softmax", "21"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal("  57 parameters", lines[4]);
            Assert.Equal("Dense [5] → [6], ReLU, 36 parameters", ArchitectureNet.Architecture.Layers[0].ToString());
        }

        [Fact]
        public void Initialization_from_the_table_draws_each_layer_as_the_dense_initializer_does()
        {
            // The same seeded stream, drawn layer after layer with each layer's fan-in and fan-out written out by hand.
            var random = new SeededRandom(11);
            var expected = new float[ArchitectureNet.ParameterCount];
            ParameterInitializer.InitializeDense<float>(expected.AsSpan(0, 30), expected.AsSpan(30, 6), 5, 6, Activation.ReLU, 0.01, Initializer.Default, random);
            ParameterInitializer.InitializeDense<float>(expected.AsSpan(36, 18), expected.AsSpan(54, 3), 6, 3, Activation.Softmax, 0.01, Initializer.Default, random);

            var network = new ArchitectureNet();
            network.InitializeParameters(11);

            Assert.Equal(expected, network.Parameters.ToArray());
        }

        [Fact]
        public void Initialize_rejects_a_span_of_the_wrong_length()
        {
            var parameters = new float[ArchitectureNet.ParameterCount + 1];

            var exception = Assert.Throws<ArgumentException>(() => ParameterInitializer.Initialize<float>(parameters, ArchitectureNet.Architecture, 1));

            Assert.Contains("57", exception.Message);
        }

        [Fact]
        public void A_leaky_layer_records_its_slope_and_a_custom_activation_its_name()
        {
            LayerArchitecture leaky = Gradients.MseTanhNet.Architecture.Layers[0];
            LayerArchitecture custom = Gradients.SwishNet.Architecture.Layers[0];

            Assert.Equal(Activation.LeakyReLU, leaky.Activation);
            Assert.Equal(0.2, leaky.Slope);
            Assert.Equal("Swish", custom.ActivationName);
            Assert.Equal(Activation.Identity, custom.Activation);
        }
    }
}

[NetGen.Network(Inputs = 5, Loss = NetGen.Loss.CrossEntropy)]
[NetGen.Dense(6, NetGen.Activation.ReLU)]
[NetGen.Dense(3, NetGen.Activation.Softmax)]
[NetGen.Adam]
public partial class ArchitectureNet { }
