using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetGen.Tests.Persistence;
using Xunit;

namespace NetGen.Tests;

/// <summary>The exported ONNX model, run in ONNX Runtime, predicts what the network predicts.</summary>
public sealed class OnnxExportTests
{
    public static IEnumerable<object[]> Networks()
    {
        yield return ["every activation, identity output", new OptimizerTests.Factory<INetwork<float>>(() => new EveryActivationNet())];
        yield return ["softmax output (cross-entropy)", new OptimizerTests.Factory<INetwork<float>>(() => new SoftmaxOutputNet())];
        yield return ["sigmoid output (binary cross-entropy)", new OptimizerTests.Factory<INetwork<float>>(() => new SigmoidOutputNet())];
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void The_exported_model_matches_Predict_in_ONNX_Runtime(string name, OptimizerTests.Factory<INetwork<float>> factory)
    {
        _ = name;
        INetwork<float> network = factory.Create();
        network.InitializeParameters(9);
        var random = new Random(4);
        const int batch = 7;
        float[] inputs = Enumerable.Range(0, batch * network.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var expected = new float[batch * network.OutputSize];
        network.PredictBatch(inputs, expected);
        using var model = new MemoryStream();

        OnnxExport.Export(network, model);

        using var session = new InferenceSession(model.ToArray());
        var input = new DenseTensor<float>(inputs, [batch, network.InputSize]);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        float[] actual = results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public void A_double_precision_network_exports_double_tensors_that_ONNX_Runtime_runs()
    {
        var network = new DoubleNet();
        double[] inputs = [0.5, -1, 2, 1.5, 0, -0.25];
        var expected = new double[4];
        network.PredictBatch(inputs, expected);
        string path = Path.Combine(Path.GetTempPath(), $"netgen-{Guid.NewGuid():N}.onnx");
        try
        {
            network.ExportOnnx(path);
            using var session = new InferenceSession(path);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<double>(inputs, [2, 3]))]);
            double[] actual = results.Single().AsEnumerable<double>().ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 1e-12);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
