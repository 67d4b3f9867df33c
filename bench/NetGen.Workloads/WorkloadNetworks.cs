using NetGen;

namespace NetGen.Workloads;

/// <summary>xor: 2-4-1, tanh, sigmoid, binary cross-entropy, SGD 0.1, batch 1.</summary>
[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Sgd(LearningRate = 0.1)]
public partial class XorWorkloadNet { }

/// <summary>iris: 4-16-3, ReLU, softmax, cross-entropy, Adam 10⁻³, batch 16.</summary>
[Network(Inputs = 4, Loss = Loss.CrossEntropy)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class IrisWorkloadNet { }

/// <summary>mnist-b64 and mnist-b1: 784-128-10, ReLU, softmax, cross-entropy, SGD 0.01.</summary>
[Network(Inputs = 784, Loss = Loss.CrossEntropy)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Sgd(LearningRate = 0.01)]
public partial class MnistWorkloadNet { }

/// <summary>deep: 784-256-256-10, ReLU, softmax, cross-entropy, Adam 10⁻³, batch 128.</summary>
[Network(Inputs = 784, Loss = Loss.CrossEntropy)]
[Dense(256, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class DeepWorkloadNet { }

/// <summary>mnist-e2e: 784-128-10, ReLU, softmax, cross-entropy, SGD 0.05 with momentum 0.9, batch 64.</summary>
[Network(Inputs = 784, Loss = Loss.CrossEntropy)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public partial class MnistEndToEndNet { }

// The same architectures in double precision, for `verify`: in float64 NetGen and TorchSharp must agree to rounding
// of double, which checks the formulas apart from float32's rounding.

/// <summary>xor in double precision.</summary>
[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Sgd(LearningRate = 0.1)]
public partial class XorWorkloadNet64 { }

/// <summary>iris in double precision.</summary>
[Network(Inputs = 4, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class IrisWorkloadNet64 { }

/// <summary>mnist-b64 and mnist-b1 in double precision.</summary>
[Network(Inputs = 784, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Sgd(LearningRate = 0.01)]
public partial class MnistWorkloadNet64 { }

/// <summary>deep in double precision.</summary>
[Network(Inputs = 784, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Dense(256, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 1e-3)]
public partial class DeepWorkloadNet64 { }
