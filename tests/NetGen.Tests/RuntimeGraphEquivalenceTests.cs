using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.RuntimeGraph;
using NetGen.Workloads;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// The benchmark's fairness check: from the same weights on the same data, the runtime-graph engine and the generated
/// network compute the same training, so their timings compare like with like.
/// </summary>
public sealed class RuntimeGraphEquivalenceTests
{
    public static IEnumerable<object[]> StandardWorkloads() => Workloads.Workloads.Standard.Select(w => new object[] { w.Name });

    [Theory]
    [MemberData(nameof(StandardWorkloads))]
    public void Ten_training_steps_agree_within_1e_5_relative(string name)
    {
        Workload workload = Workloads.Workloads.ByName(name);
        INetwork<float> generated = workload.CreateNetwork();
        GraphNetwork graph = workload.CreateGraphNetwork();
        graph.LoadParameters(generated.Parameters);
        var data = new WorkloadData(workload, batches: 10, seed: 7);

        for (int step = 0; step < 10; step++)
        {
            float expected = generated.TrainBatch(data.InputsOf(step), data.TargetsOf(step));
            float actual = graph.TrainStep(data.InputsOf(step), data.TargetsOf(step));
            Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Abs(expected), $"step {step}: loss {expected} against {actual}");
        }

        float[] flat = graph.Parameters.SelectMany(p => p.Data.ToArray()).ToArray();
        float[] reference = generated.Parameters.ToArray();
        float scale = reference.Max(Math.Abs);
        float largest = reference.Zip(flat, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largest <= 1e-5 * scale, $"parameters differ by up to {largest} (largest parameter {scale})");
        Assert.NotEqual(workload.CreateNetwork().Parameters.ToArray(), reference); // the steps did train
    }

    [Fact]
    public void Predictions_agree_after_loading_the_same_weights()
    {
        Workload workload = Workloads.Workloads.Deep;
        INetwork<float> generated = workload.CreateNetwork();
        GraphNetwork graph = workload.CreateGraphNetwork();
        graph.LoadParameters(generated.Parameters);
        var data = new WorkloadData(workload, batches: 1, seed: 3);
        var expected = new float[workload.BatchSize * workload.Outputs];
        var actual = new float[expected.Length];

        generated.PredictBatch(data.InputsOf(0), expected);
        graph.Predict(data.InputsOf(0), actual);

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }
}
