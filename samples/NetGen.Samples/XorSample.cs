using System;
using NetGen;

namespace NetGen.Samples;

/// <summary>Trains XOR in the three modes of gradient descent and prints the loss as it falls.</summary>
public static class XorSample
{
    private static readonly float[] Inputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly float[] Targets = [0, 1, 1, 0];

    public static void Run()
    {
        Console.WriteLine("XOR, 2-4-1 (tanh, sigmoid), binary cross-entropy, SGD 0.5");
        foreach ((string mode, int batchSize) in new[] { ("batch", 0), ("stochastic", 1), ("mini-batch", 2) })
        {
            var network = new XorNet();
            var history = network.Fit(Inputs, Targets, new TrainingOptions { Epochs = 2000, BatchSize = batchSize, Seed = 1 });
            Console.Write($"  {mode,-11}");
            foreach (int epoch in new[] { 1, 10, 100, 500, 1000, 2000 })
            {
                Console.Write($"  epoch {epoch,4}: {history.Epochs[epoch - 1].TrainingLoss:F4}");
            }

            Console.WriteLine();
        }

        var trained = new XorNet();
        trained.Fit(Inputs, Targets, new TrainingOptions { Epochs = 2000, BatchSize = 1, Seed = 1 });
        Span<float> output = stackalloc float[XorNet.OutputSize];
        for (int i = 0; i < 4; i++)
        {
            trained.Predict(Inputs.AsSpan(i * 2, 2), output);
            Console.WriteLine($"  {Inputs[i * 2]} xor {Inputs[i * 2 + 1]} -> {output[0]:F3} (target {Targets[i]})");
        }
    }
}
