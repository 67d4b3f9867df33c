using System;
using System.Linq;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Bodies that compile as C# and whose generated gradient once did not compile, warned, or was wrong. Each is
/// generated, compiled with every warning counted, and its gradient compared with central finite differences.
/// </summary>
public sealed class DifferentiableGradientTests
{
    private static void AssertGradientAgrees(string members, double range = 1.5)
    {
        string source = "using System;\nusing NetGen;\npublic static partial class Functions\n{\n" + members + "\n}\n";
        DifferentiableHarness.Run run = DifferentiableHarness.Generate(source);
        Assert.True(run.SourceDiagnostics.Count == 0, "the test source itself does not compile cleanly: " + string.Join("\n", run.SourceDiagnostics));
        Assert.Null(run.Crash);
        Assert.True(run.NetGenDiagnostics.Count == 0, string.Join("\n", run.NetGenDiagnostics));
        Assert.True(run.OutputProblems.Count == 0, string.Join("\n", run.OutputProblems.Take(5)) + "\n" + run.GeneratedText);

        int checkedPoints = 0, skipped = 0;
        var failures = DifferentiableHarness.CheckGradients(run.Output, new Random(7), points: 20, range, ref checkedPoints, ref skipped);
        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + run.GeneratedText);
        Assert.True(checkedPoints >= 10, $"only {checkedPoints} points checked, {skipped} skipped");
    }

    [Fact]
    public void Math_PI_and_Math_E_are_read_as_the_constants() => AssertGradientAgrees(
        "[Differentiable] public static double F(double x) => Math.PI * x * x + Math.E * x;");

    [Fact]
    public void MathF_PI_in_a_float_method() => AssertGradientAgrees(
        "[Differentiable] public static float F(float x) => MathF.PI * MathF.Sin(x) + MathF.E;");

    [Fact]
    public void A_local_dx_beside_a_parameter_x() => AssertGradientAgrees(
        "[Differentiable] public static double F(double x) { double dx = x * x; return dx * x; }");

    [Fact]
    public void A_parameter_dx_beside_a_parameter_x() => AssertGradientAgrees(
        "[Differentiable] public static double F(double x, double dx) => x * dx + dx * dx;");

    [Fact]
    public void A_local_named_like_an_adjoint() => AssertGradientAgrees(
        "[Differentiable] public static double F(double x) { double adjoint_x = Math.Sin(x); return adjoint_x * x; }");

    [Fact]
    public void A_local_named_tape_in_a_loop() => AssertGradientAgrees(
        "[Differentiable] public static double F(double x) { double s = 0; for (int i = 0; i < 3; i++) { double tape = x * i; s += tape * s + x; } return s; }");

    [Fact]
    public void Parameters_named_with_keywords() => AssertGradientAgrees(
        "[Differentiable] public static double F(double @in, double o) { double @class = @in * o; return @class + o * o; }");

    [Fact]
    public void Locals_named_like_the_generated_locals() => AssertGradientAgrees(
        """
        [Differentiable] public static double G(double a) => a * a;
        [Differentiable] public static double F(double x)
        {
            double value1 = x * 2, adjoint1 = x + 1, partial1 = G(x), branch1 = 0, x_before1 = x;
            if (x > 0) { branch1 = x * value1; } else { branch1 = adjoint1; }
            for (int iteration1 = 0; iteration1 < 2; iteration1++) { x_before1 = x_before1 * partial1; }
            return branch1 + x_before1 + value1;
        }
        """, range: 1);

    [Fact]
    public void A_local_named_like_a_called_method() => AssertGradientAgrees(
        """
        [Differentiable] public static double tape(double a) => a * a;
        [Differentiable] public static double adjoint_x(double a) => Math.Sin(a);
        [Differentiable] public static double F(double x) { double s = 0; for (int i = 0; i < 2; i++) { s += tape(x) + adjoint_x(s); } return s; }
        """);

    [Fact]
    public void Methods_named_with_keywords() => AssertGradientAgrees(
        """
        [Differentiable] public static double @class(double @double) => @double * @double;
        [Differentiable] public static double @do(double x) => @class(x) + x;
        """);

    [Fact]
    public void A_cast_of_a_double_Math_call_in_a_float_method() => AssertGradientAgrees(
        "[Differentiable] public static float F(float x) => (float)Math.Sin(x) * x + (float)(Math.PI * x) + (float)Math.Pow(x * x + 1, 1.5);");

    [Fact]
    public void Math_Min_and_Max_of_the_same_variable() => AssertGradientAgrees(
        "[Differentiable] public static double F(double a) => Math.Min(a, a) * Math.Max(a, a) + a;");

    [Fact]
    public void Named_arguments_of_Math_Pow_are_bound_by_name() => AssertGradientAgrees(
        "[Differentiable] public static double F(double x) => Math.Pow(y: 2, x: x) + Math.Pow(y: x, x: 1.5);");

    [Fact]
    public void Named_arguments_of_a_differentiable_call_are_bound_by_name() => AssertGradientAgrees(
        """
        [Differentiable] public static double H(double a, double b) => a * a * b + Math.Sin(b);
        [Differentiable] public static double F(double a, double b) => H(b: b, a: a) + H(a, b: 2 * b);
        """);

    [Fact]
    public void A_parenthesized_argument_is_bound_like_any_other() => AssertGradientAgrees(
        "[Differentiable] public static double F(double x) => Math.Pow((x * x + 1), 2) + Math.Log((x * x + 2), (3));");

    [Fact]
    public void An_omitted_optional_argument_is_its_default() => AssertGradientAgrees(
        """
        [Differentiable] public static double H(double a, double scale = -2.5) => a * scale;
        [Differentiable] public static double F(double x) => H(x) + H(x, x);
        """);

    [Fact]
    public void Logarithm_to_a_base() => AssertGradientAgrees(
        "[Differentiable] public static double F(double x, double b) => Math.Log(x * x + 1, 2) + Math.Log(x * x + 2, b * b + 1.5) + Math.Log(newBase: 10, a: b * b + 1);");

    [Fact]
    public void Logarithm_to_a_base_in_float() => AssertGradientAgrees(
        "[Differentiable] public static float F(float x) => MathF.Log(x * x + 1, 3f);");
}
