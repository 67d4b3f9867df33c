using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Losses over a batch of samples of <c>columns</c> outputs each, stored row-major. Each returns the <em>sum</em> of
/// the samples' losses (a sample's loss is the formula over its own outputs) and, when <c>gradient</c> is not empty,
/// writes the gradient of that sum. Dividing by the number of samples gives PyTorch's reduction <c>'mean'</c>.
/// </summary>
public static class LossKernels
{
    /// <summary>
    /// Mean squared error: a sample's loss is (1/C)·Σₖ(yₖ − tₖ)². The gradient written is with respect to the outputs,
    /// 2(y − t)/C; the caller multiplies in the output activation's derivative.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T MeanSquaredError<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, Span<T> gradient, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T inverseColumns = T.One / T.CreateTruncating(columns);
        T sumOfSquares;
        if (gradient.IsEmpty)
        {
            sumOfSquares = T.Zero;
            for (int i = 0; i < outputs.Length; i++)
            {
                T difference = outputs[i] - targets[i];
                sumOfSquares += difference * difference;
            }
        }
        else
        {
            ElementwiseLoop.Apply(outputs, targets, gradient, default(Difference<T>));
            sumOfSquares = RowMath.Dot<T>(gradient, gradient);
            ElementwiseLoop.Apply(gradient, gradient, new Scaled<T>((T.One + T.One) * inverseColumns));
        }

        return sumOfSquares * inverseColumns;
    }

    /// <summary>
    /// Binary cross-entropy of sigmoid outputs: a sample's loss is (1/C)·Σₖ −[tₖ·ln yₖ + (1 − tₖ)·ln(1 − yₖ)] with
    /// y = σ(z). It is evaluated from the logits z as max(z, 0) − t·z + ln(1 + e^−|z|), which is the same value but stays
    /// finite where y rounds to 0 or 1. The gradient written is with respect to the logits, (y − t)/C: the sigmoid's
    /// derivative cancels against the loss's, so no 0/0 can arise.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T SigmoidBinaryCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, Span<T> gradient, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T inverseColumns = T.One / T.CreateTruncating(columns);
        T sum = T.Zero;
        for (int i = 0; i < logits.Length; i++)
        {
            T z = logits[i];
            sum += T.Max(z, T.Zero) - targets[i] * z + T.LogP1(T.Exp(-T.Abs(z)));
        }

        if (!gradient.IsEmpty)
        {
            ElementwiseLoop.Apply(outputs, targets, gradient, new ScaledDifference<T>(inverseColumns));
        }

        return sum * inverseColumns;
    }

    /// <summary>
    /// Cross-entropy of softmax outputs against class-probability targets: a sample's loss is −Σₖ tₖ·ln softmax(z)ₖ,
    /// evaluated as Σₖ tₖ·(logsumexp(z) − zₖ). The gradient written is with respect to the logits, y·Σₖtₖ − t, which is
    /// y − t for targets that sum to one. <paramref name="outputs"/> must be softmax(<paramref name="logits"/>), as the
    /// forward pass leaves them: the log-sum-exp is read from them rather than recomputed.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, Span<T> gradient, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = logits.Length / columns;
        T sum = T.Zero;
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> z = logits.Slice(row * columns, columns);
            ReadOnlySpan<T> t = targets.Slice(row * columns, columns);
            T targetMass = RowMath.Sum(t);
            sum += targetMass * LogSumExpFromSoftmax(z, outputs.Slice(row * columns, columns)) - RowMath.Dot(t, z);
            if (!gradient.IsEmpty)
            {
                Span<T> g = gradient.Slice(row * columns, columns);
                ReadOnlySpan<T> y = outputs.Slice(row * columns, columns);
                for (int k = 0; k < columns; k++)
                {
                    g[k] = y[k] * targetMass - t[k];
                }
            }
        }

        return sum;
    }

    /// <summary>
    /// Cross-entropy of softmax outputs against class indices: a sample's loss is logsumexp(z) − z[label]. The gradient
    /// written is with respect to the logits, y − onehot(label). Labels must already be checked to lie in [0, C), and
    /// <paramref name="outputs"/> must be softmax(<paramref name="logits"/>), as the forward pass leaves them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> outputs, ReadOnlySpan<int> labels, Span<T> gradient, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int row = 0; row < labels.Length; row++)
        {
            ReadOnlySpan<T> z = logits.Slice(row * columns, columns);
            int label = labels[row];
            sum += LogSumExpFromSoftmax(z, outputs.Slice(row * columns, columns)) - z[label];
            if (!gradient.IsEmpty)
            {
                Span<T> g = gradient.Slice(row * columns, columns);
                outputs.Slice(row * columns, columns).CopyTo(g);
                g[label] -= T.One;
            }
        }

        return sum;
    }

    /// <summary>
    /// logsumexp(z) from y = softmax(z), without an exponential: ln yₖ = zₖ − logsumexp(z) for every k, taken at the
    /// largest yₖ, which is at least 1/C, so its logarithm is as exact as y. At that k, yₖ = 1/Σⱼ e^(zⱼ − max), and the
    /// result equals max + ln Σⱼ e^(zⱼ − max) up to the rounding of one division.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T LogSumExpFromSoftmax<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int largest = 0;
        for (int k = 1; k < y.Length; k++)
        {
            if (y[k] > y[largest])
            {
                largest = k;
            }
        }

        return z[largest] - T.Log(y[largest]);
    }

    /// <summary>y − t.</summary>
    private readonly struct Difference<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T y, T t) => y - t;
        public Vector128<T> Invoke(Vector128<T> y, Vector128<T> t) => y - t;
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> t) => y - t;
        public Vector512<T> Invoke(Vector512<T> y, Vector512<T> t) => y - t;
    }

    /// <summary>scale·(y − t).</summary>
    private readonly struct ScaledDifference<T>(T scale) : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T y, T t) => (y - t) * scale;
        public Vector128<T> Invoke(Vector128<T> y, Vector128<T> t) => (y - t) * Vector128.Create(scale);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> t) => (y - t) * Vector256.Create(scale);
        public Vector512<T> Invoke(Vector512<T> y, Vector512<T> t) => (y - t) * Vector512.Create(scale);
    }

    /// <summary>scale·x (the second operand, the destination's old value, is x itself and ignored).</summary>
    private readonly struct Scaled<T>(T scale) : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T x, T unused) => x * scale;
        public Vector128<T> Invoke(Vector128<T> x, Vector128<T> unused) => x * Vector128.Create(scale);
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> unused) => x * Vector256.Create(scale);
        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> unused) => x * Vector512.Create(scale);
    }
}
