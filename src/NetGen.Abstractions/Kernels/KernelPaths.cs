using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    private static readonly string? s_setting = Environment.GetEnvironmentVariable(VectorWidthVariable);

    private static readonly int s_vectorWidth = ChooseVectorWidth(s_setting);

    private static readonly bool s_vector512Lanes = ChooseVector512Lanes(s_vectorWidth, s_setting, RunsVector512InHalves());

    /// <summary>The width in bits of the vectors the kernels use: 512, 256, 128, or 0 for scalar code.</summary>
    public static int VectorWidth => s_vectorWidth;

    /// <summary>
    /// Whether the generated lane pass of tiny networks takes Vector512 lanes (16 floats or 8 doubles per block) rather
    /// than Vector256 ones: on the 512 path, unless that path was chosen rather than forced on a processor that runs
    /// each 512-bit operation as two 256-bit halves (AMD family 19h, Zen 4). There the Vector512 lane pass measured
    /// slower than the Vector256 one (iris 4-16-3 at batch 16: 770–800 against 715–723 ns per step), since it adds a
    /// gather and a wider lane sum and saves no FMA throughput. Forcing 512 with <see cref="VectorWidthVariable"/>
    /// takes them anywhere, which is how the tests run them.
    /// </summary>
    public static bool UsesVector512Lanes => s_vector512Lanes;

    /// <summary>Whether the kernels take their Vector512 paths.</summary>
    internal static bool Use512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_vectorWidth == 512;
    }

    /// <summary>Whether the kernels may use Vector256 (with FMA where the hardware has it): on the 256 and 512 paths, the latter for what is shorter than a Vector512.</summary>
    internal static bool Use256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_vectorWidth >= 256;
    }

    /// <summary>Whether the kernels may use Vector128: on every path but the scalar one.</summary>
    internal static bool Use128
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_vectorWidth >= 128;
    }

    /// <summary><see cref="UsesVector512Lanes"/> for a chosen <paramref name="width"/>, its <paramref name="setting"/>, and whether the processor halves 512-bit operations.</summary>
    internal static bool ChooseVector512Lanes(int width, string? setting, bool halvesVector512)
        => width == 512 && (!string.IsNullOrWhiteSpace(setting) || !halvesVector512);

    /// <summary>Whether this is an AMD processor of family 19h (Zen 3 and Zen 4; only Zen 4 has AVX-512), which executes a 512-bit operation as two 256-bit halves.</summary>
    private static bool RunsVector512InHalves()
    {
        if (!X86Base.IsSupported)
        {
            return false;
        }

        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        bool amd = ebx == 0x68747541 && edx == 0x69746E65 && ecx == 0x444D4163; // "Auth", "enti", "cAMD"
        int signature = X86Base.CpuId(1, 0).Eax;
        int family = ((signature >> 8) & 0xF) + ((signature >> 20) & 0xFF);
        return amd && family == 0x19;
    }

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
