using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Which vector width NetGen's kernels run on, chosen once per process: the widest the hardware accelerates
/// (Vector512, then Vector256, then Vector128, then scalar code), unless the environment variable
/// <c>NETGEN_VECTOR_WIDTH</c> names one of 512, 256, 128 or 0 when the process starts.
/// </summary>
/// <remarks>
/// A width the hardware does not accelerate still computes the same results, only slowly (the runtime emulates the
/// wider vectors), so that every path can be tested on any machine. With 128 or 0 the matrix products use their
/// TensorPrimitives and scalar fallbacks.
/// </remarks>
public static class KernelPaths
{
    /// <summary>The environment variable that forces a vector width: 512, 256, 128 or 0 (scalar).</summary>
    public const string VectorWidthVariable = "NETGEN_VECTOR_WIDTH";

    private static readonly int s_vectorWidth = ChooseVectorWidth(Environment.GetEnvironmentVariable(VectorWidthVariable));

    /// <summary>The width in bits of the vectors the kernels use: 512, 256, 128, or 0 for scalar code.</summary>
    public static int VectorWidth => s_vectorWidth;

    // The switches below are fields, not properties over s_vectorWidth: an optimizing compile (tier 1, or a kernel's
    // AggressiveOptimization) of a method reads a static readonly field of an initialized class as a constant while it
    // imports the IL, so `if (KernelPaths.Use512)` drops the other paths before their inlinees are imported. Behind an
    // inlined getter the constant appeared only after inlining, and every path's helpers were inlined first and then
    // thrown away: Softmax's first call spent 22-44 ms in the JIT (docs/performance.md). They follow s_vectorWidth,
    // which static initialization sets first.

    /// <summary>Whether the kernels take their Vector512 paths.</summary>
    internal static readonly bool Use512 = s_vectorWidth == 512;

    /// <summary>Whether the kernels may use Vector256 (with FMA where the hardware has it): on the 256 and 512 paths, the latter for what is shorter than a Vector512.</summary>
    internal static readonly bool Use256 = s_vectorWidth >= 256;

    /// <summary>Whether the kernels may use Vector128: on every path but the scalar one.</summary>
    internal static readonly bool Use128 = s_vectorWidth >= 128;

    /// <summary>Whether Vector128 is the widest vector the kernels use: the 128-bit path.</summary>
    internal static readonly bool Only128 = s_vectorWidth == 128;

    /// <summary>The width <paramref name="setting"/> names, or the widest accelerated one when it is null or empty.</summary>
    /// <exception cref="InvalidOperationException">The setting is not 512, 256, 128 or 0.</exception>
    internal static int ChooseVectorWidth(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return Vector512.IsHardwareAccelerated ? 512
                : Vector256.IsHardwareAccelerated ? 256
                : Vector128.IsHardwareAccelerated ? 128
                : 0;
        }

        if (int.TryParse(setting.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int width) && width is 512 or 256 or 128 or 0)
        {
            return width;
        }

        throw new InvalidOperationException($"{VectorWidthVariable} is \"{setting}\"; it must be 512, 256, 128 or 0 (scalar), or unset for the widest vector this machine accelerates.");
    }
}
