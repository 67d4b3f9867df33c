using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetGen;

/// <summary>The kinds of layer a network can declare, one per layer attribute.</summary>
public enum LayerKind
{
    /// <summary><see cref="DenseAttribute"/>: y = f(W·x + b).</summary>
    Dense = 0,

    /// <summary><see cref="Conv1DAttribute"/>: a convolution over [channels, length].</summary>
    Conv1D = 1,

    /// <summary><see cref="Conv2DAttribute"/>: a convolution over [channels, height, width].</summary>
    Conv2D = 2,

    /// <summary><see cref="MaxPool1DAttribute"/>.</summary>
    MaxPool1D = 3,

    /// <summary><see cref="MaxPool2DAttribute"/>.</summary>
    MaxPool2D = 4,

    /// <summary><see cref="AvgPool1DAttribute"/>.</summary>
    AvgPool1D = 5,

    /// <summary><see cref="AvgPool2DAttribute"/>.</summary>
    AvgPool2D = 6,

    /// <summary><see cref="DropoutAttribute"/>: inverted dropout in training, the identity in evaluation.</summary>
    Dropout = 7,

    /// <summary><see cref="BatchNormAttribute"/>: per unit or per channel, with running statistics.</summary>
    BatchNorm = 8,

    /// <summary><see cref="LayerNormAttribute"/>: over all of a sample's values.</summary>
    LayerNorm = 9,
}

/// <summary>A normalisation layer's constants, as PyTorch names them.</summary>
/// <param name="Momentum">BatchNorm's weight of each batch in the running statistics; 0 for LayerNorm.</param>
/// <param name="Epsilon">Added to the variance before its square root.</param>
public sealed record NormalizationArchitecture(double Momentum, double Epsilon);

/// <summary>The window of a convolution or a pool: its size along each axis, its stride, and the zeros padded on every side.</summary>
/// <param name="Size">The kernel's or window's size along each axis.</param>
/// <param name="Stride">The step between windows.</param>
/// <param name="Padding">Zeros added on every side of the input (0 for pools).</param>
public sealed record WindowArchitecture(int Size, int Stride, int Padding);

/// <summary>
/// One tensor of a layer's parameters: its name in a PyTorch state dict (<c>weight</c>, <c>bias</c>), its shape, and
/// where its first element sits in the network's flat <see cref="INetwork{T}.Parameters"/>. The tensor's elements
/// follow row-major from there.
/// </summary>
public sealed class ParameterTensor
{
    /// <summary>Describes one tensor.</summary>
    /// <param name="name">The name within its layer, e.g. <c>weight</c>.</param>
    /// <param name="shape">The dimensions, outermost first, e.g. [units, inputs].</param>
    /// <param name="offset">The index of its first element in the parameter vector.</param>
    public ParameterTensor(string name, IReadOnlyList<int> shape, int offset)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        Name = name;
        Shape = shape.ToArray();
        Offset = offset;
        Size = Shape.Aggregate(1, (product, dimension) => checked(product * dimension));
    }

    /// <summary>The name within its layer, e.g. <c>weight</c>.</summary>
    public string Name { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The index of the first element in the parameter vector.</summary>
    public int Offset { get; }

    /// <summary>The number of elements.</summary>
    public int Size { get; }

    /// <summary>E.g. <c>weight [4, 2] at 0</c>.</summary>
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}] at {Offset.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>One layer as declared: its kind, the shapes it takes and gives, its activation, and its parameter tensors.</summary>
public sealed class LayerArchitecture
{
    /// <summary>Describes one layer.</summary>
    /// <param name="kind">The layer's kind.</param>
    /// <param name="inputShape">The shape of one sample entering the layer.</param>
    /// <param name="outputShape">The shape of one sample leaving it.</param>
    /// <param name="activation">Its activation (Identity for a layer without one, or with a custom one).</param>
    /// <param name="tensors">Its parameter tensors, in the order they sit in the parameter vector.</param>
    /// <param name="initializer">How its weights are drawn (Default picks by activation).</param>
    /// <param name="slope">The leaky ReLU's slope for negative inputs; 0.01, PyTorch's default, unless declared.</param>
    /// <param name="customActivation">The [Differentiable] method used as the activation, or null for <paramref name="activation"/>.</param>
    /// <param name="window">A convolution's or pool's window, null for other layers.</param>
    /// <param name="buffers">
    /// Its non-trainable tensors (BatchNorm's <c>running_mean</c> and <c>running_var</c>), each at its offset in
    /// <see cref="INetwork{T}.Buffers"/>; null for none.
    /// </param>
    /// <param name="normalization">A BatchNorm's or LayerNorm's momentum and epsilon, null for other layers.</param>
    /// <param name="dropoutRate">A Dropout layer's rate; 0 for other layers.</param>
    public LayerArchitecture(
        LayerKind kind,
        IReadOnlyList<int> inputShape,
        IReadOnlyList<int> outputShape,
        Activation activation,
        IReadOnlyList<ParameterTensor> tensors,
        Initializer initializer = Initializer.Default,
        double slope = 0.01,
        string? customActivation = null,
        WindowArchitecture? window = null,
        IReadOnlyList<ParameterTensor>? buffers = null,
        NormalizationArchitecture? normalization = null,
        double dropoutRate = 0)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(outputShape);
        ArgumentNullException.ThrowIfNull(tensors);
        Kind = kind;
        InputShape = inputShape.ToArray();
        OutputShape = outputShape.ToArray();
        Activation = activation;
        Slope = slope;
        Tensors = tensors.ToArray();
        Initializer = initializer;
        CustomActivation = customActivation;
        Window = window;
        Buffers = buffers?.ToArray() ?? Array.Empty<ParameterTensor>();
        Normalization = normalization;
        DropoutRate = dropoutRate;
    }

    /// <summary>The layer's kind.</summary>
    public LayerKind Kind { get; }

    /// <summary>The shape of one sample entering the layer.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>The shape of one sample leaving the layer.</summary>
    public IReadOnlyList<int> OutputShape { get; }

    /// <summary>The values of one sample entering the layer.</summary>
    public int Inputs => InputShape.Aggregate(1, (product, dimension) => product * dimension);

    /// <summary>The values of one sample leaving the layer (a dense layer's units).</summary>
    public int Units => OutputShape.Aggregate(1, (product, dimension) => product * dimension);

    /// <summary>Its activation.</summary>
    public Activation Activation { get; }

    /// <summary>The leaky ReLU's slope for negative inputs (used by <see cref="Activation.LeakyReLU"/> only).</summary>
    public double Slope { get; }

    /// <summary>Its parameter tensors, in the order they sit in the parameter vector.</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>How its weights are drawn.</summary>
    public Initializer Initializer { get; }

    /// <summary>The [Differentiable] method used as the activation, or null.</summary>
    public string? CustomActivation { get; }

    /// <summary>A convolution's or pool's window, or null.</summary>
    public WindowArchitecture? Window { get; }

    /// <summary>The name of a BatchNorm's running mean among its <see cref="Buffers"/>, as in PyTorch's state dict.</summary>
    public const string RunningMean = "running_mean";

    /// <summary>The name of a BatchNorm's running (unbiased) variance among its <see cref="Buffers"/>.</summary>
    public const string RunningVariance = "running_var";

    /// <summary>Its non-trainable tensors, each at its offset in <see cref="INetwork{T}.Buffers"/>: BatchNorm's running_mean, then running_var.</summary>
    public IReadOnlyList<ParameterTensor> Buffers { get; }

    /// <summary>A BatchNorm's or LayerNorm's momentum and epsilon, or null.</summary>
    public NormalizationArchitecture? Normalization { get; }

    /// <summary>A Dropout layer's rate; 0 for other layers.</summary>
    public double DropoutRate { get; }

    /// <summary>Whether the layer applies an activation of its own (dense, convolutional and normalisation layers).</summary>
    public bool HasActivation => Kind is LayerKind.Dense or LayerKind.Conv1D or LayerKind.Conv2D or LayerKind.BatchNorm or LayerKind.LayerNorm;

    /// <summary>The activation's name as files record it: the custom method's name, or the built-in activation's.</summary>
    public string ActivationName => CustomActivation ?? Activation.ToString();

    /// <summary>The number of parameters the layer owns.</summary>
    public int ParameterCount => Tensors.Sum(tensor => tensor.Size);

    /// <summary>The tensor named <paramref name="name"/>, or null when the layer has none (a layer declared with <c>Bias = false</c> has no bias).</summary>
    public ParameterTensor? FindTensor(string name) => Tensors.FirstOrDefault(tensor => tensor.Name == name);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The layer has no such tensor.</exception>
    public ParameterTensor Tensor(string name)
        => Tensors.FirstOrDefault(tensor => tensor.Name == name)
           ?? throw new KeyNotFoundException($"A {Kind} layer has no tensor '{name}'; it has {string.Join(", ", Tensors.Select(tensor => tensor.Name))}.");

    /// <summary>E.g. <c>Dense [2] → [4], Tanh, 12 parameters</c>.</summary>
    public override string ToString()
        => $"{Kind} [{string.Join(", ", InputShape)}] → [{string.Join(", ", OutputShape)}], {ActivationName}, {ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters";
}

/// <summary>
/// The declared shape of a generated network, for everything written once in the runtime that must know it:
/// initialisation, file formats, exports, reports. Its layers' tensors are the one table of where every parameter sits.
/// </summary>
public sealed class NetworkArchitecture
{
    /// <summary>Describes a network.</summary>
    /// <param name="name">The network class's name.</param>
    /// <param name="inputShape">The shape of one input sample.</param>
    /// <param name="layers">The layers in order.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="precision">float or double.</param>
    /// <param name="optimizer">The optimizer attribute's name, e.g. "Adam".</param>
    /// <param name="optimizerStateNames">The names of the optimizer's state vectors, in order, e.g. first_moments.</param>
    public NetworkArchitecture(
        string name,
        IReadOnlyList<int> inputShape,
        IReadOnlyList<LayerArchitecture> layers,
        Loss loss,
        Precision precision,
        string optimizer,
        IReadOnlyList<string> optimizerStateNames)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(optimizerStateNames);
        Name = name;
        InputShape = inputShape.ToArray();
        LayerArchitecture[] all = layers.ToArray();
        Layers = all;
        Loss = loss;
        Precision = precision;
        Optimizer = optimizer;
        OptimizerStateNames = optimizerStateNames.ToArray();

        // Read by every training call of a network with BatchNorm, so found once.
        SingleValueBatchNormLayer = Array.FindIndex(all, layer => layer.Kind == LayerKind.BatchNorm && layer.Inputs == layer.InputShape[0]);
    }

    /// <summary>The network class's name.</summary>
    public string Name { get; }

    /// <summary>The shape of one input sample.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>The values of one input sample.</summary>
    public int Inputs => InputShape.Aggregate(1, (product, dimension) => product * dimension);

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<LayerArchitecture> Layers { get; }

    /// <summary>The loss.</summary>
    public Loss Loss { get; }

    /// <summary>float or double.</summary>
    public Precision Precision { get; }

    /// <summary>The optimizer attribute's name, e.g. "Adam".</summary>
    public string Optimizer { get; }

    /// <summary>The names of the optimizer's state vectors, in order.</summary>
    public IReadOnlyList<string> OptimizerStateNames { get; }

    /// <summary>The number of parameters of every layer together.</summary>
    public int ParameterCount => Layers.Sum(layer => layer.ParameterCount);

    /// <summary>The length of <see cref="INetwork{T}.Buffers"/>: every layer's buffers together.</summary>
    public int BufferCount => Layers.Sum(layer => layer.Buffers.Sum(buffer => buffer.Size));

    /// <summary>The number of BatchNorm layers: the length of <see cref="INetwork{T}.BatchesTracked"/>.</summary>
    public int BatchNormCount => Layers.Count(layer => layer.Kind == LayerKind.BatchNorm);

    /// <summary>
    /// The first BatchNorm layer that sees one value per channel in each sample (after a flat layer, or after a
    /// convolution with a 1 × 1 output), or −1 for none. Such a layer normalises each channel over the samples of a
    /// training call, so a training call of one sample leaves it nothing to normalise: the generated training members
    /// refuse it, and Fit never makes it.
    /// </summary>
    public int SingleValueBatchNormLayer { get; }

    /// <summary>Whether a Dropout layer draws masks, so that <see cref="INetwork{T}.RandomState"/> holds a generator's state.</summary>
    public bool HasDropout => Layers.Any(layer => layer.Kind == LayerKind.Dropout);

    /// <summary>
    /// A summary with one line per layer, as Keras's <c>model.summary()</c>:
    /// <code>
    /// XorNet: input [2]; BinaryCrossEntropy, Single, Sgd
    ///   #  layer   output  activation  parameters
    ///   0  Dense   [4]     Tanh                12
    ///   1  Dense   [1]     Sigmoid              5
    ///   17 parameters
    /// </code>
    /// </summary>
    public override string ToString()
    {
        string[][] rows = Layers
            .Select((layer, index) => new[]
            {
                index.ToString(CultureInfo.InvariantCulture),
                layer.Kind.ToString(),
                "[" + string.Join(", ", layer.OutputShape) + "]",
                layer.HasActivation ? layer.ActivationName : "",
                layer.ParameterCount.ToString("N0", CultureInfo.InvariantCulture),
            })
            .Prepend(["#", "layer", "output", "activation", "parameters"])
            .ToArray();
        int[] widths = Enumerable.Range(0, 5).Select(column => rows.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        text.Append(Name).Append(": input [").Append(string.Join(", ", InputShape)).Append("]; ")
            .Append(Loss).Append(", ").Append(Precision).Append(", ").Append(Optimizer).Append('\n');
        foreach (string[] row in rows)
        {
            text.Append("  ")
                .Append(row[0].PadRight(widths[0])).Append("  ")
                .Append(row[1].PadRight(widths[1])).Append("  ")
                .Append(row[2].PadRight(widths[2])).Append("  ")
                .Append(row[3].PadRight(widths[3])).Append("  ")
                .Append(row[4].PadLeft(widths[4])).Append('\n');
        }

        text.Append("  ").Append(ParameterCount.ToString("N0", CultureInfo.InvariantCulture)).Append(" parameters");
        return text.ToString();
    }
}
