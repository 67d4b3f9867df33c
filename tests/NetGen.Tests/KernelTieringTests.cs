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
    /// compiled into the loop that calls it. The check reads each method's IL for a backward branch.
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
            int offset = 0;
            while (offset < il.Length)
            {
                int start = offset;
                short value = il[offset] == 0xFE ? (short)(0xFE00 | il[offset + 1]) : il[offset];
                offset += il[offset] == 0xFE ? 2 : 1;
                OpCode code = OpCodesByValue[value];
                switch (code.OperandType)
                {
                    case OperandType.ShortInlineBrTarget:
                        if (offset + 1 + (sbyte)il[offset] <= start) return true;
                        offset += 1;
                        break;
                    case OperandType.InlineBrTarget:
                        if (offset + 4 + BitConverter.ToInt32(il, offset) <= start) return true;
                        offset += 4;
                        break;
                    case OperandType.InlineSwitch:
                        int targets = BitConverter.ToInt32(il, offset);
                        int next = offset + 4 + 4 * targets;
                        for (int i = 0; i < targets; i++)
                        {
                            if (next + BitConverter.ToInt32(il, offset + 4 + 4 * i) <= start) return true;
                        }

                        offset = next;
                        break;
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineI:
                    case OperandType.ShortInlineVar:
                        offset += 1;
                        break;
                    case OperandType.InlineVar:
                        offset += 2;
                        break;
                    case OperandType.InlineI8:
                    case OperandType.InlineR:
                        offset += 8;
                        break;
                    default: // tokens, 32-bit integers and floats
                        offset += 4;
                        break;
                }
            }

            return false;
        }
    }
}
