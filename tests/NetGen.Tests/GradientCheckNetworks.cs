using NetGen;

// Double-precision networks for the finite-difference gradient checks. Together they cover every allowed pairing of
// output activation and loss, every hidden activation, one to three hidden layers of odd sizes, and both ways a layer
// is generated: unrolled (at most 128 weights) and through the SIMD kernels (more than 128).
namespace NetGen.Tests.Gradients;

// Unrolled layers only (at most 128 weights each).
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

// Layers over 128 weights, through the kernels (mixed with unrolled ones where noted).
[Network(Inputs = 11, Precision = Precision.Double)]
[Dense(13, Activation.Tanh)]
[Dense(11, Activation.Sigmoid)]
[Dense(7, Activation.Identity)] // unrolled after two kernel layers
public partial class KernelMseNet { }

[Network(Inputs = 11, Precision = Precision.Double)]
[Dense(13, Activation.LeakyReLU, Slope = 0.1)]
[Dense(7, Activation.ReLU)] // unrolled between two kernel layers
[Dense(23, Activation.Softmax)]
public partial class KernelMseSoftmaxNet { }

[Network(Inputs = 13, Precision = Precision.Double)]
[Dense(12, Activation.Identity)]
[Dense(11, Activation.Tanh)]
public partial class KernelTanhOutputNet { }

[Network(Inputs = 15, Precision = Precision.Double)]
[Dense(9, Activation.ReLU)]
[Dense(15, Activation.LeakyReLU)]
public partial class KernelLeakyOutputNet { }

[Network(Inputs = 17, Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)]
[Dense(9, Activation.ReLU)]
[Dense(16, Activation.Sigmoid)]
public partial class KernelBceNet { }

[Network(Inputs = 9, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Dense(17, Activation.Sigmoid)]
[Dense(10, Activation.Softmax)]
public partial class KernelCrossEntropyNet { }

// A custom activation: Swish and its generated gradient, below an unrolled layer (5 → 13), below a kernel layer
// (13 → 11, 143 weights) and on the output.
[Network(Inputs = 3, Precision = Precision.Double)]
[Dense(5, CustomActivation = nameof(Swish))]
[Dense(13, CustomActivation = nameof(Swish))]
[Dense(11, Activation.Tanh)]
[Dense(2, CustomActivation = nameof(Swish))]
public partial class SwishNet
{
    [Differentiable]
    public static double Swish(double x) => x / (1 + System.Math.Exp(-x));
}
