using NetGen;

namespace NetGen.Tests.Persistence;

/// <summary>Every activation in one network, for the ONNX export.</summary>
[Network(Inputs = 5)]
[Dense(7, Activation.Tanh)]
[Dense(6, Activation.Sigmoid)]
[Dense(5, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, Slope = 0.2)]
[Dense(3)]
public partial class EveryActivationNet { }

[Network(Inputs = 4, Loss = Loss.CrossEntropy)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class SoftmaxOutputNet { }

[Network(Inputs = 4, Loss = Loss.BinaryCrossEntropy)]
[Dense(5, Activation.Tanh)]
[Dense(2, Activation.Sigmoid)]
public partial class SigmoidOutputNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(4, Activation.Tanh)]
[Dense(2)]
[RmsProp(LearningRate = 0.01, Momentum = 0.5, Centered = true)]
public partial class DoubleNet { }

/// <summary>Same shapes as <see cref="SoftmaxOutputNet"/> but other activations: its files must not load there.</summary>
[Network(Inputs = 4, Loss = Loss.CrossEntropy)]
[Dense(8, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class TanhTwinNet { }

[Network(Inputs = 4, Loss = Loss.CrossEntropy)]
[Dense(9, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class WiderNet { }
