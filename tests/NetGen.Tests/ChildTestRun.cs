using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// This test assembly run again in a child `dotnet test` with a filter and environment of its own, for the settings
/// that only take effect at process start (instruction sets, vector widths). The timeout covers the whole child: its
/// output is read under the same token, and a child still running when it fires is killed with its process tree, so
/// a hung child fails the test instead of hanging the run.
/// </summary>
internal static class ChildTestRun
{
    /// <summary>Runs the tests <paramref name="filter"/> selects with <paramref name="environment"/> set, and asserts that at least <paramref name="minimumPassed"/> ran and none failed.</summary>
    public static async Task RequirePassesAsync(string filter, IReadOnlyDictionary<string, string> environment, int minimumPassed, TimeSpan timeout, string what)
    {
        string dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "test", typeof(ChildTestRun).Assembly.Location, "--filter", filter })
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using var child = Process.Start(start)!;
        using var cancellation = new CancellationTokenSource(timeout);
        string output, errors;
        try
        {
            Task<string> errorText = child.StandardError.ReadToEndAsync(cancellation.Token);
            output = await child.StandardOutput.ReadToEndAsync(cancellation.Token);
            errors = await errorText;
            await child.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what}: the child test run did not finish within {timeout.TotalMinutes} minutes and was killed.");
        }

        Match summary = Regex.Match(output, @"Failed:\s+(\d+), Passed:\s+(\d+)");
        Assert.True(child.ExitCode == 0 && summary.Success, $"{what}: the child test run failed\n{output}\n{errors}");
        Assert.Equal("0", summary.Groups[1].Value);
        Assert.True(int.Parse(summary.Groups[2].Value) >= minimumPassed, $"{what}: only {summary.Groups[2].Value} tests ran\n{output}");
    }
}
