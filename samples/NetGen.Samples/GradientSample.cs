using System;
using System.Collections.Generic;
using System.Linq;
using NetGen;

namespace NetGen.Samples;

/// <summary>The functions of the gradient chapter; NetGen generates each one's gradient at compile time.</summary>
public static partial class Surfaces
{
    /// <summary>u = x² + 2xy + y² + z², whose gradient at (1, 1, 1) is (4, 4, 2).</summary>
    [Differentiable]
    public static double U(double x, double y, double z) => x * x + 2 * x * y + y * y + z * z;

    /// <summary>A convex bowl: one minimum, at the origin, which gradient descent reaches from anywhere.</summary>
    [Differentiable]
    public static double Bowl(double x, double y) => x * x + 2 * y * y;

    /// <summary>A bumpy surface: ripples on a shallow bowl, so descent stops in whichever local minimum is nearest.</summary>
    [Differentiable]
    public static double Bumpy(double x, double y) => Math.Sin(3 * x) * Math.Cos(3 * y) + 0.1 * (x * x + y * y);
}

/// <summary>1-16-1 regression of a curve, to compare the three modes of gradient descent.</summary>
[Network(Inputs = 1)]
[Dense(16, Activation.Tanh)]
[Dense(1)]
[Sgd(LearningRate = 0.05)]
public partial class CurveNet { }

/// <summary>The gradient-descent chapter, run: the gradient, local against global minima, and the three modes.</summary>
public static class GradientSample
{
    public static void Run(SampleContext context)
    {
        // 1. The gradient is the vector of partial derivatives.
        double u = Surfaces.UGradient(1, 1, 1, out double dx, out double dy, out double dz);
        context.Out.WriteLine($"1. u = x² + 2xy + y² + z² at A(1, 1, 1): u = {u}, ∇u = ({dx}, {dy}, {dz}), from the generated UGradient");

        // 2. Each step is θ ← θ − α·∇f. On a convex bowl every start ends at the one minimum; on a bumpy surface
        //    starts end in different local minima.
        context.Out.WriteLine("2. Gradient descent, θ ← θ − α·∇f with α = 0.05, from six seeded random starts:");
        int steps = context.Fast ? 60 : 300;
        var random = new SeededRandom(12);
        var starts = Enumerable.Range(0, 6).Select(_ => (random.NextDouble(-2, 2), random.NextDouble(-2, 2))).ToArray();
        foreach ((string name, Func<double, double, double> f, Gradient gradient) in new (string, Func<double, double, double>, Gradient)[]
                 {
                     ("bowl", Surfaces.Bowl, (double x, double y, out double gx, out double gy) => Surfaces.BowlGradient(x, y, out gx, out gy)),
                     ("bumpy", Surfaces.Bumpy, (double x, double y, out double gx, out double gy) => Surfaces.BumpyGradient(x, y, out gx, out gy)),
                 })
        {
            var paths = starts.Select(start => Descend(gradient, start.Item1, start.Item2, 0.05, steps)).ToList();
            var ends = paths.Select(p => (X: p.X[^1], Y: p.Y[^1])).ToList();
            int minima = ends.Select(e => (Math.Round(e.X, 1), Math.Round(e.Y, 1))).Distinct().Count();
            context.Out.WriteLine($"   {name,-5}: the six runs end in {minima} distinct minim{(minima == 1 ? "um" : "a")}; " +
                                  string.Join(", ", ends.Select(e => $"f({e.X:F2}, {e.Y:F2}) = {f(e.X, e.Y):F3}")));
            Plots.Surface(context.OutputFile($"gradient-{name}.png"), $"Gradient descent on the {name} surface", "f(x, y)", f, -2.5, 2.5, paths);
        }

        // 3. Batch, stochastic and mini-batch descent on the same problem.
        context.Out.WriteLine("3. Batch (whole set), stochastic (1) and mini-batch (16) descent fitting sin(2x) on 128 points:");
        const int points = 128;
        float[] inputs = Enumerable.Range(0, points).Select(i => (float)(-2 + 4.0 * i / (points - 1))).ToArray();
        float[] targets = inputs.Select(x => MathF.Sin(2 * x)).ToArray();
        int epochs = context.Fast ? 15 : 150;
        var byUpdates = new List<(string, double[], double[])>();
        var byTime = new List<(string, double[], double[])>();
        (string Mode, int BatchSize)[] modes = [("batch", 0), ("stochastic", 1), ("mini-batch of 16", 16)];
        foreach ((_, int batchSize) in modes)
        {
            // An untimed run of each mode first, so that the timed curves hold training alone, not JIT compilation.
            new CurveNet().Fit(inputs, targets, new TrainingOptions { Epochs = epochs, BatchSize = batchSize, Seed = 5 });
        }

        foreach ((string mode, int batchSize) in modes)
        {
            var network = new CurveNet();
            TrainingHistory history = network.Fit(inputs, targets, new TrainingOptions { Epochs = epochs, BatchSize = batchSize, Seed = 5 });
            int updatesPerEpoch = batchSize == 0 ? 1 : (points + batchSize - 1) / batchSize;
            byUpdates.Add((mode, history.Epochs.Select(r => (double)(r.Epoch * updatesPerEpoch)).ToArray(), history.TrainingLoss));
            byTime.Add((mode, history.Epochs.Select(r => r.Elapsed.TotalMilliseconds).ToArray(), history.TrainingLoss));
            context.Out.WriteLine($"   {mode,-16} {epochs * updatesPerEpoch,6} updates in {history.Epochs[^1].Elapsed.TotalMilliseconds,6:F1} ms: MSE {history.Epochs[0].TrainingLoss:F4} → {history.FinalLoss:F4}");
        }

        Plots.Lines(context.OutputFile("modes-by-updates.png"), "Loss against updates", "updates", "MSE", byUpdates, logX: true);
        Plots.Lines(context.OutputFile("modes-by-time.png"), "Loss against time", "milliseconds", "MSE", byTime);
    }

    private delegate double Gradient(double x, double y, out double gx, out double gy);

    private static (double[] X, double[] Y) Descend(Gradient gradient, double x, double y, double rate, int steps)
    {
        var xs = new double[steps + 1];
        var ys = new double[steps + 1];
        xs[0] = x;
        ys[0] = y;
        for (int step = 1; step <= steps; step++)
        {
            gradient(x, y, out double gx, out double gy);
            x -= rate * gx;
            y -= rate * gy;
            xs[step] = x;
            ys[step] = y;
        }

        return (xs, ys);
    }
}
