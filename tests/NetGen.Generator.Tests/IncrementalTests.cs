using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Model;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>The pipeline caches: edits that do not touch a network's declaration regenerate nothing.</summary>
public sealed class IncrementalTests
{
    private const string Networks = """
        using NetGen;
        namespace Demo;

        [Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        public partial class XorNet { }

        [Network(Inputs = 4, Loss = Loss.CrossEntropy)]
        [Dense(16, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        public partial class IrisNet { }
        """;

    private const string Unrelated = """
        namespace Demo;
        public static class Helpers { public static int Twice(int x) => x * 2; }
        """;

    [Fact]
    public void An_edit_to_an_unrelated_method_body_leaves_every_step_cached_or_unchanged()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Networks, Unrelated);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText(Unrelated.Replace("x * 2", "x + x"), Parse));

        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results[0];

        foreach (string step in new[] { TrackingNames.NetworkParseResults, TrackingNames.NetworkSpecs })
        {
            IEnumerable<IncrementalStepRunReason> reasons = result.TrackedSteps[step].SelectMany(run => run.Outputs).Select(output => output.Reason);
            Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(run => run.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void Changing_one_networks_layer_size_regenerates_only_that_network()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Networks, Unrelated);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(Networks.Replace("[Dense(16, Activation.ReLU)]", "[Dense(32, Activation.ReLU)]"), Parse));

        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results[0];

        var reasons = result.TrackedSteps[TrackingNames.NetworkSpecs]
            .SelectMany(run => run.Outputs)
            .Select(output => (Name: ((NetGen.Generator.Model.NetworkSpec)output.Value).Type.SimpleName, output.Reason))
            .ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Contains(reasons, entry => entry.Name == "XorNet" && entry.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached);
        Assert.Contains(("IrisNet", IncrementalStepRunReason.Modified), reasons);
    }

    [Fact]
    public void Pipeline_models_hold_no_symbols_syntax_compilations_or_reference_compared_collections()
    {
        const string differentiable = """
            using NetGen;
            public static partial class Functions
            {
                [Differentiable]
                public static double F(System.ReadOnlySpan<double> x, double y) { double s = y; for (int i = 0; i < x.Length; i++) { s += x[i] * y; } return s; }
                [Differentiable]
                public static double Bad(double x) { while (x > 1) { x /= 2; } return x; }
            }
            """;
        (GeneratorDriver driver, _) = RunOnce(Networks + "\n[Network(Inputs = 0)] public partial class Broken { }", differentiable);
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        int models = 0;
        foreach (GeneratorRunResult result in driver.GetRunResult().Results)
        {
            foreach (string step in new[] { TrackingNames.NetworkParseResults, TrackingNames.NetworkSpecs, TrackingNames.NetworkDiagnostics,
                         TrackingNames.DifferentiableParseResults, TrackingNames.DifferentiableSpecs, TrackingNames.DifferentiableDiagnostics })
            {
                if (!result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs))
                {
                    continue;
                }

                foreach ((object value, _) in runs.SelectMany(run => run.Outputs))
                {
                    models++;
                    Walk(value, step, visited);
                }
            }
        }

        Assert.True(models >= 6, $"only {models} models were walked");
    }

    /// <summary>Fails on anything in a model that would compare by reference or pin a compilation in memory.</summary>
    private static void Walk(object? value, string path, HashSet<object> visited)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !visited.Add(value))
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(value is ISymbol or SyntaxNode or SyntaxTree or Compilation or SemanticModel or Location, $"{path} holds a {type.Name}");
        Assert.False(type.IsArray, $"{path} holds an array, which compares by reference");
        Assert.False(type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(ImmutableArray<>) || definition == typeof(List<>) || definition == typeof(Dictionary<,>)), $"{path} holds a {type.Name}, which compares by reference");
        if (type.IsGenericType && type.GetGenericTypeDefinition().Name.StartsWith("EquatableArray", StringComparison.Ordinal))
        {
            int index = 0;
            foreach (object? item in (System.Collections.IEnumerable)value)
            {
                Walk(item, $"{path}[{index++}]", visited);
            }

            return;
        }

        if (value is DiagnosticDescriptor or Microsoft.CodeAnalysis.Text.TextSpan or Microsoft.CodeAnalysis.Text.LinePositionSpan)
        {
            return; // compared by value
        }

        foreach (System.Reflection.PropertyInfo property in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.Name != "EqualityContract")
            {
                Walk(property.GetValue(value), $"{path}.{property.Name}", visited);
            }
        }
    }

    [Fact]
    public void A_layer_of_100000_units_generates_no_more_code_than_a_layer_of_200()
    {
        static int GeneratedLength(int units)
        {
            (GeneratorDriver driver, _) = RunOnce($"using NetGen; [Network(Inputs = 300)] [Dense({units}, Activation.ReLU)] [Dense(10, Activation.Softmax)] public partial class Wide {{ }}");
            return driver.GetRunResult().GeneratedTrees.Sum(tree => tree.Length);
        }

        int wide = GeneratedLength(100_000), narrow = GeneratedLength(200);

        Assert.InRange(wide, narrow, narrow * 1.02); // only the sizes' digits differ; 500× the units costs no code
        Assert.True(wide < 40_000, $"{wide} characters");
    }

    [Fact]
    public void Output_compiles_under_a_culture_that_writes_minus_as_U2212()
    {
        CultureInfo original = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("sv-SE");
            Assert.Equal("\u22120,5", (-0.5).ToString(CultureInfo.CurrentCulture)); // the hazard is real in this culture
            const string source = """
                using NetGen;
                [Network(Inputs = 3)]
                [Dense(70, Activation.LeakyReLU, Slope = 0.0625)]
                [Dense(2, Activation.LeakyReLU, Slope = 0.125)]
                [Sgd(LearningRate = 1.5E-05)]
                public partial class CultureNet { }
                """;

            (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(source);
            driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);

            Assert.Empty(diagnostics);
            Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
            string generated = output.SyntaxTrees.Last().ToString();
            Assert.Contains("1.5E-05d", generated);
            Assert.Contains("0.0625f", generated);
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) RunOnce(params string[] sources)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Incremental",
            sources.Select(source => CSharpSyntaxTree.ParseText(source, Parse)),
            TestReferences.Runtime,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator(), new DifferentiableGenerator().AsSourceGenerator() },
            parseOptions: Parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        return (driver.RunGenerators(compilation, CancellationToken.None), compilation);
    }
}
