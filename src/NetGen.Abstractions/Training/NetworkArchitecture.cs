using System.Collections.Generic;

namespace NetGen;

/// <summary>One dense layer as declared.</summary>
/// <param name="Inputs">Inputs to the layer.</param>
/// <param name="Units">Outputs of the layer.</param>
/// <param name="Activation">Its activation.</param>
/// <param name="Slope">The leaky ReLU's slope (0.01 unless declared).</param>
/// <param name="CustomActivation">The [Differentiable] method used as the activation, or null for <paramref name="Activation"/>.</param>
public sealed record LayerArchitecture(int Inputs, int Units, Activation Activation, double Slope, string? CustomActivation = null)
{
    /// <summary>The activation's name as files record it: the custom method's name, or the built-in activation's.</summary>
    public string ActivationName => CustomActivation ?? Activation.ToString();
}

/// <summary>
/// The declared shape of a generated network, for everything written once in the runtime that must know it: file
/// formats, exports, reports.
/// </summary>
/// <param name="Name">The network class's name.</param>
/// <param name="Inputs">Inputs per sample.</param>
/// <param name="Layers">The layers in order.</param>
/// <param name="Loss">The loss.</param>
/// <param name="Precision">float or double.</param>
/// <param name="Optimizer">The optimizer attribute's name, e.g. "Adam".</param>
/// <param name="OptimizerStateNames">The names of the optimizer's state vectors, in order, e.g. first_moments.</param>
public sealed record NetworkArchitecture(
    string Name,
    int Inputs,
    IReadOnlyList<LayerArchitecture> Layers,
    Loss Loss,
    Precision Precision,
    string Optimizer,
    IReadOnlyList<string> OptimizerStateNames);
