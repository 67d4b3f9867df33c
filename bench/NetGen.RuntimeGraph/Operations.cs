using System;
using System.Numerics.Tensors;
using NetGen.Kernels;

namespace NetGen.RuntimeGraph;

/// <summary>
/// The tensor operations of the engine. Each computes its output now and, while the tape records, adds a node that
/// sends the output's gradient back to its inputs. The arithmetic is NetGen.Abstractions' kernels, the same the
/// generated networks call.
/// </summary>
public static class Ops
{
    /// <summary>z = x·Wᵀ + b, with W of shape [out × in] and b of shape [1 × out].</summary>
    public static Tensor Linear(Tape tape, Tensor x, Tensor weight, Tensor bias)
    {
        Tensor z = tape.NewTensor(x.Rows, weight.Rows);
        DenseKernels.Forward<float>(weight.Data, bias.Data, x.Data, z.Data, x.Rows, x.Columns, weight.Rows);
        tape.Record(new LinearNode(x, weight, bias, z), z, x, weight, bias);
        return z;
    }

    public static Tensor Activate(Tape tape, Tensor z, Activation activation, float slope = 0.01f)
    {
        if (activation == Activation.Identity)
        {
            return z;
        }

        Tensor y = tape.NewTensor(z.Rows, z.Columns);
        switch (activation)
        {
            case Activation.Sigmoid:
                ActivationKernels.Sigmoid<float>(z.Data, y.Data);
                break;
            case Activation.Tanh:
                ActivationKernels.Tanh<float>(z.Data, y.Data);
                break;
            case Activation.ReLU:
                ActivationKernels.ReLU<float>(z.Data, y.Data);
                break;
            case Activation.LeakyReLU:
                ActivationKernels.LeakyReLU<float>(z.Data, y.Data, slope);
                break;
            default:
                ActivationKernels.Softmax<float>(z.Data, y.Data, z.Rows, z.Columns);
                break;
        }

        tape.Record(new ActivationNode(z, y, activation, slope), y, z);
        return y;
    }

    /// <summary>Mean over rows of −Σₖ tₖ·ln softmax(z)ₖ, from the logits (as torch.nn.CrossEntropyLoss).</summary>
    public static Tensor SoftmaxCrossEntropy(Tape tape, Tensor logits, Tensor targets)
        => Loss(tape, logits, targets, LossKind.SoftmaxCrossEntropy);

    /// <summary>Mean over every element of the binary cross-entropy of σ(z), from the logits (as torch.nn.BCEWithLogitsLoss).</summary>
    public static Tensor SigmoidBinaryCrossEntropy(Tape tape, Tensor logits, Tensor targets)
        => Loss(tape, logits, targets, LossKind.SigmoidBinaryCrossEntropy);

    /// <summary>Mean over every element of (y − t)² (as torch.nn.MSELoss).</summary>
    public static Tensor MeanSquaredError(Tape tape, Tensor outputs, Tensor targets)
        => Loss(tape, outputs, targets, LossKind.MeanSquaredError);

    private static Tensor Loss(Tape tape, Tensor prediction, Tensor targets, LossKind kind)
    {
        int rows = prediction.Rows, columns = prediction.Columns;
        Tensor loss = tape.NewTensor(1, 1);

        // The per-element gradient is computed with the loss (the kernels produce both in one pass) and kept for backward.
        Tensor gradient = tape.NewTensor(rows, columns);
        float sum;
        switch (kind)
        {
            case LossKind.SoftmaxCrossEntropy:
            {
                Span<float> probabilities = tape.Scratch(rows * columns);
                ActivationKernels.Softmax<float>(prediction.Data, probabilities, rows, columns);
                sum = LossKernels.SoftmaxCrossEntropy<float>(prediction.Data, probabilities, targets.Data, gradient.Data, columns);
                break;
            }

            case LossKind.SigmoidBinaryCrossEntropy:
            {
                Span<float> probabilities = tape.Scratch(rows * columns);
                ActivationKernels.Sigmoid<float>(prediction.Data, probabilities);
                sum = LossKernels.SigmoidBinaryCrossEntropy<float>(prediction.Data, probabilities, targets.Data, gradient.Data, columns);
                break;
            }

            default:
                sum = LossKernels.MeanSquaredError<float>(prediction.Data, targets.Data, gradient.Data, columns);
                break;
        }

        loss.Data[0] = sum / rows;
        tape.Record(new LossNode(prediction, gradient, loss, 1f / rows), loss, prediction);
        return loss;
    }

    private enum LossKind
    {
        SoftmaxCrossEntropy,
        SigmoidBinaryCrossEntropy,
        MeanSquaredError,
    }

    private sealed class LinearNode(Tensor x, Tensor weight, Tensor bias, Tensor z) : Operation
    {
        public override void Backward(Tape tape)
        {
            ReadOnlySpan<float> dz = z.Gradient;
            DenseKernels.AccumulateParameterGradients<float>(
                dz, x.Data, tape.GradientOf(weight, out _), tape.GradientOf(bias, out _), x.Rows, x.Columns, weight.Rows);
            if (!x.RequiresGradient && !x.IsParameter)
            {
                return;
            }

            Span<float> dx = tape.GradientOf(x, out bool fresh);
            if (fresh)
            {
                DenseKernels.BackpropagateInputs<float>(dz, weight.Data, dx, x.Rows, x.Columns, weight.Rows);
            }
            else
            {
                Span<float> contribution = tape.Scratch(dx.Length);
                DenseKernels.BackpropagateInputs<float>(dz, weight.Data, contribution, x.Rows, x.Columns, weight.Rows);
                TensorPrimitives.Add(dx, contribution, dx);
            }
        }
    }

    private sealed class ActivationNode(Tensor z, Tensor y, Activation activation, float slope) : Operation
    {
        public override void Backward(Tape tape)
        {
            Span<float> dz = tape.GradientOf(z, out bool fresh);
            Span<float> target = fresh ? dz : tape.Scratch(dz.Length);
            y.Gradient.CopyTo(target);
            switch (activation)
            {
                case Activation.Sigmoid:
                    ActivationKernels.SigmoidBackward<float>(y.Data, target);
                    break;
                case Activation.Tanh:
                    ActivationKernels.TanhBackward<float>(y.Data, target);
                    break;
                case Activation.ReLU:
                    ActivationKernels.ReLUBackward<float>(y.Data, target);
                    break;
                case Activation.LeakyReLU:
                    ActivationKernels.LeakyReLUBackward<float>(y.Data, target, slope);
                    break;
                default:
                    ActivationKernels.SoftmaxBackward<float>(y.Data, target, y.Rows, y.Columns);
                    break;
            }

            if (!fresh)
            {
                TensorPrimitives.Add(dz, target, dz);
            }
        }
    }

    /// <summary>∂(mean loss)/∂prediction = the per-element gradient of the summed loss, scaled by the upstream gradient / rows.</summary>
    private sealed class LossNode(Tensor prediction, Tensor elementGradient, Tensor loss, float inverseRows) : Operation
    {
        public override void Backward(Tape tape)
        {
            float scale = loss.Gradient[0] * inverseRows;
            Span<float> dPrediction = tape.GradientOf(prediction, out bool fresh);
            if (fresh)
            {
                TensorPrimitives.Multiply(elementGradient.Data, scale, dPrediction);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(elementGradient.Data, scale, dPrediction, dPrediction);
            }
        }
    }
}
