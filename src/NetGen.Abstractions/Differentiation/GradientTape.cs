using System;
using System.Buffers;
using System.ComponentModel;

namespace NetGen.Differentiation;

/// <summary>
/// The stack a generated gradient keeps inside loops: values a loop overwrites are pushed in the forward sweep and
/// popped, in reverse order, by the reverse sweep. It starts in caller-provided (stack) memory and moves to arrays
/// rented from <see cref="ArrayPool{T}"/> only when a loop runs long enough to outgrow it, so it allocates nothing in
/// steady use. Call <see cref="Dispose"/> to return rented arrays.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct GradientTape<T> where T : unmanaged
{
    private Span<T> _values;
    private Span<int> _integers;
    private T[]? _rentedValues;
    private int[]? _rentedIntegers;
    private int _valueCount, _integerCount;

    /// <summary>Starts a tape in the given buffers (typically stackalloc'd).</summary>
    public GradientTape(Span<T> values, Span<int> integers)
    {
        _values = values;
        _integers = integers;
    }

    /// <summary>Saves a real value.</summary>
    public void Push(T value)
    {
        if (_valueCount == _values.Length)
        {
            Grow(ref _values, ref _rentedValues);
        }

        _values[_valueCount++] = value;
    }

    /// <summary>Saves an integer, a branch taken or an iteration count.</summary>
    public void PushInt(int value)
    {
        if (_integerCount == _integers.Length)
        {
            Grow(ref _integers, ref _rentedIntegers);
        }

        _integers[_integerCount++] = value;
    }

    /// <summary>Saves a flag.</summary>
    public void PushFlag(bool value) => PushInt(value ? 1 : 0);

    /// <summary>The last real value saved, removed.</summary>
    public T Pop() => _values[--_valueCount];

    /// <summary>The last integer saved, removed.</summary>
    public int PopInt() => _integers[--_integerCount];

    /// <summary>The last flag saved, removed.</summary>
    public bool PopFlag() => PopInt() != 0;

    /// <summary>Returns any rented arrays to the pool.</summary>
    public void Dispose()
    {
        if (_rentedValues is not null)
        {
            ArrayPool<T>.Shared.Return(_rentedValues);
            _rentedValues = null;
        }

        if (_rentedIntegers is not null)
        {
            ArrayPool<int>.Shared.Return(_rentedIntegers);
            _rentedIntegers = null;
        }
    }

    private static void Grow<TItem>(ref Span<TItem> items, ref TItem[]? rented)
    {
        TItem[] larger = ArrayPool<TItem>.Shared.Rent(Math.Max(64, items.Length * 2));
        items.CopyTo(larger);
        if (rented is not null)
        {
            ArrayPool<TItem>.Shared.Return(rented);
        }

        rented = larger;
        items = larger;
    }
}
