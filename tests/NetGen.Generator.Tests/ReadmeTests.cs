using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Every ```csharp block of README.md compiles, with both generators, without warnings: blocks that declare types
/// compile as programs; statement-only blocks compile inside a method whose parameters are the variables they use.
/// The ```c# block is an excerpt of generated code and must appear, line for line, in the golden file.
/// </summary>
public sealed partial class ReadmeTests
{
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using NetGen;
        """;

    /// <summary>The variables statement-only blocks may use, and a network for them.</summary>
    private const string StatementHost = """
        public partial class ReadmeNetwork { }

        internal static class ReadmeBlock
        {
            public static void Run(ReadmeNetwork network, float[] x, float[] y, float[] trainX, float[] trainY, float[] testX, float[] testY, CancellationToken token)
            {
        BLOCK
            }
        }

        [Network(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        public partial class ReadmeNetwork { }
        """;

    [GeneratedRegex("```(?<language>[a-z#]+)\\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    public static IEnumerable<object[]> CSharpBlocks()
        => CodeBlock().Matches(Readme()).Where(m => m.Groups["language"].Value == "csharp").Select((m, i) => new object[] { i, m.Groups["code"].Value });

    [Theory]
    [MemberData(nameof(CSharpBlocks))]
    public void The_block_compiles_without_warnings(int index, string code)
    {
        bool declaresTypes = Regex.IsMatch(code, @"\b(class|record|struct)\s+\w+");
        string source = declaresTypes ? code : StatementHost.Replace("BLOCK", code, StringComparison.Ordinal);
        CSharpParseOptions parse = new(LanguageVersion.Latest);
        CSharpCompilation compilation = CSharpCompilation.Create(
            $"Readme{index}",
            [CSharpSyntaxTree.ParseText(GlobalUsings, parse), CSharpSyntaxTree.ParseText(source, parse)],
            TestReferences.Runtime,
            new CSharpCompilationOptions(declaresTypes && HasStatements(code) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator(), new DifferentiableGenerator().AsSourceGenerator()], parseOptions: parse);

        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        Diagnostic[] problems = generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS8019") // unnecessary global usings
            .ToArray();
        Assert.True(problems.Length == 0, $"README block {index} does not compile:\n{code}\n{string.Join("\n", problems.Take(5))}");
    }

    [Fact]
    public void The_generated_code_excerpt_is_real_generated_code()
    {
        string excerpt = CodeBlock().Matches(Readme()).Single(m => m.Groups["language"].Value == "c#").Groups["code"].Value;
        string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "XorNet.g.cs"));
        string[] goldenLines = golden.Split('\n').Select(line => line.Trim()).ToArray();
        string[] excerptLines = excerpt.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();

        int start = Array.IndexOf(goldenLines, excerptLines[0]);
        Assert.True(start >= 0, $"the excerpt's first line is not in the generated code: {excerptLines[0]}");
        Assert.Equal(excerptLines, goldenLines.Skip(start).Where(line => line.Length > 0).Take(excerptLines.Length));
    }

    [Theory]
    [MemberData(nameof(CSharpBlocks))]
    public void No_example_prints_progress_through_System_Progress(int index, string code)
        => Assert.False(code.Contains("new Progress<", StringComparison.Ordinal), // it posts to the thread pool: reports arrive after Fit returns, or never
            $"README block {index} reports progress through System.Progress, whose last reports may never print:\n{code}");

    [Fact]
    public void Every_link_is_absolute_so_it_works_in_the_packed_README()
    {
        // The README is packed into the NuGet package, where a link relative to the repository leads nowhere.
        string[] relative = Regex.Matches(Readme(), @"\]\((?<target>[^)]+)\)").Select(m => m.Groups["target"].Value)
            .Where(target => !target.StartsWith("https://", StringComparison.Ordinal)).ToArray();
        Assert.True(relative.Length == 0, "relative links: " + string.Join(", ", relative));
    }

    private static bool HasStatements(string code)
        => code.Split('\n').Any(line => Regex.IsMatch(line, @"^(var|float|double|int|Span|TrainingHistory|network)\b"));

    private static string Readme()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string path = Path.Combine(directory.FullName, "README.md");
            if (File.Exists(Path.Combine(directory.FullName, "NetGen.sln")) && File.Exists(path))
            {
                return File.ReadAllText(path).Replace("\r\n", "\n");
            }
        }

        throw new FileNotFoundException("README.md was not found above the test's output folder.");
    }
}
