using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Stride-1 convolution without an im2col matrix, on the padded grid of <see cref="ConvGrid"/>:
/// <list type="bullet">
/// <item>forward, at most 8 output channels: y on the grid [Cout, Q] = w [Cout, patch] · xpad[Offset(p) + q], 6 channels ×
/// two vectors of positions per micro-kernel call (<see cref="GridRowKernel{T, L}"/>), into y with the bias;</item>
/// <item>forward, more channels: yᵀ on the grid [Q, Cout] = Σ_p xpad[Offset(p) + q] · wᵀ[p, :], twelve (or ten) positions
/// × one vector of output channels per call (<see cref="GridMicroKernel"/>), then the valid positions go to y [Cout, OH, OW]
/// with the bias;</item>
/// <item>weight gradient, few channels over a long grid (a first layer): dw[o, p] = Σ_samples Σ_q dyg[o, q] ·
/// xpad[Offset(p) + q], dot products along the grid (junk positions of dyg are zero), accumulated lane-wise over the chunk
/// and summed across lanes once (<see cref="IGridDotKernel"/>);</item>
/// <item>weight gradient, otherwise: dwᵀ[p, :] = Σ_samples Σ_pixels xpad[Offset(p) + pixel] · dyᵀ[pixel, :], six patch
/// entries × one vector of output channels, in registers over the whole chunk (<see cref="IPatchKernel"/>).</item>
/// </list>
/// Arguments are validated by <see cref="Conv2DKernels"/>. Deterministic; only the dot products split their sums over
/// lanes, so only their rounding depends on the width.
/// </summary>
internal static class GridConvolution
{
    /// <summary>Grid positions per forward micro-kernel call, unless ten fit the output rows better (<see cref="TileFor"/>).</summary>
    public const int Rows = 12;

    /// <summary>Output channels per weight-gradient and per row-kernel call.</summary>
    private const int DotRows = 6;

    /// <summary>Up to this many output channels the forward runs channel-major (<see cref="GridRowKernel{T, L}"/>), in blocks of 6.</summary>
    private const int RowsPerBlock = 8;

    /// <summary>The forward applies to every stride-1 convolution at a vector width.</summary>
    public static bool CanForward(in Conv2DGeometry g, VectorWidth width)
        => width != VectorWidth.Scalar && g.StrideHeight == 1 && g.StrideWidth == 1 && !g.IsPointwise;

    /// <summary>The weight gradient pays with few output channels over a long grid (a first convolution).</summary>
    public static bool CanWeightGradient(in Conv2DGeometry g, VectorWidth width)
        => CanForward(g, width) && g.OutChannels <= 8 && g.OutHeight * (g.InWidth + g.PadLeft + g.PadRight) >= 256;

    // ---- forward ----

    /// <summary>y [n, Cout, OH, OW] = conv(x, w) + b.</summary>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, VectorWidth width)
    {
        // Few output channels: channel rows × vectors of positions; otherwise positions × a vector of output channels
        // (lanes past Cout compute zeros).
        if (g.OutChannels <= RowsPerBlock)
        {
            switch (width)
            {
                case VectorWidth.V512: ForwardRows<Vector512<float>, Lane512>(g, x, w, b, y, n, 0, g.OutHeight); break;
                case VectorWidth.V256: ForwardRows<Vector256<float>, Lane256>(g, x, w, b, y, n, 0, g.OutHeight); break;
                default: ForwardRows<Vector128<float>, Lane128>(g, x, w, b, y, n, 0, g.OutHeight); break;
            }
            return;
        }
        switch (width)
        {
            case VectorWidth.V512: Forward<Vector512<float>, Lane512>(g, x, w, b, y, n); break;
            case VectorWidth.V256: Forward<Vector256<float>, Lane256>(g, x, w, b, y, n); break;
            default: Forward<Vector128<float>, Lane128>(g, x, w, b, y, n); break;
        }
    }

    private static void Forward<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n)
        where T : struct where L : struct, ILane<T>
    {
        if (TileFor(g) == 10) Forward<T, L, Positions10>(g, x, w, b, y, n);
        else Forward<T, L, Positions12>(g, x, w, b, y, n);
    }

    /// <summary>
    /// The forward's tile of grid positions: ten where that computes fewer junk positions than twelve (LeNet-5's conv2, ten
    /// outputs in a row pitch of 14: one tile of ten per row against one of twelve), else twelve.
    /// </summary>
    internal static int TileFor(in Conv2DGeometry g)
    {
        var grid = new ConvGrid(g, 1);
        return Computed(g, grid.PlaneWidth, 10) < Computed(g, grid.PlaneWidth, Rows) ? 10 : Rows;
    }

    // Grid positions the forward computes per output channel with tiles of `tile` positions.
    private static int Computed(in Conv2DGeometry g, int pitch, int tile)
    {
        int padded = new ConvGrid(g, tile).PaddedPositions;
        (bool byRow, int tilesPerRow) = TilesByRow(g.OutHeight, g.OutWidth, pitch, padded, tile);
        return byRow ? g.OutHeight * tilesPerRow * tile : padded;
    }

    // Tiles run along the whole grid, or row by row when that skips enough junk columns (a row's tiles end within the row
    // pitch, so they stay inside the grid and the source's slack).
    private static (bool ByRow, int TilesPerRow) TilesByRow(int outHeight, int outWidth, int pitch, int positions, int tile)
    {
        int tilesPerRow = (outWidth + tile - 1) / tile;
        return (tilesPerRow * tile <= pitch && outHeight * tilesPerRow < positions / tile, tilesPerRow);
    }

    private static void Forward<T, L, P>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n)
        where T : struct where L : struct, ILane<T> where P : struct, IConstant
    {
        int lanes = L.Count, patch = g.PatchLength, cout = g.OutChannels, tile = P.Value;
        int panels = (cout + lanes - 1) / lanes;
        var grid = new ConvGrid(g, tile);
        int positions = grid.PaddedPositions, pitch = grid.PlaneWidth;
        Conv2DWorkspace workspace = Conv2DWorkspace.Current;

        Span<float> source = workspace.Source(grid.SourceLength);
        source.Clear();
        Span<int> offsets = workspace.Offsets(patch);
        grid.FillOffsets(g, offsets);

        // packed [panel, p, lane] = w[panel·lanes + lane, p] (wᵀ in vector-wide panels), zero past Cout.
        Span<float> packed = workspace.Packed(panels * patch * lanes);
        packed.Clear();
        for (int o = 0; o < cout; o++)
        {
            int panel = o / lanes, lane = o % lanes;
            ReadOnlySpan<float> row = w.Slice(o * patch, patch);
            for (int p = 0; p < patch; p++) packed[(panel * patch + p) * lanes + lane] = row[p];
        }

        // results [panel, q, lane]
        Span<float> results = workspace.Grid(panels * positions * lanes);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref int offset0 = ref MemoryMarshal.GetReference(offsets);
        int outHeight = g.OutHeight, outWidth = g.OutWidth, pixels = g.OutPixels;
        bool hasBias = !b.IsEmpty;
        (bool byRow, int tilesPerRow) = TilesByRow(outHeight, outWidth, pitch, positions, tile);
        int rowCount = byRow ? outHeight : 1, rowStep = byRow ? pitch : 0, rowLength = byRow ? tilesPerRow * tile : positions;
        // Below 512 bits (AVX2's 16 registers), pairs of panels run half tiles × two vectors of output channels.
        bool pairs = lanes < 16;
        int half = tile / 2;
        for (int s = 0; s < n; s++)
        {
            grid.CopyInterior(g, x.Slice(s * g.InputLength, g.InputLength), source);
            for (int panel = 0; panel < panels; panel++)
            {
                ref float weights = ref packed[panel * patch * lanes];
                ref float panelResults = ref results[panel * positions * lanes];
                if (pairs && panel + 1 < panels)
                {
                    // Two panels at a time in two halves of the tile (16 registers: see GridMicroKernel.RunPair).
                    for (int r = 0; r < rowCount; r++)
                    {
                        for (int q = r * rowStep, end = q + rowLength; q < end; q += half)
                        {
                            if (half == 5)
                            {
                                GridMicroKernel.RunPair<T, L, Positions5>(patch, ref Unsafe.Add(ref src, q), ref offset0, ref weights, patch * lanes,
                                    ref Unsafe.Add(ref panelResults, q * lanes), lanes, positions * lanes);
                            }
                            else
                            {
                                GridMicroKernel.RunPair<T, L, Positions6>(patch, ref Unsafe.Add(ref src, q), ref offset0, ref weights, patch * lanes,
                                    ref Unsafe.Add(ref panelResults, q * lanes), lanes, positions * lanes);
                            }
                        }
                    }
                    panel++;
                    continue;
                }
                for (int r = 0; r < rowCount; r++)
                {
                    for (int q = r * rowStep, end = q + rowLength; q < end; q += tile)
                    {
                        GridMicroKernel.Run<T, L, P>(patch, ref Unsafe.Add(ref src, q), ref offset0, ref weights,
                            ref Unsafe.Add(ref panelResults, q * lanes), lanes);
                    }
                }
            }

            // y[s, o, oh, ow] = results[o / lanes, oh·PW + ow, o % lanes] + b[o]: blocks of 4 positions × 4 channels
            // transposed in registers where the CPU has SSE (lanes are a multiple of 4, so a block lies in one panel), the
            // element loop for the other positions and channels; the same sums either way.
            ref float ys = ref y[s * g.OutputLength];
            int blockChannels = Transpose4x4.IsSupported ? cout & ~3 : 0;
            for (int o = 0; o < blockChannels; o += 4)
            {
                ref float channels = ref results[(o / lanes) * positions * lanes + o % lanes];
                Vector128<float> bias = hasBias ? Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(b), (nuint)o) : default;
                ref float planes = ref Unsafe.Add(ref ys, o * pixels);
                for (int oh = 0; oh < outHeight; oh++)
                {
                    ref float from = ref Unsafe.Add(ref channels, oh * pitch * lanes);
                    ref float to = ref Unsafe.Add(ref planes, oh * outWidth);
                    int ow = 0;
                    for (; ow + 4 <= outWidth; ow += 4)
                    {
                        if (hasBias) Transpose4x4.BlockAdd(ref Unsafe.Add(ref from, ow * lanes), lanes, bias, bias, bias, bias, ref Unsafe.Add(ref to, ow), pixels);
                        else Transpose4x4.Block(ref Unsafe.Add(ref from, ow * lanes), lanes, ref Unsafe.Add(ref to, ow), pixels);
                    }
                    for (int c = 0; c < 4; c++)
                        CopyPositions(ref Unsafe.Add(ref from, c), lanes, hasBias, hasBias ? b[o + c] : 0f, ref Unsafe.Add(ref to, c * pixels), ow, outWidth);
                }
            }
            for (int o = blockChannels; o < cout; o++)
            {
                ref float channel = ref results[(o / lanes) * positions * lanes + o % lanes];
                ref float plane = ref Unsafe.Add(ref ys, o * pixels);
                for (int oh = 0; oh < outHeight; oh++)
                    CopyPositions(ref Unsafe.Add(ref channel, oh * pitch * lanes), lanes, hasBias, hasBias ? b[o] : 0f, ref Unsafe.Add(ref plane, oh * outWidth), 0, outWidth);
            }
        }
    }

    // to[ow] = from[ow·lanes] (+ bias) for ow in [first, end): one channel's outputs of a grid row.
    private static void CopyPositions(ref float from, nint lanes, bool hasBias, float bias, ref float to, int first, int end)
    {
        for (int ow = first; ow < end; ow++)
        {
            float v = Unsafe.Add(ref from, ow * lanes);
            Unsafe.Add(ref to, ow) = hasBias ? v + bias : v;
        }
    }

    /// <summary>Whether <see cref="Forward"/> runs channel-major (<see cref="GridRowKernel{T, L}"/>): at most 8 output channels.</summary>
    public static bool RunsChannelMajor(in Conv2DGeometry g) => g.OutChannels <= RowsPerBlock;

    /// <summary>
    /// One sample's output rows [<paramref name="firstRow"/>, + <paramref name="rowCount"/>) of every output channel, for a
    /// layer that runs channel-major (<see cref="RunsChannelMajor"/>); the rest of y is not touched. Every output is the
    /// same sum as in the whole call (each grid position is its own accumulator, the taps in the same order), so ranges that
    /// cover the rows give its bits (a call on one sample split between threads by rows: <see cref="OneSampleSplit"/>).
    /// </summary>
    public static void ForwardRowRange(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int firstRow, int rowCount,
        VectorWidth width)
    {
        if (!RunsChannelMajor(g) || width == VectorWidth.Scalar || firstRow < 0 || rowCount < 0 || firstRow + rowCount > g.OutHeight)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"rows [{firstRow}, +{rowCount}) of {g.OutHeight}, {g.OutChannels} channels at {width}: not a channel-major row range.");
        switch (width)
        {
            case VectorWidth.V512: ForwardRows<Vector512<float>, Lane512>(g, x, w, b, y, 1, firstRow, rowCount); break;
            case VectorWidth.V256: ForwardRows<Vector256<float>, Lane256>(g, x, w, b, y, 1, firstRow, rowCount); break;
            default: ForwardRows<Vector128<float>, Lane128>(g, x, w, b, y, 1, firstRow, rowCount); break;
        }
    }

    // Output rows [firstRow, firstRow + rowCount) of each of the n samples. Where every tile lies within one grid row (the
    // pitch a multiple of the tile: LeNet-5's conv1, 32 at every width), the tiles of each output row go straight into y
    // with the bias, and tiles wholly in the junk columns are skipped; otherwise the tiles that cover the rows go to a grid
    // of results, copied into y with the bias after. The same sums either way.
    private static void ForwardRows<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n,
        int firstRow, int rowCount) where T : struct where L : struct, ILane<T>
    {
        int columns = GridRowKernel<T, L>.Columns, patch = g.PatchLength, cout = g.OutChannels;
        int blocks = (cout + DotRows - 1) / DotRows;
        var grid = new ConvGrid(g, columns);
        int positions = grid.PaddedPositions, pitch = grid.PlaneWidth;
        Conv2DWorkspace workspace = Conv2DWorkspace.Current;

        Span<float> source = workspace.Source(grid.SourceLength);
        source.Clear();
        Span<int> offsets = workspace.Offsets(patch);
        grid.FillOffsets(g, offsets);

        // packed [block, p, 6] = w[block·6 + i, p], zero past Cout.
        Span<float> packed = workspace.Packed(blocks * patch * DotRows);
        packed.Clear();
        for (int o = 0; o < cout; o++)
        {
            int block = o / DotRows, i = o % DotRows;
            ReadOnlySpan<float> row = w.Slice(o * patch, patch);
            for (int p = 0; p < patch; p++) packed[(block * patch + p) * DotRows + i] = row[p];
        }
        bool hasBias = !b.IsEmpty;
        Span<float> bias = stackalloc float[RowsPerBlock + DotRows];
        bias.Clear();
        b.CopyTo(bias);

        ref float src = ref MemoryMarshal.GetReference(source);
        ref int offset0 = ref MemoryMarshal.GetReference(offsets);
        ref float bias0 = ref MemoryMarshal.GetReference(bias);
        int outWidth = g.OutWidth, pixels = g.OutPixels;
        Span<float> spill = stackalloc float[DotRows * 2 * 16];
        ref float spill0 = ref MemoryMarshal.GetReference(spill);
        if (pitch % columns == 0)
        {
            int endRow = firstRow + rowCount;
            for (int s = 0; s < n; s++)
            {
                grid.CopyInterior(g, x.Slice(s * g.InputLength, g.InputLength), source);
                ref float ys = ref y[s * g.OutputLength];
                for (int block = 0; block < blocks; block++)
                {
                    ref float weights = ref packed[block * patch * DotRows];
                    int channels = Math.Min(DotRows, cout - block * DotRows);
                    for (int oh = firstRow; oh < endRow; oh++)
                    {
                        for (int column = 0; column < outWidth; column += columns)
                        {
                            // A row's last tile stores whole vectors past the output width into the head of the rows below
                            // while those are in the range (their tiles write them after); else its valid positions only.
                            int room = (endRow - oh) * outWidth - column;
                            int valid = room >= columns ? columns : Math.Min(columns, outWidth - column);
                            GridRowKernel<T, L>.Run(patch, ref weights, ref Unsafe.Add(ref src, oh * pitch + column), ref offset0,
                                ref Unsafe.Add(ref ys, block * DotRows * pixels + oh * outWidth + column), pixels,
                                ref Unsafe.Add(ref bias0, block * DotRows), hasBias, channels, valid, ref spill0);
                        }
                    }
                }
            }
            return;
        }

        // results [blocks·6, Q]
        Span<float> results = workspace.Grid(blocks * DotRows * positions);
        // The tiles that cover the rows' grid positions (all of them for the whole call).
        int firstTile = firstRow * pitch / columns * columns;
        int endTile = Math.Min(positions, ((firstRow + rowCount) * pitch + columns - 1) / columns * columns);
        for (int s = 0; s < n; s++)
        {
            grid.CopyInterior(g, x.Slice(s * g.InputLength, g.InputLength), source);
            for (int block = 0; block < blocks; block++)
            {
                ref float weights = ref packed[block * patch * DotRows];
                ref float blockResults = ref results[block * DotRows * positions];
                for (int q = firstTile; q < endTile; q += columns)
                {
                    GridRowKernel<T, L>.Run(patch, ref weights, ref Unsafe.Add(ref src, q), ref offset0, ref Unsafe.Add(ref blockResults, q), positions,
                        ref bias0, hasBias: false, DotRows, columns, ref spill0);
                }
            }

            // y[s, o, oh, :] = results[o, oh·PW .. oh·PW + OW) + b[o]
            ref float ys = ref y[s * g.OutputLength];
            ref float results0 = ref MemoryMarshal.GetReference(results);
            for (int o = 0; o < cout; o++)
            {
                ref float from = ref Unsafe.Add(ref results0, o * positions + firstRow * pitch);
                ref float to = ref Unsafe.Add(ref ys, o * pixels + firstRow * outWidth);
                if (hasBias)
                {
                    AddBias(ref from, pitch, b[o], ref to, rowCount, outWidth);
                    continue;
                }
                // No bias: copied, so a −0 stays −0 (−0 + 0 would be +0).
                for (int oh = 0; oh < rowCount; oh++)
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref from, oh * pitch), outWidth).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref to, oh * outWidth), outWidth));
            }
        }
    }

    /// <summary>
    /// to[r, j] = from[r·pitch + j] + bias for rows × columns (one output channel's rows out of the grid). Rows of at least 8
    /// run as 256-bit vectors, the last one overlapping the one before (it writes the same sums again), shorter rows as 128-bit
    /// or one by one; every output is the one float sum whichever way, so the path does not change a bit.
    /// </summary>
    internal static void AddBias(ref float from, int pitch, float bias, ref float to, int rows, int columns)
    {
        if (columns >= Vector256<float>.Count && Vector256.IsHardwareAccelerated) AddBias<Vector256<float>, Lane256>(ref from, pitch, bias, ref to, rows, columns);
        else if (columns >= Vector128<float>.Count && Vector128.IsHardwareAccelerated) AddBias<Vector128<float>, Lane128>(ref from, pitch, bias, ref to, rows, columns);
        else AddBias<float, ScalarLane>(ref from, pitch, bias, ref to, rows, columns);
    }

    // Rows of at least L.Count columns: whole vectors, the last one overlapping the one before.
    private static void AddBias<T, L>(ref float from, int pitch, float bias, ref float to, int rows, int columns)
        where T : struct where L : struct, ILane<T>
    {
        T b = L.Splat(bias);
        int tail = columns - L.Count;
        for (int r = 0; r < rows; r++, from = ref Unsafe.Add(ref from, pitch), to = ref Unsafe.Add(ref to, columns))
        {
            for (int j = 0; j < tail; j += L.Count) L.Store(ref to, j, L.Add(L.Load(ref from, j), b));
            L.Store(ref to, tail, L.Add(L.Load(ref from, tail), b));
        }
    }

    // ---- weight gradient, patch-major ----

    /// <summary>dw [Cout, Cin·KH·KW] += Σ over the n samples of dy ⋆ x, six patch entries × one vector of output channels at a time.</summary>
    public static void PatchWeightGradient(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n, VectorWidth width)
    {
        if (width == VectorWidth.V512 && g.OutChannels > 8) PatchWeightGradient<PatchKernel512>(g, x, dy, dw, n);
        else if (width != VectorWidth.V128 && g.OutChannels > 4) PatchWeightGradient<PatchKernel256>(g, x, dy, dw, n);
        else PatchWeightGradient<PatchKernel128>(g, x, dy, dw, n);
    }

    private static void PatchWeightGradient<TKernel>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n)
        where TKernel : struct, IPatchKernel
    {
        int lanes = TKernel.Lanes, patch = g.PatchLength, cout = g.OutChannels, pixels = g.OutPixels;
        int panels = (cout + lanes - 1) / lanes, tiles = (patch + DotRows - 1) / DotRows;
        var grid = new ConvGrid(g, 1);
        int plane = g.InChannels * grid.PlaneHeight * grid.PlaneWidth;
        Conv2DWorkspace workspace = Conv2DWorkspace.Current;

        // The chunk's padded inputs [n, Cin, PH, PW] (x itself when there is no padding).
        ReadOnlySpan<float> source = x;
        if (g.PadTop != 0 || g.PadLeft != 0 || g.PadBottom != 0 || g.PadRight != 0)
        {
            Span<float> padded = workspace.Source(n * plane);
            padded.Clear();
            for (int s = 0; s < n; s++) grid.CopyInterior(g, x.Slice(s * g.InputLength, g.InputLength), padded.Slice(s * plane, plane));
            source = padded;
        }

        // Offsets of the patch entries, the last tile filled up with the last entry (its sums are dropped).
        Span<int> offsets = workspace.Offsets(tiles * DotRows);
        grid.FillOffsets(g, offsets);
        for (int p = patch; p < offsets.Length; p++) offsets[p] = offsets[patch - 1];

        // dyᵀ [panel, n, OH·OW, lanes], zero past Cout.
        Span<float> dyT = workspace.Grid(panels * n * pixels * lanes);
        if (cout % lanes != 0) dyT.Clear();
        ref float dyStart = ref MemoryMarshal.GetReference(dy);
        ref float dyTStart = ref MemoryMarshal.GetReference(dyT);
        for (int o = 0; o < cout; o++)
        {
            ref float target = ref Unsafe.Add(ref dyTStart, (o / lanes) * n * pixels * lanes + o % lanes);
            for (int s = 0; s < n; s++)
            {
                ref float from = ref Unsafe.Add(ref dyStart, (s * cout + o) * pixels);
                ref float to = ref Unsafe.Add(ref target, s * pixels * lanes);
                for (int i = 0; i < pixels; i++) Unsafe.Add(ref to, i * lanes) = Unsafe.Add(ref from, i);
            }
        }

        Span<float> tile = workspace.Packed(DotRows * lanes);
        ref float src = ref MemoryMarshal.GetReference(source);
        for (int panel = 0; panel < panels; panel++)
        {
            ref float dyPanel = ref Unsafe.Add(ref dyTStart, panel * n * pixels * lanes);
            for (int t = 0; t < tiles; t++)
            {
                TKernel.Run(n, g.OutHeight, g.OutWidth, ref src, plane, grid.PlaneWidth, ref offsets[t * DotRows], ref dyPanel, ref tile[0]);
                for (int i = 0; i < DotRows && t * DotRows + i < patch; i++)
                {
                    int p = t * DotRows + i;
                    for (int j = 0; j < lanes && panel * lanes + j < cout; j++) dw[(panel * lanes + j) * patch + p] += tile[i * lanes + j];
                }
            }
        }
    }

    // ---- weight gradient ----

    /// <summary>dw [Cout, Cin·KH·KW] += Σ over the n samples of dy ⋆ x.</summary>
    public static void WeightGradient(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n, VectorWidth width)
    {
        switch (width)
        {
            case VectorWidth.V512: WeightGradient<GridDotKernel<Vector512<float>, Lane512>>(g, x, dy, dw, n); break;
            case VectorWidth.V256: WeightGradient<GridDotKernel<Vector256<float>, Lane256>>(g, x, dy, dw, n); break;
            default: WeightGradient<GridDotKernel<Vector128<float>, Lane128>>(g, x, dy, dw, n); break;
        }
    }

    private static void WeightGradient<TKernel>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n)
        where TKernel : struct, IGridDotKernel
    {
        int lanes = TKernel.Lanes, patch = g.PatchLength, cout = g.OutChannels;
        int blocks = (cout + DotRows - 1) / DotRows, pairs = (patch + 1) / 2;
        var grid = new ConvGrid(g, lanes);
        int positions = grid.PaddedPositions;
        Conv2DWorkspace workspace = Conv2DWorkspace.Current;

        Span<float> source = workspace.Source(grid.SourceLength);
        source.Clear();
        // Offsets of 2·pairs entries: an odd patch repeats its last entry (its sums are dropped).
        Span<int> offsets = workspace.Offsets(2 * pairs);
        grid.FillOffsets(g, offsets);
        if (patch % 2 != 0) offsets[patch] = offsets[patch - 1];
        // dyg [blocks·6, Q]: rows past Cout stay zero, as do the junk positions.
        Span<float> dyGrid = workspace.Grid(blocks * DotRows * positions);
        dyGrid.Clear();
        // acc [block, pair, 6·2, lanes]
        Span<float> accumulators = workspace.Accumulators(blocks * pairs * 2 * DotRows * lanes);
        accumulators.Clear();

        ref float src = ref MemoryMarshal.GetReference(source);
        int steps = positions / lanes;
        for (int s = 0; s < n; s++)
        {
            grid.CopyInterior(g, x.Slice(s * g.InputLength, g.InputLength), source);
            grid.CopyToGrid(g, dy.Slice(s * g.OutputLength, g.OutputLength), dyGrid);
            for (int block = 0; block < blocks; block++)
            {
                ref float dyBlock = ref dyGrid[block * DotRows * positions];
                for (int pair = 0; pair < pairs; pair++)
                {
                    TKernel.Run(steps, ref dyBlock, positions,
                        ref Unsafe.Add(ref src, offsets[2 * pair]),
                        ref Unsafe.Add(ref src, offsets[2 * pair + 1]),
                        ref accumulators[(block * pairs + pair) * 2 * DotRows * lanes]);
                }
            }
        }

        // dw[o, p] += Σ_lanes acc(o, p)
        for (int o = 0; o < cout; o++)
        {
            int block = o / DotRows, i = o % DotRows;
            for (int p = 0; p < patch; p++)
            {
                int pair = p / 2, j = p % 2;
                ReadOnlySpan<float> lanesOf = accumulators.Slice(((block * pairs + pair) * 2 * DotRows + 2 * i + j) * lanes, lanes);
                float sum = 0f;
                for (int l = 0; l < lanes; l++) sum += lanesOf[l];
                dw[o * patch + p] += sum;
            }
        }
    }
}
