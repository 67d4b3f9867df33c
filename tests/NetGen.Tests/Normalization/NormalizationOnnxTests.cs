using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetGen.Serialization.Onnx;
using Xunit;

namespace NetGen.Tests.Normalization
{
    /// <summary>
    /// The ONNX export of BatchNorm (BatchNormalization with the running statistics), LayerNorm (LayerNormalization,
    /// opset 17), Dropout (Identity) and layers without a bias (Gemm and Conv with two inputs): ONNX Runtime predicts
    /// what Predict does, in evaluation mode, after training has moved the running statistics off 0 and 1.
    /// </summary>
    public sealed class NormalizationOnnxTests
    {
        private static ModelProto Exported<T>(INetwork<T> network)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            using var stream = new MemoryStream();
            OnnxExport.Export(network, stream);
            return ModelProto.Parser.ParseFrom(stream.ToArray());
        }

        /// <summary>Predict and ONNX Runtime on the same random batch of <paramref name="shape"/> agree to <paramref name="tolerance"/>.</summary>
        private static void AssertRunsAsPredict(INetwork<float> network, int[] shape, float tolerance = 1e-5f)
        {
            var random = new Random(3);
            float[] inputs = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            var expected = new float[shape[0] * network.OutputSize];
            network.PredictBatch(inputs, expected);
            using var model = new MemoryStream();
            OnnxExport.Export(network, model);

            using var session = new InferenceSession(model.ToArray());
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(inputs, shape))]);

            float[] actual = results.Single(result => result.Name == "output").AsEnumerable<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"output {i}: Predict {expected[i]}, ONNX Runtime {actual[i]}");
            }
        }

        /// <summary>A few stand-in training calls: the running statistics move off 0 and 1, the parameters off their initial values.</summary>
        private static void Train<T>(StandInNormalizationNetwork<T> network, int steps)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var random = new Random(5);
            for (int step = 0; step < steps; step++)
            {
                T[] inputs = Enumerable.Range(0, 6 * network.InputSize).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
                network.TrainBatch(inputs, new T[6 * network.OutputSize]);
            }
        }

        [Fact]
        public void BatchNorm_LayerNorm_Dropout_and_a_Dense_layer_without_bias_run_in_ONNX_Runtime_as_Predict()
        {
            var network = new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single));
            Train(network, steps: 4);
            Assert.DoesNotContain(network.Buffers.ToArray(), value => value is 0 or 1);

            AssertRunsAsPredict(network, [7, 3]);
        }

        [Fact]
        public void BatchNorm_per_channel_and_LayerNorm_over_a_shaped_sample_run_in_ONNX_Runtime_as_Predict()
        {
            var network = new StandInNormalizationNetwork<float>(StandInArchitectures.Shaped(Precision.Single));
            Train(network, steps: 3);

            AssertRunsAsPredict(network, [5, 2, 3, 3]);
        }

        [Fact]
        public void A_double_network_with_every_new_layer_runs_in_ONNX_Runtime_as_Predict()
        {
            // Epsilon is a float attribute in ONNX: ε = 1e-5 becomes 9.99999975e-6, a relative change of about 1e-12 here.
            var network = new StandInNormalizationNetwork<double>(StandInArchitectures.Flat(Precision.Double));
            Train(network, steps: 4);
            double[] inputs = Enumerable.Range(0, 4 * 3).Select(i => Math.Sin(i) * 2).ToArray();
            var expected = new double[4 * 2];
            network.PredictBatch(inputs, expected);
            using var model = new MemoryStream();
            OnnxExport.Export(network, model);

            using var session = new InferenceSession(model.ToArray());
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<double>(inputs, [4, 3]))]);

            double[] actual = results.Single().AsEnumerable<double>().ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 1e-9);
            }
        }

        [Fact]
        public void The_graph_has_BatchNormalization_with_the_running_statistics_LayerNormalization_over_axis_1_and_Identity_for_Dropout()
        {
            var network = new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single));
            Train(network, steps: 2);

            ModelProto model = Exported(network);

            Assert.Equal(
                ["Gemm", "BatchNormalization", "Relu", "Identity", "LayerNormalization", "Tanh", "Gemm"],
                model.Graph.Node.Select(node => node.OpType));
            NodeProto[] nodes = model.Graph.Node.ToArray();
            Assert.Equal(["input", "layers.0.weight"], nodes[0].Input); // Bias = false: a Gemm of two inputs
            Assert.Equal(["layers.0.linear", "layers.1.weight", "layers.1.bias", "layers.1.running_mean", "layers.1.running_var"], nodes[1].Input);
            Assert.Equal(1e-5f, nodes[1].Attribute.Single(attribute => attribute.Name == "epsilon").F);
            Assert.Equal(1, nodes[4].Attribute.Single(attribute => attribute.Name == "axis").I);
            Assert.Equal(1e-5f, nodes[4].Attribute.Single(attribute => attribute.Name == "epsilon").F);
            TensorProto variance = model.Graph.Initializer.Single(tensor => tensor.Name == "layers.1.running_var");
            Assert.Equal([4L], variance.Dims);
            Assert.Equal(network.Buffers[4..8].ToArray(), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(variance.RawData.Span).ToArray());
            Assert.DoesNotContain(model.Graph.Initializer, tensor => tensor.Name == "layers.0.bias");
        }

        [Fact]
        public void A_model_with_LayerNorm_declares_opset_17_and_one_without_keeps_opset_13()
        {
            ModelProto withLayerNorm = Exported(new StandInNormalizationNetwork<float>(StandInArchitectures.Flat(Precision.Single)));
            ModelProto withoutLayerNorm = Exported(new StandInNormalizationNetwork<float>(StandInArchitectures.WithoutLayerNorm(Precision.Single)));

            Assert.Equal(17, withLayerNorm.OpsetImport.Single().Version);
            Assert.Equal(OnnxExport.LayerNormalizationOpset, withLayerNorm.OpsetImport.Single().Version);
            Assert.Equal(8, withLayerNorm.IrVersion);
            Assert.Equal(13, withoutLayerNorm.OpsetImport.Single().Version);
            Assert.Equal(OnnxExport.Opset, withoutLayerNorm.OpsetImport.Single().Version);
            Assert.Equal(7, withoutLayerNorm.IrVersion);
        }

        [Fact]
        public void BatchNorm_and_Dropout_without_LayerNorm_run_in_ONNX_Runtime_as_Predict_at_opset_13()
        {
            var network = new StandInNormalizationNetwork<float>(StandInArchitectures.WithoutLayerNorm(Precision.Single));
            Train(network, steps: 5);

            AssertRunsAsPredict(network, [6, 3]);
        }

        public static System.Collections.Generic.IEnumerable<object[]> GeneratedNetworks()
        {
            yield return ["BatchNorm after Dense", new OptimizerTests.Factory<INetwork<float>>(() => new BatchNormDenseOnnxNet()), new[] { 5 }, 13];
            yield return ["BatchNorm after Conv2D without bias", new OptimizerTests.Factory<INetwork<float>>(() => new BatchNormConvOnnxNet()), new[] { 2, 5, 5 }, 13];
            yield return ["LayerNorm after Dense", new OptimizerTests.Factory<INetwork<float>>(() => new LayerNormDenseOnnxNet()), new[] { 5 }, 17];
            yield return ["LayerNorm after Conv2D", new OptimizerTests.Factory<INetwork<float>>(() => new LayerNormConvOnnxNet()), new[] { 2, 5, 5 }, 17];
            yield return ["Dropout", new OptimizerTests.Factory<INetwork<float>>(() => new DropoutOnnxNet()), new[] { 5 }, 13];
        }

        [Theory]
        [MemberData(nameof(GeneratedNetworks))]
        public void A_trained_generated_network_runs_in_ONNX_Runtime_as_Predict(string name, OptimizerTests.Factory<INetwork<float>> factory, int[] sampleShape, int opset)
        {
            _ = name;
            INetwork<float> network = factory.Create();
            network.InitializeParameters(4);
            var random = new Random(6);
            for (int step = 0; step < 5; step++)
            {
                // Training moves the running statistics off 0 and 1, and γ, β off 1 and 0.
                float[] inputs = Enumerable.Range(0, 16 * network.InputSize).Select(_ => (float)(random.NextDouble() * 3 - 1)).ToArray();
                float[] targets = Enumerable.Range(0, 16 * network.OutputSize).Select(_ => (float)random.NextDouble()).ToArray();
                network.TrainBatch(inputs, targets);
            }

            Assert.DoesNotContain(network.Buffers.ToArray(), value => value is 0 or 1);

            AssertRunsAsPredict(network, [7, .. sampleShape]);
            Assert.Equal(opset, Exported(network).OpsetImport.Single().Version);
        }
    }
}
