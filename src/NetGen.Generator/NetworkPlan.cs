using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator;

/// <summary>
/// The lowering decisions for one <see cref="NetworkSpec"/>, made once and read by every emitter: which layers are
/// unrolled and which call kernels, whether training runs in vector lanes or fuses the SGD step into the weight
/// products, the per-sample buffers and their widths, and the numeric conventions of the generated code.
/// </summary>
internal sealed class NetworkPlan
{
    /// <summary>
    /// Layers with at most this many weights are fully unrolled into straight-line code with constant indices;
    /// larger ones call the SIMD kernels. Measured on one float TrainStep of a single tanh layer (Zen 4, best of 7
    /// runs of 200,000 steps), unrolled against kernels: 16 weights 73 against 106 ns, 36 weights 124 against 171,
    /// 64 weights 133 against 221, 100 weights 329 against 347, 256 weights 469 against 445. The crossover lies
    /// between 100 and 256 weights.
    /// </summary>
    internal const int UnrollWeightLimit = 128;

    private readonly Dictionary<string, int> _bufferWidths = new();
    private readonly Dictionary<string, int> _indexBufferWidths = new();
    private readonly Dictionary<string, int> _statistics = new();
    private readonly HashSet<string> _trainingBuffers = new();

    public NetworkPlan(NetworkSpec spec)
    {
        Spec = spec;
        IsDouble = spec.Precision == PrecisionKind.Double;
        T = IsDouble ? "double" : "float";
        NameOf = "\"" + spec.Type.SimpleName + "\"";

        var layers = new List<LayerPlan>(spec.Layers.Count);
        foreach (LayerSpec layer in spec.Layers)
        {
            bool isOutput = layer.Index == spec.Layers.Count - 1;
            string outputs = "_layer" + NetworkGenerator.Emitter.Int(layer.Index) + "Outputs";

            // A custom activation keeps the pre-activations z, since its derivative is taken at z; the output layer keeps
            // them apart from its outputs when the loss is computed from logits (cross-entropy, binary cross-entropy);
            // every other layer applies its activation in place.
            string preActivations = layer.Activation.Custom is not null
                ? "_layer" + NetworkGenerator.Emitter.Int(layer.Index) + "PreActivations"
                : isOutput && spec.Loss != LossKind.MeanSquaredError
                    ? "_layer" + NetworkGenerator.Emitter.Int(layer.Index) + "Logits"
                    : outputs;
            string prefix = "_layer" + NetworkGenerator.Emitter.Int(layer.Index);
            var plan = new LayerPlan(
                layer,
                Input: layer.Index == 0 ? "inputs" : layers[layer.Index - 1].Outputs,
                preActivations,
                outputs,
                Gradients: prefix + "Gradients",
                IsUnrolled: layer is DenseLayerSpec dense && dense.WeightCount <= UnrollWeightLimit,
                // Cross-entropy and binary cross-entropy hand back ∂loss/∂z of the softmax or sigmoid output directly.
                ReceivesPreActivationGradient: isOutput && spec.Loss != LossKind.MeanSquaredError,
                Geometry: layer is ConvolutionLayerSpec or PoolingLayerSpec ? prefix + "Geometry" : null,
                Argmax: layer is PoolingLayerSpec { IsMax: true } ? prefix + "Argmax" : null);
            layers.Add(plan);
            switch (layer)
            {
                case BatchNormLayerSpec batchNorm:
                    // The batch's statistics per channel, from the training forward pass to the backward pass and to the
                    // running statistics; not per sample, so they never grow.
                    _statistics.Add(prefix + "Mean", batchNorm.Channels);
                    _statistics.Add(prefix + "Variance", batchNorm.Channels);
                    _statistics.Add(prefix + "InverseStd", batchNorm.Channels);
                    break;
                case LayerNormLayerSpec:
                    // Each sample's mean and 1/σ, written by every forward pass (both modes normalise alike).
                    _bufferWidths.Add(prefix + "Mean", 1);
                    _bufferWidths.Add(prefix + "InverseStd", 1);
                    break;
                case DropoutLayerSpec:
                    // Each value's factor, 0 or 1/(1 − rate): drawn by the training forward pass, read by the backward pass.
                    _bufferWidths.Add(prefix + "Mask", layer.Outputs);
                    _trainingBuffers.Add(prefix + "Mask");
                    break;
            }

            if (plan.Argmax is not null)
            {
                _indexBufferWidths.Add(plan.Argmax, layer.Outputs);
            }

            if (plan.PreActivations != plan.Outputs)
            {
                _bufferWidths.Add(plan.PreActivations, layer.Outputs);
            }

            _bufferWidths.Add(plan.Outputs, layer.Outputs);
            _bufferWidths.Add(plan.Gradients, layer.Outputs);
        }

        Layers = layers;
        // Lanes hold only Dense layers with a bias (IsUnrolled implies Dense) and built-in activations.
        RunsInLanes = layers.All(layer => layer.IsUnrolled && layer.Layer is DenseLayerSpec { HasBias: true } && layer.Layer.Activation.Custom is null);
        // Not with a custom activation or a normalisation: the fused step checks its inputs and loss before the weights
        // change, and a finite loss no longer implies a finite gradient when a custom derivative can be infinite where its
        // function is finite, or when a normalisation keeps the loss finite whatever its input while scaling the gradient
        // by up to 1/√ε.
        FusesSgd = spec.Optimizer is SgdSpec { Momentum: 0, GradientClipNorm: <= 0 }
            && layers.Any(layer => layer.Layer is DenseLayerSpec && !layer.IsUnrolled)
            && layers.All(layer => layer.Layer.Activation.Custom is null && layer.Layer is not (BatchNormLayerSpec or LayerNormLayerSpec));
    }

    public NetworkSpec Spec { get; }

    /// <summary>The length of the network's Buffers: every BatchNorm layer's running mean and variance.</summary>
    public int BufferCount => BatchNorms.Sum(layer => 2 * layer.Channels);

    /// <summary>The BatchNorm layers in order, each with a num_batches_tracked.</summary>
    public IEnumerable<BatchNormLayerSpec> BatchNorms => Spec.Layers.OfType<BatchNormLayerSpec>();

    /// <summary>The number of BatchNorm layers.</summary>
    public int BatchNormCount => BatchNorms.Count();

    /// <summary>Whether a Dropout layer draws masks from the network's generator.</summary>
    public bool UsesDropout => Spec.Layers.Any(layer => layer is DropoutLayerSpec);

    /// <summary>
    /// Whether the network computes differently in training and in evaluation (BatchNorm's statistics, Dropout's
    /// masks): then RunForward takes a training flag, and a training call ends by committing what it changed beyond the
    /// parameters (CommitTrainingCall).
    /// </summary>
    public bool HasModes => BatchNormCount > 0 || UsesDropout;

    /// <summary>
    /// Whether a training call runs as one pass over all its samples instead of passes of MaxRowsPerPass: with a
    /// BatchNorm layer, whose statistics must cover every sample of the call.
    /// </summary>
    public bool TrainsInOnePass => BatchNormCount > 0;

    /// <summary>
    /// Whether layer <paramref name="index"/>'s backward pass hands ∂loss/∂(its input) down: only when a layer below it
    /// has parameters, so that Dropout or a pool first in the network costs no input-gradient product.
    /// </summary>
    public bool HandsGradientDown(int index) => Layers.Take(index).Any(layer => layer.Layer.Tensors.Count > 0);

    /// <summary>The per-channel statistics arrays of the BatchNorm layers, with their lengths.</summary>
    public IEnumerable<KeyValuePair<string, int>> Statistics => _statistics;

    /// <summary>Whether a per-sample buffer serves only training (a dropout mask), so that a Predictor's forward pass has none.</summary>
    public bool IsTrainingBuffer(string buffer) => _trainingBuffers.Contains(buffer);

    /// <summary>Every layer's plan, in the order the layers apply.</summary>
    public IReadOnlyList<LayerPlan> Layers { get; }

    public LayerPlan Output => Layers[Layers.Count - 1];

    public bool IsDouble { get; }

    /// <summary>float or double.</summary>
    public string T { get; }

    /// <summary>The network's name as a string literal, for exception messages (nameof cannot name an unbound generic type).</summary>
    public string NameOf { get; }

    public IEnumerable<string> Buffers => _bufferWidths.Keys;

    /// <summary>The per-sample int buffers: each max pool's index of the maximum of every window.</summary>
    public IEnumerable<string> IndexBuffers => _indexBufferWidths.Keys;

    public int IndexBufferWidth(string buffer) => _indexBufferWidths[buffer];

    /// <summary>The scratch buffer the convolution kernels share (one layer runs at a time), or null without convolutions.</summary>
    public string? ConvolutionScratch => Layers.Any(layer => layer.Layer is ConvolutionLayerSpec) ? "_convolutionScratch" : null;

    public int BufferWidth(string buffer) => _bufferWidths[buffer];

    /// <summary>
    /// Whether training passes run in vector lanes (RunLanes): when every layer is unrolled, so the whole network is
    /// straight-line code, and has a built-in activation, which has a vector form.
    /// </summary>
    public bool RunsInLanes { get; }

    /// <summary>Samples per block of the Vector256 lane pass (RunLanes): the elements of a Vector256 of T; RunLanes512 holds twice as many.</summary>
    public int LaneCount => IsDouble ? 4 : 8;

    /// <summary>
    /// Whether training steps fuse the optimizer into the weight products of the kernel layers: only for plain SGD
    /// (no momentum, no clipping, whose global norm would need every gradient first) and only when a layer is large
    /// enough to run on the kernels.
    /// </summary>
    public bool FusesSgd { get; }

    /// <summary>The parameters the fused step leaves to the optimizer kernel, as merged [start, start + length) ranges: everything but kernel-layer weights.</summary>
    public IEnumerable<(int Start, int Length)> AccumulatedParameterRanges()
    {
        int start = -1, end = -1;
        foreach (LayerPlan plan in Layers)
        {
            foreach (ParameterTensorSpec tensor in plan.Layer.Tensors)
            {
                bool fused = plan.Layer is DenseLayerSpec && !plan.IsUnrolled && tensor.Name == "weight";
                if (fused || tensor.Size == 0)
                {
                    continue;
                }

                if (tensor.Offset != end && start >= 0)
                {
                    yield return (start, end - start);
                    start = -1;
                }

                if (start < 0)
                {
                    start = tensor.Offset;
                }

                end = tensor.End;
            }
        }

        if (start >= 0)
        {
            yield return (start, end - start);
        }
    }

    /// <summary>A literal of T: <c>0.5f</c> or <c>0.5d</c>, round-trip and culture-invariant.</summary>
    public string Literal(double value)
        => IsDouble
            ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
            : ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary>A span over part of a buffer. Generated code names System members fully, so it cannot rely on the AsSpan extension.</summary>
    public string View(string buffer, string start, string length) => $"new global::System.Span<{T}>({buffer}, {start}, {length})";

    /// <summary>The first <c>rows</c> samples of a buffer (or of the inputs) of <paramref name="width"/> values each.</summary>
    public string Batch(string source, int width)
        => source == "inputs" ? "inputs" : View(source, "0", Times("rows", width));

    /// <summary>The span of sample <c>row</c> in <paramref name="source"/>: the inputs span, or a buffer field.</summary>
    public string Row(string source, int width)
        => source == "inputs"
            ? $"inputs.Slice({Times("row", width)}, {NetworkGenerator.Emitter.Int(width)})"
            : $"new global::System.ReadOnlySpan<{T}>({source}, {Times("row", width)}, {NetworkGenerator.Emitter.Int(width)})";

    /// <summary><paramref name="count"/> · <paramref name="width"/> as generated code writes it: <c>rows * 4</c>, or <c>rows</c> for a width of 1.</summary>
    public static string Times(string count, int width) => width == 1 ? count : count + " * " + NetworkGenerator.Emitter.Int(width);

    /// <summary>One line describing the network, for the comment above the generated type.</summary>
    public string Describe()
        => "NetGen network: " + Spec.InputShape + " inputs"
           + string.Concat(Spec.Layers.Select(layer => " → " + DescribeShort(layer)))
           + "; loss " + Spec.Loss + "; " + T + ".";

    /// <summary>A layer as the attribute declares it, e.g. <c>Dense(4, Tanh)</c>.</summary>
    private static string DescribeShort(LayerSpec layer)
        => layer switch
        {
            DenseLayerSpec dense => $"Dense({NetworkGenerator.Emitter.Int(dense.Units)}, {dense.Activation.Name})",
            ConvolutionLayerSpec convolution
                => $"{convolution.Kind}({NetworkGenerator.Emitter.Int(convolution.Filters)}, {NetworkGenerator.Emitter.Int(convolution.KernelSize)}, {convolution.Activation.Name})",
            PoolingLayerSpec pooling => $"{pooling.Kind}({NetworkGenerator.Emitter.Int(pooling.Size)})",
            DropoutLayerSpec dropout => $"Dropout({dropout.Rate.ToString("R", CultureInfo.InvariantCulture)})",
            BatchNormLayerSpec or LayerNormLayerSpec => $"{layer.Kind}({layer.Activation.Name})",
            _ => layer.Kind,
        };

    /// <summary>A layer with its shapes, for the comment that opens each of its passes, e.g. <c>Dense 2 → 4, Tanh</c>.</summary>
    public static string DescribeLayer(LayerSpec layer)
        => $"{layer.Kind} {layer.Input} → {layer.Output}" + (layer.HasActivation ? ", " + layer.Activation.Name : string.Empty);
}

/// <summary>
/// How one layer is lowered: the buffers it reads and writes, and whether it is straight-line code or kernel calls.
/// Its <see cref="Gradients"/> buffer receives ∂loss/∂(its output) from the layer above (or from the loss), and the
/// layer's own backward pass turns it into ∂loss/∂(its pre-activations) with its activation's derivative, unless
/// <see cref="ReceivesPreActivationGradient"/>.
/// </summary>
/// <param name="Layer">The layer.</param>
/// <param name="Input">The buffer holding the layer's input rows, or <c>inputs</c> for the first layer.</param>
/// <param name="PreActivations">Where the layer's pre-activations z go (its outputs buffer when the activation applies in place).</param>
/// <param name="Outputs">Where the layer's outputs y go.</param>
/// <param name="Gradients">The gradient buffer of the layer's output.</param>
/// <param name="IsUnrolled">Straight-line code with constant weight indices, rather than kernel calls.</param>
/// <param name="ReceivesPreActivationGradient">The loss writes ∂loss/∂z itself (softmax or sigmoid fused with its loss).</param>
/// <param name="Geometry">The static field holding a convolution's or pool's geometry, or null.</param>
/// <param name="Argmax">A max pool's int buffer of each window's maximum, or null.</param>
internal sealed record LayerPlan(
    LayerSpec Layer, string Input, string PreActivations, string Outputs, string Gradients, bool IsUnrolled, bool ReceivesPreActivationGradient,
    string? Geometry, string? Argmax)
{
    public int Index => Layer.Index;

    /// <summary>Whether the layer keeps its pre-activations apart from its outputs.</summary>
    public bool KeepsPreActivations => PreActivations != Outputs;
}
