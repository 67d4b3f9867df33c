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

/// <summary>
/// How a layer's initial weights are drawn, as <c>torch.nn.init</c> defines each (fan-in n, fan-out m; gain
/// √(2 / (1 + slope²)) for leaky ReLU and √2 otherwise). Biases always start at zero.
/// </summary>
public enum Initializer
{
    /// <summary><see cref="HeUniform"/> for ReLU and leaky ReLU, <see cref="GlorotUniform"/> for every other activation.</summary>
    Default = 0,

    /// <summary>U(−a, a) with a = √(6 / (n + m)) (<c>xavier_uniform_</c>).</summary>
    GlorotUniform = 1,

    /// <summary>N(0, σ²) with σ = √(2 / (n + m)) (<c>xavier_normal_</c>).</summary>
    GlorotNormal = 2,

    /// <summary>U(−a, a) with a = gain·√(3 / n) (<c>kaiming_uniform_</c>, fan-in mode).</summary>
    HeUniform = 3,

    /// <summary>N(0, σ²) with σ = gain / √n (<c>kaiming_normal_</c>, fan-in mode).</summary>
    HeNormal = 4,

    /// <summary>N(0, σ²) with σ = 1 / √n.</summary>
    LeCunNormal = 5,

    /// <summary>Every weight zero.</summary>
    Zeros = 6,
}
