using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>
/// A differential fuzzer for [Differentiable]: seeded random declarations (see <see cref="DifferentiableFuzzer"/>),
/// generated under several cultures. The generator never crashes; a declaration with an unsupported construct gets an
/// NG diagnostic; an accepted one compiles without a single warning, and its gradient agrees with central finite
/// differences at random points. Each run takes <see cref="DefaultCount"/> declarations; set
/// NETGEN_DIFFERENTIABLE_FUZZ_COUNT (and NETGEN_DIFFERENTIABLE_FUZZ_SEED) to run more, e.g. 5000.
/// </summary>
public sealed class DifferentiableFuzzTests(ITestOutputHelper output)
{
    /// <summary>Enough to cover every construct and culture in a few seconds of a normal test run.</summary>
    private const int DefaultCount = 240;

    private const int DefaultSeed = 20261201;

    /// <summary>The invariant culture, and cultures whose number formats (decimal comma, U+2212 minus, other digits) and casing differ.</summary>
    private static readonly string[] Cultures = ["", "de-DE", "tr-TR", "fr-FR", "ar-SA", "fa-IR"];

    [Fact]
    public void Fuzzed_declarations_are_diagnosed_or_compile_cleanly_with_gradients_that_match_finite_differences()
    {
        int count = Setting("NETGEN_DIFFERENTIABLE_FUZZ_COUNT", DefaultCount);
        int seed = Setting("NETGEN_DIFFERENTIABLE_FUZZ_SEED", DefaultSeed);
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        int checkedPoints = 0, skippedPoints = 0;
        for (int i = 0; i < count; i++)
        {
            // One generator per declaration, seeded by its index: any failure is reproduced from seed and index alone.
            var random = new Random(seed + i);
            FuzzedDeclaration declaration = new DifferentiableFuzzer(random).Next();
            string culture = Cultures[i % Cultures.Length];
            string outcome = Check(declaration, culture, random, ref checkedPoints, ref skippedPoints);
            string key = $"{declaration.Expectation}: {outcome.Split('\n')[0].Split(':')[0]}";
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            if (outcome.StartsWith("FAIL", StringComparison.Ordinal))
            {
                failures.Add($"#{i} (seed {seed + i}, culture '{culture}', mutation {declaration.Mutation}): {outcome}\n{declaration.Source}");
            }
        }

        string summary = $"{count} declarations, {checkedPoints} gradient points checked, {skippedPoints} skipped; "
            + string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));
        output.WriteLine(summary);
        Assert.True(failures.Count == 0, $"{failures.Count} failed. {summary}\n\n{string.Join("\n\n", failures.Take(3))}");
        Assert.True(outcomes.GetValueOrDefault("Accepted: ok") >= count / 3, summary);
        Assert.True(outcomes.GetValueOrDefault("Rejected: ok") >= count / 5, summary);
        Assert.True(skippedPoints < checkedPoints / 4, summary);
    }

    /// <summary>"ok…" or "FAIL: why" for one declaration.</summary>
    private static string Check(FuzzedDeclaration declaration, string culture, Random random, ref int checkedPoints, ref int skippedPoints)
    {
        DifferentiableHarness.Run run = DifferentiableHarness.Generate(declaration.Source, culture);
        if (run.Crash is not null)
        {
            return "FAIL: the generator crashed: " + run.Crash;
        }

        bool diagnosed = run.NetGenDiagnostics.Count > 0;
        bool sourceCompiles = run.SourceDiagnostics.Count == 0;
        switch (declaration.Expectation)
        {
            case FuzzExpectation.Rejected:
                return diagnosed ? "ok" : "FAIL: an unsupported construct got no NG diagnostic";
            case FuzzExpectation.Accepted when !sourceCompiles:
                return "FAIL: the fuzzer wrote C# that does not compile cleanly: " + string.Join("; ", run.SourceDiagnostics.Take(3));
            case FuzzExpectation.Accepted when diagnosed:
                return "FAIL: a supported body was rejected: " + string.Join("; ", run.NetGenDiagnostics);
            case FuzzExpectation.Unknown when diagnosed:
                return "ok, diagnosed";
            case FuzzExpectation.Unknown when run.SourceDiagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error):
                return "ok, not C#";
        }

        // Accepted: whatever the generated code adds to the source's own diagnostics is a defect.
        var before = new HashSet<string>(run.SourceDiagnostics.Select(d => d.ToString()), StringComparer.Ordinal);
        string[] added = run.OutputProblems.Select(d => d.ToString()).Where(d => !before.Contains(d)).ToArray();
        if (added.Length > 0)
        {
            return $"FAIL: the generated code does not compile cleanly: {string.Join("; ", added.Take(3))}\n{run.GeneratedText}";
        }

        IReadOnlyList<string> disagreements = DifferentiableHarness.CheckGradients(run.Output, random, points: 3, range: 1.5, ref checkedPoints, ref skippedPoints);
        return disagreements.Count == 0 ? "ok" : $"FAIL: {string.Join("; ", disagreements)}\n{run.GeneratedText}";
    }

    private static int Setting(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : fallback;
}
