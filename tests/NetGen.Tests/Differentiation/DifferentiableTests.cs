using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using F = NetGen.Tests.Differentiation.Functions;

namespace NetGen.Tests.Differentiation;

/// <summary>Generated gradients against central finite differences computed here, and against closed forms.</summary>
public sealed class DifferentiableTests
{
    private delegate double Scalar(double[] x);

    private delegate double Gradient(double[] x, double[] gradient);

    [Fact]
    public void The_gradient_of_u_at_one_one_one_is_exactly_four_four_two()
    {
        double value = F.UGradient(1, 1, 1, out double dx, out double dy, out double dz);

        Assert.Equal(1 + 2 + 1 + 1, value); // u(1, 1, 1) = x² + 2xy + y² + z² = 5
        Assert.Equal((4.0, 4.0, 2.0), (dx, dy, dz));
    }

    /// <summary>Scalar functions of 1–3 arguments: the function and its generated gradient, adapted to arrays.</summary>
    public static IEnumerable<object[]> ScalarFunctions()
    {
        yield return Case("U", 3, x => F.U(x[0], x[1], x[2]), (x, g) => F.UGradient(x[0], x[1], x[2], out g[0], out g[1], out g[2]));
        yield return Case("Product", 2, x => F.Product(x[0], x[1]), (x, g) => F.ProductGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("Quotient", 2, x => F.Quotient(x[0], x[1]), (x, g) => F.QuotientGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("Negation", 2, x => F.Negation(x[0], x[1]), (x, g) => F.NegationGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("Polynomial", 1, x => F.Polynomial(x[0]), (x, g) => F.PolynomialGradient(x[0], out g[0]));
        yield return Case("Trigonometry", 2, x => F.Trigonometry(x[0], x[1]), (x, g) => F.TrigonometryGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("Exponentials", 2, x => F.Exponentials(x[0], x[1]), (x, g) => F.ExponentialsGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("Roots", 2, x => F.Roots(x[0], x[1]), (x, g) => F.RootsGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("Powers", 2, x => F.Powers(x[0], x[1]), (x, g) => F.PowersGradient(x[0], x[1], out g[0], out g[1]), positive: true);
        yield return Case("AbsoluteValue", 2, x => F.AbsoluteValue(x[0], x[1]), (x, g) => F.AbsoluteValueGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("Hyperbolic", 2, x => F.Hyperbolic(x[0], x[1]), (x, g) => F.HyperbolicGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("InverseTrigonometry", 1, x => F.InverseTrigonometry(x[0]), (x, g) => F.InverseTrigonometryGradient(x[0], out g[0]));
        yield return Case("MaxAndMin", 3, x => F.MaxAndMin(x[0], x[1], x[2]), (x, g) => F.MaxAndMinGradient(x[0], x[1], x[2], out g[0], out g[1], out g[2]));
        yield return Case("Locals", 2, x => F.Locals(x[0], x[1]), (x, g) => F.LocalsGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("CompoundAssignments", 2, x => F.CompoundAssignments(x[0], x[1]), (x, g) => F.CompoundAssignmentsGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("Reassignment", 1, x => F.Reassignment(x[0]), (x, g) => F.ReassignmentGradient(x[0], out g[0]));
        yield return Case("IfElse", 2, x => F.IfElse(x[0], x[1]), (x, g) => F.IfElseGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("IfWithoutElse", 1, x => F.IfWithoutElse(x[0]), (x, g) => F.IfWithoutElseGradient(x[0], out g[0]));
        yield return Case("Ternary", 2, x => F.Ternary(x[0], x[1]), (x, g) => F.TernaryGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("ReturnsInBranches", 1, x => F.ReturnsInBranches(x[0]), (x, g) => F.ReturnsInBranchesGradient(x[0], out g[0]));
        yield return Case("LeakyRelu", 1, x => F.LeakyRelu(x[0]), (x, g) => F.LeakyReluGradient(x[0], out g[0]));
        yield return Case("Swish", 1, x => F.Swish(x[0]), (x, g) => F.SwishGradient(x[0], out g[0]));
        yield return Case("Composed (calls two [Differentiable] methods)", 2, x => F.Composed(x[0], x[1]), (x, g) => F.ComposedGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("ChainRule (Swish of Swish of Sin)", 1, x => F.ChainRule(x[0]), (x, g) => F.ChainRuleGradient(x[0], out g[0]));
        yield return Case("NamedPowerAndLog", 1, x => F.NamedPowerAndLog(x[0]), (x, g) => F.NamedPowerAndLogGradient(x[0], out g[0]), positive: true);
        yield return Case("NamedCall", 2, x => F.NamedCall(x[0], x[1]), (x, g) => F.NamedCallGradient(x[0], x[1], out g[0], out g[1]));
        yield return Case("CollidingNames", 3, x => F.CollidingNames(x[0], x[1], x[2]), (x, g) => F.CollidingNamesGradient(x[0], x[1], x[2], out g[0], out g[1], out g[2]));
        yield return Case("WithInteger (loop to an int parameter)", 1, x => F.WithInteger(x[0], 5), (x, g) => F.WithIntegerGradient(x[0], 5, out g[0]));
    }

    /// <summary>Functions of spans, with a scalar where they take one.</summary>
    public static IEnumerable<object[]> SpanFunctions()
    {
        yield return Case("SumOfSquares", 7, x => F.SumOfSquares(x), (x, g) => F.SumOfSquaresGradient(x, g));
        yield return Case("Dot", 10, x => F.Dot(x.AsSpan(0, 5), x.AsSpan(5)), (x, g) => F.DotGradient(x.AsSpan(0, 5), x.AsSpan(5), g.AsSpan(0, 5), g.AsSpan(5)));
        yield return Case("LogSumExp", 6, x => F.LogSumExp(x), (x, g) => F.LogSumExpGradient(x, g));
        yield return Case("Rosenbrock", 5, x => F.Rosenbrock(x), (x, g) => F.RosenbrockGradient(x, g));
        yield return Case("RunningProduct (span, scalar, branch in a loop)", 9,
            x => F.RunningProduct(x.AsSpan(0, 8), x[8]),
            (x, g) => F.RunningProductGradient(x.AsSpan(0, 8), x[8], g.AsSpan(0, 8), out g[8]), positive: true);
        yield return Case("NestedLoops", 4, x => F.NestedLoops(x), (x, g) => F.NestedLoopsGradient(x, g));
        yield return Case("MixedSpanAndScalar", 6,
            x => F.MixedSpanAndScalar(x.AsSpan(0, 4), x[4], x[5]),
            (x, g) => F.MixedSpanAndScalarGradient(x.AsSpan(0, 4), x[4], x[5], g.AsSpan(0, 4), out g[4], out g[5]));
        yield return Case("SiblingLoopsReuseNames", 5, x => F.SiblingLoopsReuseNames(x), (x, g) => F.SiblingLoopsReuseNamesGradient(x, g));
    }

    private static object[] Case(string name, int dimension, Scalar f, Gradient gradient, bool positive = false)
        => [name, dimension, f, gradient, positive];

    [Theory]
    [MemberData(nameof(ScalarFunctions))]
    [MemberData(nameof(SpanFunctions))]
    public void The_generated_gradient_matches_central_finite_differences_at_random_points(string name, int dimension, object function, object gradientFunction, bool positive)
    {
        var f = (Scalar)function;
        var gradient = (Gradient)gradientFunction;
        var random = new Random(name.Length * 7919 + dimension);
        for (int point = 0; point < 20; point++)
        {
            double[] x = Enumerable.Range(0, dimension).Select(_ => positive ? 0.2 + random.NextDouble() : random.NextDouble() * 3 - 1.5).ToArray();
            var generated = new double[dimension];

            double value = gradient(x, generated);

            Assert.Equal(f(x), value, 12);
            for (int i = 0; i < dimension; i++)
            {
                double expected = CentralDifference(f, x, i);
                double tolerance = 1e-7 * Math.Max(Math.Abs(expected), Math.Abs(generated[i])) + 1e-9;
                Assert.True(Math.Abs(expected - generated[i]) <= tolerance,
                    $"{name} at ({string.Join(", ", x)}): ∂/∂x{i} is {generated[i]:R}, finite differences give {expected:R}");
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(100)]
    public void The_Rosenbrock_gradient_matches_its_closed_form(int n)
    {
        var random = new Random(n);
        double[] x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var generated = new double[n];

        F.RosenbrockGradient(x, generated);

        for (int i = 0; i < n; i++)
        {
            double expected = (i < n - 1 ? -2 * (1 - x[i]) - 400 * x[i] * (x[i + 1] - x[i] * x[i]) : 0) + (i > 0 ? 200 * (x[i] - x[i - 1] * x[i - 1]) : 0);
            Assert.Equal(expected, generated[i], 1e-9 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void Gradient_descent_driven_by_the_generated_gradient_finds_the_Rosenbrock_minimum()
    {
        double[] x = [-1.2, 1];
        var gradient = new double[2];
        // The rate stays below the stability limit 2 / λmax(∇²f(1, 1)) ≈ 0.001997; the valley's floor then needs many steps.
        for (int step = 0; step < 200_000; step++)
        {
            F.RosenbrockGradient(x, gradient);
            x[0] -= 0.001 * gradient[0];
            x[1] -= 0.001 * gradient[1];
        }

        Assert.Equal(1, x[0], 1e-3);
        Assert.Equal(1, x[1], 1e-3);
    }

    [Fact]
    public void Single_precision_gradients_use_MathF_and_match_the_closed_form()
    {
        float x = 0.7f, y = -0.4f;
        float sigmoid = 1 / (1 + MathF.Exp(-x));

        F.SingleSwishGradient(x, out float dSwish);
        F.SingleTrigGradient(x, y, out float dx, out float dy);

        Assert.Equal(sigmoid + x * sigmoid * (1 - sigmoid), dSwish, 1e-6f);
        Assert.Equal(MathF.Cos(x) * MathF.Cos(y) + x / MathF.Sqrt(x * x + 1), dx, 1e-6f);
        Assert.Equal(-MathF.Sin(x) * MathF.Sin(y), dy, 1e-6f);
    }

    [Fact]
    public void Named_arguments_and_a_logarithm_to_base_2_match_the_closed_form_at_the_issues_point()
    {
        const double x = 0.7;

        double value = F.NamedPowerAndLogGradient(x, out double dx);

        // Math.Pow(y: 2, x: x) is x², not 2ˣ; Math.Log(x, 2) is ln x / ln 2, with derivative 1 / (x ln 2), not 1 / x.
        Assert.Equal(x * x + Math.Log(x) / Math.Log(2), value, 14);
        Assert.Equal(2 * x + 1 / (x * Math.Log(2)), dx, 12);
    }

    [Fact]
    public void A_double_Math_call_cast_to_float_differentiates_in_a_float_method()
    {
        const float x = 0.7f;

        F.SingleCastGradient(x, out float dx);

        Assert.Equal(Math.Cos(x) * x + Math.Sin(x) + Math.PI, dx, 1e-6);
    }

    [Fact]
    public void A_span_output_of_the_wrong_length_is_rejected()
    {
        var exception = Assert.Throws<ArgumentException>(() => F.SumOfSquaresGradient(new double[3], new double[2]));
        Assert.Contains("dx has 2 values", exception.Message);
    }

    [Fact]
    public void Gradient_methods_allocate_nothing_even_when_a_loop_outgrows_the_stack_tape()
    {
        double[] x = Enumerable.Range(0, 100).Select(i => Math.Sin(i)).ToArray(); // 99 iterations × 3 saved values > 128
        var gradient = new double[100];

        Assert.Equal(0, AllocationTests.AllocatedBytes(1000, () =>
        {
            F.RosenbrockGradient(x, gradient);
            F.UGradient(1, 2, 3, out _, out _, out _);
            F.ComposedGradient(0.3, 0.4, out _, out _);
        }));
    }

    [Fact]
    public void Overloads_of_one_name_each_get_their_gradient()
    {
        Overloads.ScaleGradient(3, out double d1);
        Overloads.ScaleGradient(3, 5, out double dx, out double dFactor);
        Overloads.ScaleGradient(3, 4, out double dTimes);

        Assert.Equal((2.0, 5.0, 3.0, 4.0), (d1, dx, dFactor, dTimes));
    }

    private static double CentralDifference(Scalar f, double[] x, int i)
    {
        const double h = 1e-5;
        double[] shifted = (double[])x.Clone();
        shifted[i] = x[i] + h;
        double up = f(shifted);
        shifted[i] = x[i] - h;
        double down = f(shifted);
        return (up - down) / (2 * h);
    }
}
