using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// 3×3 convolutions with padding 1 and stride 1 by Winograd's minimal filtering (Lavin and Gray, 2015): F(4×4, 3×3) in
/// <see cref="WinogradF4"/> (36 multiply-adds per 4×4 outputs and channel pair instead of 144), or on planes of at most
/// 2×2 F(2×2, 3×3) here: every 2×2 block of outputs costs 16 multiply-adds per (input, output) channel pair instead of 36,
/// so the products shrink 2.25× (<see cref="TileSize"/> chooses). x [n, Cin, H, W], w [Cout, Cin, 3, 3] (OIHW), b [Cout]
/// or empty, y [n, Cout, H, W].
/// </summary>
/// <remarks>
/// <para>
/// With d the 4×4 input patch of a tile, g a 3×3 filter and B, G, A Lavin's matrices (entries 0, ±1, ±½), the tile's outputs are
/// Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. Per block of tile rows (as many as keep the transformed input and products near half a MiB):
/// each input channel is split into the 4 × 2 planes of a tile's rows and column parities (so every patch entry of 16
/// consecutive tiles is one vector load), transformed to V[ξ][c][t] (ξ the 16 transform positions), then for each ξ the
/// product M[ξ][k][t] = Σ_c U[ξ][k][c]·V[ξ][c][t] runs on <see cref="Conv3x3MicroKernel"/> (output channels × vectors of
/// tiles in registers), and the output transform adds the bias, applies ReLU and writes the 2×2 outputs of each tile.
/// Tiles run over the samples of the chunk, so small planes (7×7) still fill whole vectors.
/// </para>
/// <para>
/// Every lane (tile) goes through the same IEEE operations in the same order at every width, so the widths and the scalar
/// width agree bit for bit; the values differ from a direct convolution's by rounding (the transforms reassociate the sums),
/// and <c>Reference/Conv2DReference</c> is the twin the tests compare with, to a tolerance.
/// </para>
/// </remarks>
internal static class WinogradConvolution
{
    /// <summary>Fewest input and output channels this path takes: below, the transforms cost more than the products save.</summary>
    public const int MinChannels = 8;

    /// <summary>Floats of transformed input plus products one block aims at (about half a MiB, so both stay in L2).</summary>
    private const int BlockFloats = 128 * 1024;

    private const int TileVectors = 3;

    /// <summary>3×3, padding 1, stride 1, no dilation or groups, at least <see cref="MinChannels"/> channels in and out.</summary>
    public static bool Applies(in Conv2DGeometry g)
        => Conv3x3Kernels.Applies(g) && g.StrideHeight == 1 && g.InChannels >= MinChannels && g.OutChannels >= MinChannels;

    /// <summary>
    /// The output tiles' side for <paramref name="g"/>: 4 (<see cref="WinogradF4"/>, F(4×4, 3×3)), or 2 (F(2×2, 3×3), here)
    /// on planes of at most 2×2, which one 4×4 tile would cover three-quarters padding. A function of the geometry alone, so
    /// the packing and the run always agree. F(4×4) measured 1.5-2x F(2×2)'s speed on the bench networks' layers (see the
    /// kernels' README).
    /// </summary>
    internal static int TileSize(in Conv2DGeometry g) => t_tileSize != 0 ? t_tileSize : g.InHeight <= 2 && g.InWidth <= 2 ? 2 : 4;

    /// <summary>Tests: the tile side every geometry takes on this thread (2 or 4; 0: the rule).</summary>
    [ThreadStatic] internal static int t_tileSize;

    /// <summary>Floats of the transformed weights for <paramref name="width"/>: 16 × Cout rounded up to the tile's rows × Cin (F(4×4): 36 × Cout rounded up to the lanes × Cin).</summary>
    public static int PackedLength(in Conv2DGeometry g, VectorWidth width)
        => TileSize(g) == 4 ? WinogradF4.PackedLength(g, width) : 16 * FilterSlab(g, RowsOf(width));

    /// <summary>Floats from one transform position's filters to the next: Cout rounded up to R × Cin, rounded up to an odd number of cache lines.</summary>
    private static int FilterSlab(in Conv2DGeometry g, int rows) => OddLines(Padded(g.OutChannels, rows) * g.InChannels);

    /// <summary>
    /// U[ξ][block][c][r] = (G g Gᵀ)[ξ] of filter (block·R + r, c), zero past Cout; the 16 slabs U[ξ] an odd number of cache
    /// lines apart (a power-of-two stride put the 16 stores of each filter in one cache set). <paramref name="transposedAndFlipped"/>: the
    /// filters of the input gradient, w'[c, o] = w[o, c] turned 180°, for the layer <see cref="Conv3x3Kernels.Transposed"/> gives.
    /// A block's R filters of one input channel are gathered tap-major, then transformed together, a lane each.
    /// </summary>
    public static void PackWeights(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width, bool transposedAndFlipped = false)
    {
        if (TileSize(g) == 4) WinogradF4.Pack(g, w, packed, width, transposedAndFlipped);
        else if (width == VectorWidth.V512) Pack<Vector256<float>, Lane256>(g, w, packed, transposedAndFlipped);
        else Pack<Vector128<float>, Lane128>(g, w, packed, transposedAndFlipped);
    }

    /// <summary><see cref="PackWeights"/> of the forward's filters.</summary>
    public static void PackForward(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width)
        => PackWeights(g, w, packed, width);

    /// <summary><see cref="PackWeights"/> of the input gradient's filters, for the transposed layer <paramref name="g"/>.</summary>
    public static void PackTransposed(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width)
        => PackWeights(g, w, packed, width, transposedAndFlipped: true);

    private static void Pack<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, bool transposedAndFlipped)
        where T : struct where L : struct, ILane<T>
    {
        int rows = L.Count, outs = g.OutChannels, ins = g.InChannels;
        int blocks = Padded(outs, rows) / rows, xiStride = FilterSlab(g, rows);
        KernelArguments.AtLeast(w.Length, (long)outs * ins * 9, nameof(w));
        KernelArguments.AtLeast(packed.Length, 16L * xiStride, nameof(packed));
        Span<float> filters = stackalloc float[9 * rows];
        ref float f = ref MemoryMarshal.GetReference(filters);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float u0 = ref MemoryMarshal.GetReference(packed);
        for (int block = 0; block < blocks; block++)
        {
            for (int c = 0; c < ins; c++)
            {
                GatherFilters(ref w0, block, c, rows, outs, ins, transposedAndFlipped, ref f);
                TransformFilters<T, L>(ref f, ref Unsafe.Add(ref u0, (block * ins + c) * rows), xiStride);
            }
        }
    }

    /// <summary>
    /// f[tap·rows + r] = tap of filter (block·rows + r, c), zero past Cout: w[o, c] in order, or for the transposed layer
    /// (<paramref name="transposedAndFlipped"/>) w[c, o] turned 180° (w's own input channels are then the layer's outputs).
    /// </summary>
    internal static void GatherFilters(ref float w0, int block, int c, int rows, int outs, int ins, bool transposedAndFlipped, ref float f)
    {
        int wIn = transposedAndFlipped ? outs : ins;
        int first = 0;
        if (Transpose8x8.IsSupported)
        {
            // Eight whole filters at a time: their taps 0-7 as an 8×8 block in AVX registers (turned 180°: landing from tap 8
            // up, rows -rows apart), the ninth tap by element.
            for (; first + 8 <= rows && block * rows + first + 8 <= outs; first += 8)
            {
                int o = block * rows + first;
                ref float to = ref Unsafe.Add(ref f, first);
                if (transposedAndFlipped)
                {
                    ref float taps = ref Unsafe.Add(ref w0, (c * wIn + o) * 9);
                    Transpose8x8.Block(ref taps, 9, ref Unsafe.Add(ref to, 8 * rows), -rows);
                    for (int r = 0; r < 8; r++) Unsafe.Add(ref to, r) = Unsafe.Add(ref taps, r * 9 + 8);
                }
                else
                {
                    ref float taps = ref Unsafe.Add(ref w0, (o * ins + c) * 9);
                    Transpose8x8.Block(ref taps, ins * 9, ref to, rows);
                    for (int r = 0; r < 8; r++) Unsafe.Add(ref to, 8 * rows + r) = Unsafe.Add(ref taps, r * ins * 9 + 8);
                }
            }
        }
        for (int r = first; r < rows; r++)
        {
            int o = block * rows + r;
            if (o >= outs)
            {
                for (int tap = 0; tap < 9; tap++) Unsafe.Add(ref f, tap * rows + r) = 0f;
                continue;
            }
            ref float taps = ref Unsafe.Add(ref w0, transposedAndFlipped ? (c * wIn + o) * 9 : (o * ins + c) * 9);
            for (int tap = 0; tap < 9; tap++) Unsafe.Add(ref f, tap * rows + r) = Unsafe.Add(ref taps, transposedAndFlipped ? 8 - tap : tap);
        }
    }

    /// <summary>
    /// M[ξ][k][t] = Σ_c U[ξ][k][c]·V[ξ][c][t] for the <paramref name="positions"/> transform positions (16 or 36) of a block of
    /// <paramref name="vectors"/> vectors of tiles, on <see cref="Conv3x3MicroKernel"/> (R output channels × up to 3 vectors).
    /// </summary>
    internal static void Products<T, L, R>(int positions, int cin, int blocks, int vectors, ref float v0, int inputSlab, ref int offset0,
        ref float u0, int filterSlab, ref float m0, int productSlab, int productStride)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant
    {
        int lanes = L.Count, rows = R.Value;
        int tileCount = (vectors + TileVectors - 1) / TileVectors;
        for (int xi = 0; xi < positions; xi++)
        {
            ref float vXi = ref Unsafe.Add(ref v0, xi * inputSlab);
            for (int block = 0; block < blocks; block++)
            {
                ref float weights = ref Unsafe.Add(ref u0, xi * filterSlab + block * cin * rows);
                ref float mRow = ref Unsafe.Add(ref m0, xi * productSlab + block * rows * productStride);
                for (int tile = 0, v = 0; tile < tileCount; tile++)
                {
                    int count = vectors / tileCount + (tile < vectors % tileCount ? 1 : 0);
                    ref float at = ref Unsafe.Add(ref vXi, v * lanes);
                    ref float to = ref Unsafe.Add(ref mRow, v * lanes);
                    switch (count)
                    {
                        case 3: Conv3x3MicroKernel.Run<T, L, R, Vectors3>(cin, ref at, ref offset0, ref weights, ref to, productStride); break;
                        case 2: Conv3x3MicroKernel.Run<T, L, R, Vectors2>(cin, ref at, ref offset0, ref weights, ref to, productStride); break;
                        default: Conv3x3MicroKernel.Run<T, L, R, Vectors1>(cin, ref at, ref offset0, ref weights, ref to, productStride); break;
                    }
                    v += count;
                }
            }
        }
    }

    /// <summary>
    /// Per tile of a block whose tiles start at a row's first, <paramref name="pitch"/> a row: all ones but at the last tile
    /// of each row (keep[t], t &lt; <paramref name="maxTiles"/>), then all ones but at the first (keep[maxTiles + t]).
    /// </summary>
    internal static ref float EdgeMasks(WinogradWorkspace workspace, int maxTiles, int pitch)
    {
        Span<float> keep = workspace.EdgeMasks(2 * maxTiles);
        keep.Fill(BitConverter.Int32BitsToSingle(-1));
        for (int t = pitch - 1; t < maxTiles; t += pitch) keep[t] = 0f;
        for (int t = 0; t < maxTiles; t += pitch) keep[maxTiles + t] = 0f;
        return ref MemoryMarshal.GetReference(keep);
    }

    /// <summary>
    /// u[ξ] = (G f Gᵀ)[ξ] for a lane's worth of 3×3 filters f (tap-major: f[tap·lanes + lane]), u[ξ] <paramref name="xiStride"/>
    /// apart; G's rows are f0, ½(f0 + f1 + f2), ½(f0 − f1 + f2), f2.
    /// </summary>
    private static void TransformFilters<T, L>(ref float f, ref float u, int xiStride) where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        // G f, column by column (4 rows × 3 columns), then each row times Gᵀ.
        Apply<T, L>(L.Load(ref f, 0), L.Load(ref f, 3 * lanes), L.Load(ref f, 6 * lanes), out T g00, out T g10, out T g20, out T g30);
        Apply<T, L>(L.Load(ref f, lanes), L.Load(ref f, 4 * lanes), L.Load(ref f, 7 * lanes), out T g01, out T g11, out T g21, out T g31);
        Apply<T, L>(L.Load(ref f, 2 * lanes), L.Load(ref f, 5 * lanes), L.Load(ref f, 8 * lanes), out T g02, out T g12, out T g22, out T g32);
        StoreRow<T, L>(ref u, 0, xiStride, g00, g01, g02);
        StoreRow<T, L>(ref u, 4, xiStride, g10, g11, g12);
        StoreRow<T, L>(ref u, 8, xiStride, g20, g21, g22);
        StoreRow<T, L>(ref u, 12, xiStride, g30, g31, g32);
    }

    /// <summary>G·(a, b, c): a, ½(a + b + c), ½(a − b + c), c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Apply<T, L>(T a, T b, T c, out T r0, out T r1, out T r2, out T r3) where T : struct where L : struct, ILane<T>
    {
        T half = L.Splat(0.5f);
        r0 = a;
        r1 = L.Multiply(half, L.Add(L.Add(a, b), c));
        r2 = L.Multiply(half, L.Add(L.Subtract(a, b), c));
        r3 = c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, L>(ref float u, int first, int xiStride, T a, T b, T c) where T : struct where L : struct, ILane<T>
    {
        Apply<T, L>(a, b, c, out T r0, out T r1, out T r2, out T r3);
        L.Store(ref u, first * xiStride, r0);
        L.Store(ref u, (first + 1) * xiStride, r1);
        L.Store(ref u, (first + 2) * xiStride, r2);
        L.Store(ref u, (first + 3) * xiStride, r3);
    }

    /// <summary>
    /// y = conv(x, w) + b from weights <see cref="PackWeights"/> transformed at the same width, then ReLU
    /// (<see cref="Conv3x3Kernels.Mode.Relu"/>) or nothing; <see cref="Conv3x3Kernels.Mode.Statistics"/> also writes the
    /// batch-norm slice statistics of y (mean, m2), read back from y. Nothing is checked: the caller validated.
    /// </summary>
    public static void ForwardPacked(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, Span<float> y,
        Span<float> mean, Span<float> m2, int n, Conv3x3Kernels.Mode mode, VectorWidth width)
    {
        ForwardTileRows(g, x, packed, b, y, 0, n * TileRows(g), mode == Conv3x3Kernels.Mode.Relu, width);
        if (mode == Conv3x3Kernels.Mode.Statistics) BatchNormKernels.SliceStatistics(y, mean, m2, n, g.OutChannels, g.OutPixels, width);
    }

    /// <summary>
    /// F(4×4, 3×3)'s outputs of tiles [<paramref name="firstTile"/>, <paramref name="firstTile"/> + <paramref name="tileCount"/>)
    /// of the batch, row after row of <see cref="WinogradF4.TileColumns"/> (rows as <see cref="TileRows"/>'), with the residual
    /// and ReLU as <see cref="ForwardTileRows(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, bool, VectorWidth)"/>;
    /// y's other pixels are not touched. A range may start and end inside a tile row, so threads splitting one sample's call
    /// get equal shares of its tiles; each tile's sums run as in the whole call, so any split gives its bits. For geometries
    /// of <see cref="TileSize"/> 4 only. Nothing is checked: the caller validated.
    /// </summary>
    /// <remarks>
    /// <paramref name="maxPool"/>: y is the 2×2, stride-2 max-pool of those outputs instead, then ReLU when
    /// <paramref name="relu"/> (see <see cref="WinogradF4.Run"/>); no residual, and y clear of x.
    /// </remarks>
    public static void ForwardTiles(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b,
        ReadOnlySpan<float> residual, Span<float> y, int firstTile, int tileCount, bool relu, VectorWidth width, bool maxPool = false)
    {
        switch (width)
        {
            case VectorWidth.V512: WinogradF4.Run<Vector512<float>, Lane512>(g, x, packed, b, residual, y, firstTile, tileCount, relu, maxPool); break;
            case VectorWidth.V256: WinogradF4.Run<Vector256<float>, Lane256>(g, x, packed, b, residual, y, firstTile, tileCount, relu, maxPool); break;
            case VectorWidth.V128: WinogradF4.Run<Vector128<float>, Lane128>(g, x, packed, b, residual, y, firstTile, tileCount, relu, maxPool); break;
            default: WinogradF4.Run<float, ScalarLane>(g, x, packed, b, residual, y, firstTile, tileCount, relu, maxPool); break;
        }
    }

    /// <summary>Rows of output tiles of one sample: ⌈H / 2⌉, or ⌈H / 4⌉ for F(4×4, 3×3).</summary>
    public static int TileRows(in Conv2DGeometry g) => TileSize(g) == 4 ? WinogradF4.TileRows(g) : (g.InHeight + 1) / 2;

    /// <summary>
    /// The outputs of tile rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rowCount"/>)
    /// of the batch (row r is tile row r mod <see cref="TileRows"/> of sample r div it: output rows 2·(r mod TileRows) and
    /// the one after), every output channel, then ReLU or nothing; y's other rows are not touched. Each tile's sums run as
    /// in the whole call, so any split of the rows gives its bits. Threads splitting one sample's call take a range each,
    /// reading the same <paramref name="packed"/> weights. Nothing is checked: the caller validated.
    /// </summary>
    public static void ForwardTileRows(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, Span<float> y,
        int firstRow, int rowCount, bool relu, VectorWidth width)
        => ForwardTileRows(g, x, packed, b, default, y, firstRow, rowCount, relu, width);

    /// <summary>
    /// <see cref="ForwardTileRows(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, bool, VectorWidth)"/>
    /// with a residual: y = conv(x, w) + b + <paramref name="residual"/> (laid out as y; empty: none), then ReLU or nothing,
    /// for the same rows. F(2×2) adds it per block of tile rows while the block's outputs are in cache. The residual must
    /// not overlap y. Nothing is checked: the caller validated.
    /// </summary>
    public static void ForwardTileRows(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b,
        ReadOnlySpan<float> residual, Span<float> y, int firstRow, int rowCount, bool relu, VectorWidth width)
    {
        if (TileSize(g) == 4)
        {
            int columns = WinogradF4.TileColumns(g);
            ForwardTiles(g, x, packed, b, residual, y, firstRow * columns, rowCount * columns, relu, width);
            return;
        }
        switch (width)
        {
            case VectorWidth.V512: Run<Vector512<float>, Lane512, Rows8>(g, x, packed, b, residual, y, firstRow, rowCount, relu); break;
            case VectorWidth.V256: Run<Vector256<float>, Lane256, Rows4>(g, x, packed, b, residual, y, firstRow, rowCount, relu); break;
            case VectorWidth.V128: Run<Vector128<float>, Lane128, Rows4>(g, x, packed, b, residual, y, firstRow, rowCount, relu); break;
            default: Run<float, ScalarLane, Rows4>(g, x, packed, b, residual, y, firstRow, rowCount, relu); break;
        }
    }

    /// <summary>
    /// y += residual, then ReLU or nothing, over the outputs of tile rows [<paramref name="firstRow"/>, + <paramref name="rowCount"/>)
    /// of tiles <paramref name="tileSize"/> high, every output channel: per sample and channel the rows lie end to end in y.
    /// </summary>
    private static void AddResidualRows(in Conv2DGeometry g, ReadOnlySpan<float> residual, Span<float> y, int firstRow, int rowCount, int tileSize,
        bool relu, VectorWidth width)
    {
        int tileRows = (g.InHeight + tileSize - 1) / tileSize, planeLength = g.OutPixels, rowEnd = firstRow + rowCount;
        for (int row = firstRow; row < rowEnd;)
        {
            int sample = row / tileRows, first = row % tileRows, last = Math.Min(tileRows, first + rowEnd - row);
            int start = first * tileSize * g.InWidth, length = Math.Min(g.InHeight, last * tileSize) * g.InWidth - start;
            for (int k = 0; k < g.OutChannels; k++)
            {
                int at = sample * g.OutputLength + k * planeLength + start;
                Span<float> rows = y.Slice(at, length);
                ReadOnlySpan<float> r = residual.Slice(at, length);
                if (relu) ElementwiseDriver.Binary(new AddReluOperator(), rows, r, rows, width);
                else ElementwiseDriver.Binary(new AddOperator(), rows, r, rows, width);
            }
            row += last - first;
        }
    }

    /// <summary>
    /// dx [n, Cin, H, W] (overwritten) from dy [n, Cout, H, W]: the forward of the transposed layer
    /// (<see cref="Conv3x3Kernels.Transposed"/>) on dy, with the filters transposed and turned 180°. Nothing is checked.
    /// </summary>
    public static void InputGradient(in Conv2DGeometry g, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, int n, VectorWidth width)
    {
        Conv2DGeometry transposed = Conv3x3Kernels.Transposed(g);
        int length = PackedLength(transposed, width);
        ReadOnlySpan<float> packed = PackedWeightCache.Current.Get(transposed, w, width, PackedWeightCache.WinogradTransposed, length, PackTransposed,
            WinogradWorkspace.Current.Packed(length));
        ForwardPacked(transposed, dy, packed, default, dx, default, default, n, Conv3x3Kernels.Mode.Plain, width);
    }

    private static int RowsOf(VectorWidth width) => width == VectorWidth.V512 ? Rows8.Value : Rows4.Value;

    /// <summary>At least <paramref name="floats"/>, rounded up to an odd number of 64-byte lines.</summary>
    internal static int OddLines(int floats)
    {
        int lines = (floats + 15) / 16;
        return (lines | 1) * 16;
    }

    internal static int Padded(int count, int multiple) => (count + multiple - 1) / multiple * multiple;

    private static void Run<T, L, R>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, ReadOnlySpan<float> residual,
        Span<float> y, int rowStart, int rowCount, bool relu)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant
    {
        if (rowCount <= 0) return;
        int lanes = L.Count, rows = R.Value;
        int cin = g.InChannels, cout = g.OutChannels, height = g.InHeight, width = g.InWidth;
        int coutPadded = Padded(cout, rows), blocks = coutPadded / rows, filterSlab = FilterSlab(g, rows);
        int tileRows = (height + 1) / 2, tileColumns = (width + 1) / 2;
        // The block's tile rows follow each other with no tile between them (pitch = tileColumns). A row's last tile reads
        // the even and odd planes one tile on, where the next row's first tile begins: its patch's column 2 is the plane's
        // column 2·tileColumns + 1 (the padding at an odd width, the last real column at an even one) and its column 3 the
        // padding. The odd plane's value there is the next row's, so the transform zeroes it (a mask); the even plane's is the
        // next row's left padding, right at an odd width; at an even width FillPlanes writes the row's last real column there
        // instead, and the transform zeroes it where it is the first tile's column 0 (its left padding; a second mask).
        bool evenWidth = (width & 1) == 0;
        int pitch = tileColumns;
        int rowEnd = rowStart + rowCount;
        int rowsPerBlock = Math.Clamp(BlockFloats / (16 * (cin + coutPadded)) / pitch, 1, rowCount);
        int maxTiles = Padded(rowsPerBlock * pitch, lanes);
        // The planes are read one tile past a vector and written a vector past a row's tiles; the products are read one
        // vector past the last tile row's start.
        int planeStride = maxTiles + lanes, productStride = maxTiles + lanes;
        // The 16 transform positions' slabs, an odd number of cache lines apart: the transforms touch all 16 at once, and
        // slabs a power of two apart would share cache sets.
        int inputSlab = OddLines(cin * maxTiles), productSlab = OddLines(coutPadded * productStride);

        WinogradWorkspace workspace = WinogradWorkspace.Current;
        Span<float> planes = workspace.Planes(8 * planeStride);
        Span<float> transformed = workspace.Transformed(16 * inputSlab);
        Span<float> products = workspace.Products(16 * productSlab);
        // One channel's zero-bordered plane: (H + 2) rows, each split whole into vector pairs (at least 2·pitch + 2 columns:
        // a row's split writes the tile past its last).
        int paddedPitch = Padded(2 * pitch + 2, 2 * lanes);
        Span<float> padded = workspace.Padded((height + 3) * paddedPitch);
        padded.Clear();
        Span<float> outputs = workspace.Outputs(2 * lanes);
        Span<int> offsets = workspace.Offsets(cin);
        for (int c = 0; c < cin; c++) offsets[c] = c * maxTiles;
        ref float keep0 = ref EdgeMasks(workspace, maxTiles, pitch);
        ref float plane0 = ref MemoryMarshal.GetReference(planes);
        ref float v0 = ref MemoryMarshal.GetReference(transformed);
        ref float m0 = ref MemoryMarshal.GetReference(products);
        ref float u0 = ref MemoryMarshal.GetReference(packed);
        ref int offset0 = ref MemoryMarshal.GetReference(offsets);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float padded0 = ref MemoryMarshal.GetReference(padded);
        ref float outputs0 = ref MemoryMarshal.GetReference(outputs);
        int planeLength = height * width, outputLength = g.OutputLength;
        var planeStrides = new Strides(planeStride);
        var inputStrides = new Strides(inputSlab);
        var productStrides = new Strides(productSlab);

        for (int firstRow = rowStart; firstRow < rowEnd; firstRow += rowsPerBlock)
        {
            int blockRows = Math.Min(rowsPerBlock, rowEnd - firstRow);
            int tiles = blockRows * pitch, vectors = (tiles + lanes - 1) / lanes;

            // V[ξ][c][t] = (Bᵀ d B)[ξ] of tile t's patch in channel c
            for (int c = 0; c < cin; c++)
            {
                FillPlanes<T, L>(ref x0, g.InputLength, c * planeLength, height, width, tileRows, pitch, firstRow, blockRows, ref plane0, planeStride,
                    ref padded0, paddedPitch);
                if (evenWidth)
                {
                    for (int vector = 0; vector < vectors; vector++)
                        TransformInput<T, L>(ref Unsafe.Add(ref plane0, vector * lanes), planeStrides, ref Unsafe.Add(ref v0, c * maxTiles + vector * lanes), inputStrides,
                            L.Load(ref keep0, maxTiles + vector * lanes), L.Load(ref keep0, vector * lanes), evenWidth: true);
                }
                else
                {
                    for (int vector = 0; vector < vectors; vector++)
                        TransformInput<T, L>(ref Unsafe.Add(ref plane0, vector * lanes), planeStrides, ref Unsafe.Add(ref v0, c * maxTiles + vector * lanes), inputStrides,
                            default, L.Load(ref keep0, vector * lanes), evenWidth: false);
                }
            }

            // M[ξ][k][t] = Σ_c U[ξ][k][c]·V[ξ][c][t]
            Products<T, L, R>(16, cin, blocks, vectors, ref v0, inputSlab, ref offset0, ref u0, filterSlab, ref m0, productSlab, productStride);

            // y = Aᵀ M A + b per tile, then ReLU (with a residual: the sum, then the residual added and ReLU over the block's rows)
            bool tileRelu = relu && residual.IsEmpty;
            for (int k = 0; k < cout; k++)
            {
                float bias = b.IsEmpty ? 0f : b[k];
                ref float mK = ref Unsafe.Add(ref m0, k * productStride);
                for (int row = 0; row < blockRows; row++)
                {
                    int global = firstRow + row, sample = global / tileRows, tileRow = global % tileRows;
                    ref float top = ref y[sample * outputLength + k * planeLength + 2 * tileRow * width];
                    bool second = 2 * tileRow + 1 < height;
                    for (int column = 0; column < tileColumns; column += lanes)
                    {
                        int count = Math.Min(2 * lanes, width - 2 * column);
                        TransformOutput<T, L>(ref Unsafe.Add(ref mK, row * pitch + column), productStrides, bias, tileRelu,
                            ref Unsafe.Add(ref top, 2 * column), ref second ? ref Unsafe.Add(ref top, width + 2 * column) : ref outputs0, count, ref outputs0);
                    }
                }
            }
            if (!residual.IsEmpty) AddResidualRows(g, residual, y, firstRow, blockRows, 2, relu, L.Count == 1 ? VectorWidth.Scalar : (VectorWidth)(32 * L.Count));
        }
    }

    /// <summary>
    /// planes[a·2 + parity][row·pitch + tc] = the padded input at (2·tr + a, 2·tc + parity) of the block's tile rows, for one
    /// channel: each sample's channel is copied once into a zero-bordered plane (<paramref name="padded"/>, rows
    /// <paramref name="paddedPitch"/> apart, borders left zero), whose rows are then split into even and odd columns a vector
    /// pair at a time, one tile past the last (the last tile's columns 2 and 3); the next row overwrites that, the last one the
    /// planes' slack. At an even width the even plane's first entry of a row (its left padding, which the transform masks)
    /// is then the previous row's entry past its last tile (the last real column), which that row's last tile reads.
    /// </summary>
    private static void FillPlanes<T, L>(ref float x, int inputLength, int channelOffset, int height, int width, int tileRows, int pitch,
        int firstRow, int blockRows, ref float planes, int planeStride, ref float padded, int paddedPitch)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, copiedSample = -1;
        bool evenWidth = (width & 1) == 0;
        float last0 = 0f, last1 = 0f, last2 = 0f, last3 = 0f;
        for (int row = 0; row < blockRows; row++)
        {
            int global = firstRow + row, sample = global / tileRows, tileRow = global % tileRows;
            if (sample != copiedSample)
            {
                CopyIntoPadded(ref Unsafe.Add(ref x, sample * inputLength + channelOffset), height, width, ref padded, paddedPitch);
                copiedSample = sample;
            }
            for (int a = 0; a < 4; a++)
            {
                ref float source = ref Unsafe.Add(ref padded, (2 * tileRow + a) * paddedPitch);
                ref float even = ref Unsafe.Add(ref planes, 2 * a * planeStride + row * pitch);
                ref float odd = ref Unsafe.Add(ref even, planeStride);
                for (int tc = 0; tc <= pitch; tc += lanes)
                    Zip.Deinterleave<T>(ref Unsafe.Add(ref source, 2 * tc), ref Unsafe.Add(ref even, tc), ref Unsafe.Add(ref odd, tc));
            }
            if (evenWidth)
            {
                // This row's first even entries take the last real columns of the row before; keep this row's for the next.
                ref float even0 = ref Unsafe.Add(ref planes, row * pitch);
                even0 = last0;
                Unsafe.Add(ref even0, 2 * planeStride) = last1;
                Unsafe.Add(ref even0, 4 * planeStride) = last2;
                Unsafe.Add(ref even0, 6 * planeStride) = last3;
                ref float source = ref Unsafe.Add(ref padded, 2 * tileRow * paddedPitch + 2 * pitch);
                last0 = source;
                last1 = Unsafe.Add(ref source, paddedPitch);
                last2 = Unsafe.Add(ref source, 2 * paddedPitch);
                last3 = Unsafe.Add(ref source, 3 * paddedPitch);
            }
        }
    }

    /// <summary>
    /// One sample's channel (<paramref name="height"/> rows of <paramref name="width"/>) into the interior of its
    /// zero-bordered plane: rows <paramref name="paddedPitch"/> apart from row 1, column 1 (the borders are left as they are).
    /// </summary>
    internal static void CopyIntoPadded(ref float channel, int height, int width, ref float padded, int paddedPitch)
    {
        for (int r = 0; r < height; r++) Conv3x3Kernels.CopyRun(ref Unsafe.Add(ref channel, r * width), ref Unsafe.Add(ref padded, (r + 1) * paddedPitch + 1), width);
    }

    /// <summary>
    /// Bᵀ d B for a vector of tiles: d[a][j] is plane (a, j mod 2) one tile on for j ≥ 2, with d[a][3] zero in the lanes
    /// <paramref name="keepLast"/> clears (a row's last tile, whose column 3 is padding) and, at an even width
    /// (<paramref name="evenWidth"/>, a constant where inlined), d[a][0] zero in the lanes <paramref name="keepFirst"/> clears (a
    /// row's first tile, whose column 0 is padding); the 16 results ξ = 4i + j, <paramref name="xiStride"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformInput<T, L>(ref float planes, in Strides planeStride, ref float v, in Strides xiStride, T keepFirst, T keepLast, bool evenWidth)
        where T : struct where L : struct, ILane<T>
    {
        // rows: e0 = d0 − d2, e1 = d1 + d2, e2 = d2 − d1, e3 = d1 − d3, column by column
        ref float planes2 = ref Unsafe.Add(ref planes, planeStride.Four);
        Row<T, L>(ref planes, planeStride.One, keepFirst, keepLast, evenWidth, out T d00, out T d01, out T d02, out T d03);
        Row<T, L>(ref Unsafe.Add(ref planes, planeStride.Two), planeStride.One, keepFirst, keepLast, evenWidth, out T d10, out T d11, out T d12, out T d13);
        Row<T, L>(ref planes2, planeStride.One, keepFirst, keepLast, evenWidth, out T d20, out T d21, out T d22, out T d23);
        Row<T, L>(ref Unsafe.Add(ref planes2, planeStride.Two), planeStride.One, keepFirst, keepLast, evenWidth, out T d30, out T d31, out T d32, out T d33);
        ref float v4 = ref Unsafe.Add(ref v, xiStride.Four);
        ref float v8 = ref Unsafe.Add(ref v4, xiStride.Four);
        Columns<T, L>(ref v, xiStride, L.Subtract(d00, d20), L.Subtract(d01, d21), L.Subtract(d02, d22), L.Subtract(d03, d23));
        Columns<T, L>(ref v4, xiStride, L.Add(d10, d20), L.Add(d11, d21), L.Add(d12, d22), L.Add(d13, d23));
        Columns<T, L>(ref v8, xiStride, L.Subtract(d20, d10), L.Subtract(d21, d11), L.Subtract(d22, d12), L.Subtract(d23, d13));
        Columns<T, L>(ref Unsafe.Add(ref v8, xiStride.Four), xiStride, L.Subtract(d10, d30), L.Subtract(d11, d31), L.Subtract(d12, d32), L.Subtract(d13, d33));
    }

    /// <summary>Patch row a from its even plane at <paramref name="even"/> and its odd plane <paramref name="planeStride"/> after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<T, L>(ref float even, int planeStride, T keepFirst, T keepLast, bool evenWidth, out T d0, out T d1, out T d2, out T d3)
        where T : struct where L : struct, ILane<T>
    {
        ref float odd = ref Unsafe.Add(ref even, planeStride);
        T zero = L.Splat(0f);
        d0 = L.Load(ref even, 0);
        if (evenWidth) d0 = L.Select(keepFirst, d0, zero);
        d1 = L.Load(ref odd, 0);
        d2 = L.Load(ref even, 1);
        d3 = L.Select(keepLast, L.Load(ref odd, 1), zero);
    }

    /// <summary>
    /// One row i of Bᵀ d B from e = row i of Bᵀ d: v_i0 = e0 − e2, v_i1 = e1 + e2, v_i2 = e2 − e1, v_i3 = e1 − e3, at
    /// <paramref name="row"/> (v_i0) and 1, 2, 3 strides after it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Columns<T, L>(ref float row, in Strides xiStride, T e0, T e1, T e2, T e3)
        where T : struct where L : struct, ILane<T>
    {
        L.Store(ref row, 0, L.Subtract(e0, e2));
        L.Store(ref row, xiStride.One, L.Add(e1, e2));
        L.Store(ref row, xiStride.Two, L.Subtract(e2, e1));
        L.Store(ref row, xiStride.Three, L.Subtract(e1, e3));
    }

    /// <summary>
    /// One, two, three and four times a stride, computed once per call: the transforms address their 16 positions as a base
    /// plus one of these instead of multiplying an index per load or store.
    /// </summary>
    internal readonly struct Strides(int stride)
    {
        public readonly int One = stride, Two = 2 * stride, Three = 3 * stride, Four = 4 * stride;
    }

    /// <summary>
    /// The 2×2 outputs Aᵀ m A + bias (then ReLU) of a vector of tiles, m[ξ] <paramref name="xiStride"/> apart: output row 0
    /// (y00 and y01 interleaved) to <paramref name="top"/>, row 1 to <paramref name="bottom"/>, <paramref name="count"/> columns
    /// each (<see cref="Zip.Interleave{T}(T, T, ref float, int, ref float)"/>; no second row when bottom is the scratch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformOutput<T, L>(ref float m, in Strides xiStride, float bias, bool relu, ref float top, ref float bottom, int count, ref float scratch)
        where T : struct where L : struct, ILane<T>
    {
        // s0 = m0 + m1 + m2, s1 = m1 − m2 − m3 over the rows, column by column; then the same over the columns.
        ref float m4 = ref Unsafe.Add(ref m, xiStride.Four);
        ref float m8 = ref Unsafe.Add(ref m4, xiStride.Four);
        ref float m12 = ref Unsafe.Add(ref m8, xiStride.Four);
        T s00 = Sum3<T, L>(ref m, ref m4, ref m8, 0), s01 = Sum3<T, L>(ref m, ref m4, ref m8, xiStride.One);
        T s02 = Sum3<T, L>(ref m, ref m4, ref m8, xiStride.Two), s03 = Sum3<T, L>(ref m, ref m4, ref m8, xiStride.Three);
        T s10 = Difference3<T, L>(ref m4, ref m8, ref m12, 0), s11 = Difference3<T, L>(ref m4, ref m8, ref m12, xiStride.One);
        T s12 = Difference3<T, L>(ref m4, ref m8, ref m12, xiStride.Two), s13 = Difference3<T, L>(ref m4, ref m8, ref m12, xiStride.Three);
        T b = L.Splat(bias), zero = L.Splat(0f);
        T y00 = L.Add(L.Add(L.Add(s00, s01), s02), b);
        T y01 = L.Add(L.Subtract(L.Subtract(s01, s02), s03), b);
        T y10 = L.Add(L.Add(L.Add(s10, s11), s12), b);
        T y11 = L.Add(L.Subtract(L.Subtract(s11, s12), s13), b);
        if (relu)
        {
            y00 = L.Max(y00, zero);
            y01 = L.Max(y01, zero);
            y10 = L.Max(y10, zero);
            y11 = L.Max(y11, zero);
        }
        Zip.Interleave<T>(y00, y01, ref top, count, ref scratch);
        if (!Unsafe.AreSame(ref bottom, ref scratch)) Zip.Interleave<T>(y10, y11, ref bottom, count, ref scratch);
    }

    /// <summary>(a[j] + b[j]) + c[j]: one column of three rows of M.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Sum3<T, L>(ref float a, ref float b, ref float c, int j) where T : struct where L : struct, ILane<T>
        => L.Add(L.Add(L.Load(ref a, j), L.Load(ref b, j)), L.Load(ref c, j));

    /// <summary>(a[j] − b[j]) − c[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Difference3<T, L>(ref float a, ref float b, ref float c, int j) where T : struct where L : struct, ILane<T>
        => L.Subtract(L.Subtract(L.Load(ref a, j), L.Load(ref b, j)), L.Load(ref c, j));
}

/// <summary>Per-thread scratch of <see cref="WinogradConvolution"/>: grown on first need, then reused (no allocation after warm-up).</summary>
internal sealed class WinogradWorkspace
{
    [ThreadStatic] private static WinogradWorkspace? t_current;

    private float[] _packed = Array.Empty<float>();
    private float[] _planes = Array.Empty<float>();
    private float[] _transformed = Array.Empty<float>();
    private float[] _products = Array.Empty<float>();
    private float[] _outputs = Array.Empty<float>();
    private float[] _padded = Array.Empty<float>();
    private float[] _inputLast = Array.Empty<float>();
    private float[] _gradientLast = Array.Empty<float>();
    private float[] _sums = Array.Empty<float>();
    private float[] _edgeMasks = Array.Empty<float>();
    private float[] _bias = Array.Empty<float>();
    private int[] _offsets = Array.Empty<int>();

    public static WinogradWorkspace Current => t_current ??= new WinogradWorkspace();

    /// <summary>Transformed weights, when the caller did not transform them.</summary>
    public Span<float> Packed(int length) => Get(ref _packed, length);

    /// <summary>One channel's eight row and parity planes of a block of tile rows.</summary>
    public Span<float> Planes(int length) => Get(ref _planes, length);

    /// <summary>The block's transformed input V[ξ][c][t] (the weight gradient's V[ξ][t][c]).</summary>
    public Span<float> Transformed(int length) => Get(ref _transformed, length);

    /// <summary>The block's products M[ξ][k][t] (the weight gradient's transformed dy, Ŷ[ξ][t][k]).</summary>
    public Span<float> Products(int length) => Get(ref _products, length);

    /// <summary>The weight gradient's zero-bordered channels-last input of one sample.</summary>
    public Span<float> ChannelsLastInput(int length) => Get(ref _inputLast, length);

    /// <summary>The weight gradient's channels-last dy of one sample.</summary>
    public Span<float> ChannelsLastGradient(int length) => Get(ref _gradientLast, length);

    /// <summary>The weight gradient's sums Z[ξ][k][c] over the tiles.</summary>
    public Span<float> Sums(int length) => Get(ref _sums, length);

    /// <summary>F(4×4)'s bias, zero past the output channels to a whole vector.</summary>
    public Span<float> Bias(int length) => Get(ref _bias, length);

    /// <summary>One channel's zero-bordered input plane (F(4×4): a sample's rows channels-last).</summary>
    public Span<float> Padded(int length) => Get(ref _padded, length);

    /// <summary>A vector pair of one output row.</summary>
    public Span<float> Outputs(int length) => Get(ref _outputs, length);

    /// <summary>Per tile of a block, all ones but at the last tile of each tile row, then all ones but at the first.</summary>
    public Span<float> EdgeMasks(int length) => Get(ref _edgeMasks, length);

    /// <summary>Offsets of the input channels in V.</summary>
    public Span<int> Offsets(int length)
    {
        if (_offsets.Length < length) _offsets = new int[length];
        return _offsets.AsSpan(0, length);
    }

    private static Span<float> Get(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
        return buffer.AsSpan(0, length);
    }
}
