namespace NetGen.Tests.Normalization;

// The networks of NormalizationNetworkTests. Each is small enough for central differences over every parameter, except
// the NormNet, which is checked against the reference's hand-written backward pass instead.

/// <summary>The network, in double precision, with Adam.</summary>
[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Conv2D(8, 3, Padding = 1)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Dense(64)]
[LayerNorm(Activation.Tanh)]
[Dropout(0.25)]
[Dense(10, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class NormNet { }

/// <summary>The network exactly as declared there: single precision and plain SGD.</summary>
[Network(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy)]
[Conv2D(8, 3, Padding = 1)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Dense(64)]
[LayerNorm(Activation.Tanh)]
[Dropout(0.25)]
[Dense(10, Activation.Softmax)]
public partial class NormFloatNet { }

/// <summary>The network in miniature (153 parameters): every kind of layer, small enough for finite differences.</summary>
[Network(InputShape = new[] { 1, 6, 6 }, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Conv2D(2, 3, Padding = 1)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Dense(5)]
[LayerNorm(Activation.Tanh)]
[Dropout(0.25)]
[Dense(4, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class MiniNormNet { }

[Network(InputShape = new[] { 1, 6, 6 }, Loss = Loss.CrossEntropy)]
[Conv2D(2, 3, Padding = 1)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Dense(5)]
[LayerNorm(Activation.Tanh)]
[Dropout(0.25)]
[Dense(4, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class MiniNormFloatNet { }

/// <summary>BatchNorm per unit after a dense layer that keeps its (redundant) bias, with its own momentum and ε.</summary>
[Network(Inputs = 4, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Dense(6)]
[BatchNorm(Activation.ReLU, Momentum = 0.2, Epsilon = 1e-3)]
[Dense(3, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class DenseBatchNormNet { }

/// <summary>BatchNorm after a dense layer declared without its bias.</summary>
[Network(Inputs = 4, Precision = Precision.Double)]
[Dense(5, Bias = false)]
[BatchNorm(Activation.Tanh)]
[Dense(2)]
[Sgd(LearningRate = 0.05)]
public partial class DenseBatchNormNoBiasNet { }

/// <summary>BatchNorm per channel over the positions of a 1-D convolution without bias.</summary>
[Network(InputShape = new[] { 2, 9 }, Precision = Precision.Double)]
[Conv1D(3, 3, Bias = false)]
[BatchNorm(Activation.LeakyReLU, Slope = 0.1)]
[MaxPool1D(2)]
[Dense(2)]
[Adam(LearningRate = 0.01)]
public partial class Conv1DBatchNormNet { }

/// <summary>BatchNorm per channel after a 2-D convolution and again after a pool.</summary>
[Network(InputShape = new[] { 1, 5, 5 }, Loss = Loss.CrossEntropy, Precision = Precision.Double)]
[Conv2D(2, 3, Padding = 1)]
[BatchNorm(Activation.ReLU)]
[AvgPool2D(2)]
[BatchNorm]
[Dense(3, Activation.Softmax)]
[Adam(LearningRate = 0.01)]
public partial class Conv2DBatchNormNet { }

/// <summary>A convolution whose output is one position per channel: a one-sample training call gives BatchNorm one value per channel.</summary>
[Network(InputShape = new[] { 2, 3, 3 }, Precision = Precision.Double)]
[Conv2D(3, 3)]
[BatchNorm]
[Dense(2)]
public partial class PointConvBatchNormNet { }

/// <summary>LayerNorm over a 1-D convolution's channels and positions, weight and bias of shape [3, 4].</summary>
[Network(InputShape = new[] { 2, 6 }, Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)]
[Conv1D(3, 3, Activation.Tanh)]
[LayerNorm(Activation.Sigmoid)]
[Dense(2, Activation.Sigmoid)]
[Adam(LearningRate = 0.01)]
public partial class ConvLayerNormNet { }

/// <summary>LayerNorm with its own ε after a 2-D convolution without bias, into a dense output without bias.</summary>
[Network(InputShape = new[] { 2, 4, 4 }, Precision = Precision.Double)]
[Conv2D(3, 2, Activation.ReLU, Bias = false)]
[LayerNorm(Epsilon = 1e-3)]
[Dense(2, Bias = false)]
[Adam(LearningRate = 0.01)]
public partial class Conv2DLayerNormNoBiasNet { }

/// <summary>Dropout right after the input, into a dense layer of eight outputs: its gradient shows every sample's mask exactly.</summary>
[Network(Inputs = 8, Precision = Precision.Double)]
[Dropout(0.25)]
[Dense(8)]
public partial class DropoutInputNet { }

[Network(Inputs = 8)]
[Dropout(0.25)]
[Dense(8)]
public partial class DropoutInputFloatNet { }

/// <summary>Dense without bias, BatchNorm, then Dropout before the output layer (where the mask can be read back).</summary>
[Network(Inputs = 4, Precision = Precision.Double)]
[Dense(6, Bias = false)]
[BatchNorm(Activation.ReLU)]
[Dropout(0.5)]
[Dense(4)]
[Adam(LearningRate = 0.01)]
public partial class DropoutBatchNormNet { }

/// <summary>Dropout before a BatchNorm: the mask must not be drawn by a call that BatchNorm refuses.</summary>
[Network(Inputs = 4, Precision = Precision.Double)]
[Dropout(0.2)]
[Dense(5, Bias = false)]
[BatchNorm(Activation.Tanh)]
[Dense(2)]
[Adam(LearningRate = 0.01)]
public partial class InputDropoutBatchNormNet { }

/// <summary>BatchNorm first: it standardises the input features over the batch.</summary>
[Network(Inputs = 4, Precision = Precision.Double)]
[BatchNorm(Activation.Tanh)]
[Dense(2)]
[Adam(LearningRate = 0.01)]
public partial class InputBatchNormNet { }

/// <summary>BatchNorm first, per channel of a [2, 3, 3] input.</summary>
[Network(InputShape = new[] { 2, 3, 3 }, Precision = Precision.Double)]
[BatchNorm(Activation.ReLU)]
[Dense(2)]
[Adam(LearningRate = 0.01)]
public partial class InputBatchNormShapedNet { }

/// <summary>LayerNorm first: it standardises each input sample.</summary>
[Network(Inputs = 4, Precision = Precision.Double)]
[LayerNorm(Activation.Tanh)]
[Dense(2)]
[Adam(LearningRate = 0.01)]
public partial class InputLayerNormNet { }

/// <summary>Plain SGD with a kernel-sized Dense layer, which a BatchNorm keeps from fusing the step into the weight product.</summary>
[Network(Inputs = 40, Precision = Precision.Double)]
[Dense(12, Bias = false)]
[BatchNorm(Activation.Tanh)]
[Dense(2)]
[Sgd(LearningRate = 0.05)]
public partial class SgdBatchNormNet { }

/// <summary>Dropout and LayerNorm without BatchNorm, trained in passes of MaxRowsPerPass.</summary>
[Network(Inputs = 6, Precision = Precision.Double)]
[Dense(6, Activation.Tanh)]
[Dropout(0.3)]
[LayerNorm]
[Dense(2)]
[Adam(LearningRate = 0.01)]
public partial class DropoutPassesNet { }

/// <summary>A float BatchNorm network trained by plain SGD, for overflow inside the network.</summary>
[Network(Inputs = 40)]
[Dense(12, Bias = false)]
[BatchNorm]
[Dense(2)]
[Sgd(LearningRate = 0.05)]
public partial class FloatSgdBatchNormNet { }
