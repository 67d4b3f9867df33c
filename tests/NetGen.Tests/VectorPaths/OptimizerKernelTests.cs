using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.VectorPaths;

/// <summary>
/// Every optimizer kernel, in float and double, at lengths that reach every part of the update loop on the path this
/// process runs (InstructionSetTests reruns this class on every other path): shorter than 4, 8 and 16 elements (the
/// narrower vectors and the scalar loop), whole vectors, whole vectors with an overlapping last one, and a length split
/// over two threads. Three steps are checked against the torch formulas of <see cref="ReferenceOptimizer"/> in double,
/// and bit for bit against the same update done one element at a time, which always runs the scalar path.
/// </summary>
[Collection(KernelThreadsCollection.Name)]
public sealed class OptimizerKernelTests
{
    private const int SplitLength = 2 * KernelThreads.MinimumElementsPerThread + 17;

    public static TheoryData<string, int> Cases()
    {
        var cases = new TheoryData<string, int>();
        foreach (string optimizer in new[] { "sgd", "momentum", "nesterov", "adam", "amsgrad", "adamw", "rmsprop", "centered", "adagrad" })
        {
            foreach (int length in new[] { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, SplitLength })
            {
                cases.Add(optimizer, length);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_updates_follow_the_torch_formulas(string optimizer, int length)
        => AssertMatchesReference<float>(optimizer, length, tolerance: 2e-5);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Double_updates_follow_the_torch_formulas(string optimizer, int length)
        => AssertMatchesReference<double>(optimizer, length, tolerance: 1e-12);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_updates_equal_the_scalar_path_bit_for_bit(string optimizer, int length)
        => AssertMatchesElementwise<float>(optimizer, length);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Double_updates_equal_the_scalar_path_bit_for_bit(string optimizer, int length)
        => AssertMatchesElementwise<double>(optimizer, length);

    public static TheoryData<string, int> DecayCases()
    {
        var cases = new TheoryData<string, int>();
        foreach (string optimizer in new[] { "momentum", "nesterov", "adam", "amsgrad", "adamw", "rmsprop", "centered" })
        {
            foreach (int length in new[] { 3, 37, SplitLength })
            {
                cases.Add(optimizer, length);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(DecayCases))]
    public void Float_state_that_decays_below_the_smallest_normal_becomes_zero(string optimizer, int length)
        => AssertFlushesSubnormalState<float>(optimizer, length, float.CreateTruncating(Math.ScaleB(1.0, -126)));

    [Theory]
    [MemberData(nameof(DecayCases))]
    public void Double_state_that_decays_below_the_smallest_normal_becomes_zero(string optimizer, int length)
        => AssertFlushesSubnormalState<double>(optimizer, length, Math.ScaleB(1.0, -1022));

    /// <summary>
    /// Adam's bias correction skips Math.Pow once t·(1 − β) passes 42; it must still equal torch's 1 − βᵗ in double bit
    /// for bit: on both sides of that step, where βᵗ underflows to subnormals and to zero, at the first step, and at the
    /// edges β = 0, β near 1, β = 1, β &lt; 0 (βᵗ alternating in sign) and t = 0.
    /// </summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    [InlineData(0.999)]
    [InlineData(0.9999)]
    [InlineData(1 - 1e-9)]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    [InlineData(-0.999)]
    public void Adam_bias_correction_is_one_minus_beta_to_the_t(double beta)
    {
        var steps = new System.Collections.Generic.List<long> { 0, 1, 2, 3, 10, 1_000, 7_000, 10_000, 1_000_000, long.MaxValue / 2 };
        if (beta is > -1 and < 1 and not 0)
        {
            long cut = (long)(42 / (1 - beta));
            for (long t = Math.Max(0, cut - 40); t <= cut + 40; t++)
            {
                steps.Add(t);
            }

            for (int k = 1; k <= 40; k++)
            {
                steps.Add(cut * k / 20); // from a twentieth of the cut-off to twice it: a cut-off set too early would show
            }

            long underflow = (long)(1075 / -Math.Log2(Math.Abs(beta))); // βᵗ passes below the smallest subnormal near here
            steps.AddRange([underflow - 1, underflow, underflow + 1]);
        }

        foreach (long t in steps)
        {
            double expected = 1 - Math.Pow(beta, t);
            Assert.True(
                BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(OptimizerKernels.BiasCorrection(beta, t)),
                $"β = {beta:R}, t = {t}: expected {expected:R}, got {OptimizerKernels.BiasCorrection(beta, t):R}");
        }
    }

    /// <summary>
    /// A parameter at zero with a zero gradient only decays its running averages. Its state starts at the smallest normal
    /// number (below it after any decay), at a subnormal, at four times the smallest normal (still normal after one
    /// decay by at least ½) or at NaN, in turn. After a step the first two are +0, the third is the decayed value and NaN
    /// stays NaN (AMSGrad's running maximum of v keeps a normal start): subnormal state would make every later update of the vector take microcode assists on Intel cores,
    /// where it made Adam three times slower. The vector paths and the scalar path agree bit for bit.
    /// </summary>
    private static void AssertFlushesSubnormalState<T>(string optimizer, int length, T smallestNormal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] start = [smallestNormal, T.Epsilon * T.CreateTruncating(7), smallestNormal * T.CreateTruncating(4), T.NaN];
        State<T> whole = new(optimizer, length), single = new(optimizer, length);
        for (int k = 0; k < whole.Vectors.Length; k++)
        {
            for (int i = 0; i < length; i++)
            {
                whole.Vectors[k][i] = single.Vectors[k][i] = start[i % start.Length];
            }
        }

        T[] theta = new T[length], singleTheta = new T[length];
        WithTwoThreads(() => Step(optimizer, theta, new T[length], whole, 1, T.One));
        for (int i = 0; i < length; i++)
        {
            Step(optimizer, singleTheta.AsSpan(i, 1), new T[1], single.Element(i), 1, T.One);
        }

        for (int k = 0; k < whole.Vectors.Length; k++)
        {
            T[] state = whole.Vectors[k];
            bool runningMaximum = optimizer == "amsgrad" && k == 2; // max(v̂ so far, v): a normal start is kept as it is
            for (int i = 0; i < length; i++)
            {
                T value = state[i];
                switch (i % start.Length)
                {
                    case 0 or 2 when runningMaximum:
                        Assert.True(value == start[i % start.Length], $"{optimizer}, running maximum {k}[{i}] from {start[i % start.Length]:R} is {value:R}");
                        break;
                    case 0 or 1:
                        Assert.True(value == T.Zero && !T.IsNegative(value), $"{optimizer}, state {k}[{i}] from {start[i % start.Length]:R} is {value:R}; expected +0");
                        break;
                    case 2:
                        Assert.True(T.IsNormal(value) && value < start[2], $"{optimizer}, state {k}[{i}] from {start[2]:R} is {value:R}; expected its decayed value, still normal");
                        break;
                    default:
                        Assert.True(T.IsNaN(value), $"{optimizer}, state {k}[{i}] from NaN is {value:R}");
                        break;
                }
            }

            AssertSameBits(single.Vectors[k], state, $"{optimizer}, state {k}");
        }

        AssertSameBits(singleTheta, theta, $"{optimizer}, parameters");
    }

    private static void AssertMatchesReference<T>(string optimizer, int length, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(length * 31 + optimizer.Length);
        T[] theta = RandomVector<T>(random, length);
        double[] expected = Array.ConvertAll(theta, double.CreateTruncating);
        ReferenceOptimizer reference = Reference(optimizer);
        var state = new State<T>(optimizer, length);
        for (int t = 1; t <= 3; t++)
        {
            T[] summed = RandomVector<T>(random, length);
            reference.Step(expected, Array.ConvertAll(summed, value => double.CreateTruncating(value) / 4), t);
            WithTwoThreads(() => Step(optimizer, theta, summed, state, t, T.CreateTruncating(0.25)));

            Assert.True(Array.TrueForAll(summed, value => value == T.Zero), "the update clears the gradient");
            for (int i = 0; i < length; i++)
            {
                double actual = double.CreateTruncating(theta[i]);
                Assert.True(Math.Abs(actual - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                    $"{optimizer}, step {t}, θ[{i}] = {actual:R}; the formula gives {expected[i]:R}");
            }
        }
    }

    private static void AssertMatchesElementwise<T>(string optimizer, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(length * 17 + optimizer.Length);
        T[] whole = RandomVector<T>(random, length), single = (T[])whole.Clone();
        State<T> wholeState = new(optimizer, length), singleState = new(optimizer, length);
        for (int t = 1; t <= 3; t++)
        {
            T[] gradient = RandomVector<T>(random, length), singleGradient = (T[])gradient.Clone();
            WithTwoThreads(() => Step(optimizer, whole, gradient, wholeState, t, T.CreateTruncating(0.25)));
            for (int i = 0; i < length; i++)
            {
                Step(optimizer, single.AsSpan(i, 1), singleGradient.AsSpan(i, 1), singleState.Element(i), t, T.CreateTruncating(0.25));
            }

            AssertSameBits(single, whole, $"{optimizer}, step {t}, parameters");
            for (int k = 0; k < wholeState.Vectors.Length; k++)
            {
                AssertSameBits(singleState.Vectors[k], wholeState.Vectors[k], $"{optimizer}, step {t}, state {k}");
            }
        }
    }

    /// <summary>One kernel step, as the optimizers of <see cref="OptimizerTests"/> are configured.</summary>
    private static void Step<T>(string optimizer, Span<T> p, Span<T> g, State<T> state, int t, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        static T Of(double value) => T.CreateTruncating(value);
        switch (optimizer)
        {
            case "sgd": OptimizerKernels.Sgd(p, g, Of(0.1), Of(0.01), scale); break;
            case "momentum": OptimizerKernels.SgdMomentum(p, g, state[0], Of(0.1), Of(0.9), nesterov: false, Of(0.01), scale); break;
            case "nesterov": OptimizerKernels.SgdMomentum(p, g, state[0], Of(0.1), Of(0.8), nesterov: true, T.Zero, scale); break;
            case "adam": OptimizerKernels.Adam(p, g, state[0], state[1], Span<T>.Empty, Of(0.01), Of(0.9), Of(0.999), Of(1e-8), Of(0.1), false, t, scale); break;
            case "amsgrad": OptimizerKernels.Adam(p, g, state[0], state[1], state[2], Of(0.02), Of(0.8), Of(0.9), Of(1e-6), T.Zero, false, t, scale); break;
            case "adamw": OptimizerKernels.Adam(p, g, state[0], state[1], Span<T>.Empty, Of(0.01), Of(0.9), Of(0.999), Of(1e-8), Of(0.1), true, t, scale); break;
            case "rmsprop": OptimizerKernels.RmsProp(p, g, state[0], Span<T>.Empty, state[1], Of(0.01), Of(0.99), Of(1e-8), Of(0.5), Of(0.05), scale); break;
            case "centered": OptimizerKernels.RmsProp(p, g, state[0], state[1], Span<T>.Empty, Of(0.01), Of(0.9), Of(1e-8), T.Zero, T.Zero, scale); break;
            case "adagrad": OptimizerKernels.Adagrad(p, g, state[0], Of(0.1), Of(1e-10), Of(0.01), Of(0.1), t, scale); break;
            default: throw new ArgumentException(optimizer, nameof(optimizer));
        }
    }

    private static ReferenceOptimizer Reference(string optimizer) => optimizer switch
    {
        "sgd" => new ReferenceSgd(0.1, weightDecay: 0.01),
        "momentum" => new ReferenceSgd(0.1, momentum: 0.9, weightDecay: 0.01),
        "nesterov" => new ReferenceSgd(0.1, momentum: 0.8, nesterov: true),
        "adam" => new ReferenceAdam(0.01, weightDecay: 0.1),
        "amsgrad" => new ReferenceAdam(0.02, beta1: 0.8, beta2: 0.9, eps: 1e-6, amsgrad: true),
        "adamw" => new ReferenceAdam(0.01, weightDecay: 0.1, decoupled: true),
        "rmsprop" => new ReferenceRmsProp(0.01, momentum: 0.5, weightDecay: 0.05),
        "centered" => new ReferenceRmsProp(0.01, alpha: 0.9, centered: true),
        "adagrad" => new ReferenceAdagrad(0.1, weightDecay: 0.01, lrDecay: 0.1),
        _ => throw new ArgumentException(optimizer, nameof(optimizer)),
    };

    /// <summary>The optimizer's state vectors, zero at the start as in a new network, or a one-element window on them.</summary>
    private sealed class State<T> where T : unmanaged
    {
        private readonly int _offset, _length;

        public State(string optimizer, int length)
            : this(new T[StateCount(optimizer)][], 0, length)
        {
            for (int k = 0; k < Vectors.Length; k++)
            {
                Vectors[k] = new T[length];
            }
        }

        private State(T[][] vectors, int offset, int length) => (Vectors, _offset, _length) = (vectors, offset, length);

        public T[][] Vectors { get; }

        public Span<T> this[int k] => Vectors[k].AsSpan(_offset, _length);

        public State<T> Element(int i) => new(Vectors, i, 1);

        private static int StateCount(string optimizer) => optimizer switch
        {
            "sgd" => 0,
            "amsgrad" => 3,
            "momentum" or "nesterov" or "adagrad" => 1,
            _ => 2,
        };
    }

    /// <summary>Runs <paramref name="step"/> with up to two threads, so that <see cref="SplitLength"/> is split whatever the processor count.</summary>
    private static void WithTwoThreads(Action step) => KernelThreadsCollection.WithMaxThreads(2, step);

    private static T[] RandomVector<T>(Random random, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    private static void AssertSameBits<T>(T[] expected, T[] actual, string what) where T : unmanaged
    {
        Assert.Equal(expected.Length, actual.Length);
        int first = MemoryMarshal.AsBytes(expected.AsSpan()).CommonPrefixLength(MemoryMarshal.AsBytes(actual.AsSpan())) / Unsafe.SizeOf<T>();
        Assert.True(first == expected.Length, $"{what}: element {first} is {(first < actual.Length ? actual[first] : default)}; element by element it is {(first < expected.Length ? expected[first] : default)}");
    }
}
