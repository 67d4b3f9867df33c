using NetGen;

namespace NetGen.Tests.Training;

[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Sgd(LearningRate = 0.5)]
public partial class XorNet { }

[Network(Inputs = 1)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(1)]
[Sgd(LearningRate = 0.05)]
public partial class SineNet { }

[Network(Inputs = 784, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class DigitsNet { }

[Network(Inputs = 784, Loss = Loss.CrossEntropy)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Sgd(LearningRate = 0.01)]
public partial class MnistNet { }

[Network(Inputs = 64, Loss = Loss.CrossEntropy)]
[Dense(40, Activation.ReLU)]
[Dense(40, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3, GradientClipNorm = 5)]
public partial class AdamKernelNet { }
