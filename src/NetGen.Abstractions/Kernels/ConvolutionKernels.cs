using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>
/// The three products of a convolution layer (nn.Conv1d / nn.Conv2d: a cross-correlation with zero padding) over a batch
/// of <c>rows</c> samples laid out back to back, each <see cref="ConvolutionGeometry.InputSize"/> values in, and
/// <see cref="ConvolutionGeometry.OutputSize"/> out:
/// <list type="bullet">
/// <item>forward, Z = conv(X, W) + b;</item>
/// <item>parameter gradients, dW += Σ_samples ∂⟨Z, dZ⟩/∂W and db += Σ dZ over samples and positions;</item>
/// <item>input gradients, dX = the transposed convolution of dZ with W.</item>
/// </list>
/// Two algorithms compute them, sample by sample, and each product takes the one measured faster for its geometry:
/// <list type="bullet">
/// <item>
/// Unfolded windows (im2col) and <see cref="Gemm"/>, for any stride: U <c>[C·KH·KW × OH·OW]</c> with
/// U(c·KH·KW + kh·KW + kw, oh·OW + ow) = X(c, oh·S + kh − P, ow·S + kw − P) (0 in the padding), and with W viewed as
/// <c>[F × C·KH·KW]</c>, Z = W·U + b, dW += dZ·Uᵀ, and dU = Wᵀ·dZ, whose windows are then added back onto dX (col2im).
/// </item>
/// <item>
/// <see cref="DirectConvolution"/>, for stride 1, which reads the windows in place from a zero-padded copy of the
/// sample. On LeNet's two layers and a 1-D layer (batch 64, one thread) it is 2.2–4× faster than unfolding for the
/// forward pass and 1.8–6× for dW with 512-bit vectors (1.3–2.5× and 1.4–4× with 256-bit ones), and for dX faster
/// only where <see cref="DirectConvolution.PaysForInputGradient"/> says so.
/// </item>
/// </list>
/// The caller passes working memory as scratch, <see cref="ConvolutionGeometry.ScratchLength"/> values, and the kernels
/// allocate nothing. Without 256-bit vectors the products run on TensorPrimitives loops over the unfolded windows.
/// </summary>
/// <remarks>
/// The direct products of a batch large enough split over <see cref="KernelThreads"/>, as many parts as the scratch
/// has room for (one sample's working memory each): the forward pass and dX by samples, dW by tiles of filters, each
/// part over every sample. Every value is still computed by one thread in the same order, so the results do not
/// depend on the number of threads.
/// </remarks>
public static unsafe class ConvolutionKernels
{
    /// <summary>Z = conv(X, W) + b: each filter's cross-correlation with every window of the sample, plus its bias.</summary>
    /// <param name="weights">W, <c>[F, C, KH, KW]</c>.</param>
    /// <param name="bias">b, <c>[F]</c>, or empty for a layer without bias.</param>
    /// <param name="inputs">X, <c>rows × [C, H, W]</c>.</param>
    /// <param name="outputs">Z, <c>rows × [F, OH, OW]</c>; only written.</param>
    /// <param name="rows">The samples in the batch.</param>
    /// <param name="geometry">The convolution's sizes.</param>
    /// <param name="scratch">At least <see cref="ConvolutionGeometry.ScratchLength"/>(<paramref name="rows"/>) values; its contents do not matter.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, or a span is shorter than the geometry needs.</exception>
    public static void Forward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> outputs,
        int rows, in ConvolutionGeometry geometry, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Forward(weights, bias, inputs, outputs, rows, geometry, scratch, DirectConvolution.IsSupported<T>() && DirectConvolution.Applies(geometry));

    /// <summary><see cref="Forward{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int, in ConvolutionGeometry, Span{T})"/> by the algorithm given: <see cref="DirectConvolution"/> or unfolded windows.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Forward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> outputs,
        int rows, in ConvolutionGeometry geometry, Span<T> scratch, bool direct)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, geometry, scratch.Length);
        RequireDirect<T>(direct, DirectConvolution.Applies(geometry));
        RequireLength(weights.Length, geometry.WeightCount, nameof(weights));
        bool withBias = !bias.IsEmpty; // empty: a layer declared with Bias = false
        if (withBias)
        {
            RequireLength(bias.Length, geometry.Filters, nameof(bias));
        }

        RequireLength(inputs.Length, (long)rows * geometry.InputSize, nameof(inputs));
        RequireLength(outputs.Length, (long)rows * geometry.OutputSize, nameof(outputs));
        if (rows == 0)
        {
            return;
        }

        if (direct)
        {
            int parts = DirectParts(geometry, rows, rows, scratch.Length);
            if (parts == 1)
            {
                DirectConvolution.Forward(weights, ref withBias ? ref MemoryMarshal.GetReference(bias) : ref Unsafe.NullRef<T>(), inputs, outputs, rows, geometry, scratch);
                return;
            }

            fixed (T* w = weights, b = bias, x = inputs, z = outputs, work = scratch)
            {
                DirectJob<T>.Run(DirectProduct.Forward, parts, rows, geometry, w, withBias ? b : null, x, z, work);
            }

            return;
        }

        int filters = geometry.Filters, window = geometry.WindowSize, positions = geometry.OutputPositions;
        Span<T> unfolded = scratch.Slice(0, window * positions);
        for (int row = 0; row < rows; row++)
        {
            Unfold(inputs.Slice(row * geometry.InputSize, geometry.InputSize), unfolded, geometry);
            Span<T> z = outputs.Slice(row * geometry.OutputSize, geometry.OutputSize);
            for (int filter = 0; filter < filters; filter++)
            {
                z.Slice(filter * positions, positions).Fill(withBias ? bias[filter] : T.Zero);
            }

            if (Gemm.IsSupported<T>())
            {
                // Z (F × OH·OW) += W (F × C·KH·KW) · U (C·KH·KW × OH·OW), onto the biases.
                Gemm.Multiply(
                    filters, positions, window,
                    ref MemoryMarshal.GetReference(weights), window, 1,
                    ref MemoryMarshal.GetReference(unfolded), positions, bTransposed: false,
                    ref MemoryMarshal.GetReference(z), positions,
                    T.One, T.One, ref Unsafe.NullRef<T>());
                continue;
            }

            for (int filter = 0; filter < filters; filter++)
            {
                Span<T> target = z.Slice(filter * positions, positions);
                for (int p = 0; p < window; p++)
                {
                    TensorPrimitives.FusedMultiplyAdd(unfolded.Slice(p * positions, positions), weights[filter * window + p], target, target);
                }
            }
        }
    }

    /// <summary>
    /// dW += Σ_samples dZ·Uᵀ, that is dW(f, c, kh, kw) += Σ_(oh, ow) dZ(f, oh, ow)·X(c, oh·S + kh − P, ow·S + kw − P), and
    /// db(f) += Σ_(oh, ow) dZ(f, oh, ow), over every sample: both accumulate into what the buffers hold.
    /// </summary>
    /// <param name="outputGradients">dZ, <c>rows × [F, OH, OW]</c>.</param>
    /// <param name="inputs">X, <c>rows × [C, H, W]</c>, the forward pass's inputs.</param>
    /// <param name="weightGradients">dW, <c>[F, C, KH, KW]</c>, added to.</param>
    /// <param name="biasGradients">db, <c>[F]</c>, added to; empty for a layer without bias.</param>
    /// <param name="rows">The samples in the batch.</param>
    /// <param name="geometry">The convolution's sizes.</param>
    /// <param name="scratch">At least <see cref="ConvolutionGeometry.ScratchLength"/>(<paramref name="rows"/>) values; its contents do not matter.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, or a span is shorter than the geometry needs.</exception>
    public static void AccumulateParameterGradients<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs,
        Span<T> weightGradients, Span<T> biasGradients, int rows, in ConvolutionGeometry geometry, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
        => AccumulateParameterGradients(outputGradients, inputs, weightGradients, biasGradients, rows, geometry, scratch,
            DirectConvolution.IsSupported<T>() && DirectConvolution.Applies(geometry));

    /// <summary><see cref="AccumulateParameterGradients{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T}, int, in ConvolutionGeometry, Span{T})"/> by the algorithm given: <see cref="DirectConvolution"/> or unfolded windows.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void AccumulateParameterGradients<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> inputs,
        Span<T> weightGradients, Span<T> biasGradients, int rows, in ConvolutionGeometry geometry, Span<T> scratch, bool direct)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, geometry, scratch.Length);
        RequireDirect<T>(direct, DirectConvolution.Applies(geometry));
        RequireLength(outputGradients.Length, (long)rows * geometry.OutputSize, nameof(outputGradients));
        RequireLength(inputs.Length, (long)rows * geometry.InputSize, nameof(inputs));
        RequireLength(weightGradients.Length, geometry.WeightCount, nameof(weightGradients));
        if (!biasGradients.IsEmpty)
        {
            RequireLength(biasGradients.Length, geometry.Filters, nameof(biasGradients));
        }

        if (rows == 0)
        {
            return;
        }

        int filters = geometry.Filters, window = geometry.WindowSize, positions = geometry.OutputPositions;
        if (!biasGradients.IsEmpty)
        {
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> dz = outputGradients.Slice(row * geometry.OutputSize, geometry.OutputSize);
                for (int filter = 0; filter < filters; filter++)
                {
                    biasGradients[filter] += RowMath.Sum(dz.Slice(filter * positions, positions));
                }
            }
        }

        if (direct)
        {
            int parts = DirectParts(geometry, rows, DirectConvolution.GradientTiles<T>(geometry), scratch.Length);
            if (parts == 1)
            {
                DirectConvolution.AccumulateWeightGradients(outputGradients, inputs, weightGradients, rows, geometry, scratch, 0, DirectConvolution.GradientTiles<T>(geometry));
                return;
            }

            fixed (T* dz = outputGradients, x = inputs, dw = weightGradients, work = scratch)
            {
                DirectJob<T>.Run(DirectProduct.WeightGradients, parts, rows, geometry, dw, null, x, dz, work);
            }

            return;
        }

        Span<T> unfolded = scratch.Slice(0, window * positions);
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> dz = outputGradients.Slice(row * geometry.OutputSize, geometry.OutputSize);
            Unfold(inputs.Slice(row * geometry.InputSize, geometry.InputSize), unfolded, geometry);
            if (Gemm.IsSupported<T>())
            {
                // dW (F × C·KH·KW) += dZ (F × OH·OW) · Uᵀ (OH·OW × C·KH·KW); Gemm packs Uᵀ a panel at a time.
                Gemm.Multiply(
                    filters, window, positions,
                    ref MemoryMarshal.GetReference(dz), positions, 1,
                    ref MemoryMarshal.GetReference(unfolded), positions, bTransposed: true,
                    ref MemoryMarshal.GetReference(weightGradients), window,
                    T.One, T.One, ref Unsafe.NullRef<T>());
                continue;
            }

            for (int filter = 0; filter < filters; filter++)
            {
                ReadOnlySpan<T> gradient = dz.Slice(filter * positions, positions);
                for (int p = 0; p < window; p++)
                {
                    weightGradients[filter * window + p] += TensorPrimitives.Dot(gradient, unfolded.Slice(p * positions, positions));
                }
            }
        }
    }

    /// <summary>
    /// dX = the transposed convolution of dZ with W: dX(c, h, w) = Σ dZ(f, oh, ow)·W(f, c, kh, kw) over every window
    /// (oh, ow) and kernel offset (kh, kw) that reads X(c, h, w). Overwrites dX; a position no window reads gets 0.
    /// </summary>
    /// <param name="outputGradients">dZ, <c>rows × [F, OH, OW]</c>.</param>
    /// <param name="weights">W, <c>[F, C, KH, KW]</c>.</param>
    /// <param name="inputGradients">dX, <c>rows × [C, H, W]</c>; only written.</param>
    /// <param name="rows">The samples in the batch.</param>
    /// <param name="geometry">The convolution's sizes.</param>
    /// <param name="scratch">At least <see cref="ConvolutionGeometry.ScratchLength"/>(<paramref name="rows"/>) values; its contents do not matter.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, or a span is shorter than the geometry needs.</exception>
    public static void BackpropagateInputs<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> weights,
        Span<T> inputGradients, int rows, in ConvolutionGeometry geometry, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
        => BackpropagateInputs(outputGradients, weights, inputGradients, rows, geometry, scratch,
            DirectConvolution.IsSupported<T>() && DirectConvolution.PaysForInputGradient(geometry));

    /// <summary><see cref="BackpropagateInputs{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int, in ConvolutionGeometry, Span{T})"/> by the algorithm given: <see cref="DirectConvolution"/> or unfolded windows.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void BackpropagateInputs<T>(ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> weights,
        Span<T> inputGradients, int rows, in ConvolutionGeometry geometry, Span<T> scratch, bool direct)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireShape(rows, geometry, scratch.Length);
        RequireDirect<T>(direct, DirectConvolution.AppliesToInputGradient(geometry));
        RequireLength(outputGradients.Length, (long)rows * geometry.OutputSize, nameof(outputGradients));
        RequireLength(weights.Length, geometry.WeightCount, nameof(weights));
        RequireLength(inputGradients.Length, (long)rows * geometry.InputSize, nameof(inputGradients));
        if (rows == 0)
        {
            return;
        }

        if (direct)
        {
            int parts = DirectParts(geometry, rows, rows, scratch.Length);
            if (parts == 1)
            {
                DirectConvolution.BackpropagateInputs(outputGradients, weights, inputGradients, rows, geometry, scratch);
                return;
            }

            fixed (T* w = weights, dz = outputGradients, dx = inputGradients, work = scratch)
            {
                DirectJob<T>.Run(DirectProduct.InputGradients, parts, rows, geometry, w, null, dz, dx, work);
            }

            return;
        }

        int filters = geometry.Filters, window = geometry.WindowSize, positions = geometry.OutputPositions;
        Span<T> unfolded = scratch.Slice(0, window * positions);
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<T> dz = outputGradients.Slice(row * geometry.OutputSize, geometry.OutputSize);
            if (Gemm.IsSupported<T>())
            {
                // dU (C·KH·KW × OH·OW) = Wᵀ (C·KH·KW × F) · dZ (F × OH·OW); Wᵀ is W read down its columns.
                Gemm.Multiply(
                    window, positions, filters,
                    ref MemoryMarshal.GetReference(weights), 1, window,
                    ref MemoryMarshal.GetReference(dz), positions, bTransposed: false,
                    ref MemoryMarshal.GetReference(unfolded), positions,
                    T.One, T.Zero, ref Unsafe.NullRef<T>());
            }
            else
            {
                unfolded.Clear();
                for (int p = 0; p < window; p++)
                {
                    Span<T> target = unfolded.Slice(p * positions, positions);
                    for (int filter = 0; filter < filters; filter++)
                    {
                        TensorPrimitives.FusedMultiplyAdd(dz.Slice(filter * positions, positions), weights[filter * window + p], target, target);
                    }
                }
            }

            Fold(unfolded, inputGradients.Slice(row * geometry.InputSize, geometry.InputSize), geometry);
        }
    }

    /// <summary>
    /// How many parts a direct product over <paramref name="rows"/> samples splits into: as many as
    /// <see cref="KernelThreads.PartsFor"/> gives its operations and <paramref name="blocks"/> independent blocks (samples,
    /// or dW's filter tiles), and the scratch has samples' working memory for.
    /// </summary>
    private static int DirectParts(in ConvolutionGeometry geometry, int rows, int blocks, int scratchLength)
    {
        double flops = 2.0 * geometry.WeightCount * geometry.OutputPositions * rows;
        return (int)Math.Max(1, Math.Min(KernelThreads.PartsFor(flops, blocks), scratchLength / geometry.ScratchLength(1)));
    }

    private enum DirectProduct
    {
        Forward,
        WeightGradients,
        InputGradients,
    }

    /// <summary>
    /// One direct product split over threads: part p of n takes samples [rows·p/n, rows·(p+1)/n) (forward, dX) or
    /// filter tiles [tiles·p/n, tiles·(p+1)/n) over every sample (dW), with the p-th sample's worth of scratch. The
    /// spans are pinned by the caller for the duration of the call.
    /// </summary>
    private sealed class DirectJob<T> : KernelJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static DirectJob<T>? t_job;

        private DirectProduct _product;
        private int _rows;
        private ConvolutionGeometry _geometry;
        private T* _weights, _bias, _source, _target, _scratch;

        /// <summary>
        /// Runs the product: forward reads X from <paramref name="source"/> and writes Z to <paramref name="target"/>; dX
        /// reads dZ and writes dX; dW reads X from <paramref name="source"/> and dZ from <paramref name="target"/>, and adds into
        /// <paramref name="weights"/>.
        /// </summary>
        public static void Run(DirectProduct product, int parts, int rows, in ConvolutionGeometry geometry, T* weights, T* bias, T* source, T* target, T* scratch)
        {
            DirectJob<T> job = t_job ??= new DirectJob<T>();
            job._product = product;
            job._rows = rows;
            job._geometry = geometry;
            job._weights = weights;
            job._bias = bias;
            job._source = source;
            job._target = target;
            job._scratch = scratch;
            KernelThreads.Run(parts, job);
        }

        public override void Execute(int part, int parts)
        {
            ConvolutionGeometry geometry = _geometry;
            int perPart = (int)geometry.ScratchLength(1);
            var scratch = new Span<T>(_scratch + (long)part * perPart, perPart);
            switch (_product)
            {
                case DirectProduct.Forward or DirectProduct.InputGradients:
                {
                    int first = (int)((long)_rows * part / parts), end = (int)((long)_rows * (part + 1) / parts);
                    int inputSize = _product == DirectProduct.Forward ? geometry.InputSize : geometry.OutputSize;
                    int outputSize = _product == DirectProduct.Forward ? geometry.OutputSize : geometry.InputSize;
                    var source = new ReadOnlySpan<T>(_source + (long)first * inputSize, (end - first) * inputSize);
                    var target = new Span<T>(_target + (long)first * outputSize, (end - first) * outputSize);
                    var weights = new ReadOnlySpan<T>(_weights, geometry.WeightCount);
                    if (_product == DirectProduct.Forward)
                    {
                        DirectConvolution.Forward(weights, ref Unsafe.AsRef<T>(_bias), source, target, end - first, geometry, scratch);
                    }
                    else
                    {
                        DirectConvolution.BackpropagateInputs(source, weights, target, end - first, geometry, scratch);
                    }

                    break;
                }

                case DirectProduct.WeightGradients:
                {
                    int tiles = DirectConvolution.GradientTiles<T>(geometry);
                    DirectConvolution.AccumulateWeightGradients(
                        new ReadOnlySpan<T>(_target, _rows * geometry.OutputSize), new ReadOnlySpan<T>(_source, _rows * geometry.InputSize),
                        new Span<T>(_weights, geometry.WeightCount), _rows, geometry, scratch, tiles * part / parts, tiles * (part + 1) / parts);
                    break;
                }
            }
        }
    }

    /// <summary>U = im2col(X) for one sample: row c·KH·KW + kh·KW + kw of U holds the input each window reads at that kernel offset.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Unfold<T>(ReadOnlySpan<T> input, Span<T> unfolded, in ConvolutionGeometry geometry) where T : unmanaged
    {
        int height = geometry.Height, width = geometry.Width, stride = geometry.Stride;
        int outputHeight = geometry.OutputHeight, outputWidth = geometry.OutputWidth, positions = outputHeight * outputWidth;
        int index = 0;
        for (int channel = 0; channel < geometry.Channels; channel++)
        {
            ReadOnlySpan<T> plane = input.Slice(channel * height * width, height * width);
            for (int kh = 0; kh < geometry.KernelHeight; kh++)
            {
                int rowOffset = kh - geometry.PaddingHeight;
                (int firstRow, int endRow) = Reads(rowOffset, height, stride, outputHeight);
                for (int kw = 0; kw < geometry.KernelWidth; kw++, index++)
                {
                    int columnOffset = kw - geometry.PaddingWidth;
                    (int first, int end) = Reads(columnOffset, width, stride, outputWidth);
                    Span<T> target = unfolded.Slice(index * positions, positions);
                    target.Slice(0, firstRow * outputWidth).Clear();
                    target.Slice(endRow * outputWidth).Clear();
                    for (int oh = firstRow; oh < endRow; oh++)
                    {
                        ReadOnlySpan<T> source = plane.Slice((oh * stride + rowOffset) * width, width);
                        Span<T> line = target.Slice(oh * outputWidth, outputWidth);
                        line.Slice(0, first).Clear();
                        line.Slice(end).Clear();
                        if (stride == 1)
                        {
                            source.Slice(first + columnOffset, end - first).CopyTo(line.Slice(first, end - first));
                        }
                        else
                        {
                            for (int ow = first; ow < end; ow++)
                            {
                                line[ow] = source[ow * stride + columnOffset];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>dX = col2im(dU) for one sample: dX is cleared, then every entry of dU is added to the input it was read from.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Fold<T>(ReadOnlySpan<T> unfolded, Span<T> inputGradient, in ConvolutionGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        inputGradient.Clear();
        int height = geometry.Height, width = geometry.Width, stride = geometry.Stride;
        int outputHeight = geometry.OutputHeight, outputWidth = geometry.OutputWidth, positions = outputHeight * outputWidth;
        int index = 0;
        for (int channel = 0; channel < geometry.Channels; channel++)
        {
            Span<T> plane = inputGradient.Slice(channel * height * width, height * width);
            for (int kh = 0; kh < geometry.KernelHeight; kh++)
            {
                int rowOffset = kh - geometry.PaddingHeight;
                (int firstRow, int endRow) = Reads(rowOffset, height, stride, outputHeight);
                for (int kw = 0; kw < geometry.KernelWidth; kw++, index++)
                {
                    int columnOffset = kw - geometry.PaddingWidth;
                    (int first, int end) = Reads(columnOffset, width, stride, outputWidth);
                    ReadOnlySpan<T> source = unfolded.Slice(index * positions, positions);
                    for (int oh = firstRow; oh < endRow; oh++)
                    {
                        Span<T> target = plane.Slice((oh * stride + rowOffset) * width, width);
                        ReadOnlySpan<T> line = source.Slice(oh * outputWidth, outputWidth);
                        if (stride == 1)
                        {
                            RowMath.AddTo(line.Slice(first, end - first), target.Slice(first + columnOffset, end - first));
                        }
                        else
                        {
                            for (int ow = first; ow < end; ow++)
                            {
                                target[ow * stride + columnOffset] += line[ow];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The outputs o in [first, end) of <paramref name="outputs"/> whose read o·stride + offset falls inside an axis of
    /// <paramref name="size"/> inputs; the others read padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int First, int End) Reads(int offset, int size, int stride, int outputs)
    {
        int first = offset >= 0 ? 0 : Math.Min(outputs, (-offset + stride - 1) / stride);
        int end = size - offset <= 0 ? 0 : Math.Min(outputs, (size - 1 - offset) / stride + 1);
        return (first, Math.Max(first, end));
    }

    /// <summary>The kernels read and write through unchecked references, so every call checks the geometry and the scratch first.</summary>
    private static void RequireShape(int rows, in ConvolutionGeometry geometry, int scratchLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        geometry.Validate(nameof(geometry));
        RequireLength(scratchLength, geometry.ScratchLength(rows), "scratch");
    }

    /// <summary>The direct kernel is asked for only where it applies and the machine runs it.</summary>
    private static void RequireDirect<T>(bool direct, bool applies) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (direct && !(applies && DirectConvolution.IsSupported<T>()))
        {
            throw new ArgumentException("The direct convolution needs a stride of 1 (and, for the input gradient, padding less than the kernel) and 256-bit vectors.", nameof(direct));
        }
    }

    private static void RequireLength(int length, long required, string name)
    {
        if (length < required)
        {
            throw new ArgumentException($"{name} has {length} values; the geometry given needs at least {required}.", name);
        }
    }
}
