using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// A clone of the repository holds everything it uses, and <c>dotnet test</c> on it restores only what the tests need:
/// TorchSharp and its 600 MB of libtorch belong to the bench's own solution.
/// </summary>
public sealed partial class RepositoryTests
{
    private static readonly string[] GeneratedFolders = ["bin", "obj", ".git", "nupkgs", "netgen-output", "BenchmarkDotNet.Artifacts", "TestResults", "node_modules"];

    [Fact]
    public void No_file_refers_to_a_folder_outside_the_repository()
    {
        string root = RepositoryRoot();
        string outside = string.Concat("..", "/", "shared"); // spelled in pieces so this file does not match itself
        var offenders = new List<string>();
        foreach (string file in SourceFiles(root))
        {
            string text = File.ReadAllText(file).Replace('\\', '/');
            if (text.Contains(outside, StringComparison.Ordinal) || text.Contains(string.Concat("/", "work", "/"), StringComparison.Ordinal))
            {
                offenders.Add(Path.GetRelativePath(root, file));
            }
        }

        Assert.True(offenders.Count == 0, "files that refer outside the repository: " + string.Join(", ", offenders));
    }

    [Fact]
    public void The_test_solution_restores_no_TorchSharp_or_libtorch()
    {
        string root = RepositoryRoot();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(ProjectsOf(Path.Combine(root, "NetGen.sln")));
        while (pending.Count > 0)
        {
            string project = Path.GetFullPath(pending.Pop());
            if (!visited.Add(project))
            {
                continue;
            }

            string text = File.ReadAllText(project);
            Assert.False(Regex.IsMatch(text, "PackageReference\\s+Include=\"(TorchSharp|libtorch)", RegexOptions.IgnoreCase),
                $"{Path.GetRelativePath(root, project)}, built by dotnet test through NetGen.sln, references TorchSharp or libtorch");
            foreach (Match reference in ProjectReference().Matches(text))
            {
                pending.Push(Path.Combine(Path.GetDirectoryName(project)!, reference.Groups["path"].Value.Replace('\\', Path.DirectorySeparatorChar)));
            }
        }

        Assert.Contains(visited, p => p.EndsWith("NetGen.Tests.csproj", StringComparison.Ordinal));
    }

    [Fact]
    public void The_bench_solution_builds_the_bench()
    {
        string root = RepositoryRoot();
        Assert.Contains(ProjectsOf(Path.Combine(root, "bench", "NetGen.Bench.sln")), p => p.EndsWith("NetGen.Benchmarks.csproj", StringComparison.Ordinal));
    }

    [GeneratedRegex("<ProjectReference\\s+Include=\"(?<path>[^\"]+)\"")]
    private static partial Regex ProjectReference();

    [GeneratedRegex("\"(?<path>[^\"]+\\.csproj)\"")]
    private static partial Regex SolutionProject();

    private static IEnumerable<string> ProjectsOf(string solution)
        => SolutionProject().Matches(File.ReadAllText(solution))
            .Select(m => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(solution)!, m.Groups["path"].Value.Replace('\\', Path.DirectorySeparatorChar))));

    private static IEnumerable<string> SourceFiles(string root)
    {
        string[] extensions = [".cs", ".csproj", ".props", ".targets", ".sln", ".md", ".sh", ".py", ".json", ".yml", ".xml", ""];
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            string folder = pending.Pop();
            foreach (string child in Directory.EnumerateDirectories(folder))
            {
                if (!GeneratedFolders.Contains(Path.GetFileName(child)))
                {
                    pending.Push(child);
                }
            }

            foreach (string file in Directory.EnumerateFiles(folder))
            {
                if (extensions.Contains(Path.GetExtension(file)))
                {
                    yield return file;
                }
            }
        }
    }

    internal static string RepositoryRoot()
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
