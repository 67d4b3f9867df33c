using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Inverted dropout (nn.Dropout in training): each value is zeroed with probability <c>rate</c> and every kept value is
/// scaled by 1/(1 − rate), by a mask that the backward pass multiplies in again. The masks are drawn from a network's own
/// generator, xoshiro256** with its four words in a span (<see cref="INetwork{T}.RandomState"/>), so that they depend
/// only on that state: not on T, the vector path or the thread.
/// </summary>
/// <remarks>
/// Each value takes one 32-bit uniform u: every 64-bit draw of the generator gives two, its low half first, then its high
/// half (the high half of the last draw is dropped when the count is odd, so a call of n values advances the generator
/// by ⌈n/2⌉ draws). The value is dropped if and only if u &lt; round(rate·2³²). Drawing the masks is a serial chain
/// through the generator, so <see cref="Forward{T}"/> is one scalar loop without branches; only
/// <see cref="Backward{T}"/> runs on vectors.
/// </remarks>
public static class DropoutKernels
{
    /// <summary>
    /// What <see cref="Seed"/> mixes into a network's seed before SplitMix64: the first 64 bits of the fraction of √2.
    /// Its high half is neither all zeros nor all ones, so the mixed value is never an <see cref="int"/> sign-extended:
    /// the masks never repeat the stream <c>new SeededRandom(seed)</c> that draws the initial weights of any seed.
    /// </summary>
    internal const ulong SeedMixer = 0x6A09E667F3BCC909UL;

    /// <summary>The number of words in a generator's state.</summary>
    private const int StateLength = 4;

    /// <summary>
    /// Sets <paramref name="randomState"/> to the mask generator of a network initialised with <paramref name="seed"/>:
    /// the state of <c>new SeededRandom((long)seed ^ 0x6A09E667F3BCC909)</c> (xoshiro256** seeded by SplitMix64), a
    /// stream apart from the weights' <c>new SeededRandom(seed)</c>.
    /// </summary>
    /// <param name="randomState">The four words of the state; only written.</param>
    /// <param name="seed">The seed given to the network's InitializeParameters.</param>
    /// <exception cref="ArgumentException"><paramref name="randomState"/> does not have four words.</exception>
    public static void Seed(Span<ulong> randomState, int seed)
    {
        RequireState(randomState, requireNonZero: false);
        SeededRandom.Seed(randomState, unchecked((long)seed ^ (long)SeedMixer));
    }

    /// <summary>
    /// Draws a mask and applies it: <c>mask[i]</c> = 0 for a dropped value, else <c>T.CreateTruncating(1.0 / (1.0 − rate))</c>,
    /// and <c>outputs[i] = inputs[i]·mask[i]</c> (so a dropped NaN or infinity stays NaN, by IEEE arithmetic). Advances
    /// <paramref name="randomState"/> by ⌈n/2⌉ draws for n values. <paramref name="outputs"/> may be <paramref name="inputs"/>.
    /// </summary>
    /// <param name="inputs">X, any layout.</param>
    /// <param name="outputs">Y, as many values as X; only written.</param>
    /// <param name="mask">As many values as X, for <see cref="Backward{T}"/>; only written.</param>
    /// <param name="rate">The probability of dropping a value, in [0, 1).</param>
    /// <param name="randomState">The generator's four words (see <see cref="Seed"/>), not all zero; advanced.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is not in [0, 1).</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="outputs"/> or <paramref name="mask"/> is not as long as <paramref name="inputs"/>, or
    /// <paramref name="randomState"/> does not have four words or is all zero (a generator never seeded, which would
    /// draw only zeros).
    /// </exception>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> mask, double rate, Span<ulong> randomState)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The dropout rate must be at least 0 and less than 1.");
        }

        RequireSameLength(inputs.Length, outputs.Length, nameof(outputs));
        RequireSameLength(inputs.Length, mask.Length, nameof(mask));
        RequireState(randomState, requireNonZero: true);

        // rate·2³² is exact in double; rounded, it is at most 2³², where every u < 2³² drops.
        ulong threshold = (ulong)Math.Round(rate * 4294967296.0);
        T scale = T.CreateTruncating(1.0 / (1.0 - rate));
        ulong s0 = randomState[0], s1 = randomState[1], s2 = randomState[2], s3 = randomState[3];

        ref T x = ref MemoryMarshal.GetReference(inputs);
        ref T y = ref MemoryMarshal.GetReference(outputs);
        ref T m = ref MemoryMarshal.GetReference(mask);
        int length = inputs.Length, i = 0;
        for (; i + 1 < length; i += 2)
        {
            ulong bits = SeededRandom.Next(ref s0, ref s1, ref s2, ref s3);
            T low = Keep(bits & 0xFFFFFFFFUL, threshold, scale), high = Keep(bits >> 32, threshold, scale);
            Unsafe.Add(ref m, i) = low;
            Unsafe.Add(ref m, i + 1) = high;
            Unsafe.Add(ref y, i) = Unsafe.Add(ref x, i) * low;
            Unsafe.Add(ref y, i + 1) = Unsafe.Add(ref x, i + 1) * high;
        }

        if (i < length)
        {
            T last = Keep(SeededRandom.Next(ref s0, ref s1, ref s2, ref s3) & 0xFFFFFFFFUL, threshold, scale);
            Unsafe.Add(ref m, i) = last;
            Unsafe.Add(ref y, i) = Unsafe.Add(ref x, i) * last;
        }

        randomState[0] = s0;
        randomState[1] = s1;
        randomState[2] = s2;
        randomState[3] = s3;
    }

    /// <summary>dX = dY·mask, the mask <see cref="Forward{T}"/> drew. <paramref name="inputGradients"/> may be <paramref name="outputGradients"/>.</summary>
    /// <param name="outputGradients">dY.</param>
    /// <param name="mask">The mask, as many values as dY.</param>
    /// <param name="inputGradients">dX, as many values as dY; overwritten.</param>
    /// <exception cref="ArgumentException">The spans are not all the same length.</exception>
    public static void Backward<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> mask, Span<T> inputGradients)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(outputGradients.Length, mask.Length, nameof(mask));
        RequireSameLength(outputGradients.Length, inputGradients.Length, nameof(inputGradients));
        ElementwiseLoop.Apply(outputGradients, mask, inputGradients, default(Multiply<T>));
    }

    /// <summary>
    /// scale for a kept value (u ≥ threshold), 0 for a dropped one, without a branch, which would mispredict on about
    /// half the values at rate 0.5: 1 or 0 times the scale is the scale or 0 exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Keep<T>(ulong u, ulong threshold, T scale) where T : unmanaged, IFloatingPointIeee754<T>
        => T.CreateTruncating(Unsafe.BitCast<bool, byte>(u >= threshold)) * scale;

    private static void RequireSameLength(int expected, int length, string name)
    {
        if (length != expected)
        {
            throw new ArgumentException($"{name} has {length} values; it must have {expected}, as many as the values dropped out.", name);
        }
    }

    private static void RequireState(Span<ulong> randomState, bool requireNonZero)
    {
        if (randomState.Length != StateLength)
        {
            throw new ArgumentException($"randomState has {randomState.Length} words; a xoshiro256** state has {StateLength}.", nameof(randomState));
        }

        if (requireNonZero && (randomState[0] | randomState[1] | randomState[2] | randomState[3]) == 0)
        {
            throw new ArgumentException("randomState is all zero, a generator that draws only zeros; seed it with DropoutKernels.Seed (InitializeParameters does).", nameof(randomState));
        }
    }
}
