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

/// <summary>
/// An engine fed one batch at a time from the caller's arrays, as a user's training loop feeds it, and asked for the
/// class of every test sample: what the end-to-end workloads (mnist-e2e, mnist-cnn-e2e) drive TorchSharp through.
/// </summary>
public interface IBatchFedEngine : IDisposable
{
    /// <summary>One training step on <paramref name="labels"/>.Length samples, made into the engine's tensors on this call. Returns its loss.</summary>
    float TrainOn(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

    /// <summary>The most probable class of each sample, in evaluation mode.</summary>
    int[] PredictClasses(ReadOnlySpan<float> inputs);
}
