using System;
using System.IO;
using NetGen.Samples;
using Xunit;

namespace NetGen.Tests;

/// <summary>The main sample's commands run, in fast mode, and write real PNG images.</summary>
public sealed class SampleTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-samples-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("xor", new[] { "xor-modes.png" })]
    [InlineData("iris", new string[0])]
    [InlineData("mnist", new[] { "mnist-mistakes.png" })]
    [InlineData("spiral", new[] { "spiral-boundary.png" })]
    [InlineData("sine", new[] { "sine-fit.png" })]
    [InlineData("regression", new string[0])]
    [InlineData("gradient", new[] { "gradient-bowl.png", "gradient-bumpy.png", "modes-by-updates.png", "modes-by-time.png" })]
    [InlineData("optimizers", new[] { "optimizers.png" })]
    public void Each_command_exits_zero_and_writes_its_plots(string command, string[] pngs)
    {
        using var output = new StringWriter();

        int exitCode = SampleRunner.Run([command, "--fast", "--output", _folder], output);

        Assert.Equal(0, exitCode);
        foreach (string png in pngs)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(_folder, png));
            Assert.True(bytes.AsSpan().StartsWith(PngSignature), $"{png} is not a PNG");
            Assert.True(bytes.Length > 10_000, $"{png} has only {bytes.Length} bytes");
        }
    }

    [Fact]
    public void The_gradient_command_prints_the_chapters_gradient()
    {
        using var output = new StringWriter();

        SampleRunner.Run(["gradient", "--fast", "--output", _folder], output);

        Assert.Contains("∇u = (4, 4, 2)", output.ToString());
    }

    [Fact]
    public void An_unknown_command_lists_the_commands_and_exits_2()
    {
        using var output = new StringWriter();

        Assert.Equal(2, SampleRunner.Run(["spiralz"], output));
        Assert.Contains("gradient", output.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_lists_every_command_with_aligned_summaries_and_exits_0(string flag)
    {
        using var output = new StringWriter();

        Assert.Equal(0, SampleRunner.Run([flag], output));

        string[] commands = ["xor", "iris", "mnist", "spiral", "sine", "regression", "gradient", "optimizers"];
        string[] lines = output.ToString().Split(Environment.NewLine);
        int[] summaryColumns = Array.ConvertAll(commands, command =>
        {
            string line = Array.Find(lines, l => l.StartsWith("  " + command + " ", StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"--help does not list {command}");
            int column = ("  " + command).Length;
            while (line[column] == ' ')
            {
                column++;
            }

            return column;
        });
        Assert.All(summaryColumns, column => Assert.Equal(summaryColumns[0], column));
        Assert.DoesNotContain("Unknown command", output.ToString());
    }

    [Fact]
    public void Iris_reaches_at_least_90_percent_test_accuracy_at_full_length()
        => Assert.True(IrisSample.Accuracy(fast: false) >= 0.9);

    [Fact]
    public void Regression_reaches_an_R_squared_above_0_85_on_the_held_out_tracts()
        => Assert.True(RegressionSample.RSquared(fast: false) >= 0.85);

    [Fact]
    public void The_regression_takes_under_20_lines_of_user_code_from_the_CSV_file_to_R_squared()
    {
        string source = File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "NetGen.Samples", "RegressionSample.cs"));
        int start = source.IndexOf("// The user's code", StringComparison.Ordinal), end = source.IndexOf("// End of the user's code.", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the markers of the user's code are missing");

        string[] lines = source[start..end].Split('\n')[1..];
        int code = Array.FindAll(lines, line => line.Trim().Length > 0).Length;

        Assert.InRange(code, 1, 19);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NetGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("NetGen.sln was not found above the test's output folder.");
    }
}
