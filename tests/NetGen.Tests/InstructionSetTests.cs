using System;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// The kernels have a fast path (256-bit vectors with FMA) and fallbacks that only run on older or smaller CPUs. Each
/// fallback is exercised here by rerunning the numerical tests of this assembly in a child test run where the runtime
/// is told to ignore instruction sets: without AVX2 (no Vector256, so TensorPrimitives and 128-bit Vector&lt;T&gt;
/// loops), and without any SIMD intrinsics (scalar code everywhere).
/// </summary>
public sealed class InstructionSetTests
{
    // Gradients against finite differences, the kernels against triple loops, every optimizer against its formula,
    // and training to convergence: everything whose numbers depend on the code path taken. Without Vector256 the
    // tiny networks' lane tests run the per-sample code at every batch size, LaneKernels its fallbacks, and the digit
    // loader its scalar conversion.
    private const string Filter =
        "FullyQualifiedName~NetGen.Tests.GradientCheckTests|FullyQualifiedName~NetGen.Tests.DenseKernelTests|" +
        "FullyQualifiedName~NetGen.Tests.LaneTests|FullyQualifiedName~NetGen.Tests.LaneKernelTests|" +
        "FullyQualifiedName~NetGen.Tests.FusedSgdTests|FullyQualifiedName~NetGen.Tests.OptimizerTests|" +
        "FullyQualifiedName~NetGen.Tests.TrainingTests|FullyQualifiedName~NetGen.Tests.ConvergenceTests|" +
        "FullyQualifiedName~NetGen.Tests.IdxReaderTests";

    [Theory]
    [InlineData("DOTNET_EnableAVX2")]
    [InlineData("DOTNET_EnableHWIntrinsic")]
    public async Task The_numerical_tests_pass_with_an_instruction_set_switched_off(string setting)
    {
        string dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "test", typeof(InstructionSetTests).Assembly.Location, "--filter", Filter })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[setting] = "0";
        using var child = Process.Start(start)!;
        var errors = child.StandardError.ReadToEndAsync();
        string output = await child.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await child.WaitForExitAsync(timeout.Token);

        Match summary = Regex.Match(output, @"Failed:\s+(\d+), Passed:\s+(\d+)");
        Assert.True(child.ExitCode == 0 && summary.Success, $"{setting}=0: the child test run failed\n{output}\n{await errors}");
        Assert.Equal("0", summary.Groups[1].Value);
        Assert.True(int.Parse(summary.Groups[2].Value) >= 270, $"{setting}=0: only {summary.Groups[2].Value} tests ran\n{output}");
    }
}
