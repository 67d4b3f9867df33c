using System;
using System.Runtime.Intrinsics;
using NetGen;

// Trains XOR and a small classifier in a Native AOT executable: no JIT, no reflection, the generated code only.
float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
float[] targets = [0, 1, 1, 0];
var xor = new XorNet();
TrainingHistory history = xor.Fit(inputs, targets, new TrainingOptions { Epochs = 1000, BatchSize = 1, Seed = 1 });
float loss = xor.ComputeLoss(inputs, targets);
Console.WriteLine($"Native AOT, Vector256 {(Vector256.IsHardwareAccelerated ? "accelerated" : "not accelerated")}: " +
                  $"XOR mean BCE {history.Epochs[0].TrainingLoss:F3} → {loss:F4} after {history.Epochs.Count} epochs");

var wide = new WideNet();
var random = new SeededRandom(3);
float[] x = new float[64 * 100], y = new float[64 * 10];
for (int i = 0; i < x.Length; i++)
{
    x[i] = (float)random.NextDouble();
}

for (int s = 0; s < 64; s++)
{
    y[s * 10 + s % 10] = 1;
}

float first = wide.TrainBatch(x, y), last = first;
for (int step = 0; step < 200; step++)
{
    last = wide.TrainBatch(x, y);
}

Console.WriteLine($"100-64-10 on 64 samples: cross-entropy {first:F3} → {last:F3}");
return loss < 0.05f && last < first ? 0 : 1;

[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Sgd(LearningRate = 0.5)]
public partial class XorNet { }

[Network(Inputs = 100, Loss = Loss.CrossEntropy)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class WideNet { }
