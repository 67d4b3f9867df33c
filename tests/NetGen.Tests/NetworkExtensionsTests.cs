using System;
using NetGen.Tests.Convergence;
using Xunit;

namespace NetGen.Tests;

/// <summary>The allocating prediction helpers give what the span members compute.</summary>
public sealed class NetworkExtensionsTests
{
    [Fact]
    public void Predict_returns_the_outputs_the_span_overload_writes()
    {
        var network = new BlobsAdam();
        float[] input = [0.5f, -1];
        var expected = new float[3];
        network.Predict(input, expected);

        Assert.Equal(expected, network.Predict(input));
    }

    [Fact]
    public void PredictClass_and_PredictClasses_return_the_largest_output_of_each_sample()
    {
        var network = new BlobsAdam();
        float[] inputs = [0.5f, -1, 2, 3, -2, 0.25f];
        var outputs = new float[9];
        network.PredictBatch(inputs, outputs);
        int[] expected = new int[3];
        for (int i = 0; i < 3; i++)
        {
            float best = float.NegativeInfinity;
            for (int k = 0; k < 3; k++)
            {
                if (outputs[3 * i + k] > best)
                {
                    best = outputs[3 * i + k];
                    expected[i] = k;
                }
            }
        }

        Assert.Equal(expected, network.PredictClasses(inputs));
        Assert.Equal(expected[1], network.PredictClass([2f, 3f]));
        Assert.Equal(outputs, network.PredictBatch(inputs));
    }

    [Fact]
    public void A_batch_of_the_wrong_length_is_rejected_naming_the_expected_size()
    {
        var exception = Assert.Throws<ArgumentException>(() => new BlobsAdam().PredictBatch(new float[3]));
        Assert.Contains("expects a multiple of InputSize = 2", exception.Message);
    }
}
