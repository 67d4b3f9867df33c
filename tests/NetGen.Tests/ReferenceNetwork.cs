using System;

namespace NetGen.Tests;

/// <summary>
/// A plain double-precision MLP written straight from the definitions, sharing no code with NetGen: the yardstick the
/// generated networks are measured against. Parameters use the documented layout (per layer, weights [units × inputs]
/// row-major, then biases).
/// </summary>
public sealed class ReferenceNetwork(int inputs, Loss loss, params (int Units, Activation Activation, double Slope)[] layers)
{
    public int Inputs { get; } = inputs;

    public int Outputs => layers[^1].Units;

    public int ParameterCount
    {
        get
        {
            int count = 0, fanIn = Inputs;
            foreach (var layer in layers)
            {
                count += layer.Units * fanIn + layer.Units;
                fanIn = layer.Units;
            }

            return count;
        }
    }

    /// <summary>The outputs y and the output layer's pre-activations z for one sample.</summary>
    public (double[] Outputs, double[] Logits) Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        double[] activations = input.ToArray();
        double[] z = activations;
        int offset = 0;
        foreach (var layer in layers)
        {
            int fanIn = activations.Length;
            z = new double[layer.Units];
            for (int unit = 0; unit < layer.Units; unit++)
            {
                double sum = parameters[offset + layer.Units * fanIn + unit];
                for (int i = 0; i < fanIn; i++)
                {
                    sum += parameters[offset + unit * fanIn + i] * activations[i];
                }

                z[unit] = sum;
            }

            offset += layer.Units * fanIn + layer.Units;
            activations = Activate(z, layer.Activation, layer.Slope);
        }

        return (activations, z);
    }

    /// <summary>The loss of one sample, straight from its definition.</summary>
    public double SampleLoss(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, ReadOnlySpan<double> target)
    {
        (double[] y, double[] z) = Forward(parameters, input);
        double sum = 0;
        switch (loss)
        {
            case Loss.MeanSquaredError:
                for (int k = 0; k < y.Length; k++)
                {
                    sum += (y[k] - target[k]) * (y[k] - target[k]);
                }

                return sum / y.Length;
            case Loss.BinaryCrossEntropy:
                for (int k = 0; k < y.Length; k++)
                {
                    // ln σ(z) = −ln(1 + e^−z) and ln(1 − σ(z)) = −ln(1 + e^z), written so that neither overflows.
                    double logY = -Softplus(-z[k]);
                    double logOneMinusY = -Softplus(z[k]);
                    sum += -(target[k] * logY + (1 - target[k]) * logOneMinusY);
                }

                return sum / y.Length;
            default:
                double max = double.NegativeInfinity;
                foreach (double value in z)
                {
                    max = Math.Max(max, value);
                }

                double expSum = 0;
                foreach (double value in z)
                {
                    expSum += Math.Exp(value - max);
                }

                double logSumExp = max + Math.Log(expSum);
                for (int k = 0; k < z.Length; k++)
                {
                    sum += -target[k] * (z[k] - logSumExp);
                }

                return sum;
        }
    }

    /// <summary>The sum of the samples' losses.</summary>
    public double SummedLoss(ReadOnlySpan<double> parameters, double[] inputs, double[] targets)
    {
        double sum = 0;
        int samples = inputs.Length / Inputs;
        for (int s = 0; s < samples; s++)
        {
            sum += SampleLoss(parameters, inputs.AsSpan(s * Inputs, Inputs), targets.AsSpan(s * Outputs, Outputs));
        }

        return sum;
    }

    /// <summary>∂(summed loss)/∂θ by central finite differences, step h.</summary>
    public double[] FiniteDifferenceGradient(double[] parameters, double[] inputs, double[] targets, double h = 1e-5)
    {
        var gradient = new double[parameters.Length];
        double[] shifted = (double[])parameters.Clone();
        for (int i = 0; i < parameters.Length; i++)
        {
            shifted[i] = parameters[i] + h;
            double up = SummedLoss(shifted, inputs, targets);
            shifted[i] = parameters[i] - h;
            double down = SummedLoss(shifted, inputs, targets);
            shifted[i] = parameters[i];
            gradient[i] = (up - down) / (2 * h);
        }

        return gradient;
    }

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    private static double[] Activate(double[] z, Activation activation, double slope)
    {
        var y = new double[z.Length];
        if (activation == Activation.Softmax)
        {
            double max = double.NegativeInfinity, sum = 0;
            foreach (double value in z)
            {
                max = Math.Max(max, value);
            }

            for (int k = 0; k < z.Length; k++)
            {
                y[k] = Math.Exp(z[k] - max);
                sum += y[k];
            }

            for (int k = 0; k < z.Length; k++)
            {
                y[k] /= sum;
            }

            return y;
        }

        for (int k = 0; k < z.Length; k++)
        {
            y[k] = activation switch
            {
                Activation.Identity => z[k],
                Activation.Sigmoid => 1 / (1 + Math.Exp(-z[k])),
                Activation.Tanh => Math.Tanh(z[k]),
                Activation.ReLU => Math.Max(z[k], 0),
                Activation.LeakyReLU => z[k] > 0 ? z[k] : slope * z[k],
                GradientCheckTests.Swish => z[k] / (1 + Math.Exp(-z[k])),
                _ => throw new ArgumentOutOfRangeException(nameof(activation)),
            };
        }

        return y;
    }
}
