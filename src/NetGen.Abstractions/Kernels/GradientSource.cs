using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// The summed gradient G that an <see cref="OptimizerKernels"/> update applies: either a stored gradient laid out like
/// the parameters (an array or span converts to this implicitly), which the update reads and clears, or the weight
/// gradient of a dense layer over a batch, dZᵀ·X, which the update computes itself (<see cref="DenseLayerWeights"/>).
/// </summary>
/// <remarks>
/// With a dense layer's product, the update runs in the epilogue of the product's GEMM tiles: each tile's sums are
/// the gradient of 6 × 16 weights, and the optimizer's step is applied to those weights and their state while the sums
/// are still in registers. The gradient is never written, read back or cleared, and the parameters and state are
/// streamed once. Without 256-bit vectors, the product goes to a per-thread buffer and the ordinary update runs over it.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct GradientSource<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Span<T> _stored;
    private readonly ReadOnlySpan<T> _outputGradients, _inputs;
    private readonly int _rows, _inputSize, _outputSize;

    private GradientSource(Span<T> stored, ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, int rows, int inputSize, int outputSize, bool isProduct)
    {
        _stored = stored;
        _outputGradients = outputGradients;
        _inputs = inputs;
        (_rows, _inputSize, _outputSize) = (rows, inputSize, outputSize);
        IsDenseLayerProduct = isProduct;
    }

    /// <summary>Whether G is a dense layer's weight product rather than stored values.</summary>
    public bool IsDenseLayerProduct { get; }

    /// <summary>A stored gradient, read and cleared by the update.</summary>
    public static implicit operator GradientSource<T>(Span<T> gradients) => new(gradients, default, default, 0, 0, 0, isProduct: false);

    /// <summary>A stored gradient, read and cleared by the update.</summary>
    public static implicit operator GradientSource<T>(T[] gradients) => new(gradients, default, default, 0, 0, 0, isProduct: false);

    /// <summary>
    /// The weight gradient of a dense layer over <paramref name="rows"/> samples, G = dZᵀ·X, laid out as its weights
    /// <c>[outputSize × inputSize]</c>; the update computes it and applies it in one pass.
    /// </summary>
    /// <param name="outputGradients">dZ, <c>[rows × outputSize]</c>.</param>
    /// <param name="inputs">X, <c>[rows × inputSize]</c>.</param>
    /// <param name="rows">The samples in the batch; 0 gives a zero gradient.</param>
    /// <param name="inputSize">The layer's inputs.</param>
    /// <param name="outputSize">The layer's units.</param>
    public static GradientSource<T> DenseLayerWeights(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs, int rows, int inputSize, int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegative(outputSize);
        DenseKernels.RequireLength(outputGradients.Length, (long)rows * outputSize, nameof(outputGradients));
        DenseKernels.RequireLength(inputs.Length, (long)rows * inputSize, nameof(inputs));
        return new GradientSource<T>(default, outputGradients, inputs, rows, inputSize, outputSize, isProduct: true);
    }

    /// <summary>Throws unless G has exactly <paramref name="parameterCount"/> values, one per parameter.</summary>
    internal void RequireLayoutOf(int parameterCount, string name)
    {
        long length = IsDenseLayerProduct ? (long)_outputSize * _inputSize : _stored.Length;
        if (length != parameterCount)
        {
            string what = IsDenseLayerProduct ? $"The weight gradient of a {_inputSize} → {_outputSize} layer has {length} values" : $"{name} has {length} values";
            throw new ArgumentException($"{what}; the parameters have {parameterCount}.", name);
        }
    }

    /// <summary>C = β·C + α·G for a dense layer's product G: the affine updates (plain SGD) as the product's own epilogue.</summary>
    internal void MultiplyInto(Span<T> c, T alpha, T beta)
        => DenseKernels.WeightProduct(_outputGradients, _inputs, c, _rows, _inputSize, _outputSize, alpha, beta);

    /// <summary>Runs <paramref name="update"/> over the <paramref name="length"/> parameters at <paramref name="parameters"/> (pinned by the caller), with G as its gradient.</summary>
    internal unsafe void Apply<TUpdate, TResult>(ref TUpdate update, T* parameters, int length)
        where TUpdate : struct, IParameterUpdate<T, TResult>
    {
        if (!IsDenseLayerProduct)
        {
            fixed (T* gradients = _stored)
            {
                UpdateLoop.Run<T, TUpdate, TResult>(ref update, gradients, length);
            }

            return;
        }

        // The epilogue hands the tile's Vector256 sums to the update as Vector<T>, which is the same register whenever
        // the runtime sizes Vector<T> to 256 bits (its default on every AVX2 machine).
        if (Gemm.IsSupported<T>() && Vector<T>.Count == Vector256<T>.Count)
        {
            Gemm.Multiply(
                _outputSize, _inputSize, _rows,
                ref MemoryMarshal.GetReference(_outputGradients), 1, _outputSize,
                ref MemoryMarshal.GetReference(_inputs), _inputSize, bTransposed: false,
                ref Unsafe.AsRef<T>(parameters), _inputSize,
                new UpdateEpilogue<TUpdate, TResult>(update, parameters), ref Unsafe.NullRef<T>());
            return;
        }

        Span<T> gradient = ProductBuffer.Get(length);
        gradient.Clear();
        DenseKernels.WeightProduct(_outputGradients, _inputs, gradient, _rows, _inputSize, _outputSize, T.One, T.One);
        fixed (T* g = gradient)
        {
            UpdateLoop.Run<T, TUpdate, TResult>(ref update, g, length);
        }
    }

    /// <summary>
    /// Applies an optimizer's update to the weights a tile's sums belong to: the tile writes C = the weights, and the
    /// update finds the weights' state at the same offset from its own pointers.
    /// </summary>
    private unsafe struct UpdateEpilogue<TUpdate, TResult>(TUpdate update, T* parameters) : ITileEpilogue<T>
        where TUpdate : struct, IParameterUpdate<T, TResult>
    {
        private readonly TUpdate _update = update;
        private readonly T* _parameters = parameters;

        /// <summary>An update is not affine in its gradient (Adam squares it), so it must see whole sums.</summary>
        public static bool TakesPartialSums => false;

        public readonly void ContinueWithPartialSums() => throw new InvalidOperationException("An optimizer update needs the whole reduction.");

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(ref T c, Vector256<T> low, Vector256<T> high)
        {
            nuint offset = (nuint)((T*)Unsafe.AsPointer(ref c) - _parameters);
            nuint width = (nuint)Vector256<T>.Count;
            TResult first = _update.Compute(offset, low.AsVector());
            TResult second = _update.Compute(offset + width, high.AsVector());
            _update.Store(offset, first);
            _update.Store(offset + width, second);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(ref T c, T sum) => _update.Scalar((nuint)((T*)Unsafe.AsPointer(ref c) - _parameters), sum);
    }

    /// <summary>The fallback's per-thread gradient buffer, allocated once per thread and type (and grown when needed).</summary>
    private static class ProductBuffer
    {
        [ThreadStatic]
        private static T[]? t_buffer;

        public static Span<T> Get(int length)
        {
            T[]? buffer = t_buffer;
            if (buffer is null || buffer.Length < length)
            {
                t_buffer = buffer = new T[length];
            }

            return buffer.AsSpan(0, length);
        }
    }
}
