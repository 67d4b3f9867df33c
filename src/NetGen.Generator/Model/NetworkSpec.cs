namespace NetGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one network, and nothing that ties it to a compilation: only strings, numbers
/// and equatable collections, so that an unchanged declaration yields an equal spec and its output stays cached.
/// </summary>
/// <param name="Namespace">The network's namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">The partial types the network is nested in, outermost first.</param>
/// <param name="Type">The network class itself.</param>
/// <param name="HintName">The generated file's name, unique per type.</param>
/// <param name="Inputs">Inputs per sample.</param>
/// <param name="Loss">The loss minimised.</param>
/// <param name="Precision">float or double.</param>
/// <param name="Layers">The dense layers, in the order they apply.</param>
/// <param name="Optimizer">The optimizer that turns gradients into updates.</param>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    TypeDeclarationSpec Type,
    string HintName,
    int Inputs,
    LossKind Loss,
    PrecisionKind Precision,
    EquatableArray<DenseLayerSpec> Layers,
    OptimizerSpec Optimizer)
{
    public int Outputs => Layers[Layers.Count - 1].Units;

    public int ParameterCount
    {
        get
        {
            DenseLayerSpec last = Layers[Layers.Count - 1];
            return last.BiasOffset + last.Units;
        }
    }
}

/// <summary>A type declaration as the generated partial repeats it, e.g. keyword <c>record</c> and name <c>Net&lt;T&gt;</c>.</summary>
/// <param name="Keyword">class, struct, record, record struct or interface.</param>
/// <param name="Name">The name with its type parameter list.</param>
/// <param name="SimpleName">The bare identifier, as messages show it.</param>
internal sealed record TypeDeclarationSpec(string Keyword, string Name, string SimpleName);

/// <summary>
/// One fully connected layer and where its parameters sit in the flat parameter vector: weights
/// <c>[Units × Inputs]</c> row-major at <see cref="WeightOffset"/>, then biases at <see cref="BiasOffset"/>.
/// </summary>
internal sealed record DenseLayerSpec(
    int Index, int Inputs, int Units, ActivationKind Activation, double Slope, InitializerKind Initializer, int WeightOffset, string? CustomActivation = null)
{
    public int WeightCount => Inputs * Units;

    public int BiasOffset => WeightOffset + WeightCount;
}

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

/// <summary>Mirrors NetGen.Loss; the generator does not load the runtime assembly, so the values are repeated here.</summary>
internal enum LossKind
{
    MeanSquaredError = 0,
    BinaryCrossEntropy = 1,
    CrossEntropy = 2,
}

/// <summary>Mirrors NetGen.Precision.</summary>
internal enum PrecisionKind
{
    Single = 0,
    Double = 1,
}

/// <summary>Mirrors NetGen.Activation.</summary>
internal enum ActivationKind
{
    Identity = 0,
    Sigmoid = 1,
    Tanh = 2,
    ReLU = 3,
    LeakyReLU = 4,
    Softmax = 5,
}

/// <summary>Mirrors NetGen.Initializer.</summary>
internal enum InitializerKind
{
    Default = 0,
    GlorotUniform = 1,
    GlorotNormal = 2,
    HeUniform = 3,
    HeNormal = 4,
    LeCunNormal = 5,
    Zeros = 6,
}
