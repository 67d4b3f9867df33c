using System;
using System.Collections.Generic;

namespace NetGen.RuntimeGraph;

/// <summary>A building block of a model: it turns an input tensor into an output tensor, recording on the tape.</summary>
public abstract class Module
{
    public abstract Tensor Forward(Tape tape, Tensor input);

    public abstract IEnumerable<Tensor> Parameters();
}

/// <summary>A fully connected layer y = f(x·Wᵀ + b), like torch.nn.Linear followed by an activation module.</summary>
public sealed class Dense(int inputs, int units, Activation activation, float slope = 0.01f) : Module
{
    public Tensor Weight { get; } = Tensor.Parameter(units, inputs);

    public Tensor Bias { get; } = Tensor.Parameter(1, units);

    public Activation Activation { get; } = activation;

    public override Tensor Forward(Tape tape, Tensor input)
        => Ops.Activate(tape, Ops.Linear(tape, input, Weight, Bias), Activation, slope);

    public override IEnumerable<Tensor> Parameters()
    {
        yield return Weight;
        yield return Bias;
    }
}

/// <summary>Modules applied in order, like torch.nn.Sequential.</summary>
public sealed class Sequential(IReadOnlyList<Module> modules) : Module
{
    public IReadOnlyList<Module> Modules { get; } = modules;

    public override Tensor Forward(Tape tape, Tensor input)
    {
        Tensor x = input;
        foreach (Module module in Modules)
        {
            x = module.Forward(tape, x);
        }

        return x;
    }

    public override IEnumerable<Tensor> Parameters()
    {
        foreach (Module module in Modules)
        {
            foreach (Tensor parameter in module.Parameters())
            {
                yield return parameter;
            }
        }
    }
}
