using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static NetGen.Kernels.VectorFunctions;

namespace NetGen.Kernels;

/// <summary>
/// C (+)= A·B, single-threaded per column block, in the BLIS shape: the product is cut into tiles of a few rows × two
/// vectors of columns, and each tile is one call of a micro-kernel that keeps its accumulators in registers across a
/// block of the reduction. There are two micro-kernels, chosen by <see cref="KernelPaths"/>:
/// <list type="bullet">
/// <item>Vector256 with FMA: 6 rows × 16 floats (6×8 doubles). Per step it loads two vectors of B, broadcasts six
/// scalars of A and issues 12 FMAs: 15 of the 16 AVX2 registers. Depth blocks of 256.</item>
/// <item>Vector512: 8 rows × 32 floats (8×16 doubles). Per step it loads two vectors of B, broadcasts eight scalars of
/// A and issues 16 FMAs: 19 of the 32 AVX-512 registers. Depth blocks of <see cref="Avx512Kernel.DepthBlock"/>.</item>
/// </list>
/// <para>
/// A is read in place through a row and a column stride, so Aᵀ costs nothing. B is read in place when its rows are
/// contiguous and few tiles share a panel; a transposed B, a B shared by many tiles, and the last panel of fewer than
/// two vectors of columns are first copied into a zero-padded panel of <c>depth × 2 vectors</c> that every tile of
/// rows then reads from cache.
/// </para>
/// </summary>
internal static class Gemm
{
    /// <summary>Whether this machine runs the blocked kernels (else callers use their TensorPrimitives loops).</summary>
    public static bool IsSupported<T>() => KernelPaths.Use256 && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>
    /// C = β·C + α·A·B, where A is <c>m × k</c> with A(i, p) = a[i·aRowStride + p·aColumnStride], B is <c>k × n</c>
    /// with B(p, j) = b[p·bRowStride + j], or b[j·bRowStride + p] when <paramref name="bTransposed"/>, and
    /// C(i, j) = c[i·cRowStride + j]. With β = 0, C is only written (what it held, even NaN, does not matter), and
    /// <paramref name="bias"/> (n values added to every row, or a null reference for none) may be given, with α = 1.
    /// </summary>
    /// <remarks>
    /// A product large enough for <see cref="KernelThreads"/> is cut into column blocks, whole panels each, that run
    /// on separate threads: every block reads all of A and its own columns of B and writes its own columns of C.
    /// </remarks>
    public static unsafe void Multiply<T>(
        int m, int n, int k,
        ref T a, nint aRowStride, nint aColumnStride,
        ref T b, nint bRowStride, bool bTransposed,
        ref T c, nint cRowStride,
        T alpha, T beta, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int parts = KernelThreads.PartsFor(2.0 * m * n * k, Panels<T>(n));
        if (parts == 1)
        {
            MultiplyColumns(m, n, k, ref a, aRowStride, aColumnStride, ref b, bRowStride, bTransposed, ref c, cRowStride, alpha, beta, ref bias);
            return;
        }

        // The workers get raw pointers, so every operand stays pinned until the last part is done.
        fixed (T* pa = &a, pb = &b, pc = &c, pBias = &bias)
        {
            GemmJob<T> job = GemmJob<T>.OfThisThread;
            job.Set(m, n, k, pa, aRowStride, aColumnStride, pb, bRowStride, bTransposed, pc, cRowStride, alpha, beta, pBias);
            KernelThreads.Run(parts, job);
        }
    }

    /// <summary>The most rows of A that <see cref="PackTiles{T}"/> copies: 1,024 × a depth block of 256 floats is 1 MB.</summary>
    private const int MaxPackedRows = 1024;

    /// <summary>The columns of one panel on this process's path: two vectors.</summary>
    private static int PanelWidth<T>() => KernelPaths.Use512 ? 2 * Vector512<T>.Count : 2 * Vector256<T>.Count;

    private static int Panels<T>(int n) => (n + PanelWidth<T>() - 1) / PanelWidth<T>();

    /// <summary>One thread's share of <see cref="Multiply{T}"/>, or all of it, on the micro-kernel of this process's path.</summary>
    /// <remarks>
    /// On the Vector512 path, columns that fill at most one Vector256 panel (all of a 10-unit output layer, the last 16 of
    /// 784 inputs) go to the Vector256 kernel: a Vector512 panel would pad them to twice their width. Both kernels sum
    /// each element of C in the same order, in the same depth blocks, so the split changes no result.
    /// </remarks>
    private static void MultiplyColumns<T>(
        int m, int n, int k,
        ref T a, nint aRowStride, nint aColumnStride,
        ref T b, nint bRowStride, bool bTransposed,
        ref T c, nint cRowStride,
        T alpha, T beta, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 1 && !bTransposed)
        {
            RankOne(m, n, ref a, aRowStride, ref b, ref c, cRowStride, alpha, beta, ref bias);
            return;
        }

        int wide = 0;
        if (KernelPaths.Use512)
        {
            int rest = n % Avx512Kernel.PanelWidth<T>();
            wide = rest != 0 && rest <= Avx2Kernel.PanelWidth<T>() ? n - rest : n;
            if (wide > 0)
            {
                MultiplyColumns<T, Avx512Kernel>(m, wide, k, ref a, aRowStride, aColumnStride, ref b, bRowStride, bTransposed, ref c, cRowStride, alpha, beta, ref bias);
            }
        }

        if (wide < n)
        {
            MultiplyColumns<T, Avx2Kernel>(
                m, n - wide, k, ref a, aRowStride, aColumnStride,
                ref Unsafe.Add(ref b, bTransposed ? wide * bRowStride : wide), bRowStride, bTransposed,
                ref Unsafe.Add(ref c, wide), cRowStride,
                alpha, beta, ref Unsafe.IsNullRef(ref bias) ? ref bias : ref Unsafe.Add(ref bias, wide));
        }
    }

    /// <summary>One thread's share of <see cref="Multiply{T}"/>, or all of it, on the micro-kernel <typeparamref name="TKernel"/>.</summary>
    /// <remarks>
    /// This and the loops below are fully optimized at their first call and never inlined, so that no caller recompiled
    /// later by tiered compilation takes them in and leaves their inlined helpers as calls (see UpdateLoop.RunRange).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyColumns<T, TKernel>(
        int m, int n, int k,
        ref T a, nint aRowStride, nint aColumnStride,
        ref T b, nint bRowStride, bool bTransposed,
        ref T c, nint cRowStride,
        T alpha, T beta, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel
    {
        int panelWidth = TKernel.PanelWidth<T>(), tileRows = TKernel.TileRows, depthBlock = TKernel.DepthBlock;
        int tiles = (m + tileRows - 1) / tileRows;

        // A whose rows are adjacent and whose reduction steps lie far apart (dZᵀ in a weight gradient: step p of row i
        // is dZ[p, i]) is copied, one depth block at a time, into tiles of tileRows × depth with the tile's rows
        // adjacent, when more than one panel reuses it. In place, a tile's steps are one line each, a row of dZ apart;
        // 1 KB apart (a 256-unit layer) they fall into 4 of L1's 64 sets, 48 lines on a 12-way L1 for the 128–256 steps
        // of a depth block (deep's weight gradient took 536–544 µs in place on an Intel Xeon, Ice Lake, and 412–436
        // packed). Up to MaxPackedRows rows, so that the copy stays about the size of L2.
        bool packA = aRowStride == 1 && aColumnStride > tileRows && n > panelWidth && m >= tileRows && m <= MaxPackedRows;
        int packedALength = packA ? tiles * tileRows * depthBlock : 0;
        Span<T> scratch = Scratch<T>.Get(depthBlock * panelWidth + tileRows * panelWidth + panelWidth + packedALength);
        ref T packed = ref scratch[0];
        ref T tile = ref scratch[depthBlock * panelWidth];
        ref T paddedBias = ref scratch[depthBlock * panelWidth + tileRows * panelWidth];
        ref T packedA = ref Unsafe.Add(ref paddedBias, panelWidth);

        // At least one block, so that an empty reduction (k = 0) still finishes C: β·C, the bias, or zeros.
        for (int p0 = 0; p0 == 0 || p0 < k; p0 += depthBlock)
        {
            int depth = Math.Min(depthBlock, k - p0);
            T blockBeta = p0 == 0 ? beta : T.One; // later depth blocks add to what the first one wrote

            // Where tile t's A starts, and how its rows and steps lie there.
            ref T aBlock = ref Unsafe.Add(ref a, p0 * aColumnStride);
            nint tileStride = tileRows * aRowStride, blockColumnStride = aColumnStride;
            if (packA)
            {
                PackTiles(ref aBlock, aColumnStride, m, depth, tileRows, ref packedA);
                aBlock = ref packedA;
                tileStride = tileRows * depth;
                blockColumnStride = tileRows;
            }

            for (int j0 = 0; j0 < n; j0 += panelWidth)
            {
                int columns = Math.Min(panelWidth, n - j0);
                scoped ref T panel = ref packed;
                nint panelStride = panelWidth;
                // B's rows are read in place when few row tiles share the panel or it is shallow. Otherwise the panel is
                // copied to contiguous memory first: in place, rows a multiple of 1 KB apart (256 floats) map the panel
                // onto 4 of L1's 64 sets, and it is evicted between the tiles that reuse it (dW of a 256 → 256 layer
                // ran at 55–60% of peak in place and 73–83% packed).
                if (!bTransposed && columns == panelWidth && (m < 4 * tileRows || depth < 32))
                {
                    panel = ref Unsafe.Add(ref b, p0 * bRowStride + j0);
                    panelStride = bRowStride;
                }
                else if (bTransposed)
                {
                    PackTransposed(ref Unsafe.Add(ref b, j0 * bRowStride + p0), bRowStride, depth, columns, ref packed, panelWidth);
                }
                else
                {
                    PackRows(ref Unsafe.Add(ref b, p0 * bRowStride + j0), bRowStride, depth, columns, ref packed, panelWidth);
                }

                scoped ref T init = ref Unsafe.NullRef<T>();
                if (blockBeta == T.Zero && !Unsafe.IsNullRef(ref bias))
                {
                    if (columns == panelWidth)
                    {
                        init = ref Unsafe.Add(ref bias, j0);
                    }
                    else
                    {
                        Pad(ref Unsafe.Add(ref bias, j0), columns, ref paddedBias, panelWidth);
                        init = ref paddedBias;
                    }
                }

                if (columns == panelWidth)
                {
                    for (int t = 0; t < tiles; t++)
                    {
                        int i0 = t * tileRows;
                        TKernel.Rows(
                            Math.Min(tileRows, m - i0), depth, ref Unsafe.Add(ref aBlock, t * tileStride), aRowStride, blockColumnStride,
                            ref panel, panelStride, ref Unsafe.Add(ref c, i0 * cRowStride + j0), cRowStride, ref init, alpha, blockBeta);
                    }
                }
                else
                {
                    // The last panel: each tile goes to scratch and only its real columns reach C.
                    for (int t = 0; t < tiles; t++)
                    {
                        int i0 = t * tileRows, rows = Math.Min(tileRows, m - i0);
                        TKernel.Rows(rows, depth, ref Unsafe.Add(ref aBlock, t * tileStride), aRowStride, blockColumnStride, ref panel, panelStride, ref tile, panelWidth, ref init, alpha, T.Zero);
                        for (int i = 0; i < rows; i++)
                        {
                            ref T source = ref Unsafe.Add(ref tile, i * panelWidth);
                            ref T target = ref Unsafe.Add(ref c, (i0 + i) * cRowStride + j0);
                            for (int j = 0; j < columns; j++)
                            {
                                Unsafe.Add(ref target, j) = blockBeta == T.Zero ? Unsafe.Add(ref source, j) : blockBeta * Unsafe.Add(ref target, j) + Unsafe.Add(ref source, j);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A reduction of length one, C = β·C + α·a ⊗ b (the weight update of a single sample): a stream over C in which
    /// each element is read, updated with one FMA and written, instead of tiles that would spend more on their set-up
    /// and epilogue than on their single step. What each row starts from (the bias, nothing, C, or β·C) is decided once
    /// per row, outside the loop over its columns: tested per vector, it made the stream 2–3× slower.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RankOne<T>(int m, int n, ref T a, nint aRowStride, ref T b, ref T c, nint cRowStride, T alpha, T beta, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool withBias = beta == T.Zero && !Unsafe.IsNullRef(ref bias);
        for (int i = 0; i < m; i++)
        {
            T scale = alpha * Unsafe.Add(ref a, i * aRowStride);
            ref T row = ref Unsafe.Add(ref c, i * cRowStride);
            if (withBias)
            {
                ScaledAdd(ref row, ref bias, T.One, ref b, scale, n);
            }
            else if (beta == T.Zero)
            {
                Scale(ref row, ref b, scale, n);
            }
            else
            {
                ScaledAdd(ref row, ref row, beta, ref b, scale, n);
            }
        }
    }

    /// <summary>destination = sourceScale·source + scale·b over n elements; source may be destination itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaledAdd<T>(ref T destination, ref T source, T sourceScale, ref T b, T scale, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (KernelPaths.Use512 && n >= 2 * Vector512<T>.Count)
        {
            ScaledAdd512(ref destination, ref source, sourceScale, ref b, scale, n);
            return;
        }

        if (KernelPaths.Use512)
        {
            int width = Vector512<T>.Count;
            Vector512<T> vectorScale = Vector512.Create(scale), vectorSourceScale = Vector512.Create(sourceScale);
            for (; j <= n - width; j += width)
            {
                ScaledAdd(vectorScale, Vector512.LoadUnsafe(ref b, (nuint)j), vectorSourceScale, Vector512.LoadUnsafe(ref source, (nuint)j), sourceScale == T.One)
                    .StoreUnsafe(ref destination, (nuint)j);
            }
        }
        else if (sourceScale == T.One)
        {
            int width = Vector256<T>.Count;
            Vector256<T> vectorScale = Vector256.Create(scale);
            for (; j <= n - 2 * width; j += 2 * width)
            {
                Vector256<T> start0 = Vector256.LoadUnsafe(ref source, (nuint)j), start1 = Vector256.LoadUnsafe(ref source, (nuint)(j + width));
                MultiplyAdd(vectorScale, Vector256.LoadUnsafe(ref b, (nuint)j), start0).StoreUnsafe(ref destination, (nuint)j);
                MultiplyAdd(vectorScale, Vector256.LoadUnsafe(ref b, (nuint)(j + width)), start1).StoreUnsafe(ref destination, (nuint)(j + width));
            }
        }

        // What is left: whole Vector256s (all of it with another β on the Vector256 path), then single elements.
        Vector256<T> scale256 = Vector256.Create(scale), sourceScale256 = Vector256.Create(sourceScale);
        for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
        {
            MultiplyAdd(scale256, Vector256.LoadUnsafe(ref b, (nuint)j), sourceScale256 * Vector256.LoadUnsafe(ref source, (nuint)j)).StoreUnsafe(ref destination, (nuint)j);
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref destination, j) = sourceScale * Unsafe.Add(ref source, j) + scale * Unsafe.Add(ref b, j);
        }
    }

    /// <summary>
    /// <see cref="ScaledAdd{T}(ref T, ref T, T, ref T, T, int)"/> over at least two Vector512s, with every load and store
    /// of destination (and of source, when they are one row, as in the weight update) on a 64-byte boundary: a W row starts
    /// anywhere (a generated network's parameters start on one, but the second row of 100 floats starts 16 bytes past one,
    /// and a caller's array may start anywhere), and on an Intel Xeon (Ice Lake, one thread) mnist-b1's step took 26.4–28.8
    /// µs with the update's rows unaligned and 16.6–19.0 with them aligned. The first and the last vector are whole vectors
    /// at the row's ends, computed from the values before the loop writes any, and stored after it; where they overlap the
    /// loop's vectors they store what the loop stored. So every element gets the same fused multiply-add wherever the row
    /// starts, and the result does not depend on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ScaledAdd512<T>(ref T destination, ref T source, T sourceScale, ref T b, T scale, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint width = (nuint)Vector512<T>.Count, last = (nuint)n - width;
        bool plain = sourceScale == T.One;
        Vector512<T> vectorScale = Vector512.Create(scale), vectorSourceScale = Vector512.Create(sourceScale);
        Vector512<T> first = ScaledAdd(vectorScale, Vector512.LoadUnsafe(ref b), vectorSourceScale, Vector512.LoadUnsafe(ref source), plain);
        Vector512<T> end = ScaledAdd(vectorScale, Vector512.LoadUnsafe(ref b, last), vectorSourceScale, Vector512.LoadUnsafe(ref source, last), plain);

        // Elements to the first boundary: a moved array only makes the loop's accesses unaligned, never wrong.
        nuint j = (nuint)((64 - ((nint)Unsafe.AsPointer(ref destination) & 63)) & 63) / (nuint)Unsafe.SizeOf<T>();
        for (; j < last; j += width)
        {
            ScaledAdd(vectorScale, Vector512.LoadUnsafe(ref b, j), vectorSourceScale, Vector512.LoadUnsafe(ref source, j), plain).StoreUnsafe(ref destination, j);
        }

        first.StoreUnsafe(ref destination);
        end.StoreUnsafe(ref destination, last);
    }

    /// <summary>One vector of sourceScale·source + scale·b, the product of b fused; source alone when sourceScale is 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> ScaledAdd<T>(Vector512<T> scale, Vector512<T> b, Vector512<T> sourceScale, Vector512<T> source, bool plain) where T : unmanaged
        => MultiplyAdd(scale, b, plain ? source : sourceScale * source);

    /// <summary>destination = scale·b over n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale<T>(ref T destination, ref T b, T scale, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (KernelPaths.Use512)
        {
            Vector512<T> scale512 = Vector512.Create(scale);
            for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count)
            {
                (scale512 * Vector512.LoadUnsafe(ref b, (nuint)j)).StoreUnsafe(ref destination, (nuint)j);
            }
        }

        Vector256<T> scale256 = Vector256.Create(scale);
        for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
        {
            (scale256 * Vector256.LoadUnsafe(ref b, (nuint)j)).StoreUnsafe(ref destination, (nuint)j);
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref destination, j) = scale * Unsafe.Add(ref b, j);
        }
    }

    /// <summary>All row tiles of one panel on Vector256: full tiles of six rows, then one tile of the rows left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows256<T>(int m, int depth, ref T a, nint aRowStride, nint aColumnStride, ref T panel, nint panelStride, ref T c, nint cRowStride, ref T init, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i0 = 0;
        for (; i0 + 6 <= m; i0 += 6)
        {
            Tile256<T, Six>(depth, ref Unsafe.Add(ref a, i0 * aRowStride), aRowStride, aColumnStride, ref panel, panelStride, ref Unsafe.Add(ref c, i0 * cRowStride), cRowStride, ref init, alpha, beta);
        }

        ref T aRest = ref Unsafe.Add(ref a, i0 * aRowStride);
        ref T cRest = ref Unsafe.Add(ref c, i0 * cRowStride);
        switch (m - i0)
        {
            case 1: Tile256<T, One>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 2: Tile256<T, Two>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 3: Tile256<T, Three>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 4: Tile256<T, Four>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 5: Tile256<T, Five>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
        }
    }

    /// <summary>
    /// The Vector256 micro-kernel: rows 0..TRows of C (at most six), two vectors wide, (+)= Σ_p A(·, p) ⊗ B(p, ·). The row count is a type
    /// argument so that each instantiation is compiled with exactly its accumulators and no branches in the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile256<T, TRows>(int depth, ref T a, nint aRowStride, nint aColumnStride, ref T b, nint bRowStride, ref T c, nint cRowStride, ref T init, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : struct, IRowCount
    {
        nuint width = (nuint)Vector256<T>.Count;
        Vector256<T> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (Unsafe.IsNullRef(ref init))
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<T>.Zero;
        }
        else
        {
            c00 = c10 = c20 = c30 = c40 = c50 = Vector256.LoadUnsafe(ref init);
            c01 = c11 = c21 = c31 = c41 = c51 = Vector256.LoadUnsafe(ref init, width);
        }

        // Rows 3..5 are addressed from their own base so that every broadcast is base + 0, 1 or 2 strides. The doubled
        // stride and the byte steps are computed here: left in the loop, the JIT recomputed them at every step.
        ref T a3 = ref Unsafe.Add(ref a, 3 * aRowStride);
        nint twoRows = 2 * aRowStride;
        nint aStep = aColumnStride * Unsafe.SizeOf<T>(), bStep = bRowStride * Unsafe.SizeOf<T>();
        for (int p = 0; p < depth; p++)
        {
            Vector256<T> b0 = Vector256.LoadUnsafe(ref b);
            Vector256<T> b1 = Vector256.LoadUnsafe(ref b, width);
            Vector256<T> x = Vector256.Create(a);
            c00 = MultiplyAdd(x, b0, c00);
            c01 = MultiplyAdd(x, b1, c01);
            if (TRows.Count > 1)
            {
                x = Vector256.Create(Unsafe.Add(ref a, aRowStride));
                c10 = MultiplyAdd(x, b0, c10);
                c11 = MultiplyAdd(x, b1, c11);
            }

            if (TRows.Count > 2)
            {
                x = Vector256.Create(Unsafe.Add(ref a, twoRows));
                c20 = MultiplyAdd(x, b0, c20);
                c21 = MultiplyAdd(x, b1, c21);
            }

            if (TRows.Count > 3)
            {
                x = Vector256.Create(a3);
                c30 = MultiplyAdd(x, b0, c30);
                c31 = MultiplyAdd(x, b1, c31);
            }

            if (TRows.Count > 4)
            {
                x = Vector256.Create(Unsafe.Add(ref a3, aRowStride));
                c40 = MultiplyAdd(x, b0, c40);
                c41 = MultiplyAdd(x, b1, c41);
            }

            if (TRows.Count > 5)
            {
                x = Vector256.Create(Unsafe.Add(ref a3, twoRows));
                c50 = MultiplyAdd(x, b0, c50);
                c51 = MultiplyAdd(x, b1, c51);
            }

            a = ref Unsafe.AddByteOffset(ref a, aStep);
            a3 = ref Unsafe.AddByteOffset(ref a3, aStep);
            b = ref Unsafe.AddByteOffset(ref b, bStep);
        }

        Store(ref c, c00, c01, width, alpha, beta);
        if (TRows.Count > 1) Store(ref Unsafe.Add(ref c, cRowStride), c10, c11, width, alpha, beta);
        if (TRows.Count > 2) Store(ref Unsafe.Add(ref c, 2 * cRowStride), c20, c21, width, alpha, beta);
        if (TRows.Count > 3) Store(ref Unsafe.Add(ref c, 3 * cRowStride), c30, c31, width, alpha, beta);
        if (TRows.Count > 4) Store(ref Unsafe.Add(ref c, 4 * cRowStride), c40, c41, width, alpha, beta);
        if (TRows.Count > 5) Store(ref Unsafe.Add(ref c, 5 * cRowStride), c50, c51, width, alpha, beta);
    }

    /// <summary>All row tiles of one panel on Vector512: full tiles of eight rows, then one tile of the rows left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows512<T>(int m, int depth, ref T a, nint aRowStride, nint aColumnStride, ref T panel, nint panelStride, ref T c, nint cRowStride, ref T init, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i0 = 0;
        for (; i0 + 8 <= m; i0 += 8)
        {
            Tile512<T, Eight>(depth, ref Unsafe.Add(ref a, i0 * aRowStride), aRowStride, aColumnStride, ref panel, panelStride, ref Unsafe.Add(ref c, i0 * cRowStride), cRowStride, ref init, alpha, beta);
        }

        ref T aRest = ref Unsafe.Add(ref a, i0 * aRowStride);
        ref T cRest = ref Unsafe.Add(ref c, i0 * cRowStride);
        switch (m - i0)
        {
            case 1: Tile512<T, One>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 2: Tile512<T, Two>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 3: Tile512<T, Three>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 4: Tile512<T, Four>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 5: Tile512<T, Five>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 6: Tile512<T, Six>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
            case 7: Tile512<T, Seven>(depth, ref aRest, aRowStride, aColumnStride, ref panel, panelStride, ref cRest, cRowStride, ref init, alpha, beta); break;
        }
    }

    /// <summary>
    /// The Vector512 micro-kernel: rows 0..TRows of C (at most eight), two vectors wide, (+)= Σ_p A(·, p) ⊗ B(p, ·),
    /// with its 16 accumulators in registers; A's scalars are broadcast where they lie.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile512<T, TRows>(int depth, ref T a, nint aRowStride, nint aColumnStride, ref T b, nint bRowStride, ref T c, nint cRowStride, ref T init, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : struct, IRowCount
    {
        nuint width = (nuint)Vector512<T>.Count;
        Vector512<T> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (Unsafe.IsNullRef(ref init))
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<T>.Zero;
        }
        else
        {
            c00 = c10 = c20 = c30 = c40 = c50 = c60 = c70 = Vector512.LoadUnsafe(ref init);
            c01 = c11 = c21 = c31 = c41 = c51 = c61 = c71 = Vector512.LoadUnsafe(ref init, width);
        }

        // Rows 3..5 and 6..7 are addressed from their own bases so that every broadcast is base + 0, 1 or 2 strides; the
        // doubled stride and the byte steps are computed here, as in Tile256.
        ref T a3 = ref Unsafe.Add(ref a, 3 * aRowStride);
        ref T a6 = ref Unsafe.Add(ref a, 6 * aRowStride);
        nint twoRows = 2 * aRowStride;
        nint aStep = aColumnStride * Unsafe.SizeOf<T>(), bStep = bRowStride * Unsafe.SizeOf<T>();
        for (int p = 0; p < depth; p++)
        {
            Vector512<T> b0 = Vector512.LoadUnsafe(ref b);
            Vector512<T> b1 = Vector512.LoadUnsafe(ref b, width);
            Vector512<T> x = Vector512.Create(a);
            c00 = MultiplyAdd(x, b0, c00);
            c01 = MultiplyAdd(x, b1, c01);
            if (TRows.Count > 1)
            {
                x = Vector512.Create(Unsafe.Add(ref a, aRowStride));
                c10 = MultiplyAdd(x, b0, c10);
                c11 = MultiplyAdd(x, b1, c11);
            }

            if (TRows.Count > 2)
            {
                x = Vector512.Create(Unsafe.Add(ref a, twoRows));
                c20 = MultiplyAdd(x, b0, c20);
                c21 = MultiplyAdd(x, b1, c21);
            }

            if (TRows.Count > 3)
            {
                x = Vector512.Create(a3);
                c30 = MultiplyAdd(x, b0, c30);
                c31 = MultiplyAdd(x, b1, c31);
            }

            if (TRows.Count > 4)
            {
                x = Vector512.Create(Unsafe.Add(ref a3, aRowStride));
                c40 = MultiplyAdd(x, b0, c40);
                c41 = MultiplyAdd(x, b1, c41);
            }

            if (TRows.Count > 5)
            {
                x = Vector512.Create(Unsafe.Add(ref a3, twoRows));
                c50 = MultiplyAdd(x, b0, c50);
                c51 = MultiplyAdd(x, b1, c51);
            }

            if (TRows.Count > 6)
            {
                x = Vector512.Create(a6);
                c60 = MultiplyAdd(x, b0, c60);
                c61 = MultiplyAdd(x, b1, c61);
            }

            if (TRows.Count > 7)
            {
                x = Vector512.Create(Unsafe.Add(ref a6, aRowStride));
                c70 = MultiplyAdd(x, b0, c70);
                c71 = MultiplyAdd(x, b1, c71);
            }

            a = ref Unsafe.AddByteOffset(ref a, aStep);
            a3 = ref Unsafe.AddByteOffset(ref a3, aStep);
            a6 = ref Unsafe.AddByteOffset(ref a6, aStep);
            b = ref Unsafe.AddByteOffset(ref b, bStep);
        }

        Store(ref c, c00, c01, width, alpha, beta);
        if (TRows.Count > 1) Store(ref Unsafe.Add(ref c, cRowStride), c10, c11, width, alpha, beta);
        if (TRows.Count > 2) Store(ref Unsafe.Add(ref c, 2 * cRowStride), c20, c21, width, alpha, beta);
        if (TRows.Count > 3) Store(ref Unsafe.Add(ref c, 3 * cRowStride), c30, c31, width, alpha, beta);
        if (TRows.Count > 4) Store(ref Unsafe.Add(ref c, 4 * cRowStride), c40, c41, width, alpha, beta);
        if (TRows.Count > 5) Store(ref Unsafe.Add(ref c, 5 * cRowStride), c50, c51, width, alpha, beta);
        if (TRows.Count > 6) Store(ref Unsafe.Add(ref c, 6 * cRowStride), c60, c61, width, alpha, beta);
        if (TRows.Count > 7) Store(ref Unsafe.Add(ref c, 7 * cRowStride), c70, c71, width, alpha, beta);
    }

    /// <summary>One row of a tile: C = β·C + α·accumulators, reading C only when β ≠ 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(ref T c, Vector256<T> low, Vector256<T> high, nuint width, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (alpha != T.One)
        {
            low *= alpha;
            high *= alpha;
        }

        if (beta == T.One)
        {
            low += Vector256.LoadUnsafe(ref c);
            high += Vector256.LoadUnsafe(ref c, width);
        }
        else if (beta != T.Zero)
        {
            low = MultiplyAdd(Vector256.Create(beta), Vector256.LoadUnsafe(ref c), low);
            high = MultiplyAdd(Vector256.Create(beta), Vector256.LoadUnsafe(ref c, width), high);
        }

        low.StoreUnsafe(ref c);
        high.StoreUnsafe(ref c, width);
    }

    /// <summary>One row of a tile: C = β·C + α·accumulators, reading C only when β ≠ 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(ref T c, Vector512<T> low, Vector512<T> high, nuint width, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (alpha != T.One)
        {
            low *= alpha;
            high *= alpha;
        }

        if (beta == T.One)
        {
            low += Vector512.LoadUnsafe(ref c);
            high += Vector512.LoadUnsafe(ref c, width);
        }
        else if (beta != T.Zero)
        {
            low = MultiplyAdd(Vector512.Create(beta), Vector512.LoadUnsafe(ref c), low);
            high = MultiplyAdd(Vector512.Create(beta), Vector512.LoadUnsafe(ref c, width), high);
        }

        low.StoreUnsafe(ref c);
        high.StoreUnsafe(ref c, width);
    }

    /// <summary>panel(p, j) = B(p, j) for j &lt; columns, else 0, from rows of B <paramref name="stride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PackRows<T>(ref T source, nint stride, int depth, int columns, ref T panel, int panelWidth) where T : unmanaged
    {
        if (columns == panelWidth && panelWidth % Vector256<T>.Count == 0)
        {
            for (int p = 0; p < depth; p++)
            {
                ref T row = ref Unsafe.Add(ref source, p * stride);
                ref T target = ref Unsafe.Add(ref panel, p * panelWidth);
                for (int j = 0; j < panelWidth; j += Vector256<T>.Count)
                {
                    Vector256.LoadUnsafe(ref row, (nuint)j).StoreUnsafe(ref target, (nuint)j);
                }
            }

            return;
        }

        for (int p = 0; p < depth; p++)
        {
            Pad(ref Unsafe.Add(ref source, p * stride), columns, ref Unsafe.Add(ref panel, p * panelWidth), panelWidth);
        }
    }

    /// <summary>panel(p, j) = source[j·stride + p] for j &lt; columns, else 0: the transpose of <paramref name="columns"/> rows.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed<T>(ref T source, nint stride, int depth, int columns, ref T panel, int panelWidth) where T : unmanaged
    {
        int p = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported && columns == panelWidth)
        {
            // Whole 8×8 blocks go through registers; only the last depth % 8 steps are copied one by one.
            for (; p + 8 <= depth; p += 8)
            {
                for (int j = 0; j < panelWidth; j += 8)
                {
                    Transpose8x8(
                        ref Unsafe.As<T, float>(ref Unsafe.Add(ref source, j * stride + p)), stride,
                        ref Unsafe.As<T, float>(ref Unsafe.Add(ref panel, p * panelWidth + j)), panelWidth);
                }
            }
        }

        for (int j = 0; j < panelWidth; j++)
        {
            ref T row = ref Unsafe.Add(ref source, j * stride);
            for (int q = p; q < depth; q++)
            {
                Unsafe.Add(ref panel, q * panelWidth + j) = j < columns ? Unsafe.Add(ref row, q) : default;
            }
        }
    }

    /// <summary>target[q·targetStride + i] = source[i·sourceStride + q] for an 8×8 block of floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float source, nint sourceStride, ref float target, nint targetStride)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref source);
        Vector256<float> r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref source, sourceStride));
        Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 2 * sourceStride));
        Vector256<float> r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 3 * sourceStride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 4 * sourceStride));
        Vector256<float> r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 5 * sourceStride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 6 * sourceStride));
        Vector256<float> r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 7 * sourceStride));

        // Interleave pairs of rows, then pairs of pairs (within each 128-bit lane), then swap the lanes' halves.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref target);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref Unsafe.Add(ref target, targetStride));
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref Unsafe.Add(ref target, 2 * targetStride));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref Unsafe.Add(ref target, 3 * targetStride));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref Unsafe.Add(ref target, 4 * targetStride));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref Unsafe.Add(ref target, 5 * targetStride));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref Unsafe.Add(ref target, 6 * targetStride));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref Unsafe.Add(ref target, 7 * targetStride));
    }

    /// <summary>
    /// Copies the depth block of an A whose rows are adjacent (element (i, p) at source[i + p·stride]) into tiles of
    /// tileRows rows: tile t holds its steps one after the other, each the tile's rows side by side, so that element
    /// (t·tileRows + r, p) lands at target[t·tileRows·depth + p·tileRows + r]. A last tile of fewer rows leaves the rest
    /// of each step unwritten; its kernel never reads them.
    /// </summary>
    /// <remarks>
    /// A full tile's step is copied as whole vectors: 6 floats (the Vector256 path's tile) as 16 + 8 bytes, 8 floats or
    /// 6 doubles as 32 (+ 16), 8 doubles as 64. Element by element, and before it was fully optimized from its first
    /// call, this copy took 3% of deep's profile samples (perf, Zen 3): tiered compilation ran it at tier 0 and then
    /// through on-stack replacement.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PackTiles<T>(ref T source, nint stride, int m, int depth, int tileRows, ref T target) where T : unmanaged
    {
        int fullTiles = m / tileRows;
        // A whole number of 8-byte words: the GEMM runs on floats and doubles only (IsSupported), in tiles of 6 or 8 rows.
        int stepBytes = tileRows * Unsafe.SizeOf<T>();
        Debug.Assert(stepBytes % 8 == 0, "a tile's step is copied in 8-byte words or wider");
        for (int p = 0; p < depth; p++)
        {
            ref T step = ref Unsafe.Add(ref source, p * stride);
            ref T into = ref Unsafe.Add(ref target, p * tileRows);
            for (int t = 0; t < fullTiles; t++)
            {
                ref byte from = ref Unsafe.As<T, byte>(ref Unsafe.Add(ref step, t * tileRows));
                ref byte to = ref Unsafe.As<T, byte>(ref Unsafe.Add(ref into, t * tileRows * depth));
                int i = 0;
                for (; i + 32 <= stepBytes; i += 32)
                {
                    Vector256.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
                }

                if (i + 16 <= stepBytes)
                {
                    Vector128.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
                    i += 16;
                }

                if (i < stepBytes)
                {
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, i), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref from, i)));
                }
            }

            for (int t = fullTiles; t * tileRows < m; t++)
            {
                int rows = Math.Min(tileRows, m - t * tileRows);
                for (int r = 0; r < rows; r++)
                {
                    Unsafe.Add(ref into, t * tileRows * depth + r) = Unsafe.Add(ref step, t * tileRows + r);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pad<T>(ref T source, int count, ref T target, int width) where T : unmanaged
    {
        for (int j = 0; j < width; j++)
        {
            Unsafe.Add(ref target, j) = j < count ? Unsafe.Add(ref source, j) : default;
        }
    }

    /// <summary>A split product: the operands as pointers, and which whole panels of columns part p of n computes.</summary>
    private sealed unsafe class GemmJob<T> : KernelJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static GemmJob<T>? t_job;

        private int _m, _n, _k;
        private T* _a, _b, _c, _bias;
        private nint _aRowStride, _aColumnStride, _bRowStride, _cRowStride;
        private bool _bTransposed;
        private T _alpha, _beta;

        /// <summary>The calling thread's job, made once: a product started from a worker must not overwrite its caller's.</summary>
        public static GemmJob<T> OfThisThread => t_job ??= new GemmJob<T>();

        public void Set(int m, int n, int k, T* a, nint aRowStride, nint aColumnStride, T* b, nint bRowStride, bool bTransposed, T* c, nint cRowStride, T alpha, T beta, T* bias)
        {
            (_m, _n, _k, _aRowStride, _aColumnStride) = (m, n, k, aRowStride, aColumnStride);
            (_bRowStride, _bTransposed, _cRowStride, _alpha, _beta) = (bRowStride, bTransposed, cRowStride, alpha, beta);
            _a = a;
            _b = b;
            _c = c;
            _bias = bias;
        }

        public override void Execute(int part, int parts)
        {
            int panelWidth = PanelWidth<T>(), panels = Panels<T>(_n);
            int first = panels * part / parts * panelWidth;
            int last = Math.Min(_n, panels * (part + 1) / parts * panelWidth);
            if (first >= last)
            {
                return;
            }

            T* b = _b + (_bTransposed ? first * _bRowStride : first);
            MultiplyColumns(
                _m, last - first, _k,
                ref Unsafe.AsRef<T>(_a), _aRowStride, _aColumnStride,
                ref Unsafe.AsRef<T>(b), _bRowStride, _bTransposed,
                ref Unsafe.AsRef<T>(_c + first), _cRowStride,
                _alpha, _beta, ref _bias == null ? ref Unsafe.NullRef<T>() : ref Unsafe.AsRef<T>(_bias + first));
        }
    }

    /// <summary>The per-thread scratch of the packed panel and the edge tile; allocated once per thread and type.</summary>
    /// <remarks>
    /// The buffer starts on a 64-byte boundary, so that each Vector512 load of a packed panel reads one cache line. A
    /// managed array is only 8-byte aligned, and then each of the micro-kernel's 64-byte loads of B spans two lines. On an
    /// Intel Xeon (Ice Lake, one thread) deep's forward product took 473–483 µs unaligned and 386–392 µs aligned, its input
    /// gradient 455–484 and 386–394 (docs/performance.md). The array is pinned, so the boundary found once stays put.
    /// </remarks>
    private static class Scratch<T>
        where T : unmanaged
    {
        [ThreadStatic]
        private static T[]? s_buffer;

        [ThreadStatic]
        private static int s_start;

        public static Span<T> Get(int length)
        {
            T[]? buffer = s_buffer;
            if (buffer is null || buffer.Length - s_start < length)
            {
                buffer = AlignedArray.Allocate<T>(length, out s_start);
                s_buffer = buffer;
            }

            return buffer.AsSpan(s_start);
        }
    }

    internal interface IRowCount
    {
        static abstract int Count { get; }
    }

    private struct One : IRowCount { public static int Count => 1; }

    private struct Two : IRowCount { public static int Count => 2; }

    private struct Three : IRowCount { public static int Count => 3; }

    private struct Four : IRowCount { public static int Count => 4; }

    private struct Five : IRowCount { public static int Count => 5; }

    private struct Six : IRowCount { public static int Count => 6; }

    private struct Seven : IRowCount { public static int Count => 7; }

    private struct Eight : IRowCount { public static int Count => 8; }

    /// <summary>A micro-kernel's shape, and the loop over the row tiles of one panel that calls it.</summary>
    internal interface IMicroKernel
    {
        /// <summary>Rows of C per tile.</summary>
        static abstract int TileRows { get; }

        /// <summary>Reduction steps per packed panel.</summary>
        static abstract int DepthBlock { get; }

        /// <summary>Columns of C per tile: two vectors.</summary>
        static abstract int PanelWidth<T>();

        /// <summary>All row tiles of one panel: C(0..m, panel) = β·C + α·A(0..m, block)·panel (plus init when given).</summary>
        static abstract void Rows<T>(int m, int depth, ref T a, nint aRowStride, nint aColumnStride, ref T panel, nint panelStride, ref T c, nint cRowStride, ref T init, T alpha, T beta)
            where T : unmanaged, IFloatingPointIeee754<T>;
    }

    /// <summary>6 × 2 Vector256: 12 accumulators, 15 of the 16 YMM registers; a 256 × 16-float panel is 16 KB, half of L1.</summary>
    private struct Avx2Kernel : IMicroKernel
    {
        public static int TileRows => 6;

        public static int DepthBlock => 256;

        public static int PanelWidth<T>() => 2 * Vector256<T>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Rows<T>(int m, int depth, ref T a, nint aRowStride, nint aColumnStride, ref T panel, nint panelStride, ref T c, nint cRowStride, ref T init, T alpha, T beta)
            where T : unmanaged, IFloatingPointIeee754<T>
            => Rows256(m, depth, ref a, aRowStride, aColumnStride, ref panel, panelStride, ref c, cRowStride, ref init, alpha, beta);
    }

    /// <summary>8 × 2 Vector512: 16 accumulators, 19 of the 32 ZMM registers.</summary>
    internal struct Avx512Kernel : IMicroKernel
    {
        public static int TileRows => 8;

        /// <summary>A 256 × 32-float panel is 32 KB, two thirds of this path's 48 KB L1.</summary>
        public static int DepthBlock => 256;

        public static int PanelWidth<T>() => 2 * Vector512<T>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Rows<T>(int m, int depth, ref T a, nint aRowStride, nint aColumnStride, ref T panel, nint panelStride, ref T c, nint cRowStride, ref T init, T alpha, T beta)
            where T : unmanaged, IFloatingPointIeee754<T>
            => Rows512(m, depth, ref a, aRowStride, aColumnStride, ref panel, panelStride, ref c, cRowStride, ref init, alpha, beta);
    }
}
