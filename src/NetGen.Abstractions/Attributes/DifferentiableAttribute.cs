using System;

namespace NetGen;

/// <summary>
/// Marks a static method of a partial type whose gradient NetGen generates at compile time, by reverse-mode automatic
/// differentiation of its source: for <c>static double U(double x, double y)</c> it adds
/// <c>static double UGradient(double x, double y, out double dx, out double dy)</c>, which returns U's value and sets
/// each <c>d</c>-parameter to the partial derivative. A <c>ReadOnlySpan&lt;T&gt; p</c> parameter gets a
/// <c>Span&lt;T&gt; dp</c> that receives ∂f/∂p[i]. T is float or double; int parameters and locals are not differentiated.
/// <para>
/// Bodies may use locals, assignments and compound assignments, + − × ÷ and unary minus, if/else and ?:, for loops,
/// the Math and MathF functions Sin, Cos, Tan, Exp, Log, Log10, Sqrt, Pow, Abs, Tanh, Sinh, Cosh, Atan, Asin, Acos,
/// Max and Min, Math.Log(a, newBase), constants such as Math.PI and Math.E, and calls to other [Differentiable]
/// methods, with positional, named or omitted optional arguments. Only static methods of a partial type are
/// differentiated; the attribute on a local function or lambda is NG0109. Each gradient output is named d followed by
/// the parameter's name, with _2 added if the body already uses that name. Anything else is a compile error (NG01xx)
/// at the construct.
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute
{
}
