using NetGen;

// Double-precision networks for the finite-difference gradient checks. Together they cover every allowed pairing of
// output activation and loss, every hidden activation, one to three hidden layers of odd sizes, and both ways a layer
// is generated: unrolled (at most 64 weights) and through the SIMD kernels (more than 64).
namespace NetGen.Tests.Gradients;

// Unrolled layers only.
[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(7, Activation.Sigmoid)]
[Dense(2, Activation.Identity)]
public partial class MseIdentityNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.ReLU)]
[Dense(2, Activation.Sigmoid)]
public partial class MseSigmoidNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.LeakyReLU, Slope = 0.2)]
[Dense(2, Activation.Tanh)]
public partial class MseTanhNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Identity)]
[Dense(3, Activation.ReLU)]
public partial class MseReLUNet { }

[Network(Inputs = 4, Precision = Precision.Double)]
[Dense(6, Activation.Tanh)]
[Dense(5, Activation.ReLU)]
[Dense(3, Activation.Sigmoid)]
[Dense(2, Activation.LeakyReLU)]
public partial class MseLeakyReLUNet { }

[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, Activation.Tanh)]
[Dense(4, Activation.Softmax)]
public partial class MseSoftmaxNet { }

[Network(Inputs = 3, Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)]
[Dense(7, Activation.Tanh)]
[Dense(2, Activation.Sigmoid)]
public partial class BceNet { }

[Network(Inputs = 3, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Dense(5, Activation.ReLU)]
[Dense(7, Activation.LeakyReLU)]
[Dense(3, Activation.Softmax)]
public partial class CrossEntropyNet { }

// Layers over 64 weights, through the kernels (mixed with unrolled ones where noted).
[Network(Inputs = 9, Precision = Precision.Double)]
[Dense(13, Activation.Tanh)]
[Dense(11, Activation.Sigmoid)]
[Dense(7, Activation.Identity)]
public partial class KernelMseNet { }

[Network(Inputs = 5, Precision = Precision.Double)]
[Dense(13, Activation.LeakyReLU, Slope = 0.1)]
[Dense(3, Activation.ReLU)] // unrolled between two kernel layers
[Dense(23, Activation.Softmax)]
public partial class KernelMseSoftmaxNet { }

[Network(Inputs = 6, Precision = Precision.Double)]
[Dense(12, Activation.Identity)]
[Dense(9, Activation.Tanh)]
public partial class KernelTanhOutputNet { }

[Network(Inputs = 11, Precision = Precision.Double)]
[Dense(9, Activation.ReLU)]
[Dense(11, Activation.LeakyReLU)]
public partial class KernelLeakyOutputNet { }

[Network(Inputs = 11, Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)]
[Dense(9, Activation.ReLU)]
[Dense(8, Activation.Sigmoid)]
public partial class KernelBceNet { }

[Network(Inputs = 7, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Dense(17, Activation.Sigmoid)]
[Dense(10, Activation.Softmax)]
public partial class KernelCrossEntropyNet { }
