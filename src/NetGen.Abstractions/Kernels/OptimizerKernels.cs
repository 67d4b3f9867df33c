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
/// Every formula is written once, generic over <see cref="IVectorOps{T, TVector}"/>, and <see cref="UpdateLoop"/> runs
/// it on the width <see cref="KernelPaths"/> chose: Vector512, Vector256, Vector128 or scalar, narrower for what is
/// shorter than one vector. Every path does the same operations per element in the same order, without fused
/// multiply-adds, so all give the same bits as the scalar path.
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
            UpdateLoop.Run<T, SgdUpdate<T>>(ref update, parameters.Length);
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
                SmallestNormal = SmallestNormal<T>(),
            };
            UpdateLoop.Run<T, SgdMomentumUpdate<T>>(ref update, parameters.Length);
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

        double biasCorrection1 = BiasCorrection(double.CreateTruncating(beta1), step);
        double biasCorrection2 = BiasCorrection(double.CreateTruncating(beta2), step);
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
                SmallestNormal = SmallestNormal<T>(),
            };
            UpdateLoop.Run<T, AdamUpdate<T>>(ref update, parameters.Length);
        }
    }

    /// <summary>
    /// Adam's 1 − βᵗ, as torch computes it: in double, from t. For 0 ≤ β &lt; 1, βᵗ = e^(t·ln β) ≤ e^(−t·(1 − β)), so once
    /// t·(1 − β) &gt; 42, βᵗ &lt; e⁻⁴² &lt; 2⁻⁶⁰, and 1 − βᵗ is exactly 1 (any βᵗ under 2⁻⁵⁴ rounds away): Math.Pow is not
    /// called, and whatever its last bits, the result is the same. Past that step βᵗ heads for underflow, where glibc's
    /// pow takes its slow path (xflow and __kernel_standard, which set errno): 4.8% of an iris step in a profile (perf,
    /// AMD EPYC Zen 3, 3 million steps). The condition costs no library call, unlike a cut-off from log₂ β.
    /// </summary>
    internal static double BiasCorrection(double beta, long step)
        => beta >= 0 && step * (1 - beta) > 42 ? 1 : 1 - Math.Pow(beta, step); // β ≥ 1, β < 0 or NaN: Math.Pow as before

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
                SmallestNormal = SmallestNormal<T>(),
            };
            UpdateLoop.Run<T, RmsPropUpdate<T>>(ref update, parameters.Length);
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
            UpdateLoop.Run<T, AdagradUpdate<T>>(ref update, parameters.Length);
        }
    }

    private static void RequireSameLength<T>(Span<T> parameters, Span<T> other, string name)
    {
        if (other.Length != parameters.Length)
        {
            throw new ArgumentException($"{name} has {other.Length} values; the parameters have {parameters.Length}.", name);
        }
    }

    /// <summary>The smallest positive normal number of <typeparamref name="T"/>: 2⁻¹²⁶ for float, 2⁻¹⁰²² for double.</summary>
    /// <remarks>
    /// The running averages (momentum's velocity, Adam's m, v and max v, RMSprop's averages and velocity) are made +0
    /// where they fall below it, as TensorFlow's flush-to-zero does for all arithmetic on its CPU threads. A parameter
    /// whose gradient turns exactly zero (a ReLU unit that stopped firing) has its averages decay geometrically: m by
    /// β₁ = 0.9 reaches the subnormals some 700 steps later and v by β₂ = 0.999 stays among them for thousands of steps,
    /// and on Intel cores every vector operation with a subnormal lane takes a microcode assist. On an Intel Xeon (Ice
    /// Lake, one thread) deep's step went from 2.0–2.8 ms to 3.5–4.3 ms after 700 steps, and iris's from 1.85 to 2.3–2.9
    /// µs; with the flush iris took 0.68–0.92 µs and deep no longer slowed. What is flushed moves a parameter by at most
    /// about α·2⁻¹²⁶ (SGD's velocity) or α·2⁻¹²⁶/((1 − β₁)·ε) (Adam: 1e-29·α with float and ε = 1e-8), far below the
    /// last bit of any normal parameter; NaN passes through.
    /// </remarks>
    private static T SmallestNormal<T>() where T : unmanaged, IFloatingPointIeee754<T>
        => T.CreateTruncating(Math.ScaleB(1.0, typeof(T) == typeof(float) ? -126 : -1022));

    // The pieces several formulas share, each written once. Generic over the width like the updates that call them.

    /// <summary>The averaged gradient with its L2 term: g = s·G + λ·θ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Gradient<T, TOps, TVector>(T* gradients, nuint i, T scale, T decay, TVector p)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<T, TVector>
        where TVector : unmanaged
        => TOps.Add(TOps.Multiply(TOps.Load(gradients, i), TOps.Create(scale)), TOps.Multiply(TOps.Create(decay), p));

    /// <summary>θ + (−α)·d, the step along direction d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Descend<T, TOps, TVector>(TVector p, T rate, TVector direction)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<T, TVector>
        where TVector : unmanaged
        => TOps.Add(p, TOps.Multiply(TOps.Create(-rate), direction));

    /// <summary>a + (1 − β)·(g − a), as torch's <c>lerp_(grad, 1 − β)</c> of a running average.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Lerp<T, TOps, TVector>(TVector average, TVector g, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<T, TVector>
        where TVector : unmanaged
        => TOps.Add(average, TOps.Multiply(TOps.Create(T.One - beta), TOps.Subtract(g, average)));

    /// <summary>β·v + (1 − β)·g·g, a running average of squares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector AverageSquares<T, TOps, TVector>(TVector average, TVector g, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<T, TVector>
        where TVector : unmanaged
        => TOps.Add(TOps.Multiply(TOps.Create(beta), average), TOps.Multiply(TOps.Multiply(TOps.Create(T.One - beta), g), g));

    /// <summary>SGD: Parameters only.</summary>
    private struct SgdUpdate<T> : IParameterUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G;
        public T Scale, Rate, Decay;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly UpdatedVectors<TVector> Compute<TOps, TVector>(nuint i)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TVector p = TOps.Load(P, i);
            TVector g = Gradient<T, TOps, TVector>(G, i, Scale, Decay, p);
            return new UpdatedVectors<TVector> { Parameters = Descend<T, TOps, TVector>(p, Rate, g) };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TOps, TVector>(nuint i, in UpdatedVectors<TVector> result)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TOps.Store(P, i, result.Parameters);
            TOps.Store(G, i, TOps.Create(T.Zero));
        }
    }

    /// <summary>SGD with momentum: State1 is the velocity b ← μ·b + g; the step is along b, or g + μ·b (Nesterov).</summary>
    private struct SgdMomentumUpdate<T> : IParameterUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, B;
        public T Scale, Rate, Momentum, Decay, SmallestNormal;
        public bool Nesterov;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly UpdatedVectors<TVector> Compute<TOps, TVector>(nuint i)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TVector p = TOps.Load(P, i);
            TVector g = Gradient<T, TOps, TVector>(G, i, Scale, Decay, p);
            TVector b = TOps.FlushSubnormal(TOps.Add(TOps.Multiply(TOps.Create(Momentum), TOps.Load(B, i)), g), TOps.Create(SmallestNormal));
            TVector direction = Nesterov ? TOps.Add(g, TOps.Multiply(TOps.Create(Momentum), b)) : b;
            return new UpdatedVectors<TVector> { Parameters = Descend<T, TOps, TVector>(p, Rate, direction), State1 = b };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TOps, TVector>(nuint i, in UpdatedVectors<TVector> result)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TOps.Store(P, i, result.Parameters);
            TOps.Store(B, i, result.State1);
            TOps.Store(G, i, TOps.Create(T.Zero));
        }
    }

    /// <summary>
    /// Adam: State1 is the first moment m, State2 the second moment v, State3 (AMSGrad) the running maximum of v. The step
    /// is α/(1 − β₁ᵗ) along m / (√v̂·(1 − β₂ᵗ)^−½ + ε), from θ already shrunk by AdamW's decoupled decay.
    /// </summary>
    private struct AdamUpdate<T> : IParameterUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, M, V, VMax;
        public bool Amsgrad;
        public T Scale, Beta1, Beta2, Epsilon, L2, Shrink, StepSize, InverseBiasCorrection2Sqrt, SmallestNormal;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly UpdatedVectors<TVector> Compute<TOps, TVector>(nuint i)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TVector p = TOps.Multiply(TOps.Load(P, i), TOps.Create(Shrink));
            TVector g = Gradient<T, TOps, TVector>(G, i, Scale, L2, p);
            TVector smallestNormal = TOps.Create(SmallestNormal);
            TVector m = TOps.FlushSubnormal(Lerp<T, TOps, TVector>(TOps.Load(M, i), g, Beta1), smallestNormal);
            TVector v = TOps.FlushSubnormal(AverageSquares<T, TOps, TVector>(TOps.Load(V, i), g, Beta2), smallestNormal);
            TVector vMax = Amsgrad ? TOps.FlushSubnormal(TOps.Max(TOps.Load(VMax, i), v), smallestNormal) : v;
            TVector denominator = TOps.Add(TOps.Multiply(TOps.Sqrt(vMax), TOps.Create(InverseBiasCorrection2Sqrt)), TOps.Create(Epsilon));
            return new UpdatedVectors<TVector>
            {
                Parameters = Descend<T, TOps, TVector>(p, StepSize, TOps.Divide(m, denominator)), State1 = m, State2 = v, State3 = vMax,
            };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TOps, TVector>(nuint i, in UpdatedVectors<TVector> result)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TOps.Store(P, i, result.Parameters);
            TOps.Store(M, i, result.State1);
            TOps.Store(V, i, result.State2);
            if (Amsgrad)
            {
                TOps.Store(VMax, i, result.State3);
            }

            TOps.Store(G, i, TOps.Create(T.Zero));
        }
    }

    /// <summary>
    /// RMSprop: State1 is the average of squares s, State2 (centered) the average gradient a, State3 (momentum) the
    /// velocity b ← μ·b + g / (√(s − a²) + ε); the step is along b, or along that quotient without momentum.
    /// </summary>
    private struct RmsPropUpdate<T> : IParameterUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, S, A, B;
        public bool Centered, HasMomentum;
        public T Scale, Rate, Alpha, Epsilon, Momentum, Decay, SmallestNormal;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly UpdatedVectors<TVector> Compute<TOps, TVector>(nuint i)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TVector p = TOps.Load(P, i);
            TVector g = Gradient<T, TOps, TVector>(G, i, Scale, Decay, p);
            TVector smallestNormal = TOps.Create(SmallestNormal);
            TVector s = TOps.FlushSubnormal(AverageSquares<T, TOps, TVector>(TOps.Load(S, i), g, Alpha), smallestNormal);
            TVector a = default;
            TVector variance = s;
            if (Centered)
            {
                a = TOps.FlushSubnormal(Lerp<T, TOps, TVector>(TOps.Load(A, i), g, Alpha), smallestNormal);
                variance = TOps.Subtract(s, TOps.Multiply(a, a));
            }

            TVector step = TOps.Divide(g, TOps.Add(TOps.Sqrt(variance), TOps.Create(Epsilon)));
            if (HasMomentum)
            {
                step = TOps.FlushSubnormal(TOps.Add(TOps.Multiply(TOps.Create(Momentum), TOps.Load(B, i)), step), smallestNormal);
            }

            return new UpdatedVectors<TVector> { Parameters = Descend<T, TOps, TVector>(p, Rate, step), State1 = s, State2 = a, State3 = step };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TOps, TVector>(nuint i, in UpdatedVectors<TVector> result)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TOps.Store(P, i, result.Parameters);
            TOps.Store(S, i, result.State1);
            if (Centered)
            {
                TOps.Store(A, i, result.State2);
            }

            if (HasMomentum)
            {
                TOps.Store(B, i, result.State3);
            }

            TOps.Store(G, i, TOps.Create(T.Zero));
        }
    }

    /// <summary>Adagrad: State1 is the sum of squares s ← s + g²; the step is along g / (√s + ε) at the decayed rate.</summary>
    private struct AdagradUpdate<T> : IParameterUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, S;
        public T Scale, Rate, Epsilon, Decay;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly UpdatedVectors<TVector> Compute<TOps, TVector>(nuint i)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TVector p = TOps.Load(P, i);
            TVector g = Gradient<T, TOps, TVector>(G, i, Scale, Decay, p);
            TVector s = TOps.Add(TOps.Load(S, i), TOps.Multiply(g, g));
            TVector step = TOps.Divide(g, TOps.Add(TOps.Sqrt(s), TOps.Create(Epsilon)));
            return new UpdatedVectors<TVector> { Parameters = Descend<T, TOps, TVector>(p, Rate, step), State1 = s };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TOps, TVector>(nuint i, in UpdatedVectors<TVector> result)
            where TOps : struct, IVectorOps<T, TVector>
            where TVector : unmanaged
        {
            TOps.Store(P, i, result.Parameters);
            TOps.Store(S, i, result.State1);
            TOps.Store(G, i, TOps.Create(T.Zero));
        }
    }
}
