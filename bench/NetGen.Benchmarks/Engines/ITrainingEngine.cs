using System;

namespace NetGen.Benchmarks.Engines;

/// <summary>
/// One engine set up for one workload, with its data prepared in the engine's own form (so that only the step is
/// timed). All engines start from the same initial weights and see the same batches.
/// </summary>
public interface ITrainingEngine : IDisposable
{
    string Name { get; }

    /// <summary>One training step (forward, backward, update) on prepared batch <paramref name="batch"/>. Returns its loss.</summary>
    float TrainStep(int batch);

    /// <summary>Predicts the first sample of batch 0 and returns its first output.</summary>
    float PredictOne();

    /// <summary>Every parameter in NetGen's flat layout.</summary>
    float[] FlatParameters();
}
