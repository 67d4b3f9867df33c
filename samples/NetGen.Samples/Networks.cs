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

/// <summary>Handwritten digits: 784 pixels to 10 classes.</summary>
[Network(Inputs = 784, Loss = Loss.CrossEntropy)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public partial class DigitsNet { }

/// <summary>Two interleaved spirals: no straight line separates them.</summary>
[Network(Inputs = 2, Loss = Loss.CrossEntropy)]
[Dense(32, Activation.Tanh)]
[Dense(32, Activation.Tanh)]
[Dense(2, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class SpiralNet { }

/// <summary>Regression of sin(x) on [−π, π].</summary>
[Network(Inputs = 1)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(1)]
[Adam(LearningRate = 0.01)]
public partial class SineNet { }

// The same 2-16-3 classifier with four optimizers, for the optimizers command.
[Network(Inputs = 2, Loss = Loss.CrossEntropy)] [Dense(16, Activation.Tanh)] [Dense(3, Activation.Softmax)] [Sgd(LearningRate = 0.05)]
public partial class PlainSgdNet { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)] [Dense(16, Activation.Tanh)] [Dense(3, Activation.Softmax)] [Sgd(LearningRate = 0.05, Momentum = 0.9)]
public partial class MomentumNet { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)] [Dense(16, Activation.Tanh)] [Dense(3, Activation.Softmax)] [RmsProp(LearningRate = 0.005)]
public partial class RmsPropNet { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)] [Dense(16, Activation.Tanh)] [Dense(3, Activation.Softmax)] [Adam(LearningRate = 0.01)]
public partial class AdamNet { }

/// <summary>Housing: 12 attributes of a census tract to its median home value (in $1000s).</summary>
[Network(Inputs = 12)]
[Dense(32, Activation.ReLU)]
[Dense(1)]
[Adam(LearningRate = 0.01)]
public partial class HousingNet { }

/// <summary>LeNet-5 for 28×28 digits: two convolutions with max pooling, then three dense layers.</summary>
[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class LeNet { }

/// <summary>
/// LeNet-5 with batch normalisation after each convolution (whose bias it makes redundant) and dropout before the
/// classifier: the network trains in training mode and predicts in evaluation mode, with the running statistics.
/// </summary>
[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy)]
[Conv2D(6, 5, Padding = 2, Bias = false)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5, Bias = false)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dropout(0.25)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class NormalizedLeNet { }
