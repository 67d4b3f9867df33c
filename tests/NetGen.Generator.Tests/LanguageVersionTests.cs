using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// The generated code needs C# 8 (nullable annotations), C# 11 for a network that trains in vector lanes (its lane
/// passes are a file-local class) and C# 12 for a cross-entropy one (its label overloads pass an <c>in</c> argument to a
/// ref readonly parameter). An older LangVersion is NG0018 at [Network], not compiler errors inside the generated file.
/// </summary>
public sealed class LanguageVersionTests
{
    private const string LaneNetwork = "[{|Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)|}][Dense(4, Activation.Tanh)][Dense(1, Activation.Sigmoid)] public partial class Xor { }";
    private const string LabelNetwork = "[{|Network(Inputs = 4, Loss = Loss.CrossEntropy)|}][Dense(3, Activation.Softmax)] public partial class Labels { }";
    private const string KernelNetwork = "[{|Network(Inputs = 200)|}][Dense(16)] public partial class Wide { }";

    private static (Diagnostic[] Generator, Diagnostic[] Compilation, int Generated, TextSpan Attribute) Run(string marked, LanguageVersion version)
    {
        int start = marked.IndexOf("{|", System.StringComparison.Ordinal);
        int end = marked.IndexOf("|}", System.StringComparison.Ordinal) - 2;
        string source = "using NetGen;\n" + marked.Replace("{|", string.Empty).Replace("|}", string.Empty);
        var attribute = new TextSpan("using NetGen;\n".Length + start, end - start);

        CSharpParseOptions parse = new(version);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Versions", [CSharpSyntaxTree.ParseText(source, parse)], TestReferences.Runtime,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: version >= LanguageVersion.CSharp8 ? NullableContextOptions.Enable : NullableContextOptions.Disable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return (
            generatorDiagnostics.ToArray(),
            output.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).ToArray(),
            driver.GetRunResult().Results.Sum(result => result.GeneratedSources.Length),
            attribute);
    }

    [Theory]
    [InlineData(LaneNetwork, LanguageVersion.CSharp10, "'Xor' needs C# 11.0 or later (its vector-lane passes are a file-local class), but the project compiles C# 10.0; set <LangVersion>11.0</LangVersion> or later in the project file, or remove LangVersion to use the SDK's default")]
    [InlineData(LabelNetwork, LanguageVersion.CSharp11, "'Labels' needs C# 12.0 or later (its label overloads pass a label by in to ReadOnlySpan's ref readonly constructor), but the project compiles C# 11.0; set <LangVersion>12.0</LangVersion> or later in the project file, or remove LangVersion to use the SDK's default")]
    [InlineData(KernelNetwork, LanguageVersion.CSharp7_3, "'Wide' needs C# 8.0 or later (it is annotated for nullable reference types), but the project compiles C# 7.3; set <LangVersion>8.0</LangVersion> or later in the project file, or remove LangVersion to use the SDK's default")]
    public void An_older_language_version_is_NG0018_at_the_Network_attribute(string declaration, LanguageVersion version, string message)
    {
        (Diagnostic[] generator, Diagnostic[] compilation, int generated, TextSpan attribute) = Run(declaration, version);

        Diagnostic diagnostic = Assert.Single(generator);
        Assert.Equal("NG0018", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(attribute, diagnostic.Location.SourceSpan);
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(0, generated);
        Assert.True(compilation.Length == 0, string.Join("\n", compilation.Take(8).Select(d => d.ToString())));
    }

    [Theory]
    [InlineData(LaneNetwork, LanguageVersion.CSharp11)]
    [InlineData(LabelNetwork, LanguageVersion.CSharp12)]
    [InlineData(KernelNetwork, LanguageVersion.CSharp8)]
    public void The_oldest_language_version_a_network_needs_compiles_its_generated_code(string declaration, LanguageVersion version)
    {
        (Diagnostic[] generator, Diagnostic[] compilation, int generated, _) = Run(declaration, version);

        Assert.True(generator.Length == 0, string.Join("\n", generator.Select(d => d.ToString())));
        Assert.True(compilation.Length == 0, string.Join("\n", compilation.Take(8).Select(d => d.ToString())));
        Assert.Equal(1, generated);
    }
}
