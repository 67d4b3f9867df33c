using System;

namespace NetGen;

/// <summary>
/// Stochastic gradient descent, as <c>torch.optim.SGD</c>: each update is θ ← θ − α·g, where g is the gradient
/// averaged over the samples of the step. This is the optimizer a network gets when it declares none.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SgdAttribute : Attribute
{
    /// <summary>The learning rate α; greater than zero. 0.01 by default.</summary>
    public double LearningRate { get; set; } = 0.01;
}
