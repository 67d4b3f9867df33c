using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// The kernels have a path per vector width (Vector512, Vector256 with FMA, Vector128, scalar), and a machine runs only
/// the widest it accelerates. Every other path is exercised here by rerunning the numerical tests of this assembly in
/// child test runs: with the width forced by <see cref="Kernels.KernelPaths.VectorWidthVariable"/> (512 runs, slowly,
/// where AVX-512 is missing), and with the runtime told to ignore instruction sets: without AVX2 (no Vector256, so
/// TensorPrimitives and 128-bit loops) and without any SIMD intrinsics (scalar code everywhere).
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
        "FullyQualifiedName~NetGen.Tests.IdxReaderTests|FullyQualifiedName~NetGen.Tests.VectorPaths.|" +
        "FullyQualifiedName~NetGen.Tests.Convolution.|FullyQualifiedName~NetGen.Tests.ConvolutionKernelTests|" +
        "FullyQualifiedName~NetGen.Tests.PoolingKernelTests|FullyQualifiedName~NetGen.Tests.NaNPropagationTests|" +
        "FullyQualifiedName~NetGen.Tests.StepGuardTests|FullyQualifiedName~NetGen.Tests.Normalization.";

    // Nothing allocated per step, on each path NETGEN_VECTOR_WIDTH forces (scalar code everywhere makes them take a minute).
    private const string AllocationFilter = "|FullyQualifiedName~NetGen.Tests.AllocationTests";

    [Theory]
    [InlineData("DOTNET_EnableAVX2", "0")]
    [InlineData("DOTNET_EnableHWIntrinsic", "0")]
    [InlineData("NETGEN_VECTOR_WIDTH", "512")]
    [InlineData("NETGEN_VECTOR_WIDTH", "256")]
    [InlineData("NETGEN_VECTOR_WIDTH", "128")]
    public async Task The_numerical_tests_pass_on_every_vector_path(string setting, string value)
    {
        await ChildTestRun.RequirePassesAsync(
            setting == "NETGEN_VECTOR_WIDTH" ? Filter + AllocationFilter : Filter,
            new Dictionary<string, string> { [setting] = value }, minimumPassed: 600, TimeSpan.FromMinutes(5), $"{setting}={value}");
    }
}
