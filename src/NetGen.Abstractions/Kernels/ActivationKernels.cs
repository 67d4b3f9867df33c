using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Activations over spans of pre-activations, and their derivatives. Every derivative is taken from the layer's
/// <em>output</em> y = f(z), which the forward pass keeps anyway, and multiplied into the incoming gradient in place:
/// <c>gradient[i] *= f′(z[i])</c>.
/// </summary>
public static class ActivationKernels
{
    /// <summary>y = 1 / (1 + e⁻ᶻ): 0 where e⁻ᶻ overflows, 1 where it underflows; the lane kernels' formula.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> z, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            TensorPrimitives.Sigmoid(z, y);
            return;
        }

        ElementwiseLoop.Apply(z, y, default(SigmoidForward<T>));
    }

    /// <summary>
    /// y = tanh z: odd bit for bit, and 0 at 0, on every path (TensorPrimitives.Tanh gave −2⁻²⁴ for a float 0). The same
    /// formula as the lane kernels' (<see cref="VectorFunctions.Tanh{T}(Vector256{T})"/>), within a few ulp of Math.Tanh.
    /// </summary>
    public static void Tanh<T>(ReadOnlySpan<T> z, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            TensorPrimitives.Tanh(z, y);
            return;
        }

        ElementwiseLoop.Apply(z, y, default(TanhForward<T>));
    }

    /// <summary>y = max(z, 0); NaN stays NaN. An inlined loop rather than TensorPrimitives.Max, which has no precompiled code and ran as tier-0 code for the first steps.</summary>
    public static void ReLU<T>(ReadOnlySpan<T> z, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementwiseLoop.Apply(z, y, default(ReLUForward<T>));

    /// <summary>y = z for z &gt; 0, else slope·z.</summary>
    public static void LeakyReLU<T>(ReadOnlySpan<T> z, Span<T> y, T slope) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementwiseLoop.Apply(z, y, new LeakyReLUForward<T>(slope));

    /// <summary>Softmax of each of the <paramref name="rows"/> rows of <paramref name="columns"/> values, shifted by the row's maximum so no exponent overflows.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Softmax<T>(ReadOnlySpan<T> z, Span<T> y, int rows, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> logits = z.Slice(row * columns, columns);
            Span<T> probabilities = y.Slice(row * columns, columns);
            T sum = RowMath.ExpShifted(logits, RowMath.Max(logits), probabilities);
            for (int k = 0; k < columns; k++)
            {
                probabilities[k] /= sum;
            }
        }
    }

    /// <summary>gradient ·= y(1 − y), the sigmoid's derivative at its output y.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> y, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementwiseLoop.Apply(y, gradient, default(SigmoidDerivative<T>));

    /// <summary>gradient ·= 1 − y², the tanh's derivative at its output y.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> y, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementwiseLoop.Apply(y, gradient, default(TanhDerivative<T>));

    /// <summary>gradient ·= [y &gt; 0], the ReLU's derivative (taken as 0 at 0, as PyTorch does); NaN in y or the gradient stays NaN.</summary>
    public static void ReLUBackward<T>(ReadOnlySpan<T> y, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementwiseLoop.Apply(y, gradient, new LeakyReLUDerivative<T>(T.Zero));

    /// <summary>gradient ·= (y &gt; 0 ? 1 : slope), the leaky ReLU's derivative for a slope ≥ 0; NaN in y or the gradient stays NaN.</summary>
    public static void LeakyReLUBackward<T>(ReadOnlySpan<T> y, Span<T> gradient, T slope) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementwiseLoop.Apply(y, gradient, new LeakyReLUDerivative<T>(slope));

    /// <summary>
    /// Replaces each row's gradient g with respect to the softmax output y by the gradient with respect to its logits:
    /// yᵢ·(gᵢ − Σⱼ gⱼyⱼ), the product with the softmax's Jacobian.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxBackward<T>(ReadOnlySpan<T> y, Span<T> gradient, int rows, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> probabilities = y.Slice(row * columns, columns);
            Span<T> g = gradient.Slice(row * columns, columns);
            T weightedSum = RowMath.Dot<T>(g, probabilities);
            for (int k = 0; k < columns; k++)
            {
                g[k] = (g[k] - weightedSum) * probabilities[k];
            }
        }
    }

    private readonly struct ReLUForward<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        // x is z; y (the destination's old value) is ignored. Only z < 0 becomes 0, so NaN passes through.
        public T Invoke(T z, T y) => z < T.Zero ? T.Zero : z;
        public Vector128<T> Invoke(Vector128<T> z, Vector128<T> y) => Vector128.AndNot(z, Vector128.LessThan(z, Vector128<T>.Zero));
        public Vector256<T> Invoke(Vector256<T> z, Vector256<T> y) => Vector256.AndNot(z, Vector256.LessThan(z, Vector256<T>.Zero));
        public Vector512<T> Invoke(Vector512<T> z, Vector512<T> y) => Vector512.AndNot(z, Vector512.LessThan(z, Vector512<T>.Zero));
    }

    private readonly struct SigmoidForward<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        // x is z; y (the destination's old value) is ignored. Only float and double reach the vector forms.
        public T Invoke(T z, T y) => T.One / (T.One + T.Exp(-z));
        public Vector128<T> Invoke(Vector128<T> z, Vector128<T> y) => Vector128<T>.One / (Vector128<T>.One + VectorFunctions.Exp(-z));
        public Vector256<T> Invoke(Vector256<T> z, Vector256<T> y) => Vector256<T>.One / (Vector256<T>.One + VectorFunctions.Exp(-z));
        public Vector512<T> Invoke(Vector512<T> z, Vector512<T> y) => Vector512<T>.One / (Vector512<T>.One + VectorFunctions.Exp(-z));
    }

    private readonly struct TanhForward<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        // x is z; y (the destination's old value) is ignored. Only float and double reach the vector forms.
        public T Invoke(T z, T y) => T.Tanh(z);
        public Vector128<T> Invoke(Vector128<T> z, Vector128<T> y) => VectorFunctions.Tanh(z);
        public Vector256<T> Invoke(Vector256<T> z, Vector256<T> y) => VectorFunctions.Tanh(z);
        public Vector512<T> Invoke(Vector512<T> z, Vector512<T> y) => VectorFunctions.Tanh(z);
    }

    private readonly struct LeakyReLUForward<T>(T slope) : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        // x is z; y (the destination's old value) is ignored.
        public T Invoke(T z, T y) => z > T.Zero ? z : slope * z;
        public Vector128<T> Invoke(Vector128<T> z, Vector128<T> y) => Vector128.ConditionalSelect(Vector128.GreaterThan(z, Vector128<T>.Zero), z, z * Vector128.Create(slope));
        public Vector256<T> Invoke(Vector256<T> z, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<T>.Zero), z, z * Vector256.Create(slope));
        public Vector512<T> Invoke(Vector512<T> z, Vector512<T> y) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<T>.Zero), z, z * Vector512.Create(slope));
    }

    private readonly struct SigmoidDerivative<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T y, T g) => g * y * (T.One - y);
        public Vector128<T> Invoke(Vector128<T> y, Vector128<T> g) => g * y * (Vector128<T>.One - y);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> g) => g * y * (Vector256<T>.One - y);
        public Vector512<T> Invoke(Vector512<T> y, Vector512<T> g) => g * y * (Vector512<T>.One - y);
    }

    private readonly struct TanhDerivative<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T y, T g) => g * (T.One - y * y);
        public Vector128<T> Invoke(Vector128<T> y, Vector128<T> g) => g * (Vector128<T>.One - y * y);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> g) => g * (Vector256<T>.One - y * y);
        public Vector512<T> Invoke(Vector512<T> y, Vector512<T> g) => g * (Vector512<T>.One - y * y);
    }

    private readonly struct LeakyReLUDerivative<T>(T slope) : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A NaN output passes on as the gradient, as a NaN gradient does (slope·NaN): neither becomes 0.
        public T Invoke(T y, T g) => y > T.Zero ? g : T.IsNaN(y) ? y : slope * g;
        public Vector128<T> Invoke(Vector128<T> y, Vector128<T> g) => Vector128.ConditionalSelect(Vector128.Equals(y, y), Vector128.ConditionalSelect(Vector128.GreaterThan(y, Vector128<T>.Zero), g, g * Vector128.Create(slope)), y);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> g) => Vector256.ConditionalSelect(Vector256.Equals(y, y), Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<T>.Zero), g, g * Vector256.Create(slope)), y);
        public Vector512<T> Invoke(Vector512<T> y, Vector512<T> g) => Vector512.ConditionalSelect(Vector512.Equals(y, y), Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<T>.Zero), g, g * Vector512.Create(slope)), y);
    }
}
