using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests
{
    /// <summary>
    /// Every loop in the kernels is fully optimized at its first call. A method with a loop that tiered compilation
    /// handles instead runs as tier-0 code, then through on-stack replacement, for the first hundreds of steps (Gemm's
    /// PackTiles did, at 3% of deep's profile samples). So each such method must be marked
    /// <see cref="MethodImplOptions.AggressiveOptimization"/>, or <see cref="MethodImplOptions.AggressiveInlining"/> so that it is
    /// compiled into the loop that calls it. The check reads each method's IL for a backward branch. And the first call
    /// compiles no more than the path it runs: the kernels branch on <see cref="KernelPaths"/>' fields, which the JIT
    /// folds before it inlines anything.
    /// </summary>
    public sealed class KernelTieringTests
    {
        /// <summary>
        /// The loops of the kernel threads' hand-off, which do no arithmetic: starting the workers (once per process),
        /// handing a product's parts to them (one iteration per worker), and a worker's wait for its next part. Taking
        /// the hand-off out of tiering was measured and did not help (docs/performance.md, mnist-e2e).
        /// </summary>
        private static readonly HashSet<string> HandOffLoops =
        [
            "KernelThreads.EnsureWorkers",
            "KernelThreads.Run",
            "KernelThreads.Worker.Loop",
        ];

        [Fact]
        public void Every_kernel_method_with_a_loop_is_fully_optimized_or_inlined()
        {
            Assembly library = typeof(Gemm).Assembly;
            var offenders = new List<string>();
            foreach (Type type in library.GetTypes().Where(t => t.Namespace == "NetGen.Kernels"))
            {
                const BindingFlags declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;
                foreach (MethodBase method in type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared)))
                {
                    byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
                    if (il is null || !HasBackwardBranch(il))
                    {
                        continue;
                    }

                    MethodImplAttributes flags = method.MethodImplementationFlags;
                    bool compiledWhole = (flags & (MethodImplAttributes.AggressiveOptimization | MethodImplAttributes.AggressiveInlining)) != 0;
                    string name = $"{Describe(type)}.{method.Name}";
                    if (!compiledWhole && !HandOffLoops.Contains(name))
                    {
                        offenders.Add(name);
                    }
                }
            }

            Assert.True(offenders.Count == 0, "Kernel methods with loops that tiered compilation would start at tier 0: " + string.Join(", ", offenders.Distinct().Order()));
        }

        /// <summary>
        /// The kernels choose their vector path with <see cref="KernelPaths"/>' static readonly fields (Use512, Use256,
        /// Use128, Only128), never through a property. An optimizing compile reads a static readonly field of an initialized
        /// class as a constant while it imports the IL, so the paths not taken are never imported; behind a property the
        /// constant appears only after inlining, by which time every path's helpers have been inlined too. That is what
        /// made the first call of Softmax spend 22–44 ms in the JIT (docs/performance.md).
        /// </summary>
        [Fact]
        public void Kernels_branch_on_the_path_fields_not_on_a_property()
        {
            Assembly library = typeof(Gemm).Assembly;
            var offenders = new List<string>();
            foreach (Type type in library.GetTypes().Where(t => t.Namespace == "NetGen.Kernels" && t != typeof(KernelPaths)))
            {
                const BindingFlags declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;
                foreach (MethodBase method in type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared)))
                {
                    if (CalledMethods(method).Any(called => called.DeclaringType == typeof(KernelPaths) && called.Name.StartsWith("get_", StringComparison.Ordinal)))
                    {
                        offenders.Add($"{Describe(type)}.{method.Name}");
                    }
                }
            }

            Assert.True(offenders.Count == 0, "Kernel methods that read KernelPaths through a property: " + string.Join(", ", offenders.Distinct().Order()));
        }

        [Fact]
        public void The_IL_reader_finds_the_calls_of_a_method()
        {
            MethodInfo caller = typeof(KernelTieringTests).GetMethod(nameof(WidthInBytes), BindingFlags.NonPublic | BindingFlags.Static)!;

            Assert.Contains(CalledMethods(caller), called => called.DeclaringType == typeof(KernelPaths) && called.Name == "get_VectorWidth");
            Assert.DoesNotContain(CalledMethods(typeof(KernelTieringTests).GetMethod(nameof(Larger), BindingFlags.NonPublic | BindingFlags.Static)!), _ => true);
        }

        private static int WidthInBytes() => KernelPaths.VectorWidth / 8;

        [Fact]
        public void The_IL_reader_finds_a_loop_and_only_a_loop()
        {
            MethodInfo loop = typeof(KernelTieringTests).GetMethod(nameof(SumOf), BindingFlags.NonPublic | BindingFlags.Static)!;
            MethodInfo straight = typeof(KernelTieringTests).GetMethod(nameof(Larger), BindingFlags.NonPublic | BindingFlags.Static)!;

            Assert.True(HasBackwardBranch(loop.GetMethodBody()!.GetILAsByteArray()!));
            Assert.False(HasBackwardBranch(straight.GetMethodBody()!.GetILAsByteArray()!));
        }

        private static int SumOf(int[] values)
        {
            int sum = 0;
            for (int i = 0; i < values.Length; i++)
            {
                sum += values[i];
            }

            return sum;
        }

        private static int Larger(int a, int b) => a > b ? a : b;

        private static string Describe(Type type)
        {
            string name = type.Name.Split('`')[0];
            return type.DeclaringType is null ? name : $"{Describe(type.DeclaringType)}.{name}";
        }

        private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => (OpCode)field.GetValue(null)!)
            .ToDictionary(code => code.Value);

        /// <summary>Whether any branch or switch in <paramref name="il"/> jumps to its own offset or before it.</summary>
        private static bool HasBackwardBranch(byte[] il)
        {
            foreach ((int start, OpCode code, int operand) in Instructions(il))
            {
                switch (code.OperandType)
                {
                    case OperandType.ShortInlineBrTarget:
                        if (operand + 1 + (sbyte)il[operand] <= start) return true;
                        break;
                    case OperandType.InlineBrTarget:
                        if (operand + 4 + BitConverter.ToInt32(il, operand) <= start) return true;
                        break;
                    case OperandType.InlineSwitch:
                        int targets = BitConverter.ToInt32(il, operand);
                        int next = operand + 4 + 4 * targets;
                        for (int i = 0; i < targets; i++)
                        {
                            if (next + BitConverter.ToInt32(il, operand + 4 + 4 * i) <= start) return true;
                        }

                        break;
                }
            }

            return false;
        }

        /// <summary>Every method that <paramref name="method"/>'s IL names as an operand: calls, constructors it invokes, and ldftn.</summary>
        private static IEnumerable<MethodBase> CalledMethods(MethodBase method)
        {
            byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
            if (il is null)
            {
                yield break;
            }

            Type[] typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : Type.EmptyTypes;
            Type[] methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : Type.EmptyTypes;
            foreach ((int _, OpCode code, int operand) in Instructions(il))
            {
                if (code.OperandType == OperandType.InlineMethod)
                {
                    MethodBase? called = method.Module.ResolveMethod(BitConverter.ToInt32(il, operand), typeArguments, methodArguments);
                    if (called is not null)
                    {
                        yield return called;
                    }
                }
            }
        }

        /// <summary>Each instruction of <paramref name="il"/>: its offset, its opcode and the offset of its operand.</summary>
        private static IEnumerable<(int Start, OpCode Code, int Operand)> Instructions(byte[] il)
        {
            int offset = 0;
            while (offset < il.Length)
            {
                int start = offset;
                short value = il[offset] == 0xFE ? (short)(0xFE00 | il[offset + 1]) : il[offset];
                offset += il[offset] == 0xFE ? 2 : 1;
                OpCode code = OpCodesByValue[value];
                yield return (start, code, offset);
                offset += code.OperandType switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, offset),
                    _ => 4, // tokens, branch targets, 32-bit integers and floats
                };
            }
        }
    }
}
