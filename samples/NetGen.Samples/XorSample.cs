using System;
using System.Collections.Generic;
using System.Linq;
using NetGen;

namespace NetGen.Samples;

/// <summary>Trains XOR in the three modes of gradient descent and plots the loss as it falls.</summary>
public static class XorSample
{
    private static readonly float[] Inputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly float[] Targets = [0, 1, 1, 0];

    public static void Run(SampleContext context)
    {
        int epochs = context.Fast ? 100 : 2000;
        context.Out.WriteLine($"XOR, 2-4-1 (tanh, sigmoid), binary cross-entropy, SGD 0.5, {epochs} epochs");
        var curves = new List<(string, double[], double[])>();
        XorNet? stochastic = null;
        foreach ((string mode, int batchSize) in new[] { ("batch", 0), ("stochastic", 1), ("mini-batch of 2", 2) })
        {
            var network = new XorNet();
            TrainingHistory history = network.Fit(Inputs, Targets, new TrainingOptions { Epochs = epochs, BatchSize = batchSize, Seed = 1 });
            curves.Add((mode, history.Epochs.Select(r => (double)r.Epoch).ToArray(), history.TrainingLoss));
            context.Out.WriteLine($"  {mode,-16} loss {history.Epochs[0].TrainingLoss:F4} → {history.FinalLoss:F4}");
            stochastic = batchSize == 1 ? network : stochastic;
        }

        Span<float> output = stackalloc float[XorNet.OutputSize];
        for (int i = 0; i < 4; i++)
        {
            stochastic!.Predict(Inputs.AsSpan(i * 2, 2), output);
            context.Out.WriteLine($"  {Inputs[i * 2]} xor {Inputs[i * 2 + 1]} → {output[0]:F3} (target {Targets[i]})");
        }

        Plots.Lines(context.OutputFile("xor-modes.png"), "XOR: batch, stochastic and mini-batch gradient descent", "epoch", "mean BCE", curves);
    }
}
