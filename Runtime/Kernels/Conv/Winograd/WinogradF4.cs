using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Winograd's F(4×4, 3×3) for the layers <see cref="WinogradConvolution"/> gives it (<see cref="WinogradConvolution.TileSize"/>):
/// every 4×4 block of outputs is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A over its 6×6 input patch d, 36 multiply-adds per (input, output)
/// channel pair for 16 outputs instead of F(2×2, 3×3)'s 64 (and the direct loops' 144). Lavin and Gray's matrices for the
/// points 0, ±1, ±2: Bᵀ's entries are 0, ±1, ±2, ±4, −5, G's ±¼, ±⅙, 1/12, 1/24, Aᵀ's 0, ±1, ±2, 4, ±8.
/// </summary>
/// <remarks>
/// The same plan as F(2×2): tile rows of the chunk's samples end to end, in blocks that keep the transformed input and the
/// products near half a MiB; per input channel each patch row is split into its four column phases (a tile's patch columns
/// 0-3 are the phases at the tile, 4 and 5 phases 0 and 1 one tile on), so every patch entry of L consecutive tiles is one
/// vector load; Bᵀ d B to V[ξ][c][t] (36 positions), the products on <see cref="Conv3x3MicroKernel"/>, and Aᵀ M A + bias, then
/// ReLU, merged back four columns at a time. A row's last tile reads its columns 4 and 5 where the next row's first tile
/// begins: column 5 is always padding (zeroed by a mask); column 4 is the next row's left padding unless the width is a
/// multiple of 4, where it is the row's last real column, which the split writes into that slot and the next row's first
/// tile masks back to its padding. Per lane the same operations run at every width (the transforms with fused
/// multiply-adds), so every width gives the same bits.
/// </remarks>
internal static class WinogradF4
{
    /// <summary>Floats of transformed input plus products one block aims at (as F(2×2)'s).</summary>
    private const int BlockFloats = 128 * 1024;

    /// <summary>Floats of the transformed weights: 36 slabs of Cout rounded up to the tile's rows × Cin.</summary>
    public static int PackedLength(in Conv2DGeometry g, int rows) => 36 * FilterSlab(g, rows);

    private static int FilterSlab(in Conv2DGeometry g, int rows)
        => WinogradConvolution.OddLines(WinogradConvolution.Padded(g.OutChannels, rows) * g.InChannels);

    /// <summary>Rows of 4×4 output tiles of one sample: ⌈H / 4⌉.</summary>
    public static int TileRows(in Conv2DGeometry g) => (g.InHeight + 3) / 4;

    /// <summary>U[ξ][block][c][r] = (G g Gᵀ)[ξ] of filter (block·R + r, c), zero past Cout, as F(2×2)'s layout with 36 slabs.</summary>
    public static void Pack<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, bool transposedAndFlipped)
        where T : struct where L : struct, ILane<T>
    {
        int rows = L.Count, outs = g.OutChannels, ins = g.InChannels;
        int blocks = WinogradConvolution.Padded(outs, rows) / rows, xiStride = FilterSlab(g, rows);
        KernelArguments.AtLeast(w.Length, (long)outs * ins * 9, nameof(w));
        KernelArguments.AtLeast(packed.Length, 36L * xiStride, nameof(packed));
        Span<float> filters = stackalloc float[9 * rows];
        ref float f = ref MemoryMarshal.GetReference(filters);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float u0 = ref MemoryMarshal.GetReference(packed);
        for (int block = 0; block < blocks; block++)
        {
            for (int c = 0; c < ins; c++)
            {
                WinogradConvolution.GatherFilters(ref w0, block, c, rows, outs, ins, transposedAndFlipped, ref f);
                TransformFilters<T, L>(ref f, ref Unsafe.Add(ref u0, (block * ins + c) * rows), xiStride);
            }
        }
    }

    /// <summary>u[ξ] = (G f Gᵀ)[ξ] for a lane's worth of 3×3 filters (tap-major), u[ξ] <paramref name="xiStride"/> apart.</summary>
    private static void TransformFilters<T, L>(ref float f, ref float u, int xiStride) where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        // G f, column by column (6 rows × 3 columns), then each of the 6 rows times Gᵀ.
        Span<float> gfSpan = stackalloc float[18 * lanes];
        ref float gf = ref MemoryMarshal.GetReference(gfSpan);
        for (int column = 0; column < 3; column++)
        {
            Apply<T, L>(L.Load(ref f, column * lanes), L.Load(ref f, (3 + column) * lanes), L.Load(ref f, (6 + column) * lanes),
                out T g0, out T g1, out T g2, out T g3, out T g4, out T g5);
            Store6<T, L>(ref Unsafe.Add(ref gf, column * lanes), 3 * lanes, g0, g1, g2, g3, g4, g5);
        }
        for (int row = 0; row < 6; row++)
        {
            Apply<T, L>(L.Load(ref gf, 3 * row * lanes), L.Load(ref gf, (3 * row + 1) * lanes), L.Load(ref gf, (3 * row + 2) * lanes),
                out T r0, out T r1, out T r2, out T r3, out T r4, out T r5);
            Store6<T, L>(ref Unsafe.Add(ref u, 6 * row * xiStride), xiStride, r0, r1, r2, r3, r4, r5);
        }
    }

    /// <summary>G·(a, b, c): ¼a, −⅙(a + b + c), −⅙(a − b + c), a/24 + b/12 + c/6, a/24 − b/12 + c/6, c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Apply<T, L>(T a, T b, T c, out T r0, out T r1, out T r2, out T r3, out T r4, out T r5)
        where T : struct where L : struct, ILane<T>
    {
        T sixth = L.Splat(-1f / 6f);
        r0 = L.Multiply(L.Splat(0.25f), a);
        T ac = L.Add(a, c);
        r1 = L.Multiply(sixth, L.Add(ac, b));
        r2 = L.Multiply(sixth, L.Subtract(ac, b));
        T outer = L.FusedMultiplyAdd(L.Splat(1f / 24f), a, L.Multiply(L.Splat(1f / 6f), c));
        T middle = L.Multiply(L.Splat(1f / 12f), b);
        r3 = L.Add(outer, middle);
        r4 = L.Subtract(outer, middle);
        r5 = c;
    }

    /// <summary>
    /// The outputs of tile rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) of the batch (row r: tile row
    /// r mod <see cref="TileRows"/> of sample r div it), every output channel, then ReLU or nothing; y's other rows untouched.
    /// </summary>
    public static void Run<T, L, R>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, Span<float> y,
        int rowStart, int rowCount, bool relu)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant
    {
        if (rowCount <= 0) return;
        int lanes = L.Count, rows = R.Value;
        int cin = g.InChannels, cout = g.OutChannels, height = g.InHeight, width = g.InWidth;
        int coutPadded = WinogradConvolution.Padded(cout, rows), blocks = coutPadded / rows, filterSlab = FilterSlab(g, rows);
        int tileRows = TileRows(g), pitch = (width + 3) / 4;
        bool lastIsReal = width % 4 == 0;
        int rowEnd = rowStart + rowCount;
        int rowsPerBlock = Math.Clamp(BlockFloats / (36 * (cin + coutPadded)) / pitch, 1, rowCount);
        int maxTiles = WinogradConvolution.Padded(rowsPerBlock * pitch, lanes);
        int planeStride = maxTiles + 2 * lanes, productStride = maxTiles + lanes;
        int inputSlab = WinogradConvolution.OddLines(cin * maxTiles), productSlab = WinogradConvolution.OddLines(coutPadded * productStride);

        WinogradWorkspace workspace = WinogradWorkspace.Current;
        Span<float> planes = workspace.Planes(24 * planeStride);
        Span<float> transformed = workspace.Transformed(36 * inputSlab);
        Span<float> products = workspace.Products(36 * productSlab);
        // A patch row's split: its phases for pitch + 1 tiles, through its even and odd columns (2·(pitch + 1) each, rounded up
        // to whole vectors, read back a vector pair at a time).
        int halfLength = 2 * WinogradConvolution.Padded(pitch + 1, lanes);
        int paddedPitch = 2 * WinogradConvolution.Padded(halfLength, lanes);
        Span<float> padded = workspace.Padded((height + 7) * paddedPitch);
        padded.Clear();
        Span<float> scratch = workspace.Outputs(Math.Max(2 * halfLength + 2 * lanes, 36 * lanes));
        Span<int> offsets = workspace.Offsets(cin);
        for (int c = 0; c < cin; c++) offsets[c] = c * maxTiles;
        ref float keep0 = ref WinogradConvolution.EdgeMasks(workspace, maxTiles, pitch);
        ref float plane0 = ref MemoryMarshal.GetReference(planes);
        ref float v0 = ref MemoryMarshal.GetReference(transformed);
        ref float m0 = ref MemoryMarshal.GetReference(products);
        ref float u0 = ref MemoryMarshal.GetReference(packed);
        ref int offset0 = ref MemoryMarshal.GetReference(offsets);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float padded0 = ref MemoryMarshal.GetReference(padded);
        ref float scratch0 = ref MemoryMarshal.GetReference(scratch);
        int planeLength = height * width, outputLength = g.OutputLength;

        for (int firstRow = rowStart; firstRow < rowEnd; firstRow += rowsPerBlock)
        {
            int blockRows = Math.Min(rowsPerBlock, rowEnd - firstRow);
            int tiles = blockRows * pitch, vectors = (tiles + lanes - 1) / lanes;

            for (int c = 0; c < cin; c++)
            {
                FillPlanes<T, L>(ref x0, g.InputLength, c * planeLength, height, width, tileRows, pitch, firstRow, blockRows, ref plane0, planeStride,
                    ref padded0, paddedPitch, ref scratch0, halfLength, lastIsReal);
                for (int vector = 0; vector < vectors; vector++)
                {
                    TransformInput<T, L>(ref Unsafe.Add(ref plane0, vector * lanes), planeStride, ref Unsafe.Add(ref v0, c * maxTiles + vector * lanes), inputSlab,
                        L.Load(ref keep0, maxTiles + vector * lanes), L.Load(ref keep0, vector * lanes), lastIsReal, ref scratch0);
                }
            }

            WinogradConvolution.Products<T, L, R>(36, cin, blocks, vectors, ref v0, inputSlab, ref offset0, ref u0, filterSlab, ref m0, productSlab, productStride);

            for (int k = 0; k < cout; k++)
            {
                float bias = b.IsEmpty ? 0f : b[k];
                ref float mK = ref Unsafe.Add(ref m0, k * productStride);
                for (int row = 0; row < blockRows; row++)
                {
                    int global = firstRow + row, sample = global / tileRows, tileRow = global % tileRows;
                    int outputRows = Math.Min(4, height - 4 * tileRow);
                    ref float top = ref y[sample * outputLength + k * planeLength + 4 * tileRow * width];
                    for (int column = 0; column < pitch; column += lanes)
                    {
                        int count = Math.Min(4 * lanes, width - 4 * column);
                        TransformOutput<T, L>(ref Unsafe.Add(ref mK, row * pitch + column), productSlab, bias, relu,
                            ref Unsafe.Add(ref top, 4 * column), width, outputRows, count, ref scratch0);
                    }
                }
            }
        }
    }

    /// <summary>
    /// planes[r·4 + phase][row·pitch + tc] = the padded input at (4·tr + r, 4·tc + phase) of the block's tile rows, for one
    /// channel, pitch + 1 tiles a row (the next row overwrites the last); where the width is a multiple of 4 (<paramref name="lastIsReal"/>),
    /// phase 0's first entry of a row is then the previous row's entry past its last tile (its last real column).
    /// </summary>
    private static void FillPlanes<T, L>(ref float x, int inputLength, int channelOffset, int height, int width, int tileRows, int pitch,
        int firstRow, int blockRows, ref float planes, int planeStride, ref float padded, int paddedPitch, ref float halves, int halfLength,
        bool lastIsReal)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, copiedSample = -1;
        ref float odd = ref Unsafe.Add(ref halves, halfLength);
        Span<float> last = stackalloc float[6];
        last.Clear();
        for (int row = 0; row < blockRows; row++)
        {
            int global = firstRow + row, sample = global / tileRows, tileRow = global % tileRows;
            if (sample != copiedSample)
            {
                WinogradConvolution.CopyIntoPadded(ref Unsafe.Add(ref x, sample * inputLength + channelOffset), height, width, ref padded, paddedPitch);
                copiedSample = sample;
            }
            for (int r = 0; r < 6; r++)
            {
                ref float source = ref Unsafe.Add(ref padded, (4 * tileRow + r) * paddedPitch);
                for (int u = 0; u < halfLength; u += lanes)
                    Zip.Deinterleave<T>(ref Unsafe.Add(ref source, 2 * u), ref Unsafe.Add(ref halves, u), ref Unsafe.Add(ref odd, u));
                ref float phase0 = ref Unsafe.Add(ref planes, 4 * r * planeStride + row * pitch);
                for (int tc = 0; tc <= pitch; tc += lanes)
                {
                    Zip.Deinterleave<T>(ref Unsafe.Add(ref halves, 2 * tc), ref Unsafe.Add(ref phase0, tc), ref Unsafe.Add(ref phase0, 2 * planeStride + tc));
                    Zip.Deinterleave<T>(ref Unsafe.Add(ref odd, 2 * tc), ref Unsafe.Add(ref phase0, planeStride + tc), ref Unsafe.Add(ref phase0, 3 * planeStride + tc));
                }
                if (lastIsReal)
                {
                    phase0 = last[r];
                    last[r] = Unsafe.Add(ref source, 4 * pitch);
                }
            }
        }
    }

    /// <summary>
    /// Bᵀ d B for a vector of tiles (d[r][j]: plane (r, j mod 4), one tile on for j ≥ 4; d[r][5] zero where
    /// <paramref name="keepLast"/> clears, d[r][0] where <paramref name="keepFirst"/> does when <paramref name="lastIsReal"/>),
    /// through <paramref name="scratch"/> (36 vectors): the columns first, then the rows; ξ = 6i + j, <paramref name="xiStride"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformInput<T, L>(ref float planes, int planeStride, ref float v, int xiStride, T keepFirst, T keepLast, bool lastIsReal,
        ref float scratch)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        T zero = L.Splat(0f);
        for (int j = 0; j < 6; j++)
        {
            ref float column = ref Unsafe.Add(ref planes, (j & 3) * planeStride + (j >> 2));
            T d0 = L.Load(ref column, 0), d1 = L.Load(ref column, 4 * planeStride), d2 = L.Load(ref column, 8 * planeStride);
            T d3 = L.Load(ref column, 12 * planeStride), d4 = L.Load(ref column, 16 * planeStride), d5 = L.Load(ref column, 20 * planeStride);
            if (j == 5)
            {
                d0 = L.Select(keepLast, d0, zero);
                d1 = L.Select(keepLast, d1, zero);
                d2 = L.Select(keepLast, d2, zero);
                d3 = L.Select(keepLast, d3, zero);
                d4 = L.Select(keepLast, d4, zero);
                d5 = L.Select(keepLast, d5, zero);
            }
            else if (j == 0 && lastIsReal)
            {
                d0 = L.Select(keepFirst, d0, zero);
                d1 = L.Select(keepFirst, d1, zero);
                d2 = L.Select(keepFirst, d2, zero);
                d3 = L.Select(keepFirst, d3, zero);
                d4 = L.Select(keepFirst, d4, zero);
                d5 = L.Select(keepFirst, d5, zero);
            }
            Input<T, L>(d0, d1, d2, d3, d4, d5, out T e0, out T e1, out T e2, out T e3, out T e4, out T e5);
            Store6<T, L>(ref Unsafe.Add(ref scratch, j * lanes), 6 * lanes, e0, e1, e2, e3, e4, e5);
        }
        for (int i = 0; i < 6; i++)
        {
            ref float row = ref Unsafe.Add(ref scratch, 6 * i * lanes);
            Input<T, L>(L.Load(ref row, 0), L.Load(ref row, lanes), L.Load(ref row, 2 * lanes), L.Load(ref row, 3 * lanes), L.Load(ref row, 4 * lanes),
                L.Load(ref row, 5 * lanes), out T e0, out T e1, out T e2, out T e3, out T e4, out T e5);
            Store6<T, L>(ref Unsafe.Add(ref v, 6 * i * xiStride), xiStride, e0, e1, e2, e3, e4, e5);
        }
    }

    /// <summary>a to f at <paramref name="to"/> and every <paramref name="stride"/> floats after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store6<T, L>(ref float to, int stride, T a, T b, T c, T d, T e, T f) where T : struct where L : struct, ILane<T>
    {
        L.Store(ref to, 0, a);
        L.Store(ref to, stride, b);
        L.Store(ref to, 2 * stride, c);
        L.Store(ref to, 3 * stride, d);
        L.Store(ref to, 4 * stride, e);
        L.Store(ref to, 5 * stride, f);
    }

    /// <summary>Bᵀ·d: 4d0 − 5d2 + d4, (d3 + d4) − 4(d1 + d2), (d4 − d3) + 4(d1 − d2), (d4 − d2) ∓ 2(d1 − d3), 4d1 − 5d3 + d5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Input<T, L>(T d0, T d1, T d2, T d3, T d4, T d5, out T e0, out T e1, out T e2, out T e3, out T e4, out T e5)
        where T : struct where L : struct, ILane<T>
    {
        T four = L.Splat(4f), minusFive = L.Splat(-5f), two = L.Splat(2f);
        e0 = L.FusedMultiplyAdd(four, d0, L.FusedMultiplyAdd(minusFive, d2, d4));
        e1 = L.FusedMultiplyAdd(L.Splat(-4f), L.Add(d1, d2), L.Add(d3, d4));
        e2 = L.FusedMultiplyAdd(four, L.Subtract(d1, d2), L.Subtract(d4, d3));
        T outer = L.Subtract(d4, d2), inner = L.Subtract(d1, d3);
        e3 = L.FusedMultiplyAdd(L.Splat(-2f), inner, outer);
        e4 = L.FusedMultiplyAdd(two, inner, outer);
        e5 = L.FusedMultiplyAdd(four, d1, L.FusedMultiplyAdd(minusFive, d3, d5));
    }

    /// <summary>Aᵀ·m: m0 + (m1 + m2) + (m3 + m4), (m1 − m2) + 2(m3 − m4), (m1 + m2) + 4(m3 + m4), (m1 − m2) + 8(m3 − m4) + m5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Output<T, L>(T m0, T m1, T m2, T m3, T m4, T m5, out T s0, out T s1, out T s2, out T s3)
        where T : struct where L : struct, ILane<T>
    {
        T a1 = L.Add(m1, m2), a2 = L.Subtract(m1, m2), a3 = L.Add(m3, m4), a4 = L.Subtract(m3, m4);
        s0 = L.Add(L.Add(m0, a1), a3);
        s1 = L.FusedMultiplyAdd(L.Splat(2f), a4, a2);
        s2 = L.FusedMultiplyAdd(L.Splat(4f), a3, a1);
        s3 = L.Add(L.FusedMultiplyAdd(L.Splat(8f), a4, a2), m5);
    }

    /// <summary>
    /// The 4×4 outputs Aᵀ m A + bias (then ReLU) of a vector of tiles, m[ξ] <paramref name="xiStride"/> apart: rows
    /// <paramref name="outputRows"/> of them, <paramref name="rowPitch"/> apart from <paramref name="top"/>, <paramref name="count"/>
    /// columns each (the tiles' four columns merged), through <paramref name="scratch"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformOutput<T, L>(ref float m, int xiStride, float bias, bool relu, ref float top, int rowPitch, int outputRows, int count,
        ref float scratch)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        // Aᵀ over the rows, column by column, into the scratch (4 × 6 vectors); then Aᵀ over each row's columns.
        for (int j = 0; j < 6; j++)
        {
            Output<T, L>(L.Load(ref m, j * xiStride), L.Load(ref m, (6 + j) * xiStride), L.Load(ref m, (12 + j) * xiStride),
                L.Load(ref m, (18 + j) * xiStride), L.Load(ref m, (24 + j) * xiStride), L.Load(ref m, (30 + j) * xiStride),
                out T s0, out T s1, out T s2, out T s3);
            L.Store(ref scratch, j * lanes, s0);
            L.Store(ref scratch, (6 + j) * lanes, s1);
            L.Store(ref scratch, (12 + j) * lanes, s2);
            L.Store(ref scratch, (18 + j) * lanes, s3);
        }
        T b = L.Splat(bias), zero = L.Splat(0f);
        ref float merged = ref Unsafe.Add(ref scratch, 24 * lanes);
        for (int i = 0; i < outputRows; i++)
        {
            ref float row = ref Unsafe.Add(ref scratch, 6 * i * lanes);
            Output<T, L>(L.Load(ref row, 0), L.Load(ref row, lanes), L.Load(ref row, 2 * lanes), L.Load(ref row, 3 * lanes), L.Load(ref row, 4 * lanes),
                L.Load(ref row, 5 * lanes), out T y0, out T y1, out T y2, out T y3);
            y0 = L.Add(y0, b);
            y1 = L.Add(y1, b);
            y2 = L.Add(y2, b);
            y3 = L.Add(y3, b);
            if (relu)
            {
                y0 = L.Max(y0, zero);
                y1 = L.Max(y1, zero);
                y2 = L.Max(y2, zero);
                y3 = L.Max(y3, zero);
            }
            // Columns 4t + c: (y0, y2) and (y1, y3) merged into the even and odd columns, then those two merged.
            Zip.Interleave<T>(y0, y2, ref merged);
            Zip.Interleave<T>(y1, y3, ref Unsafe.Add(ref merged, 2 * lanes));
            ref float to = ref Unsafe.Add(ref top, i * rowPitch);
            ref float spill = ref Unsafe.Add(ref merged, 4 * lanes);
            Zip.Interleave<T>(L.Load(ref merged, 0), L.Load(ref merged, 2 * lanes), ref to, Math.Min(count, 2 * lanes), ref spill);
            if (count > 2 * lanes)
                Zip.Interleave<T>(L.Load(ref merged, lanes), L.Load(ref merged, 3 * lanes), ref Unsafe.Add(ref to, 2 * lanes), count - 2 * lanes, ref spill);
        }
    }
}
