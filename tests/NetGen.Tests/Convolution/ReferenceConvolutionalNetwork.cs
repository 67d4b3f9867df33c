using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.Tests.Convolution;

/// <summary>A layer of <see cref="ReferenceConvolutionalNetwork"/>.</summary>
public abstract record ReferenceLayer;

/// <summary>A 1-D or 2-D convolution (the dimensionality follows the input's rank), then its activation.</summary>
public sealed record ReferenceConvolution(int Filters, int Kernel, Activation Activation, int Stride = 1, int Padding = 0, double Slope = 0.01) : ReferenceLayer;

/// <summary>Max or average pooling over each channel.</summary>
public sealed record ReferencePooling(bool Max, int Size, int Stride) : ReferenceLayer;

/// <summary>A dense layer over the flattened input, then its activation.</summary>
public sealed record ReferenceDense(int Units, Activation Activation, double Slope = 0.01) : ReferenceLayer;

/// <summary>
/// A convolutional network written out as plain nested loops in double precision, from the definitions of PyTorch's
/// nn.Conv1d/nn.Conv2d (cross-correlation, zero padding), nn.MaxPool/nn.AvgPool (floor, first maximum on a tie) and
/// nn.Linear, independently of NetGen's generator and kernels. Parameters are laid out as NetGen lays them out: per
/// layer its weight ([F, C, K] or [F, C, K, K], or [units, inputs]) and then its bias. Every sample is
/// [C, H, W] with H = 1 for 1-D layers. The backward pass is written out by hand too, and checked against finite
/// differences of the forward pass by the tests.
/// </summary>
public sealed class ReferenceConvolutionalNetwork
{
    private readonly ReferenceLayer[] _layers;
    private readonly (int C, int H, int W)[] _shapes; // _shapes[i] is layer i's input; _shapes[^1] the output
    private readonly int[] _offsets;
    private readonly bool _twoDimensional;
    private readonly Loss _loss;

    public ReferenceConvolutionalNetwork(int[] inputShape, Loss loss, params ReferenceLayer[] layers)
    {
        _layers = layers;
        _loss = loss;
        _twoDimensional = inputShape.Length == 3;
        var shape = inputShape.Length switch
        {
            3 => (inputShape[0], inputShape[1], inputShape[2]),
            2 => (inputShape[0], 1, inputShape[1]),
            _ => (inputShape[0], 1, 1),
        };
        var shapes = new List<(int, int, int)> { shape };
        var offsets = new List<int>();
        int offset = 0;
        foreach (ReferenceLayer layer in layers)
        {
            offsets.Add(offset);
            (int c, int h, int w) = shape;
            switch (layer)
            {
                case ReferenceConvolution conv:
                    int kh = _twoDimensional ? conv.Kernel : 1, ph = _twoDimensional ? conv.Padding : 0;
                    shape = (conv.Filters, (h + 2 * ph - kh) / conv.Stride + 1, (w + 2 * conv.Padding - conv.Kernel) / conv.Stride + 1);
                    offset += conv.Filters * c * kh * conv.Kernel + conv.Filters;
                    break;
                case ReferencePooling pool:
                    int sh = _twoDimensional ? pool.Size : 1;
                    shape = (c, (h - sh) / pool.Stride + 1, (w - pool.Size) / pool.Stride + 1);
                    break;
                case ReferenceDense dense:
                    offset += dense.Units * c * h * w + dense.Units;
                    shape = (dense.Units, 1, 1);
                    break;
            }

            shapes.Add(shape);
        }

        _shapes = shapes.ToArray();
        _offsets = offsets.ToArray();
        ParameterCount = offset;
    }

    public int ParameterCount { get; }

    public int Inputs => Size(_shapes[0]);

    public int Outputs => Size(_shapes[^1]);

    private static int Size((int C, int H, int W) shape) => shape.C * shape.H * shape.W;

    /// <summary>The outputs of one sample, activations (and a softmax or sigmoid output) applied.</summary>
    public double[] Predict(double[] parameters, ReadOnlySpan<double> input) => Run(parameters, input.ToArray()).Outputs[^1];

    /// <summary>One sample's loss, as NetGen's losses define it (MSE and BCE means over outputs, cross-entropy a sum).</summary>
    public double SampleLoss(double[] parameters, ReadOnlySpan<double> input, ReadOnlySpan<double> target)
    {
        (double[][] outputs, double[][] preActivations, _) = Run(parameters, input.ToArray());
        double[] y = outputs[^1], z = preActivations[^1];
        double loss = 0;
        switch (_loss)
        {
            case Loss.CrossEntropy:
                double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
                for (int k = 0; k < z.Length; k++)
                {
                    loss -= target[k] * (z[k] - max - Math.Log(sum));
                }

                return loss;
            case Loss.BinaryCrossEntropy:
                for (int k = 0; k < z.Length; k++)
                {
                    loss += Math.Max(z[k], 0) - target[k] * z[k] + Math.Log(1 + Math.Exp(-Math.Abs(z[k])));
                }

                return loss / z.Length;
            default:
                for (int k = 0; k < y.Length; k++)
                {
                    loss += (y[k] - target[k]) * (y[k] - target[k]);
                }

                return loss / y.Length;
        }
    }

    public double SummedLoss(double[] parameters, double[] inputs, double[] targets)
    {
        double sum = 0;
        for (int s = 0; s < inputs.Length / Inputs; s++)
        {
            sum += SampleLoss(parameters, inputs.AsSpan(s * Inputs, Inputs), targets.AsSpan(s * Outputs, Outputs));
        }

        return sum;
    }

    /// <summary>∂(summed loss)/∂θ by central differences of <see cref="SummedLoss"/>.</summary>
    public double[] FiniteDifferenceGradient(double[] parameters, double[] inputs, double[] targets, double h = 1e-5)
    {
        var gradient = new double[parameters.Length];
        double[] shifted = (double[])parameters.Clone();
        for (int i = 0; i < parameters.Length; i++)
        {
            shifted[i] = parameters[i] + h;
            double plus = SummedLoss(shifted, inputs, targets);
            shifted[i] = parameters[i] - h;
            double minus = SummedLoss(shifted, inputs, targets);
            shifted[i] = parameters[i];
            gradient[i] = (plus - minus) / (2 * h);
        }

        return gradient;
    }

    /// <summary>∂(summed loss)/∂θ by the hand-written backward pass.</summary>
    public double[] Gradient(double[] parameters, double[] inputs, double[] targets)
    {
        var gradient = new double[parameters.Length];
        for (int s = 0; s < inputs.Length / Inputs; s++)
        {
            (double[][] outputs, double[][] preActivations, int[][] argmax) = Run(parameters, inputs.AsSpan(s * Inputs, Inputs).ToArray());
            double[] target = targets.AsSpan(s * Outputs, Outputs).ToArray();
            double[] y = outputs[^1];
            double[] dz;
            switch (_loss)
            {
                case Loss.CrossEntropy:
                    dz = y.Select((value, k) => value * target.Sum() - target[k]).ToArray();
                    break;
                case Loss.BinaryCrossEntropy:
                    dz = y.Select((value, k) => (value - target[k]) / y.Length).ToArray();
                    break;
                default:
                    double[] dy = y.Select((value, k) => 2 * (value - target[k]) / y.Length).ToArray();
                    dz = ActivationBackward(_layers[^1], dy, outputs[^1], preActivations[^1]);
                    break;
            }

            for (int l = _layers.Length - 1; l >= 0; l--)
            {
                double[] x = outputs[l];
                double[] dx = Backward(l, parameters, dz, x, argmax[l], gradient);
                dz = l > 0 ? ActivationBackward(_layers[l - 1], dx, outputs[l], preActivations[l]) : dx;
            }
        }

        return gradient;
    }

    /// <summary>Every layer's output (index 0 the input) and pre-activation, and each max pool's argmax.</summary>
    private (double[][] Outputs, double[][] PreActivations, int[][] Argmax) Run(double[] p, double[] input)
    {
        var outputs = new double[_layers.Length + 1][];
        var preActivations = new double[_layers.Length + 1][];
        var argmax = new int[_layers.Length][];
        outputs[0] = preActivations[0] = input;
        for (int l = 0; l < _layers.Length; l++)
        {
            (int c, int h, int w) = _shapes[l];
            (int oc, int oh, int ow) = _shapes[l + 1];
            double[] x = outputs[l];
            var z = new double[oc * oh * ow];
            argmax[l] = Array.Empty<int>();
            switch (_layers[l])
            {
                case ReferenceConvolution conv:
                    int kh = _twoDimensional ? conv.Kernel : 1, ph = _twoDimensional ? conv.Padding : 0;
                    for (int f = 0; f < oc; f++)
                    {
                        for (int i = 0; i < oh; i++)
                        {
                            for (int j = 0; j < ow; j++)
                            {
                                double sum = p[_offsets[l] + oc * c * kh * conv.Kernel + f];
                                for (int ch = 0; ch < c; ch++)
                                {
                                    for (int a = 0; a < kh; a++)
                                    {
                                        for (int b = 0; b < conv.Kernel; b++)
                                        {
                                            int row = i * conv.Stride + a - ph, column = j * conv.Stride + b - conv.Padding;
                                            if (row >= 0 && row < h && column >= 0 && column < w)
                                            {
                                                sum += p[_offsets[l] + ((f * c + ch) * kh + a) * conv.Kernel + b] * x[(ch * h + row) * w + column];
                                            }
                                        }
                                    }
                                }

                                z[(f * oh + i) * ow + j] = sum;
                            }
                        }
                    }

                    break;
                case ReferencePooling pool:
                    int sh = _twoDimensional ? pool.Size : 1;
                    argmax[l] = new int[z.Length];
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
                                        int index = (ch * h + i * pool.Stride + a) * w + j * pool.Stride + b;
                                        sum += x[index];
                                        if (at < 0 || x[index] > best)
                                        {
                                            best = x[index];
                                            at = index;
                                        }
                                    }
                                }

                                int o = (ch * oh + i) * ow + j;
                                z[o] = pool.Max ? best : sum / (sh * pool.Size);
                                argmax[l][o] = at;
                            }
                        }
                    }

                    break;
                case ReferenceDense dense:
                    for (int u = 0; u < dense.Units; u++)
                    {
                        double sum = p[_offsets[l] + dense.Units * x.Length + u];
                        for (int i = 0; i < x.Length; i++)
                        {
                            sum += p[_offsets[l] + u * x.Length + i] * x[i];
                        }

                        z[u] = sum;
                    }

                    break;
            }

            preActivations[l + 1] = z;
            outputs[l + 1] = Activate(_layers[l], z);
        }

        return (outputs, preActivations, argmax);
    }

    /// <summary>One layer's backward pass from dz: adds its parameters' gradients and returns dx.</summary>
    private double[] Backward(int l, double[] p, double[] dz, double[] x, int[] argmax, double[] gradient)
    {
        (int c, int h, int w) = _shapes[l];
        (int oc, int oh, int ow) = _shapes[l + 1];
        var dx = new double[x.Length];
        switch (_layers[l])
        {
            case ReferenceConvolution conv:
                int kh = _twoDimensional ? conv.Kernel : 1, ph = _twoDimensional ? conv.Padding : 0;
                int biases = _offsets[l] + oc * c * kh * conv.Kernel;
                for (int f = 0; f < oc; f++)
                {
                    for (int i = 0; i < oh; i++)
                    {
                        for (int j = 0; j < ow; j++)
                        {
                            double g = dz[(f * oh + i) * ow + j];
                            gradient[biases + f] += g;
                            for (int ch = 0; ch < c; ch++)
                            {
                                for (int a = 0; a < kh; a++)
                                {
                                    for (int b = 0; b < conv.Kernel; b++)
                                    {
                                        int row = i * conv.Stride + a - ph, column = j * conv.Stride + b - conv.Padding;
                                        if (row >= 0 && row < h && column >= 0 && column < w)
                                        {
                                            int weight = _offsets[l] + ((f * c + ch) * kh + a) * conv.Kernel + b;
                                            gradient[weight] += g * x[(ch * h + row) * w + column];
                                            dx[(ch * h + row) * w + column] += g * p[weight];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }

                break;
            case ReferencePooling pool:
                int sh = _twoDimensional ? pool.Size : 1;
                for (int ch = 0; ch < c; ch++)
                {
                    for (int i = 0; i < oh; i++)
                    {
                        for (int j = 0; j < ow; j++)
                        {
                            int o = (ch * oh + i) * ow + j;
                            if (pool.Max)
                            {
                                dx[argmax[o]] += dz[o];
                                continue;
                            }

                            for (int a = 0; a < sh; a++)
                            {
                                for (int b = 0; b < pool.Size; b++)
                                {
                                    dx[(ch * h + i * pool.Stride + a) * w + j * pool.Stride + b] += dz[o] / (sh * pool.Size);
                                }
                            }
                        }
                    }
                }

                break;
            case ReferenceDense dense:
                for (int u = 0; u < dense.Units; u++)
                {
                    gradient[_offsets[l] + dense.Units * x.Length + u] += dz[u];
                    for (int i = 0; i < x.Length; i++)
                    {
                        gradient[_offsets[l] + u * x.Length + i] += dz[u] * x[i];
                        dx[i] += dz[u] * p[_offsets[l] + u * x.Length + i];
                    }
                }

                break;
        }

        return dx;
    }

    private static (Activation Activation, double Slope) ActivationOf(ReferenceLayer layer)
        => layer switch
        {
            ReferenceConvolution conv => (conv.Activation, conv.Slope),
            ReferenceDense dense => (dense.Activation, dense.Slope),
            _ => (Activation.Identity, 0),
        };

    private static double[] Activate(ReferenceLayer layer, double[] z)
    {
        (Activation activation, double slope) = ActivationOf(layer);
        if (activation == Activation.Softmax)
        {
            double max = z.Max();
            double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
            return e.Select(v => v / e.Sum()).ToArray();
        }

        return z.Select(v => activation switch
        {
            Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
            Activation.Tanh => Math.Tanh(v),
            Activation.ReLU => Math.Max(v, 0),
            Activation.LeakyReLU => v > 0 ? v : slope * v,
            _ => v,
        }).ToArray();
    }

    /// <summary>dz from dy, the derivative taken at z (softmax through its Jacobian, from y).</summary>
    private static double[] ActivationBackward(ReferenceLayer layer, double[] dy, double[] y, double[] z)
    {
        (Activation activation, double slope) = ActivationOf(layer);
        if (activation == Activation.Softmax)
        {
            double dot = dy.Select((g, k) => g * y[k]).Sum();
            return dy.Select((g, k) => y[k] * (g - dot)).ToArray();
        }

        return dy.Select((g, k) => activation switch
        {
            Activation.Sigmoid => g * y[k] * (1 - y[k]),
            Activation.Tanh => g * (1 - y[k] * y[k]),
            Activation.ReLU => z[k] > 0 ? g : 0,
            Activation.LeakyReLU => z[k] > 0 ? g : slope * g,
            _ => g,
        }).ToArray();
    }
}
