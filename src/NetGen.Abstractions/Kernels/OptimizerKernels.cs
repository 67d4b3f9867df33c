using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels;

/// <summary>
/// Parameter updates over the flat parameter vector, each the <c>torch.optim</c> formula of the same name (see the
/// optimizer attributes). Every update is one fused vectorised pass that reads the accumulated gradient G, scales it
/// to the averaged gradient g = s·G, updates the parameters and the optimizer's state, and clears G for the next
/// step. State vectors are laid out like the parameters.
/// </summary>
/// <remarks>
/// Updates are bound by memory traffic (and Adam's by the divider), not by FMA throughput, so they use
/// <see cref="Vector{T}"/> (the vector the runtime prefers: 256 bits on AVX2 and AVX-512 machines alike) rather than
/// separate 512/256/128-bit paths. On a path that <see cref="KernelPaths"/> forces narrower than Vector&lt;T&gt; they
/// run their scalar loop.
/// </remarks>
public static unsafe class OptimizerKernels
{
    /// <summary>
    /// The gradient scale after global-norm clipping, as <c>torch.nn.utils.clip_grad_norm_</c>: the averaged gradient
    /// g = s·G is rescaled by min(1, maxNorm / (‖g‖₂ + 10⁻⁶)). Returns <paramref name="gradientScale"/> unchanged when
    /// <paramref name="maxNorm"/> is 0 (off).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T ClipGradientScale<T>(ReadOnlySpan<T> gradients, T gradientScale, T maxNorm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (maxNorm <= T.Zero)
        {
            return gradientScale;
        }

        T norm = TensorPrimitives.Norm(gradients) * T.Abs(gradientScale);
        T coefficient = maxNorm / (norm + T.CreateTruncating(1e-6));
        return coefficient < T.One ? gradientScale * coefficient : gradientScale;
    }

    /// <summary>SGD without momentum: θ ← θ − α·(g + λ·θ).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Sgd<T>(Span<T> parameters, Span<T> gradients, T learningRate, T weightDecay, T gradientScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(parameters, gradients, nameof(gradients));
        fixed (T* p = parameters, g = gradients)
        {
            var update = new SgdUpdate<T> { P = p, G = g, Scale = gradientScale, Rate = learningRate, Decay = weightDecay };
            UpdateLoop.Run<T, SgdUpdate<T>, SgdUpdate<T>.Result>(ref update, parameters.Length);
        }
    }

    /// <summary>SGD with weight decay λ and momentum μ (optionally Nesterov), keeping the velocity in <paramref name="velocity"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void SgdMomentum<T>(Span<T> parameters, Span<T> gradients, Span<T> velocity, T learningRate, T momentum, bool nesterov, T weightDecay, T gradientScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(parameters, gradients, nameof(gradients));
        RequireSameLength(parameters, velocity, nameof(velocity));
        fixed (T* p = parameters, g = gradients, b = velocity)
        {
            var update = new SgdMomentumUpdate<T>
            {
                P = p, G = g, B = b, Scale = gradientScale, Rate = learningRate, Momentum = momentum, Nesterov = nesterov, Decay = weightDecay,
            };
            UpdateLoop.Run<T, SgdMomentumUpdate<T>, SgdMomentumUpdate<T>.Result>(ref update, parameters.Length);
        }
    }

    /// <summary>
    /// Adam (<paramref name="decoupledWeightDecay"/> false: λ is an L2 term in the gradient) or AdamW (true: θ ← θ·(1 − α·λ)
    /// first). <paramref name="maxSecondMoments"/> is empty unless AMSGrad is on. <paramref name="step"/> is t, from 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Adam<T>(
        Span<T> parameters, Span<T> gradients, Span<T> firstMoments, Span<T> secondMoments, Span<T> maxSecondMoments,
        T learningRate, T beta1, T beta2, T epsilon, T weightDecay, bool decoupledWeightDecay, long step, T gradientScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(parameters, gradients, nameof(gradients));
        RequireSameLength(parameters, firstMoments, nameof(firstMoments));
        RequireSameLength(parameters, secondMoments, nameof(secondMoments));
        bool amsgrad = !maxSecondMoments.IsEmpty;
        if (amsgrad)
        {
            RequireSameLength(parameters, maxSecondMoments, nameof(maxSecondMoments));
        }

        // As torch computes them: in double, from t.
        double biasCorrection1 = 1 - Math.Pow(double.CreateTruncating(beta1), step);
        double biasCorrection2 = 1 - Math.Pow(double.CreateTruncating(beta2), step);
        fixed (T* p = parameters, g = gradients, m = firstMoments, v = secondMoments, vMax = maxSecondMoments)
        {
            var update = new AdamUpdate<T>
            {
                P = p, G = g, M = m, V = v, VMax = vMax, Amsgrad = amsgrad, Scale = gradientScale,
                Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon,
                L2 = decoupledWeightDecay ? T.Zero : weightDecay,
                Shrink = decoupledWeightDecay ? T.One - learningRate * weightDecay : T.One,
                StepSize = T.CreateTruncating(double.CreateTruncating(learningRate) / biasCorrection1),
                // A multiply instead of torch's division: the divider, which sqrt and m / denominator also need, bounds this loop.
                InverseBiasCorrection2Sqrt = T.CreateTruncating(1 / Math.Sqrt(biasCorrection2)),
            };
            UpdateLoop.Run<T, AdamUpdate<T>, AdamUpdate<T>.Result>(ref update, parameters.Length);
        }
    }

    /// <summary>RMSprop. <paramref name="gradientAverages"/> is empty unless centered; <paramref name="velocity"/> is empty unless momentum &gt; 0.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void RmsProp<T>(
        Span<T> parameters, Span<T> gradients, Span<T> squareAverages, Span<T> gradientAverages, Span<T> velocity,
        T learningRate, T alpha, T epsilon, T momentum, T weightDecay, T gradientScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(parameters, gradients, nameof(gradients));
        RequireSameLength(parameters, squareAverages, nameof(squareAverages));
        bool centered = !gradientAverages.IsEmpty, hasMomentum = !velocity.IsEmpty;
        if (centered)
        {
            RequireSameLength(parameters, gradientAverages, nameof(gradientAverages));
        }

        if (hasMomentum)
        {
            RequireSameLength(parameters, velocity, nameof(velocity));
        }

        fixed (T* p = parameters, g = gradients, s = squareAverages, a = gradientAverages, b = velocity)
        {
            var update = new RmsPropUpdate<T>
            {
                P = p, G = g, S = s, A = a, B = b, Centered = centered, HasMomentum = hasMomentum, Scale = gradientScale,
                Rate = learningRate, Alpha = alpha, Epsilon = epsilon, Momentum = momentum, Decay = weightDecay,
            };
            UpdateLoop.Run<T, RmsPropUpdate<T>, RmsPropUpdate<T>.Result>(ref update, parameters.Length);
        }
    }

    /// <summary>Adagrad with the running sum of squared gradients in <paramref name="sumOfSquares"/>. <paramref name="step"/> is t, from 1.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Adagrad<T>(
        Span<T> parameters, Span<T> gradients, Span<T> sumOfSquares, T learningRate, T epsilon, T weightDecay, T learningRateDecay, long step, T gradientScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(parameters, gradients, nameof(gradients));
        RequireSameLength(parameters, sumOfSquares, nameof(sumOfSquares));
        double decayedRate = double.CreateTruncating(learningRate) / (1 + (step - 1) * double.CreateTruncating(learningRateDecay));
        fixed (T* p = parameters, g = gradients, s = sumOfSquares)
        {
            var update = new AdagradUpdate<T>
            {
                P = p, G = g, S = s, Scale = gradientScale, Rate = T.CreateTruncating(decayedRate), Epsilon = epsilon, Decay = weightDecay,
            };
            UpdateLoop.Run<T, AdagradUpdate<T>, AdagradUpdate<T>.Result>(ref update, parameters.Length);
        }
    }

    private static void RequireSameLength<T>(Span<T> parameters, Span<T> other, string name)
    {
        if (other.Length != parameters.Length)
        {
            throw new ArgumentException($"{name} has {other.Length} values; the parameters have {parameters.Length}.", name);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> LoadVector<T>(T* source, nuint offset) where T : unmanaged => Unsafe.ReadUnaligned<Vector<T>>(source + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector<T>(T* destination, nuint offset, Vector<T> value) where T : unmanaged => Unsafe.WriteUnaligned(destination + offset, value);

    private struct SgdUpdate<T> : IParameterUpdate<T, SgdUpdate<T>.Result> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G;
        public T Scale, Rate, Decay;

        public struct Result
        {
            public Vector<T> P;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Result Compute(nuint i)
        {
            Vector<T> p = LoadVector(P, i);
            return new Result { P = p + new Vector<T>(-Rate) * (LoadVector(G, i) * new Vector<T>(Scale) + new Vector<T>(Decay) * p) };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(nuint i, in Result result)
        {
            StoreVector(P, i, result.P);
            StoreVector(G, i, Vector<T>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Scalar(nuint i)
        {
            P[i] += -Rate * (G[i] * Scale + Decay * P[i]);
            G[i] = T.Zero;
        }
    }

    private struct SgdMomentumUpdate<T> : IParameterUpdate<T, SgdMomentumUpdate<T>.Result> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, B;
        public T Scale, Rate, Momentum, Decay;
        public bool Nesterov;

        public struct Result
        {
            public Vector<T> P, B;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Result Compute(nuint i)
        {
            Vector<T> p = LoadVector(P, i);
            Vector<T> g = LoadVector(G, i) * new Vector<T>(Scale) + new Vector<T>(Decay) * p;
            Vector<T> b = new Vector<T>(Momentum) * LoadVector(B, i) + g;
            Vector<T> direction = Nesterov ? g + new Vector<T>(Momentum) * b : b;
            return new Result { P = p + new Vector<T>(-Rate) * direction, B = b };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(nuint i, in Result result)
        {
            StoreVector(P, i, result.P);
            StoreVector(B, i, result.B);
            StoreVector(G, i, Vector<T>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Scalar(nuint i)
        {
            T g = G[i] * Scale + Decay * P[i];
            T b = Momentum * B[i] + g;
            B[i] = b;
            P[i] += -Rate * (Nesterov ? g + Momentum * b : b);
            G[i] = T.Zero;
        }
    }

    private struct AdamUpdate<T> : IParameterUpdate<T, AdamUpdate<T>.Result> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, M, V, VMax;
        public bool Amsgrad;
        public T Scale, Beta1, Beta2, Epsilon, L2, Shrink, StepSize, InverseBiasCorrection2Sqrt;

        public struct Result
        {
            public Vector<T> P, M, V, VMax;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Result Compute(nuint i)
        {
            Vector<T> p = LoadVector(P, i) * new Vector<T>(Shrink);
            Vector<T> g = LoadVector(G, i) * new Vector<T>(Scale) + new Vector<T>(L2) * p;
            Vector<T> m = LoadVector(M, i);
            m += new Vector<T>(T.One - Beta1) * (g - m); // torch: exp_avg.lerp_(grad, 1 − β₁)
            Vector<T> v = new Vector<T>(Beta2) * LoadVector(V, i) + new Vector<T>(T.One - Beta2) * g * g;
            Vector<T> vMax = Amsgrad ? Vector.Max(LoadVector(VMax, i), v) : v;
            Vector<T> denominator = Vector.SquareRoot(vMax) * new Vector<T>(InverseBiasCorrection2Sqrt) + new Vector<T>(Epsilon);
            return new Result { P = p + new Vector<T>(-StepSize) * (m / denominator), M = m, V = v, VMax = vMax };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(nuint i, in Result result)
        {
            StoreVector(P, i, result.P);
            StoreVector(M, i, result.M);
            StoreVector(V, i, result.V);
            if (Amsgrad)
            {
                StoreVector(VMax, i, result.VMax);
            }

            StoreVector(G, i, Vector<T>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Scalar(nuint i)
        {
            T p = P[i] * Shrink;
            T g = G[i] * Scale + L2 * p;
            T m = M[i] + (T.One - Beta1) * (g - M[i]);
            T v = Beta2 * V[i] + (T.One - Beta2) * g * g;
            T vMax = Amsgrad ? T.Max(VMax[i], v) : v;
            M[i] = m;
            V[i] = v;
            if (Amsgrad)
            {
                VMax[i] = vMax;
            }

            P[i] = p + -StepSize * (m / (T.Sqrt(vMax) * InverseBiasCorrection2Sqrt + Epsilon));
            G[i] = T.Zero;
        }
    }

    private struct RmsPropUpdate<T> : IParameterUpdate<T, RmsPropUpdate<T>.Result> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, S, A, B;
        public bool Centered, HasMomentum;
        public T Scale, Rate, Alpha, Epsilon, Momentum, Decay;

        public struct Result
        {
            public Vector<T> P, S, A, B;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Result Compute(nuint i)
        {
            Vector<T> p = LoadVector(P, i);
            Vector<T> g = LoadVector(G, i) * new Vector<T>(Scale) + new Vector<T>(Decay) * p;
            Vector<T> s = new Vector<T>(Alpha) * LoadVector(S, i) + new Vector<T>(T.One - Alpha) * g * g;
            Vector<T> a = default, b = default;
            Vector<T> variance = s;
            if (Centered)
            {
                a = LoadVector(A, i);
                a += new Vector<T>(T.One - Alpha) * (g - a); // torch: grad_avg.lerp_(grad, 1 − α)
                variance = s - a * a;
            }

            Vector<T> denominator = Vector.SquareRoot(variance) + new Vector<T>(Epsilon);
            Vector<T> step;
            if (HasMomentum)
            {
                b = new Vector<T>(Momentum) * LoadVector(B, i) + g / denominator;
                step = b;
            }
            else
            {
                step = g / denominator;
            }

            return new Result { P = p + new Vector<T>(-Rate) * step, S = s, A = a, B = b };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(nuint i, in Result result)
        {
            StoreVector(P, i, result.P);
            StoreVector(S, i, result.S);
            if (Centered)
            {
                StoreVector(A, i, result.A);
            }

            if (HasMomentum)
            {
                StoreVector(B, i, result.B);
            }

            StoreVector(G, i, Vector<T>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Scalar(nuint i)
        {
            T p = P[i];
            T g = G[i] * Scale + Decay * p;
            T s = Alpha * S[i] + (T.One - Alpha) * g * g;
            S[i] = s;
            T variance = s;
            if (Centered)
            {
                T a = A[i] + (T.One - Alpha) * (g - A[i]);
                A[i] = a;
                variance = s - a * a;
            }

            T denominator = T.Sqrt(variance) + Epsilon;
            T step = g / denominator;
            if (HasMomentum)
            {
                step = Momentum * B[i] + step;
                B[i] = step;
            }

            P[i] = p + -Rate * step;
            G[i] = T.Zero;
        }
    }

    private struct AdagradUpdate<T> : IParameterUpdate<T, AdagradUpdate<T>.Result> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, S;
        public T Scale, Rate, Epsilon, Decay;

        public struct Result
        {
            public Vector<T> P, S;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Result Compute(nuint i)
        {
            Vector<T> p = LoadVector(P, i);
            Vector<T> g = LoadVector(G, i) * new Vector<T>(Scale) + new Vector<T>(Decay) * p;
            Vector<T> s = LoadVector(S, i) + g * g;
            return new Result { P = p + new Vector<T>(-Rate) * (g / (Vector.SquareRoot(s) + new Vector<T>(Epsilon))), S = s };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(nuint i, in Result result)
        {
            StoreVector(P, i, result.P);
            StoreVector(S, i, result.S);
            StoreVector(G, i, Vector<T>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Scalar(nuint i)
        {
            T p = P[i];
            T g = G[i] * Scale + Decay * p;
            T s = S[i] + g * g;
            S[i] = s;
            P[i] = p + -Rate * (g / (T.Sqrt(s) + Epsilon));
            G[i] = T.Zero;
        }
    }
}
