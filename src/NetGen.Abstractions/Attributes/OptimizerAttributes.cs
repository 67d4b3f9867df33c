using System;

namespace NetGen;

/// <summary>
/// The base of every optimizer attribute; a network carries at most one. In each formula g is the gradient averaged
/// over the samples of the step (after clipping), θ a parameter, α the learning rate and t the step count from 1.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public abstract class OptimizerAttribute : Attribute
{
    /// <summary>
    /// When greater than zero, the averaged gradient is rescaled before each update so that its global L2 norm over
    /// all parameters is at most this value, as <c>torch.nn.utils.clip_grad_norm_</c>: g ← g·min(1, c / (‖g‖ + 10⁻⁶)).
    /// 0, the default, turns clipping off.
    /// </summary>
    public double GradientClipNorm { get; set; }
}

/// <summary>
/// Stochastic gradient descent, as <c>torch.optim.SGD</c> (dampening 0). With weight decay λ, momentum μ and velocity b
/// (starting at 0):
/// <code>
/// g ← g + λ·θ
/// b ← μ·b + g                      (when μ ≠ 0)
/// g ← Nesterov ? g + μ·b : b       (when μ ≠ 0)
/// θ ← θ − α·g
/// </code>
/// This is the optimizer a network gets when it declares none.
/// </summary>
public sealed class SgdAttribute : OptimizerAttribute
{
    /// <summary>The learning rate α; greater than zero. 0.01 by default.</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>The momentum μ in [0, 1); 0 (plain SGD) by default.</summary>
    public double Momentum { get; set; }

    /// <summary>Whether to use Nesterov momentum (needs <see cref="Momentum"/> &gt; 0).</summary>
    public bool Nesterov { get; set; }

    /// <summary>The L2 penalty λ ≥ 0 added to the gradient; 0 by default.</summary>
    public double WeightDecay { get; set; }
}

/// <summary>
/// Adam, as <c>torch.optim.Adam</c>. With weight decay λ (an L2 term added to the gradient) and moments m, v starting at 0:
/// <code>
/// g ← g + λ·θ
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← AmsGrad ? max(v̂, v) : v
/// θ ← θ − (α / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// </code>
/// </summary>
public sealed class AdamAttribute : OptimizerAttribute
{
    /// <summary>The learning rate α; 10⁻³ by default.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>The first moment's decay β₁ in [0, 1); 0.9 by default.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>The second moment's decay β₂ in [0, 1); 0.999 by default.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>ε &gt; 0, added to the denominator after the square root; 10⁻⁸ by default.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>The L2 penalty λ ≥ 0 added to the gradient; 0 by default.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Whether to use the AMSGrad variant, which divides by the running maximum of v.</summary>
    public bool Amsgrad { get; set; }
}

/// <summary>
/// AdamW, as <c>torch.optim.AdamW</c>: Adam with decoupled weight decay, applied to θ before the Adam step
/// rather than added to the gradient:
/// <code>
/// θ ← θ·(1 − α·λ)
/// then the Adam update of <see cref="AdamAttribute"/> with λ = 0
/// </code>
/// </summary>
public sealed class AdamWAttribute : OptimizerAttribute
{
    /// <summary>The learning rate α; 10⁻³ by default.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>The first moment's decay β₁ in [0, 1); 0.9 by default.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>The second moment's decay β₂ in [0, 1); 0.999 by default.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>ε &gt; 0, added to the denominator after the square root; 10⁻⁸ by default.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>The decoupled weight decay λ ≥ 0; 0.01 by default.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>Whether to use the AMSGrad variant, which divides by the running maximum of v.</summary>
    public bool Amsgrad { get; set; }
}

/// <summary>
/// RMSprop, as <c>torch.optim.RMSprop</c>. With weight decay λ, square average s, (centered) gradient average a and
/// momentum buffer b, all starting at 0:
/// <code>
/// g ← g + λ·θ
/// s ← α_s·s + (1 − α_s)·g²              (α_s is <see cref="Alpha"/>)
/// a ← α_s·a + (1 − α_s)·g               (when Centered)
/// d ← √(s − a²) + ε if Centered, else √s + ε
/// b ← μ·b + g / d;  θ ← θ − α·b        (when μ &gt; 0)
/// θ ← θ − α·g / d                      (otherwise)
/// </code>
/// </summary>
public sealed class RmsPropAttribute : OptimizerAttribute
{
    /// <summary>The learning rate α; 10⁻² by default.</summary>
    public double LearningRate { get; set; } = 1e-2;

    /// <summary>The smoothing constant in [0, 1); 0.99 by default.</summary>
    public double Alpha { get; set; } = 0.99;

    /// <summary>ε &gt; 0, added to the denominator after the square root; 10⁻⁸ by default.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>The momentum μ in [0, 1); 0 by default.</summary>
    public double Momentum { get; set; }

    /// <summary>The L2 penalty λ ≥ 0 added to the gradient; 0 by default.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Whether to normalise by an estimate of the gradient's variance rather than its second moment.</summary>
    public bool Centered { get; set; }
}

/// <summary>
/// Adagrad, as <c>torch.optim.Adagrad</c> (initial accumulator 0). With weight decay λ and learning-rate decay η, and
/// the sum of squares s starting at 0:
/// <code>
/// g ← g + λ·θ
/// s ← s + g²
/// θ ← θ − (α / (1 + (t − 1)·η)) · g / (√s + ε)
/// </code>
/// </summary>
public sealed class AdagradAttribute : OptimizerAttribute
{
    /// <summary>The learning rate α; 10⁻² by default.</summary>
    public double LearningRate { get; set; } = 1e-2;

    /// <summary>ε &gt; 0, added to the denominator after the square root; 10⁻¹⁰ by default.</summary>
    public double Epsilon { get; set; } = 1e-10;

    /// <summary>The L2 penalty λ ≥ 0 added to the gradient; 0 by default.</summary>
    public double WeightDecay { get; set; }

    /// <summary>The learning-rate decay η ≥ 0; 0 by default.</summary>
    public double LearningRateDecay { get; set; }
}
