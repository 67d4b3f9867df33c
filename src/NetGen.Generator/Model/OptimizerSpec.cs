namespace NetGen.Generator.Model;

/// <summary>
/// The optimizer of a network. Each optimizer attribute maps to one derived record. <see cref="StateVectors"/> is how
/// many parameter-sized vectors of state it keeps (moments, velocities).
/// </summary>
internal abstract record OptimizerSpec(double LearningRate, double GradientClipNorm)
{
    public abstract int StateVectors { get; }

    /// <summary>The names of the state vectors, in the order they sit in the optimizer state.</summary>
    public abstract EquatableArray<string> StateNames { get; }
}

/// <summary>SGD, with optional momentum (Nesterov or not) and L2 weight decay.</summary>
internal sealed record SgdSpec(double LearningRate, double Momentum, bool Nesterov, double WeightDecay, double GradientClipNorm)
    : OptimizerSpec(LearningRate, GradientClipNorm)
{
    public override int StateVectors => Momentum > 0 ? 1 : 0;

    public override EquatableArray<string> StateNames => new(Momentum > 0 ? new[] { "velocity" } : new string[0]);
}

/// <summary>Adam (L2 weight decay in the gradient) or, with <see cref="Decoupled"/>, AdamW.</summary>
internal sealed record AdamSpec(double LearningRate, double Beta1, double Beta2, double Epsilon, double WeightDecay, bool Amsgrad, bool Decoupled, double GradientClipNorm)
    : OptimizerSpec(LearningRate, GradientClipNorm)
{
    public override int StateVectors => Amsgrad ? 3 : 2;

    public override EquatableArray<string> StateNames
        => new(Amsgrad ? new[] { "first moments", "second moments", "maximum second moments" } : new[] { "first moments", "second moments" });
}

/// <summary>RMSprop, optionally centered and with momentum.</summary>
internal sealed record RmsPropSpec(double LearningRate, double Alpha, double Epsilon, double Momentum, double WeightDecay, bool Centered, double GradientClipNorm)
    : OptimizerSpec(LearningRate, GradientClipNorm)
{
    public override int StateVectors => 1 + (Centered ? 1 : 0) + (Momentum > 0 ? 1 : 0);

    public override EquatableArray<string> StateNames
    {
        get
        {
            var names = new System.Collections.Generic.List<string> { "square averages" };
            if (Centered)
            {
                names.Add("gradient averages");
            }

            if (Momentum > 0)
            {
                names.Add("velocity");
            }

            return new EquatableArray<string>(names.ToArray());
        }
    }
}

/// <summary>Adagrad, with optional learning-rate decay.</summary>
internal sealed record AdagradSpec(double LearningRate, double Epsilon, double WeightDecay, double LearningRateDecay, double GradientClipNorm)
    : OptimizerSpec(LearningRate, GradientClipNorm)
{
    public override int StateVectors => 1;

    public override EquatableArray<string> StateNames => new(new[] { "sums of squares" });
}
