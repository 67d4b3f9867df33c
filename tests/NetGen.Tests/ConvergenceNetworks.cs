using NetGen;

// XOR (2-4-1) and a 3-class problem (2-8-3) trained with each optimizer.
namespace NetGen.Tests.Convergence;

[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Sgd(LearningRate = 0.2, Momentum = 0.9)]
public partial class XorMomentum { }

[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Adam(LearningRate = 0.05)]
public partial class XorAdam { }

[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[AdamW(LearningRate = 0.05)]
public partial class XorAdamW { }

[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[RmsProp(LearningRate = 0.02)]
public partial class XorRmsProp { }

[Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Adagrad(LearningRate = 0.3)]
public partial class XorAdagrad { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Sgd(LearningRate = 0.05, Momentum = 0.9, Nesterov = true)]
public partial class BlobsMomentum { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class BlobsAdam { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[AdamW(LearningRate = 0.01)]
public partial class BlobsAdamW { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[RmsProp(LearningRate = 0.005)]
public partial class BlobsRmsProp { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Adagrad(LearningRate = 0.1)]
public partial class BlobsAdagrad { }

[Network(Inputs = 2, Loss = Loss.CrossEntropy)]
[Dense(8, Activation.ReLU, Init = Initializer.GlorotNormal)]
[Dense(3, Activation.Softmax, Init = Initializer.LeCunNormal)]
[Sgd(LearningRate = 0.1, GradientClipNorm = 1)]
public partial class BlobsClippedSgd { }
