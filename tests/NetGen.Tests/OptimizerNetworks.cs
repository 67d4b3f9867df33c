using NetGen;

// Double-precision 3-5-3 networks (38 parameters: whole vectors plus an overlapping tail) with every optimizer
// configuration, for the exactness tests; one 1-1 network (2 parameters) whose update takes the scalar path; and one
// network large enough for the fused SGD step (FusedSgdTests).
namespace NetGen.Tests.Optimizers;

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[Sgd(LearningRate = 0.1, WeightDecay = 0.01)]
public partial class SgdNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[Sgd(LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.01)]
public partial class SgdMomentumNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[Sgd(LearningRate = 0.1, Momentum = 0.8, Nesterov = true)]
public partial class SgdNesterovNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[Adam(LearningRate = 0.01, WeightDecay = 0.1)]
public partial class AdamNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[Adam(LearningRate = 0.02, Beta1 = 0.8, Beta2 = 0.9, Epsilon = 1e-6, Amsgrad = true)]
public partial class AmsgradNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[AdamW(LearningRate = 0.01, WeightDecay = 0.1)]
public partial class AdamWNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[RmsProp(LearningRate = 0.01, Momentum = 0.5, WeightDecay = 0.05)]
public partial class RmsPropNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[RmsProp(LearningRate = 0.01, Alpha = 0.9, Centered = true)]
public partial class CenteredRmsPropNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[Adagrad(LearningRate = 0.1, WeightDecay = 0.01, LearningRateDecay = 0.1)]
public partial class AdagradNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[Sgd(LearningRate = 0.1, Momentum = 0.9, GradientClipNorm = 0.5)]
public partial class ClippedSgdNet { }

[Network(Inputs = 1, Precision = Precision.Double)]
[Dense(1)]
[Adam(LearningRate = 0.1, WeightDecay = 0.1)]
public partial class ScalarAdamNet { }

// Plain SGD with weight decay over kernel layers (16·20 and 40·4 weights) around an unrolled one (4·16): training
// steps fuse the update into the kernel layers' weight products and leave the rest to the optimizer kernel.
[Network(Inputs = 20, Precision = Precision.Double)]
[Dense(16, Activation.Tanh)]
[Dense(4, Activation.Sigmoid)]
[Dense(40, Activation.Identity)]
[Sgd(LearningRate = 0.1, WeightDecay = 0.01)]
public partial class FusedSgdNet { }
