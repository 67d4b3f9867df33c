namespace NetGen.Generator.Model;

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
