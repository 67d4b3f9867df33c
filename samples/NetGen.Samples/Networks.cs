using NetGen;

namespace NetGen.Samples;

/// <summary>The smallest network that needs a hidden layer: XOR is not linearly separable.</summary>
[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Sgd(LearningRate = 0.5)]
public partial class XorNet { }

/// <summary>Iris: 4 measurements of a flower to one of 3 species.</summary>
[Network(Inputs = 4, Loss = Loss.CrossEntropy)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Sgd(LearningRate = 0.1)]
public partial class IrisNet { }
