using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace NetGen.Generator;

/// <summary>
/// The names the network generator declares in a network class, so that the parser can report a user member or an
/// inherited one that would collide with them (NG0014) instead of emitting code that does not compile.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>The public members of INetwork and the network's own API. A user method may overload one of them.</summary>
    public static readonly HashSet<string> PublicMethods = new()
    {
        "InitializeParameters", "Predict", "PredictBatch", "TrainStep", "TrainBatch", "AccumulateGradients", "ComputeLoss",
        "ApplyGradients", "ZeroGradients", "Fit", "Save", "Load", "SaveCheckpoint", "LoadCheckpoint", "ExportOnnx", "CreatePredictor",
    };

    /// <summary>The public constants and properties.</summary>
    public static readonly HashSet<string> PublicValues = new()
    {
        "InputSize", "OutputSize", "ParameterCount", "Parameters", "Gradients", "OptimizerState", "OptimizerStep", "LearningRate", "Architecture",
        "Predictor", "Buffers", "BatchesTracked", "RandomState",
    };

    /// <summary>The private fields and methods of the generated implementation.</summary>
    public static readonly HashSet<string> Private = new()
    {
        "_parameters", "_gradients", "_optimizerState", "_optimizerStep", "_learningRate", "_rowCapacity", "_gradientsClean", "_convolutionScratch",
        "DrawInitialParameters", "RunForward", "RunBackward", "RunBackwardAndDescend", "TrainFused",
        "AccumulateGradientsCore", "ComputeOutputLoss", "ApplyUpdate", "EnsureRowCapacity", "ForwardPass",
        "_buffers", "_batchesTracked", "_randomState", "_randomDraw", "CommitTrainingCall", "InitialBuffers", "InitialRandomState",
    };

    /// <summary>The per-layer buffers and geometries, <c>_layer{index}Outputs</c> and the like.</summary>
    private static readonly Regex LayerBuffer = new(@"^_layer[0-9]+(Outputs|Gradients|Logits|PreActivations|Argmax|Geometry|Mean|Variance|InverseStd|Mask)$", RegexOptions.CultureInvariant);

    /// <summary>Whether a member named <paramref name="name"/> collides with generated code; <paramref name="isMethod"/> methods may overload the public ones.</summary>
    public static bool Collides(string name, bool isMethod, IEnumerable<string> customActivations)
    {
        if (PublicValues.Contains(name) || Private.Contains(name) || LayerBuffer.IsMatch(name) || (!isMethod && PublicMethods.Contains(name)))
        {
            return true;
        }

        foreach (string custom in customActivations)
        {
            if (name == custom + "Derivative")
            {
                return true;
            }
        }

        return false;
    }
}
