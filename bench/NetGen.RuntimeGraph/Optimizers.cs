using System;
using System.Collections.Generic;
using NetGen.Kernels;

namespace NetGen.RuntimeGraph;

/// <summary>Steps over a list of parameter tensors, as torch.optim does; each step also clears the gradients (zero_grad).</summary>
public abstract class Optimizer(IReadOnlyList<Tensor> parameters)
{
    protected IReadOnlyList<Tensor> Parameters { get; } = parameters;

    public abstract void Step();
}

/// <summary>torch.optim.SGD without momentum.</summary>
public sealed class Sgd(IReadOnlyList<Tensor> parameters, float learningRate) : Optimizer(parameters)
{
    public override void Step()
    {
        foreach (Tensor parameter in Parameters)
        {
            OptimizerKernels.Sgd<float>(parameter.Data, parameter.Gradient, learningRate, 0f, 1f);
        }
    }
}

/// <summary>torch.optim.SGD with momentum.</summary>
public sealed class SgdMomentum(IReadOnlyList<Tensor> parameters, float learningRate, float momentum) : Optimizer(parameters)
{
    private readonly float[][] _velocity = CreateState(parameters);

    public override void Step()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            OptimizerKernels.SgdMomentum<float>(Parameters[i].Data, Parameters[i].Gradient, _velocity[i], learningRate, momentum, false, 0f, 1f);
        }
    }

    internal static float[][] CreateState(IReadOnlyList<Tensor> parameters)
    {
        var state = new float[parameters.Count][];
        for (int i = 0; i < state.Length; i++)
        {
            state[i] = new float[parameters[i].Length];
        }

        return state;
    }
}

/// <summary>torch.optim.Adam with its default β₁, β₂ and ε.</summary>
public sealed class Adam(IReadOnlyList<Tensor> parameters, float learningRate) : Optimizer(parameters)
{
    private readonly float[][] _first = SgdMomentum.CreateState(parameters);
    private readonly float[][] _second = SgdMomentum.CreateState(parameters);
    private long _step;

    public override void Step()
    {
        _step++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            OptimizerKernels.Adam<float>(
                Parameters[i].Data, Parameters[i].Gradient, _first[i], _second[i], Span<float>.Empty,
                learningRate, 0.9f, 0.999f, 1e-8f, 0f, decoupledWeightDecay: false, _step, 1f);
        }
    }
}
