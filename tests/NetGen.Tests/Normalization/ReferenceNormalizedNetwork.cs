using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.Tests.Normalization;

/// <summary>A layer of <see cref="ReferenceNormalizedNetwork"/>.</summary>
public abstract record RefLayer;

/// <summary>A 1-D or 2-D convolution (the dimensionality follows the input's rank), with or without its bias, then its activation.</summary>
public sealed record RefConv(int Filters, int Kernel, Activation Activation = Activation.Identity, int Stride = 1, int Padding = 0, bool Bias = true, double Slope = 0.01) : RefLayer;

/// <summary>Max or average pooling over each channel.</summary>
public sealed record RefPool(bool Max, int Size, int Stride) : RefLayer;

/// <summary>A dense layer over the flattened input, with or without its bias, then its activation.</summary>
public sealed record RefDense(int Units, Activation Activation = Activation.Identity, bool Bias = true, double Slope = 0.01) : RefLayer;

/// <summary>Batch normalisation per channel (per unit after a dense layer), then its activation.</summary>
public sealed record RefBatchNorm(Activation Activation = Activation.Identity, double Momentum = 0.1, double Epsilon = 1e-5, double Slope = 0.01) : RefLayer;

/// <summary>Layer normalisation over all of a sample's values, with a weight and bias of the input's shape, then its activation.</summary>
public sealed record RefLayerNorm(Activation Activation = Activation.Identity, double Epsilon = 1e-5, double Slope = 0.01) : RefLayer;

/// <summary>Inverted dropout: multiplies by a mask given to the forward pass (each value 0 or 1/(1 − rate)), or by 1 without one.</summary>
public sealed record RefDropout(double Rate) : RefLayer;

/// <summary>Every value a forward pass over a batch computed, as the backward pass and the running-statistics update read them.</summary>
public sealed class ReferenceBatch
{
    internal ReferenceBatch(int samples, int layers, bool training)
    {
        Samples = samples;
        Training = training;
        Values = new double[layers + 1][];
        PreActivations = new double[layers + 1][];
        Argmax = new int[layers][];
        Normalized = new double[layers][];
        InverseDeviation = new double[layers][];
        Masks = new double[layers][];
        BatchMean = new double[layers][];
        BatchVariance = new double[layers][];
    }

    /// <summary>The number of samples in the batch.</summary>
    public int Samples { get; }

    /// <summary>Whether the pass ran in training mode (BatchNorm with the batch's statistics, Dropout with its mask).</summary>
    public bool Training { get; }

    /// <summary>Values[l] is layer l's input, sample after sample (Values[0] the batch's inputs); Values[^1] the network's outputs.</summary>
    public double[][] Values { get; }

    /// <summary>PreActivations[l + 1] is layer l's output before its activation (the same as Values[l + 1] for a layer without one).</summary>
    public double[][] PreActivations { get; }

    /// <summary>For each BatchNorm layer in training, the batch's mean per channel; null for the other layers.</summary>
    public double[]?[] BatchMean { get; }

    /// <summary>For each BatchNorm layer in training, the batch's biased variance per channel (the one that normalises); null for the other layers.</summary>
    public double[]?[] BatchVariance { get; }

    internal int[][] Argmax { get; }

    /// <summary>x̂ of each BatchNorm and LayerNorm layer.</summary>
    internal double[][] Normalized { get; }

    /// <summary>1/√(σ² + ε): per channel for BatchNorm, per sample for LayerNorm.</summary>
    internal double[][] InverseDeviation { get; }

    /// <summary>The multiplier of each Dropout layer, or null where the layer was the identity.</summary>
    internal double[]?[] Masks { get; }
}

/// <summary>
/// A network of convolutions, pools, dense layers, BatchNorm, LayerNorm and Dropout written out as plain nested loops in
/// double precision, from the definitions of PyTorch's nn.Conv1d/nn.Conv2d, nn.MaxPool/nn.AvgPool, nn.Linear,
/// nn.BatchNorm1d/nn.BatchNorm2d, nn.LayerNorm (over the whole of a sample's shape, elementwise affine) and nn.Dropout,
/// independently of NetGen's generator and kernels. The forward pass runs over a whole batch at once, since in training
/// BatchNorm couples its samples.
/// <para>
/// Parameters are laid out as NetGen lays them out: per layer in declaration order its weight, then its bias when it has
/// one (a convolution's [F, C, K] or [F, C, K, K] and [F]; a dense layer's [units, inputs] and [units]; BatchNorm's γ [C]
/// and β [C]; LayerNorm's γ and β of the input's shape; nothing for pools and Dropout). Buffers as NetGen's
/// <see cref="INetwork{T}.Buffers"/>: per BatchNorm layer its running_mean [C], then its running_var [C]. Every sample
/// is [C, H, W] with H = 1 for 1-D layers and H = W = 1 after a dense layer, so BatchNorm is per unit there and per
/// channel over every position after a convolution or pool.
/// </para>
/// <para>
/// Losses are NetGen's (LossKernels): per sample, mean squared error and binary cross-entropy are means over the
/// outputs, softmax cross-entropy Σₖ tₖ·(logsumexp(z) − zₖ) a sum; a batch's loss is the sum over its samples. The
/// backward pass is written out by hand and checked against finite differences of the forward pass.
/// </para>
/// </summary>
public sealed class ReferenceNormalizedNetwork
{
    private readonly RefLayer[] _layers;
    private readonly (int C, int H, int W)[] _shapes; // _shapes[i] is layer i's input; _shapes[^1] the output
    private readonly int[] _offsets;
    private readonly int[] _bufferOffsets; // -1 for a layer other than BatchNorm
    private readonly bool _twoDimensional;

    public ReferenceNormalizedNetwork(int[] inputShape, Loss loss, params RefLayer[] layers)
    {
        _layers = layers;
        Loss = loss;
        _twoDimensional = inputShape.Length == 3;
        var shape = inputShape.Length switch
        {
            3 => (inputShape[0], inputShape[1], inputShape[2]),
            2 => (inputShape[0], 1, inputShape[1]),
            _ => (inputShape[0], 1, 1),
        };
        var shapes = new List<(int, int, int)> { shape };
        var offsets = new List<int>();
        var bufferOffsets = new List<int>();
        int offset = 0, bufferOffset = 0;
        foreach (RefLayer layer in layers)
        {
            offsets.Add(offset);
            bufferOffsets.Add(layer is RefBatchNorm ? bufferOffset : -1);
            (int c, int h, int w) = shape;
            switch (layer)
            {
                case RefConv conv:
                    int kh = _twoDimensional ? conv.Kernel : 1, ph = _twoDimensional ? conv.Padding : 0;
                    shape = (conv.Filters, (h + 2 * ph - kh) / conv.Stride + 1, (w + 2 * conv.Padding - conv.Kernel) / conv.Stride + 1);
                    offset += conv.Filters * c * kh * conv.Kernel + (conv.Bias ? conv.Filters : 0);
                    break;
                case RefPool pool:
                    int sh = _twoDimensional ? pool.Size : 1;
                    shape = (c, (h - sh) / pool.Stride + 1, (w - pool.Size) / pool.Stride + 1);
                    break;
                case RefDense dense:
                    offset += dense.Units * c * h * w + (dense.Bias ? dense.Units : 0);
                    shape = (dense.Units, 1, 1);
                    break;
                case RefBatchNorm:
                    offset += 2 * c;
                    bufferOffset += 2 * c;
                    break;
                case RefLayerNorm:
                    offset += 2 * c * h * w;
                    break;
                case RefDropout:
                    break;
                default:
                    throw new ArgumentException($"Unknown layer {layer}.", nameof(layers));
            }

            shapes.Add(shape);
        }

        _shapes = shapes.ToArray();
        _offsets = offsets.ToArray();
        _bufferOffsets = bufferOffsets.ToArray();
        ParameterCount = offset;
        BufferCount = bufferOffset;
    }

    public Loss Loss { get; }

    public IReadOnlyList<RefLayer> Layers => _layers;

    public int ParameterCount { get; }

    /// <summary>The length of the network's Buffers: 2·C per BatchNorm layer.</summary>
    public int BufferCount { get; }

    public int BatchNormCount => _layers.Count(layer => layer is RefBatchNorm);

    public int Inputs => Size(_shapes[0]);

    public int Outputs => Size(_shapes[^1]);

    /// <summary>The number of values per sample that layer <paramref name="layer"/> receives.</summary>
    public int InputSizeOf(int layer) => Size(_shapes[layer]);

    /// <summary>Where layer <paramref name="layer"/>'s first tensor (its weight) starts in the parameters.</summary>
    public int ParameterOffset(int layer) => _offsets[layer];

    /// <summary>A BatchNorm layer's channels: its running_mean is Buffers[offset, offset + C), its running_var the next C values.</summary>
    public (int Offset, int Channels) BufferRange(int layer)
        => _bufferOffsets[layer] < 0 ? throw new ArgumentException($"Layer {layer} is not a BatchNorm layer.", nameof(layer)) : (_bufferOffsets[layer], _shapes[layer].C);

    /// <summary>The buffers of a new network: every running_mean 0, every running_var 1.</summary>
    public double[] InitialBuffers()
    {
        var buffers = new double[BufferCount];
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_layers[l] is RefBatchNorm)
            {
                (int offset, int channels) = BufferRange(l);
                buffers.AsSpan(offset + channels, channels).Fill(1);
            }
        }

        return buffers;
    }

    private static int Size((int C, int H, int W) shape) => shape.C * shape.H * shape.W;

    /// <summary>A short name, so that xunit's case names stay readable.</summary>
    public override string ToString() => $"reference of {_layers.Length} layers";

    /// <summary>
    /// The forward pass over a batch. In training BatchNorm normalises with the batch's statistics and Dropout layers
    /// multiply by <paramref name="masks"/>[layer] (when given); in evaluation BatchNorm uses the running statistics in
    /// <paramref name="buffers"/> (NetGen's layout; <see cref="InitialBuffers"/> when null) and Dropout is the identity.
    /// </summary>
    public ReferenceBatch Forward(double[] p, double[] inputs, bool training, double[]? buffers = null, IReadOnlyDictionary<int, double[]>? masks = null)
    {
        if (inputs.Length % Inputs != 0 || inputs.Length == 0)
        {
            throw new ArgumentException($"{inputs.Length} inputs are not whole samples of {Inputs}.", nameof(inputs));
        }

        if (p.Length != ParameterCount)
        {
            throw new ArgumentException($"{p.Length} parameters, the network has {ParameterCount}.", nameof(p));
        }

        buffers ??= InitialBuffers();
        int n = inputs.Length / Inputs;
        var batch = new ReferenceBatch(n, _layers.Length, training);
        batch.Values[0] = batch.PreActivations[0] = (double[])inputs.Clone();
        for (int l = 0; l < _layers.Length; l++)
        {
            (int c, int h, int w) = _shapes[l];
            (int oc, int oh, int ow) = _shapes[l + 1];
            int inSize = c * h * w, outSize = oc * oh * ow;
            double[] x = batch.Values[l];
            var z = new double[n * outSize];
            batch.Argmax[l] = Array.Empty<int>();
            int o0 = _offsets[l];
            switch (_layers[l])
            {
                case RefConv conv:
                    int kh = _twoDimensional ? conv.Kernel : 1, ph = _twoDimensional ? conv.Padding : 0;
                    int biases = o0 + oc * c * kh * conv.Kernel;
                    for (int s = 0; s < n; s++)
                    {
                        for (int f = 0; f < oc; f++)
                        {
                            for (int i = 0; i < oh; i++)
                            {
                                for (int j = 0; j < ow; j++)
                                {
                                    double sum = conv.Bias ? p[biases + f] : 0;
                                    for (int ch = 0; ch < c; ch++)
                                    {
                                        for (int a = 0; a < kh; a++)
                                        {
                                            for (int b = 0; b < conv.Kernel; b++)
                                            {
                                                int row = i * conv.Stride + a - ph, column = j * conv.Stride + b - conv.Padding;
                                                if (row >= 0 && row < h && column >= 0 && column < w)
                                                {
                                                    sum += p[o0 + ((f * c + ch) * kh + a) * conv.Kernel + b] * x[s * inSize + (ch * h + row) * w + column];
                                                }
                                            }
                                        }
                                    }

                                    z[s * outSize + (f * oh + i) * ow + j] = sum;
                                }
                            }
                        }
                    }

                    break;
                case RefPool pool:
                    int sh = _twoDimensional ? pool.Size : 1;
                    var argmax = new int[z.Length];
                    for (int s = 0; s < n; s++)
                    {
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int i = 0; i < oh; i++)
                            {
                                for (int j = 0; j < ow; j++)
                                {
                                    double best = double.NegativeInfinity, sum = 0;
                                    int at = -1;
                                    for (int a = 0; a < sh; a++)
                                    {
                                        for (int b = 0; b < pool.Size; b++)
                                        {
                                            int index = s * inSize + (ch * h + i * pool.Stride + a) * w + j * pool.Stride + b;
                                            sum += x[index];
                                            if (at < 0 || x[index] > best)
                                            {
                                                best = x[index];
                                                at = index;
                                            }
                                        }
                                    }

                                    int o = s * outSize + (ch * oh + i) * ow + j;
                                    z[o] = pool.Max ? best : sum / (sh * pool.Size);
                                    argmax[o] = at;
                                }
                            }
                        }
                    }

                    batch.Argmax[l] = argmax;
                    break;
                case RefDense dense:
                    for (int s = 0; s < n; s++)
                    {
                        for (int u = 0; u < dense.Units; u++)
                        {
                            double sum = dense.Bias ? p[o0 + dense.Units * inSize + u] : 0;
                            for (int i = 0; i < inSize; i++)
                            {
                                sum += p[o0 + u * inSize + i] * x[s * inSize + i];
                            }

                            z[s * outSize + u] = sum;
                        }
                    }

                    break;
                case RefBatchNorm norm:
                {
                    int positions = h * w, count = n * positions;
                    var mean = new double[c];
                    var variance = new double[c];
                    var inverse = new double[c];
                    var normalized = new double[x.Length];
                    (int bufferOffset, _) = BufferRange(l);
                    for (int ch = 0; ch < c; ch++)
                    {
                        if (training)
                        {
                            double sum = 0;
                            for (int s = 0; s < n; s++)
                            {
                                for (int j = 0; j < positions; j++)
                                {
                                    sum += x[s * inSize + ch * positions + j];
                                }
                            }

                            mean[ch] = sum / count;
                            double squares = 0;
                            for (int s = 0; s < n; s++)
                            {
                                for (int j = 0; j < positions; j++)
                                {
                                    double d = x[s * inSize + ch * positions + j] - mean[ch];
                                    squares += d * d;
                                }
                            }

                            variance[ch] = squares / count;
                        }
                        else
                        {
                            mean[ch] = buffers[bufferOffset + ch];
                            variance[ch] = buffers[bufferOffset + c + ch];
                        }

                        inverse[ch] = 1 / Math.Sqrt(variance[ch] + norm.Epsilon);
                        for (int s = 0; s < n; s++)
                        {
                            for (int j = 0; j < positions; j++)
                            {
                                int index = s * inSize + ch * positions + j;
                                normalized[index] = (x[index] - mean[ch]) * inverse[ch];
                                z[index] = p[o0 + ch] * normalized[index] + p[o0 + c + ch];
                            }
                        }
                    }

                    batch.Normalized[l] = normalized;
                    batch.InverseDeviation[l] = inverse;
                    if (training)
                    {
                        batch.BatchMean[l] = mean;
                        batch.BatchVariance[l] = variance;
                    }

                    break;
                }

                case RefLayerNorm norm:
                {
                    var inverse = new double[n];
                    var normalized = new double[x.Length];
                    for (int s = 0; s < n; s++)
                    {
                        double sum = 0;
                        for (int i = 0; i < inSize; i++)
                        {
                            sum += x[s * inSize + i];
                        }

                        double mean = sum / inSize, squares = 0;
                        for (int i = 0; i < inSize; i++)
                        {
                            double d = x[s * inSize + i] - mean;
                            squares += d * d;
                        }

                        inverse[s] = 1 / Math.Sqrt(squares / inSize + norm.Epsilon);
                        for (int i = 0; i < inSize; i++)
                        {
                            int index = s * inSize + i;
                            normalized[index] = (x[index] - mean) * inverse[s];
                            z[index] = p[o0 + i] * normalized[index] + p[o0 + inSize + i];
                        }
                    }

                    batch.Normalized[l] = normalized;
                    batch.InverseDeviation[l] = inverse;
                    break;
                }

                case RefDropout:
                    double[]? mask = null;
                    if (training && masks is not null && masks.TryGetValue(l, out double[]? given))
                    {
                        if (given.Length != x.Length)
                        {
                            throw new ArgumentException($"Layer {l}'s mask has {given.Length} values, its input {x.Length}.", nameof(masks));
                        }

                        mask = given;
                    }

                    for (int i = 0; i < x.Length; i++)
                    {
                        z[i] = mask is null ? x[i] : x[i] * mask[i];
                    }

                    batch.Masks[l] = mask;
                    break;
            }

            batch.PreActivations[l + 1] = z;
            batch.Values[l + 1] = Activate(_layers[l], z, outSize);
        }

        return batch;
    }

    /// <summary>Evaluation-mode outputs of a batch, with the running statistics in <paramref name="buffers"/>.</summary>
    public double[] Predict(double[] p, double[] inputs, double[]? buffers = null) => Forward(p, inputs, training: false, buffers).Values[^1];

    /// <summary>The summed loss of a pass, as NetGen's losses define it.</summary>
    public double SummedLoss(ReferenceBatch batch, double[] targets)
    {
        double[] y = batch.Values[^1], z = batch.PreActivations[^1];
        int columns = Outputs;
        double loss = 0;
        for (int s = 0; s < batch.Samples; s++)
        {
            int row = s * columns;
            switch (Loss)
            {
                case Loss.CrossEntropy:
                    double max = double.NegativeInfinity, sum = 0;
                    for (int k = 0; k < columns; k++)
                    {
                        max = Math.Max(max, z[row + k]);
                    }

                    for (int k = 0; k < columns; k++)
                    {
                        sum += Math.Exp(z[row + k] - max);
                    }

                    for (int k = 0; k < columns; k++)
                    {
                        loss += targets[row + k] * (max + Math.Log(sum) - z[row + k]);
                    }

                    break;
                case Loss.BinaryCrossEntropy:
                    double bce = 0;
                    for (int k = 0; k < columns; k++)
                    {
                        double v = z[row + k];
                        bce += Math.Max(v, 0) - targets[row + k] * v + Math.Log(1 + Math.Exp(-Math.Abs(v)));
                    }

                    loss += bce / columns;
                    break;
                default:
                    double squares = 0;
                    for (int k = 0; k < columns; k++)
                    {
                        double d = y[row + k] - targets[row + k];
                        squares += d * d;
                    }

                    loss += squares / columns;
                    break;
            }
        }

        return loss;
    }

    public double SummedLoss(double[] p, double[] inputs, double[] targets, bool training, double[]? buffers = null, IReadOnlyDictionary<int, double[]>? masks = null)
        => SummedLoss(Forward(p, inputs, training, buffers, masks), targets);

    /// <summary>
    /// The buffers after one training call over the batch of <paramref name="batch"/>: per BatchNorm layer running_mean ←
    /// (1 − m)·running_mean + m·mean and running_var ← (1 − m)·running_var + m·σ²·n/(n − 1), the unbiased variance over
    /// the n = samples × positions values of each channel.
    /// </summary>
    public double[] UpdatedBuffers(double[] buffers, ReferenceBatch batch)
    {
        if (!batch.Training)
        {
            throw new ArgumentException("Only a training pass updates the running statistics.", nameof(batch));
        }

        double[] updated = (double[])buffers.Clone();
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_layers[l] is RefBatchNorm norm)
            {
                (int offset, int channels) = BufferRange(l);
                int count = batch.Samples * _shapes[l].H * _shapes[l].W;
                for (int ch = 0; ch < channels; ch++)
                {
                    double unbiased = batch.BatchVariance[l]![ch] * count / (count - 1);
                    updated[offset + ch] = (1 - norm.Momentum) * buffers[offset + ch] + norm.Momentum * batch.BatchMean[l]![ch];
                    updated[offset + channels + ch] = (1 - norm.Momentum) * buffers[offset + channels + ch] + norm.Momentum * unbiased;
                }
            }
        }

        return updated;
    }

    /// <summary>∂(summed loss)/∂z at the last layer's pre-activation, sample after sample.</summary>
    public double[] OutputGradient(ReferenceBatch batch, double[] targets)
    {
        double[] y = batch.Values[^1];
        int columns = Outputs;
        var dz = new double[y.Length];
        for (int s = 0; s < batch.Samples; s++)
        {
            int row = s * columns;
            double mass = 0;
            for (int k = 0; k < columns; k++)
            {
                mass += targets[row + k];
            }

            for (int k = 0; k < columns; k++)
            {
                dz[row + k] = Loss switch
                {
                    Loss.CrossEntropy => y[row + k] * mass - targets[row + k],
                    Loss.BinaryCrossEntropy => (y[row + k] - targets[row + k]) / columns,
                    _ => 2 * (y[row + k] - targets[row + k]) / columns,
                };
            }
        }

        return Loss is Loss.CrossEntropy or Loss.BinaryCrossEntropy
            ? dz
            : ActivationBackward(_layers[^1], dz, y, batch.PreActivations[^1], columns);
    }

    /// <summary>∂(summed loss)/∂θ by the hand-written backward pass, in the mode and with the masks given.</summary>
    public double[] Gradient(double[] p, double[] inputs, double[] targets, bool training, double[]? buffers = null, IReadOnlyDictionary<int, double[]>? masks = null)
    {
        ReferenceBatch batch = Forward(p, inputs, training, buffers, masks);
        var gradient = new double[ParameterCount];
        double[] dz = OutputGradient(batch, targets);
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            double[] dx = Backward(l, p, batch, dz, gradient);
            dz = l > 0 ? ActivationBackward(_layers[l - 1], dx, batch.Values[l], batch.PreActivations[l], Size(_shapes[l])) : dx;
        }

        return gradient;
    }

    /// <summary>∂(summed loss)/∂θ by central differences of <see cref="SummedLoss(double[], double[], double[], bool, double[], IReadOnlyDictionary{int, double[]})"/>.</summary>
    public double[] FiniteDifferenceGradient(double[] p, double[] inputs, double[] targets, bool training, double[]? buffers = null, IReadOnlyDictionary<int, double[]>? masks = null, double h = 1e-5)
    {
        var gradient = new double[p.Length];
        double[] shifted = (double[])p.Clone();
        for (int i = 0; i < p.Length; i++)
        {
            shifted[i] = p[i] + h;
            double plus = SummedLoss(shifted, inputs, targets, training, buffers, masks);
            shifted[i] = p[i] - h;
            double minus = SummedLoss(shifted, inputs, targets, training, buffers, masks);
            shifted[i] = p[i];
            gradient[i] = (plus - minus) / (2 * h);
        }

        return gradient;
    }

    /// <summary>One layer's backward pass from dz (at its pre-activation): adds its parameters' gradients and returns dx.</summary>
    private double[] Backward(int l, double[] p, ReferenceBatch batch, double[] dz, double[] gradient)
    {
        (int c, int h, int w) = _shapes[l];
        (int oc, int oh, int ow) = _shapes[l + 1];
        int inSize = c * h * w, outSize = oc * oh * ow, n = batch.Samples, o0 = _offsets[l];
        double[] x = batch.Values[l];
        var dx = new double[x.Length];
        switch (_layers[l])
        {
            case RefConv conv:
                int kh = _twoDimensional ? conv.Kernel : 1, ph = _twoDimensional ? conv.Padding : 0;
                int biases = o0 + oc * c * kh * conv.Kernel;
                for (int s = 0; s < n; s++)
                {
                    for (int f = 0; f < oc; f++)
                    {
                        for (int i = 0; i < oh; i++)
                        {
                            for (int j = 0; j < ow; j++)
                            {
                                double g = dz[s * outSize + (f * oh + i) * ow + j];
                                if (conv.Bias)
                                {
                                    gradient[biases + f] += g;
                                }

                                for (int ch = 0; ch < c; ch++)
                                {
                                    for (int a = 0; a < kh; a++)
                                    {
                                        for (int b = 0; b < conv.Kernel; b++)
                                        {
                                            int row = i * conv.Stride + a - ph, column = j * conv.Stride + b - conv.Padding;
                                            if (row >= 0 && row < h && column >= 0 && column < w)
                                            {
                                                int weight = o0 + ((f * c + ch) * kh + a) * conv.Kernel + b;
                                                int input = s * inSize + (ch * h + row) * w + column;
                                                gradient[weight] += g * x[input];
                                                dx[input] += g * p[weight];
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }

                break;
            case RefPool pool:
                int sh = _twoDimensional ? pool.Size : 1;
                for (int s = 0; s < n; s++)
                {
                    for (int ch = 0; ch < c; ch++)
                    {
                        for (int i = 0; i < oh; i++)
                        {
                            for (int j = 0; j < ow; j++)
                            {
                                int o = s * outSize + (ch * oh + i) * ow + j;
                                if (pool.Max)
                                {
                                    dx[batch.Argmax[l][o]] += dz[o];
                                    continue;
                                }

                                for (int a = 0; a < sh; a++)
                                {
                                    for (int b = 0; b < pool.Size; b++)
                                    {
                                        dx[s * inSize + (ch * h + i * pool.Stride + a) * w + j * pool.Stride + b] += dz[o] / (sh * pool.Size);
                                    }
                                }
                            }
                        }
                    }
                }

                break;
            case RefDense dense:
                for (int s = 0; s < n; s++)
                {
                    for (int u = 0; u < dense.Units; u++)
                    {
                        double g = dz[s * outSize + u];
                        if (dense.Bias)
                        {
                            gradient[o0 + dense.Units * inSize + u] += g;
                        }

                        for (int i = 0; i < inSize; i++)
                        {
                            gradient[o0 + u * inSize + i] += g * x[s * inSize + i];
                            dx[s * inSize + i] += g * p[o0 + u * inSize + i];
                        }
                    }
                }

                break;
            case RefBatchNorm:
            {
                // y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε). In training μ and σ² are the batch's, so each x̂ depends on every
                // value of its channel: dx = γ/√(σ² + ε)·(dy − mean(dy) − x̂·mean(dy·x̂)) over the channel's M values. In
                // evaluation they are constants: dx = γ/√(σ² + ε)·dy.
                int positions = h * w, count = n * positions;
                double[] normalized = batch.Normalized[l], inverse = batch.InverseDeviation[l];
                for (int ch = 0; ch < c; ch++)
                {
                    double sumDy = 0, sumDyXhat = 0;
                    for (int s = 0; s < n; s++)
                    {
                        for (int j = 0; j < positions; j++)
                        {
                            int index = s * inSize + ch * positions + j;
                            sumDy += dz[index];
                            sumDyXhat += dz[index] * normalized[index];
                        }
                    }

                    gradient[o0 + ch] += sumDyXhat;
                    gradient[o0 + c + ch] += sumDy;
                    double gamma = p[o0 + ch];
                    for (int s = 0; s < n; s++)
                    {
                        for (int j = 0; j < positions; j++)
                        {
                            int index = s * inSize + ch * positions + j;
                            dx[index] = batch.Training
                                ? gamma * inverse[ch] * (dz[index] - sumDy / count - normalized[index] * sumDyXhat / count)
                                : gamma * inverse[ch] * dz[index];
                        }
                    }
                }

                break;
            }

            case RefLayerNorm:
            {
                // Per sample over its D values: dx = 1/√(σ² + ε)·(g − mean(g) − x̂·mean(g·x̂)) with g = γ ⊙ dy.
                double[] normalized = batch.Normalized[l], inverse = batch.InverseDeviation[l];
                for (int s = 0; s < n; s++)
                {
                    double sumG = 0, sumGXhat = 0;
                    for (int i = 0; i < inSize; i++)
                    {
                        int index = s * inSize + i;
                        gradient[o0 + i] += dz[index] * normalized[index];
                        gradient[o0 + inSize + i] += dz[index];
                        double g = p[o0 + i] * dz[index];
                        sumG += g;
                        sumGXhat += g * normalized[index];
                    }

                    for (int i = 0; i < inSize; i++)
                    {
                        int index = s * inSize + i;
                        double g = p[o0 + i] * dz[index];
                        dx[index] = inverse[s] * (g - sumG / inSize - normalized[index] * sumGXhat / inSize);
                    }
                }

                break;
            }

            case RefDropout:
                double[]? mask = batch.Masks[l];
                for (int i = 0; i < dx.Length; i++)
                {
                    dx[i] = mask is null ? dz[i] : dz[i] * mask[i];
                }

                break;
        }

        return dx;
    }

    private static (Activation Activation, double Slope) ActivationOf(RefLayer layer)
        => layer switch
        {
            RefConv conv => (conv.Activation, conv.Slope),
            RefDense dense => (dense.Activation, dense.Slope),
            RefBatchNorm norm => (norm.Activation, norm.Slope),
            RefLayerNorm norm => (norm.Activation, norm.Slope),
            _ => (Activation.Identity, 0),
        };

    /// <summary>The activation of every sample's <paramref name="columns"/> values (a softmax over each sample's).</summary>
    private static double[] Activate(RefLayer layer, double[] z, int columns)
    {
        (Activation activation, double slope) = ActivationOf(layer);
        var y = new double[z.Length];
        if (activation == Activation.Softmax)
        {
            for (int row = 0; row < z.Length; row += columns)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int k = 0; k < columns; k++)
                {
                    max = Math.Max(max, z[row + k]);
                }

                for (int k = 0; k < columns; k++)
                {
                    y[row + k] = Math.Exp(z[row + k] - max);
                    sum += y[row + k];
                }

                for (int k = 0; k < columns; k++)
                {
                    y[row + k] /= sum;
                }
            }

            return y;
        }

        for (int i = 0; i < z.Length; i++)
        {
            double v = z[i];
            y[i] = activation switch
            {
                Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                Activation.Tanh => Math.Tanh(v),
                Activation.ReLU => Math.Max(v, 0),
                Activation.LeakyReLU => v > 0 ? v : slope * v,
                _ => v,
            };
        }

        return y;
    }

    /// <summary>dz from dy, the derivative taken at z (softmax through each sample's Jacobian, from y).</summary>
    private static double[] ActivationBackward(RefLayer layer, double[] dy, double[] y, double[] z, int columns)
    {
        (Activation activation, double slope) = ActivationOf(layer);
        var dz = new double[dy.Length];
        if (activation == Activation.Softmax)
        {
            for (int row = 0; row < dy.Length; row += columns)
            {
                double dot = 0;
                for (int k = 0; k < columns; k++)
                {
                    dot += dy[row + k] * y[row + k];
                }

                for (int k = 0; k < columns; k++)
                {
                    dz[row + k] = y[row + k] * (dy[row + k] - dot);
                }
            }

            return dz;
        }

        for (int i = 0; i < dy.Length; i++)
        {
            double g = dy[i];
            dz[i] = activation switch
            {
                Activation.Sigmoid => g * y[i] * (1 - y[i]),
                Activation.Tanh => g * (1 - y[i] * y[i]),
                Activation.ReLU => z[i] > 0 ? g : 0,
                Activation.LeakyReLU => z[i] > 0 ? g : slope * g,
                _ => g,
            };
        }

        return dz;
    }
}
