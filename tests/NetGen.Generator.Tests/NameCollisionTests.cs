using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Generated code names every type it uses from the global namespace down, so a user's types, whatever their names,
/// cannot capture a reference in it.
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

    [Fact]
    public void Generated_code_compiles_beside_user_types_with_the_names_it_uses()
    {
        CSharpParseOptions parse = new(LanguageVersion.Latest);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Collisions", [CSharpSyntaxTree.ParseText(Source, parse)], TestReferences.Runtime,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator(), new DifferentiableGenerator().AsSourceGenerator()], parseOptions: parse);

        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        Assert.True(output.SyntaxTrees.Count() >= 7, "four networks and two gradients are generated");
        Diagnostic[] problems = generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems.Take(8)));
    }
}
