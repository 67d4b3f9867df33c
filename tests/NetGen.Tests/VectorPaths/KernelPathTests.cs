using System;
using System.Runtime.Intrinsics;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.VectorPaths;

/// <summary>The choice of vector path: InstructionSetTests relies on the environment variable forcing it.</summary>
public sealed class KernelPathTests
{
    [Fact]
    public void The_kernels_run_on_the_width_the_environment_names_or_else_the_widest_accelerated()
    {
        string? setting = Environment.GetEnvironmentVariable(KernelPaths.VectorWidthVariable);
        int expected = !string.IsNullOrEmpty(setting) ? int.Parse(setting)
            : Vector512.IsHardwareAccelerated ? 512
            : Vector256.IsHardwareAccelerated ? 256
            : Vector128.IsHardwareAccelerated ? 128
            : 0;
        Assert.Equal(expected, KernelPaths.VectorWidth);
    }

    [Theory]
    [InlineData("512", 512)]
    [InlineData("256", 256)]
    [InlineData(" 128 ", 128)]
    [InlineData("0", 0)]
    public void Each_width_can_be_forced(string setting, int width) => Assert.Equal(width, KernelPaths.ChooseVectorWidth(setting));

    [Theory]
    [InlineData("64")]
    [InlineData("avx512")]
    [InlineData("-256")]
    public void Any_other_setting_is_rejected_with_the_values_it_may_take(string setting)
    {
        var error = Assert.Throws<InvalidOperationException>(() => KernelPaths.ChooseVectorWidth(setting));
        Assert.Contains("NETGEN_VECTOR_WIDTH", error.Message);
        Assert.Contains("512, 256, 128 or 0", error.Message);
    }
}
