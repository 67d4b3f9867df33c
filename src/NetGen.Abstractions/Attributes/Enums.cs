namespace NetGen;

/// <summary>The loss a network minimises. Each matches PyTorch's loss of the same name with reduction <c>'mean'</c>.</summary>
public enum Loss
{
    /// <summary>Mean over all outputs and samples of (y − t)², as <c>torch.nn.MSELoss</c>.</summary>
    MeanSquaredError = 0,

    /// <summary>
    /// Mean over all outputs and samples of −[t·ln y + (1 − t)·ln(1 − y)], as <c>torch.nn.BCELoss</c>.
    /// Needs a <see cref="Activation.Sigmoid"/> output layer; the loss is evaluated from the logits, so it stays finite
    /// where y rounds to 0 or 1.
    /// </summary>
    BinaryCrossEntropy = 1,

    /// <summary>
    /// Mean over samples of −Σₖ tₖ·ln softmax(z)ₖ, as <c>torch.nn.CrossEntropyLoss</c> with class-probability targets.
    /// Needs a <see cref="Activation.Softmax"/> output layer.
    /// </summary>
    CrossEntropy = 2,
}

/// <summary>The floating-point type a network computes in.</summary>
public enum Precision
{
    /// <summary>32-bit <see cref="float"/>.</summary>
    Single = 0,

    /// <summary>64-bit <see cref="double"/>.</summary>
    Double = 1,
}

/// <summary>The function a <see cref="DenseAttribute"/> layer applies to its pre-activations.</summary>
public enum Activation
{
    /// <summary>f(z) = z.</summary>
    Identity = 0,

    /// <summary>f(z) = 1 / (1 + e⁻ᶻ).</summary>
    Sigmoid = 1,

    /// <summary>f(z) = tanh z.</summary>
    Tanh = 2,

    /// <summary>f(z) = max(z, 0).</summary>
    ReLU = 3,

    /// <summary>f(z) = z for z &gt; 0, else <see cref="DenseAttribute.Slope"/>·z.</summary>
    LeakyReLU = 4,

    /// <summary>f(z)ₖ = e^zₖ / Σⱼ e^zⱼ over the layer's units. Only on the last layer.</summary>
    Softmax = 5,
}
