using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>One test per NG01xx diagnostic of [Differentiable], at the exact construct.</summary>
public sealed class DifferentiableDiagnosticTests
{
    private static DiagnosticResult Error(string id) => new DiagnosticResult(id, DiagnosticSeverity.Error).WithLocation(0);

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new GeneratorTest<DifferentiableGenerator>("using System;\nusing NetGen;\n" + source);
        test.TestState.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    [Fact]
    public Task NG0100_an_instance_method()
        => VerifyAsync(
            """
            public partial class Model
            {
                [Differentiable]
                public double {|#0:F|}(double x) => x * x;
            }
            """,
            Error("NG0100").WithArguments("F"));

    [Fact]
    public Task NG0101_a_type_that_is_not_partial()
        => VerifyAsync(
            """
            public static class {|#0:Plain|}
            {
                [Differentiable]
                public static double F(double x) => x * x;
            }
            """,
            Error("NG0101").WithArguments("Plain", "F"));

    [Fact]
    public Task NG0102_a_return_type_that_is_not_float_or_double()
        => VerifyAsync(
            """
            public static partial class Money
            {
                [Differentiable]
                public static {|#0:decimal|} F(decimal x) => x * x;
            }
            """,
            Error("NG0102").WithArguments("The return type", "decimal"));

    [Fact]
    public Task NG0102_a_parameter_of_another_type()
        => VerifyAsync(
            """
            public static partial class Mixed
            {
                [Differentiable]
                public static double F(double x, {|#0:string|} label) => x;
            }
            """,
            Error("NG0102").WithArguments("Parameter 'label'", "string"));

    [Fact]
    public Task NG0103_a_while_loop()
        => VerifyAsync(
            """
            public static partial class Loops
            {
                [Differentiable]
                public static double F(double x)
                {
                    {|#0:while|} (x > 1)
                    {
                        x = x / 2;
                    }

                    return x;
                }
            }
            """,
            Error("NG0103").WithArguments("while"));

    [Fact]
    public Task NG0104_a_call_to_Console_WriteLine()
        => VerifyAsync(
            """
            public static partial class Logging
            {
                [Differentiable]
                public static double F(double x)
                {
                    {|#0:Console.WriteLine(x)|};
                    return x;
                }
            }
            """,
            Error("NG0104").WithArguments("System.Console.WriteLine(double)"));

    [Fact]
    public Task NG0104_a_call_to_a_method_that_is_not_differentiable()
        => VerifyAsync(
            """
            public static partial class Helpers
            {
                public static double Square(double x) => x * x;

                [Differentiable]
                public static double F(double x) => {|#0:Square(x)|} + 1;
            }
            """,
            Error("NG0104").WithArguments("Helpers.Square(double)"));

    [Fact]
    public Task NG0105_writing_a_field()
        => VerifyAsync(
            """
            public static partial class Stateful
            {
                private static double s_last;

                [Differentiable]
                public static double F(double x)
                {
                    {|#0:s_last|} = x;
                    return x * 2;
                }
            }
            """,
            Error("NG0105").WithArguments("s_last"));

    [Fact]
    public Task NG0106_a_ref_parameter()
        => VerifyAsync(
            """
            public static partial class ByReference
            {
                [Differentiable]
                public static double F({|#0:ref double x|}) => x * x;
            }
            """,
            Error("NG0106").WithArguments("x", "ref"));

    [Fact]
    public Task NG0107_recursion()
        => VerifyAsync(
            """
            public static partial class Recursive
            {
                [Differentiable]
                public static double F(double x) => x > 1 ? {|#0:F(x / 2)|} : x;
            }
            """,
            Error("NG0107").WithArguments("F"));

    [Fact]
    public Task NG0108_a_foreach_loop()
        => VerifyAsync(
            """
            public static partial class Iterating
            {
                [Differentiable]
                public static double F(ReadOnlySpan<double> x)
                {
                    double s = 0;
                    {|#0:foreach|} (double v in x)
                    {
                        s += v;
                    }

                    return s;
                }
            }
            """,
            Error("NG0108").WithArguments("'foreach'", "use locals, assignments, if/else, for loops and return"));

    [Fact]
    public Task NG0108_an_early_return()
        => VerifyAsync(
            """
            public static partial class EarlyExit
            {
                [Differentiable]
                public static double F(double x)
                {
                    if (x < 0)
                    {
                        {|#0:return 0;|}
                    }

                    return x;
                }
            }
            """,
            Error("NG0108").WithArguments("A return before the end of the method", "return only as the last statement, or at the end of both branches of a final if/else"));

    [Fact]
    public Task NG0109_a_local_function()
        => VerifyAsync(
            """
            public static partial class Local
            {
                public static double F(double x)
                {
                    [{|#0:Differentiable|}]
                    static double Square(double v) => v * v;

                    return Square(x);
                }
            }
            """,
            Error("NG0109").WithArguments("The local function 'Square'"));

    [Fact]
    public Task NG0109_a_lambda()
        => VerifyAsync(
            """
            public static partial class Lambda
            {
                public static Func<double, double> Square = [{|#0:Differentiable|}] static (double v) => v * v;
            }
            """,
            Error("NG0109").WithArguments("A lambda"));

    [Fact]
    public Task NG0104_a_call_of_a_differentiable_local_function()
        => VerifyAsync(
            """
            public static partial class CallsLocal
            {
                [Differentiable]
                public static double F(double x)
                {
                    return {|#1:Square(x)|};

                    [{|#0:Differentiable|}]
                    static double Square(double v) => v * v;
                }
            }
            """,
            Error("NG0109").WithArguments("The local function 'Square'"),
            new DiagnosticResult("NG0104", DiagnosticSeverity.Error).WithLocation(1).WithArguments("Square(double)"));
}
