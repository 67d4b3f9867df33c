using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>
/// A fixed number of values that start on a 64-byte boundary: a pinned array used from its first element on such a
/// boundary. Generated networks keep their parameters, gradients and optimizer state in these.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// A managed array's data is only 8-byte aligned, so half of the Vector256 loads of a row that streams through it, and
/// every Vector512 load, span two cache lines. On an Intel Xeon (Ice Lake) the matrix-vector product of a single sample,
/// 784 → 128, took 3.9 µs with the weights on a 64-byte boundary and 7.7–8.3 µs with them 8 to 48 bytes past one
/// (docs/performance.md). No result depends on where the values start: the kernels add in the same order at any
/// address. The array is pinned, so the boundary found when it is allocated stays put.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct AlignedBuffer<T>
    where T : unmanaged
{
    /// <summary>The boundary, in bytes, on which the first value starts.</summary>
    public const int Alignment = 64;

    private readonly T[] _array;
    private readonly int _start;

    /// <summary>Allocates <paramref name="length"/> zeros.</summary>
    /// <param name="length">The number of values; zero or more.</param>
    public AlignedBuffer(int length)
    {
        _array = AlignedArray.Allocate<T>(length, out _start);
        Length = length;
    }

    /// <summary>The number of values.</summary>
    public int Length { get; }

    /// <summary>Every value; empty for the default instance.</summary>
    /// <remarks>
    /// Built without the array span constructor's range check, which the constructor's arithmetic makes redundant: a
    /// tiny network's step takes these spans several times and is 0.1 µs long.
    /// </remarks>
    public Span<T> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _array is null ? default : MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _start), Length);
    }

    /// <summary>The <paramref name="length"/> values from <paramref name="start"/>.</summary>
    /// <param name="start">The index of the first value.</param>
    /// <param name="length">The number of values.</param>
    /// <returns>A span over those values.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> Slice(int start, int length) => Span.Slice(start, length);

    /// <summary>Every value, as <see cref="Span"/> gives them.</summary>
    /// <param name="buffer">The buffer.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator Span<T>(AlignedBuffer<T> buffer) => buffer.Span;

    /// <summary>Every value, read-only.</summary>
    /// <param name="buffer">The buffer.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator ReadOnlySpan<T>(AlignedBuffer<T> buffer) => buffer.Span;
}

/// <summary>Pinned arrays used from their first element on a 64-byte boundary.</summary>
internal static class AlignedArray
{
    private const int Alignment = 64;

    /// <summary>
    /// A pinned array that holds <paramref name="length"/> values from <paramref name="start"/>, the index of its
    /// first element on a 64-byte boundary.
    /// </summary>
    public static unsafe T[] Allocate<T>(int length, out int start)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (8 % sizeof(T) != 0)
        {
            throw new NotSupportedException($"AlignedArray needs an element size that divides 8 bytes; {typeof(T).Name} has {sizeof(T)}.");
        }

        // An array's data is 8-byte aligned, so the boundary is a whole number of elements away, at most Alignment - 8
        // bytes.
        T[] array = GC.AllocateArray<T>(length + (Alignment - 8) / sizeof(T), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        start = (int)(-address & (Alignment - 1)) / sizeof(T);
        return array;
    }
}
