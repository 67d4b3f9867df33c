using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Tests;

/// <summary>
/// Runs <see cref="DifferentiableGenerator"/> over a source as a build would, compiles the result with every warning
/// counted, and, for each [Differentiable] method it accepted, loads the assembly and checks the generated gradient
/// against central finite differences computed here in double.
/// </summary>
internal static class DifferentiableHarness
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        optimizationLevel: OptimizationLevel.Release,
        warningLevel: 9999);

    /// <summary>What one run of the generator over a source gave.</summary>
    /// <param name="SourceDiagnostics">Errors and warnings of the source alone, before generation.</param>
    /// <param name="Crash">An exception of the generator, CS8785, AD0001 or NG0999, if any.</param>
    /// <param name="NetGenDiagnostics">The NG diagnostics, as "id: message at line".</param>
    /// <param name="OutputProblems">Errors and warnings of the compilation with the generated code (in any file).</param>
    /// <param name="Output">The compilation with the generated code.</param>
    /// <param name="GeneratedText">Every generated file, for failure messages.</param>
    public sealed record Run(
        IReadOnlyList<Diagnostic> SourceDiagnostics,
        string? Crash,
        IReadOnlyList<string> NetGenDiagnostics,
        IReadOnlyList<Diagnostic> OutputProblems,
        Compilation Output,
        string GeneratedText);

    /// <summary>Runs the generator over <paramref name="source"/> with the current culture set to <paramref name="culture"/>.</summary>
    public static Run Generate(string source, string culture = "")
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Source.cs");
        CSharpCompilation compilation = CSharpCompilation.Create("Fuzzed", [tree], TestReferences.Runtime, CompilationOptions);
        Diagnostic[] sourceDiagnostics = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();

        GeneratorDriver driver = CSharpGeneratorDriver.Create([new DifferentiableGenerator().AsSourceGenerator()], parseOptions: ParseOptions);
        CultureInfo previous = CultureInfo.CurrentCulture, previousUi = CultureInfo.CurrentUICulture;
        Compilation output;
        ImmutableArray<Diagnostic> generatorDiagnostics;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out output, out generatorDiagnostics);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
            CultureInfo.CurrentUICulture = previousUi;
        }

        GeneratorDriverRunResult result = driver.GetRunResult();
        string? crash = result.Results.Select(r => r.Exception?.ToString()).FirstOrDefault(e => e is not null)
            ?? generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Id is "CS8785" or "AD0001" or "NG0999").Select(d => d.ToString()).FirstOrDefault();
        string[] netGen = generatorDiagnostics.Where(d => d.Id.StartsWith("NG", StringComparison.Ordinal))
            .Select(d => $"{d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)} at {d.Location.GetLineSpan().StartLinePosition}")
            .ToArray();
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        string generated = string.Join("\n", result.GeneratedTrees.Select(t => $"// {Path.GetFileName(t.FilePath)}\n{t}"));
        return new Run(sourceDiagnostics, crash, netGen, problems, output, generated);
    }

    /// <summary>
    /// For every [Differentiable] method of the output that has a gradient and that code in the assembly can call,
    /// compares the gradient with central finite differences at <paramref name="points"/> random points drawn from
    /// [-<paramref name="range"/>, <paramref name="range"/>]; returns one line per disagreement. Points next to a kink
    /// or jump of the function (where differences at two step sizes disagree) are skipped and counted.
    /// </summary>
    public static IReadOnlyList<string> CheckGradients(Compilation output, Random random, int points, double range, ref int checkedPoints, ref int skippedPoints)
    {
        var methods = new List<IMethodSymbol>();
        foreach (INamedTypeSymbol type in AllTypes(output.Assembly.GlobalNamespace))
        {
            foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>())
            {
                if (method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "NetGen.DifferentiableAttribute")
                    && Callable(method)
                    && type.GetMembers(method.Name + "Gradient").OfType<IMethodSymbol>().Any(g => g.Parameters.Length >= method.Parameters.Length))
                {
                    methods.Add(method);
                }
            }
        }

        if (methods.Count == 0)
        {
            return [];
        }

        var probes = new StringBuilder("namespace NetGenProbes;\n");
        var layouts = new List<Layout>();
        for (int i = 0; i < methods.Count; i++)
        {
            layouts.Add(WriteProbe(probes, $"Probe{i}", methods[i]));
        }

        Compilation withProbes = output.AddSyntaxTrees(CSharpSyntaxTree.ParseText(probes.ToString(), ParseOptions, path: "Probes.cs"));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = withProbes.Emit(image);
        if (!emitted.Success)
        {
            return [$"the probes do not compile: {string.Join("; ", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(3))}\n{probes}"];
        }

        var context = new AssemblyLoadContext("DifferentiableHarness", isCollectible: true);
        var failures = new List<string>();
        try
        {
            image.Position = 0;
            Assembly assembly = context.LoadFromStream(image);
            for (int i = 0; i < methods.Count; i++)
            {
                Type probe = assembly.GetType($"NetGenProbes.Probe{i}")!;
                var value = probe.GetMethod("Value")!.CreateDelegate<Func<double[], double>>();
                var gradient = probe.GetMethod("Gradient")!.CreateDelegate<Func<double[], double[], double>>();
                for (int p = 0; p < points; p++)
                {
                    double[] x = Enumerable.Range(0, layouts[i].Inputs).Select(_ => (random.NextDouble() * 2 - 1) * range).ToArray();
                    if (Compare(layouts[i], value, gradient, x) is { } disagreement)
                    {
                        if (disagreement.Length == 0)
                        {
                            skippedPoints++;
                        }
                        else
                        {
                            failures.Add($"{methods[i].ToDisplayString()}: {disagreement}");
                            break;
                        }
                    }
                    else
                    {
                        checkedPoints++;
                    }
                }
            }
        }
        finally
        {
            context.Unload();
        }

        return failures;
    }

    /// <summary>How a method's inputs are flattened into one array of doubles: one slot per real, <see cref="SpanLength"/> per span.</summary>
    private sealed record Layout(int Inputs, bool IsFloat);

    private const int SpanLength = 3;

    /// <summary>The integer every int parameter is given.</summary>
    private const int IntegerArgument = 3;

    /// <summary>
    /// null when the gradient agrees, "" when the point is skipped (a kink, a jump or a non-finite value nearby), else
    /// what disagrees.
    /// </summary>
    private static string? Compare(Layout layout, Func<double[], double> value, Func<double[], double[], double> gradient, double[] x)
    {
        var g = new double[layout.Inputs];
        double f = value(x);
        double fromGradient = gradient(x, g);
        if (!double.IsFinite(f) || g.Any(v => !double.IsFinite(v)))
        {
            return string.Empty;
        }

        if (!BitConverter.DoubleToInt64Bits(f).Equals(BitConverter.DoubleToInt64Bits(fromGradient)))
        {
            return $"the gradient method returns {fromGradient:R} but the function gives {f:R} at ({string.Join(", ", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))})";
        }

        // Float functions are evaluated in float, so their differences need a larger step; the differences are taken in double.
        double step = layout.IsFloat ? 1e-3 : 1e-6;
        double tolerance = layout.IsFloat ? 2e-3 : 1e-6;
        double epsilon = layout.IsFloat ? Math.ScaleB(1, -24) : Math.ScaleB(1, -53); // the unit roundoff
        for (int k = 0; k < layout.Inputs; k++)
        {
            double h = step * Math.Max(1, Math.Abs(x[k]));
            double fine = Difference(layout, value, x, k, h), coarse = Difference(layout, value, x, k, 8 * h);
            // Not smooth at the scale of the steps: a kink or branch within 8h, or a body so steep (sin of 1e35) that
            // f cannot be resolved there. Judged from the differences alone, never from the gradient being checked.
            if (!double.IsFinite(fine) || !double.IsFinite(coarse) || Math.Abs(fine - coarse) > 10 * tolerance * (1 + Math.Abs(fine) + Math.Abs(coarse)))
            {
                return string.Empty;
            }

            double scale = 1 + Math.Abs(fine) + Math.Abs(g[k]);

            // Besides the relative tolerance, the differences carry the rounding of f itself, at least ε|f|/h, and as
            // much as the two step sizes disagree (ill-conditioned bodies such as log to a base near 1 lose digits in f).
            double bound = tolerance * scale + epsilon * Math.Abs(f) / h + 2 * Math.Abs(fine - coarse);
            if (Math.Min(Math.Abs(fine - g[k]), Math.Abs(coarse - g[k])) > bound)
            {
                return $"∂/∂input{k} is {g[k]:R} but central differences give {fine:R} at ({string.Join(", ", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))})";
            }
        }

        return null;
    }

    private static double Difference(Layout layout, Func<double[], double> value, double[] x, int k, double h)
    {
        double[] plus = (double[])x.Clone(), minus = (double[])x.Clone();
        plus[k] = layout.IsFloat ? (float)(x[k] + h) : x[k] + h;
        minus[k] = layout.IsFloat ? (float)(x[k] - h) : x[k] - h;
        return (value(plus) - value(minus)) / (plus[k] - minus[k]);
    }

    /// <summary>
    /// Writes a class with Value(double[]) and Gradient(double[], double[]) that call the method and its gradient with
    /// the inputs flattened, in the method's own type (float or double).
    /// </summary>
    private static Layout WriteProbe(StringBuilder probes, string name, IMethodSymbol method)
    {
        bool isFloat = method.ReturnType.SpecialType == SpecialType.System_Single;
        string t = isFloat ? "float" : "double";
        var setup = new StringBuilder();
        var arguments = new List<string>();
        var outputs = new List<string>();
        var copies = new StringBuilder();
        int slot = 0;
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.Type.SpecialType == SpecialType.System_Int32)
            {
                arguments.Add(IntegerArgument.ToString(CultureInfo.InvariantCulture));
            }
            else if (parameter.Type.SpecialType is SpecialType.System_Single or SpecialType.System_Double)
            {
                arguments.Add($"({t})a[{slot}]");
                outputs.Add($"out {t} d{slot}");
                copies.Append($"g[{slot}] = d{slot}; ");
                slot++;
            }
            else
            {
                setup.Append($"{t}[] s{slot} = [{string.Join(", ", Enumerable.Range(slot, SpanLength).Select(j => $"({t})a[{j}]"))}]; {t}[] ds{slot} = new {t}[{SpanLength}]; ");
                arguments.Add($"s{slot}");
                outputs.Add($"ds{slot}");
                copies.Append($"for (int j = 0; j < {SpanLength}; j++) {{ g[{slot} + j] = ds{slot}[j]; }} ");
                slot += SpanLength;
            }
        }

        string target = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "."
            + (SyntaxFacts.GetKeywordKind(method.Name) == SyntaxKind.None ? method.Name : "@" + method.Name);
        probes.Append($$"""
            internal static class {{name}}
            {
                public static double Value(double[] a) { {{setup}}return {{target}}({{string.Join(", ", arguments)}}); }
                public static double Gradient(double[] a, double[] g) { {{setup}}{{t}} r = {{target}}Gradient({{string.Join(", ", arguments.Concat(outputs))}}); {{copies}}return r; }
            }

            """);
        return new Layout(slot, isFloat);
    }

    /// <summary>Static, not private, in non-generic types that are not private themselves: reachable from a probe class.</summary>
    private static bool Callable(IMethodSymbol method)
    {
        if (!method.IsStatic || method.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected || method.IsGenericMethod)
        {
            return false;
        }

        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsGenericType || type.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected)
            {
                return false;
            }
        }

        return method.Parameters.All(p => p.RefKind == RefKind.None);
    }

    private static IEnumerable<INamedTypeSymbol> AllTypes(INamespaceOrTypeSymbol container)
    {
        foreach (ISymbol member in container.GetMembers())
        {
            if (member is INamespaceSymbol ns)
            {
                foreach (INamedTypeSymbol type in AllTypes(ns))
                {
                    yield return type;
                }
            }
            else if (member is INamedTypeSymbol type)
            {
                yield return type;
                foreach (INamedTypeSymbol nested in AllTypes(type))
                {
                    yield return nested;
                }
            }
        }
    }
}
