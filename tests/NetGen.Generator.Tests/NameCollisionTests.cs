using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Generated code names every type it uses from the global namespace down, except in the lane passes' file-local class,
/// whose short names only its NetGen.Generated namespace declaration's using directives resolve; either way a user's
/// types, whatever their names, cannot capture a reference in it.
/// </summary>
public sealed class NameCollisionTests
{
    private const string Source = """
        using NetGen;

        namespace Demo
        {
            // Types named like what generated code uses: its old file-level aliases, the intrinsics, System and NetGen.
            public sealed class NetGenLanes { }
            public sealed class NetGenVector256 { }
            public sealed class NetGenFma { }
            public sealed class LaneKernels { }
            public sealed class Vector256 { }
            public sealed class Fma { }
            public sealed class Math { }
            public sealed class Span { }
            public sealed class Array { }
            public sealed class MathF { }
            public sealed class Kernels { }

            namespace System { public sealed class Runtime { } }
            namespace NetGen { public sealed class Kernels { } }

            // Trained in vector lanes (every layer unrolled), in both precisions.
            [Network(Inputs = 4, Loss = Loss.CrossEntropy)]
            [Dense(16, Activation.ReLU)]
            [Dense(3, Activation.Softmax)]
            [Adam(LearningRate = 0.001)]
            public partial class LaneNet { }

            [Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)]
            [Dense(4, Activation.Tanh)]
            [Dense(1, Activation.Sigmoid)]
            [Sgd(LearningRate = 0.5)]
            public partial class DoubleLaneNet { }

            // On the dense kernels, with the fused SGD step.
            [Network(Inputs = 20, Loss = Loss.MeanSquaredError)]
            [Dense(16, Activation.LeakyReLU)]
            [Dense(40)]
            [Sgd(LearningRate = 0.1, WeightDecay = 0.01)]
            public partial class KernelNet { }

            // A custom activation, and a function with a gradient. Their own bodies name Math from the global namespace,
            // since Demo.Math would capture the user's calls too.
            [Network(Inputs = 2)]
            [Dense(16, CustomActivation = nameof(Swish))]
            [Dense(1)]
            public partial class SwishNet
            {
                [Differentiable]
                public static float Swish(float x) => x / (1 + global::System.MathF.Exp(-x));
            }

            public static partial class Surfaces
            {
                [Differentiable]
                public static double U(double x, double y) => x * x * y + global::System.Math.Sin(x) + global::System.Math.Pow(y, 3);
            }
        }
        """;

    /// <summary>
    /// The short names of the lane passes' file-local class in NetGen.Generated, and the alias it declares, as types of the
    /// user's in the global namespace, in NetGen (which C# searches after NetGen.Generated's using directives), and in
    /// the network's own namespace.
    /// </summary>
    private const string ShortNames = """
        public sealed class Vector512 { }
        public sealed class Vector256 { }
        public sealed class Span { }
        public sealed class ReadOnlySpan { }
        public sealed class Math { }
        public sealed class MathF { }
        public sealed class LaneKernels { }
        public sealed class Fma { }
        public sealed class Avx512F { }
        public sealed class Fma512 { }
        public sealed class GeneratedCodeAttribute : global::System.Attribute { }
        public sealed class MethodImplAttribute : global::System.Attribute { }
        public enum MethodImplOptions { AggressiveOptimization }
        public sealed class NetGenGenerated { }
        public sealed class LaneNetLanes { }
        public sealed class XorLanes { }
        """;

    private const string ShortNameSource = $$"""
        using NetGen;

        {{ShortNames}}
        public sealed class Generated { }

        // NetGen.Generated itself is the generator's namespace, so a type of that name in NetGen would collide with it.
        namespace NetGen
        {
        {{ShortNames}}
        }

        namespace Demo
        {
        {{ShortNames}}
            public sealed class Generated { }
            public sealed class NetGen { }

            // Trained in vector lanes, in both precisions, with labels.
            [global::NetGen.Network(Inputs = 4, Loss = global::NetGen.Loss.CrossEntropy)]
            [global::NetGen.Dense(16, global::NetGen.Activation.ReLU)]
            [global::NetGen.Dense(3, global::NetGen.Activation.Softmax)]
            [global::NetGen.Adam(LearningRate = 0.001)]
            public partial class LaneNet { }

            [global::NetGen.Network(Inputs = 2, Loss = global::NetGen.Loss.BinaryCrossEntropy, Precision = global::NetGen.Precision.Double)]
            [global::NetGen.Dense(4, global::NetGen.Activation.Tanh)]
            [global::NetGen.Dense(1, global::NetGen.Activation.Sigmoid)]
            public partial class Xor { }
        }

        // In the global namespace too.
        [Network(Inputs = 3)]
        [Dense(5, Activation.LeakyReLU)]
        [Dense(2)]
        public partial class GlobalLaneNet { }
        """;

    [Fact]
    public void Generated_code_compiles_beside_user_types_with_the_names_it_uses()
        => AssertCompiles(Source, new CSharpParseOptions(LanguageVersion.Latest), minimumTrees: 7);

    /// <summary>
    /// The lane passes use short names, which only the using directives of their NetGen.Generated namespace declaration
    /// may resolve: with and without NET9_0_OR_GREATER, which picks Vector512's or AVX-512F's multiply-add.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_lane_passes_short_names_resolve_past_user_types_of_the_same_names(bool net9OrLater)
        => AssertCompiles(
            ShortNameSource,
            new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: net9OrLater ? ["NET9_0_OR_GREATER"] : []),
            minimumTrees: 4);

    private static void AssertCompiles(string source, CSharpParseOptions parse, int minimumTrees)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Collisions", [CSharpSyntaxTree.ParseText(source, parse)], TestReferences.Runtime,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator(), new DifferentiableGenerator().AsSourceGenerator()], parseOptions: parse);

        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        Assert.True(output.SyntaxTrees.Count() >= minimumTrees, $"{output.SyntaxTrees.Count() - 1} files generated");
        Diagnostic[] problems = generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems.Take(8)));
    }
}
