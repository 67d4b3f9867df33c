using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetGen.Serialization;
using Xunit;

namespace NetGen.Tests.Convolution
{
    /// <summary>
    /// Convolutional networks in files: safetensors names every tensor layers.{i}.{name} with pooling layers taking an
    /// index of their own, as an nn.ModuleList of the same layers would; the ONNX export (Conv, MaxPool, AveragePool,
    /// Flatten, with an [N, C, H, W] or [N, C, L] input) runs in ONNX Runtime and predicts what Predict does.
    /// </summary>
    public sealed class ConvolutionFilesTests
    {
        [Fact]
        public void Safetensors_names_follow_the_layer_indices_pools_included()
        {
            var network = new Conv2DStackNet();
            using var file = new MemoryStream();

            network.Save(file);

            file.Position = 0;
            (var tensors, _) = Safetensors.Read(file);
            Assert.Equal(
                ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias"],
                tensors.Select(tensor => tensor.Name).ToArray());
            Assert.Equal([4L, 3, 3, 3], tensors[0].Shape);
            Assert.Equal([2L, 4, 2, 2], tensors[2].Shape);
            Assert.Equal([3L, 2 * 2 * 3], tensors[4].Shape);
        }

        [Fact]
        public void A_saved_convolutional_network_loads_back_exactly_and_a_differently_shaped_one_refuses_it()
        {
            var network = new Conv1DStackNet();
            GradientCheckTests.RandomizeParameters(network, seed: 2);
            using var file = new MemoryStream();
            network.Save(file);

            var copy = new Conv1DStackNet();
            file.Position = 0;
            copy.Load(file);
            Assert.Equal(network.Parameters.ToArray(), copy.Parameters.ToArray());

            var other = new Conv1DOtherStrideNet();
            double[] before = other.Parameters.ToArray();
            file.Position = 0;
            Assert.Throws<NetGenFormatException>(() => other.Load(file));
            Assert.Equal(before, other.Parameters.ToArray());
        }

        [Fact]
        public void The_exported_2D_model_matches_Predict_in_ONNX_Runtime()
        {
            var network = new Conv2DStackFloatNet();
            network.InitializeParameters(3);
            const int batch = 5;
            var random = new Random(8);
            float[] inputs = Enumerable.Range(0, batch * Conv2DStackFloatNet.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var expected = new float[batch * Conv2DStackFloatNet.OutputSize];
            network.PredictBatch(inputs, expected);
            using var model = new MemoryStream();

            network.ExportOnnx(model);

            using var session = new InferenceSession(model.ToArray());
            Assert.Equal([-1, 3, 7, 9], session.InputMetadata["input"].Dimensions);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(inputs, [batch, 3, 7, 9]))]);
            float[] actual = results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 1e-5f);
            }
        }

        [Fact]
        public void The_exported_1D_model_and_one_with_a_shaped_output_match_Predict_in_ONNX_Runtime()
        {
            // Float networks: ONNX Runtime's CPU provider implements AveragePool for float only; a double model with one is
            // valid ONNX that other runtimes run.
            AssertRunsAs(new SignalFloatNet(), [3, 2, 13]);
            AssertRunsAs(new ShapedOutputFloatNet(), [3, 1, 6, 5]);
            AssertRunsAs(new ShapedSoftmaxFloatNet(), [3, 1, 6, 5]); // a softmax over all of a shaped output, not per position

        }

        private static void AssertRunsAs(INetwork<float> network, int[] shape)
        {
            network.InitializeParameters(5);
            var random = new Random(1);
            float[] inputs = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var expected = new float[shape[0] * network.OutputSize];
            network.PredictBatch(inputs, expected);
            using var model = new MemoryStream();
            OnnxExport.Export(network, model);
            using var session = new InferenceSession(model.ToArray());
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(inputs, shape))]);
            float[] actual = results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 1e-5f);
            }
        }
    }

    [Network(InputShape = new[] { 2, 13 })]
    [Conv1D(3, 3, Activation.LeakyReLU, Stride = 2, Slope = 0.1)]
    [MaxPool1D(2, Stride = 1)]
    [Conv1D(2, 1, Activation.Sigmoid)]
    [AvgPool1D(2)]
    [Dense(2)]
    public partial class SignalFloatNet { }

    [Network(InputShape = new[] { 1, 6, 5 })]
    [AvgPool2D(2, Stride = 1)]
    [Conv2D(2, 2, Activation.Tanh, Padding = 2, Stride = 2)]
    public partial class ShapedOutputFloatNet { }

    [Network(InputShape = new[] { 1, 6, 5 }, Loss = Loss.CrossEntropy)]
    [Conv2D(2, 3, Activation.Softmax, Padding = 1)]
    public partial class ShapedSoftmaxFloatNet { }

    [Network(InputShape = new[] { 2, 13 }, Precision = Precision.Double)]
    [Conv1D(3, 3, Activation.LeakyReLU, Stride = 1, Slope = 0.1)]
    [MaxPool1D(2, Stride = 1)]
    [Conv1D(2, 1, Activation.Sigmoid)]
    [AvgPool1D(2)]
    [Dense(2)]
    public partial class Conv1DOtherStrideNet { }
}
