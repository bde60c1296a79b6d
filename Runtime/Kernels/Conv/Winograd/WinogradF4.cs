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
/// <para>
/// The vectors run over channels, not tiles, so every lane is used whatever the plane's size (a 7×7 plane has four tiles):
/// per block of tiles (the chunk's samples end to end, as many tile rows as keep the transformed input and the products near
/// half a MiB; a thread's share of one sample's tiles may start and end inside a row), each sample's rows are copied channels-last into a zero-bordered slab (<see cref="Stage"/>, 8×8 or 4×4 blocks
/// transposed in registers); Bᵀ d B of every tile and vector of input channels goes to V[ξ][channel block][tile][lane]; for
/// each of the 36 positions ξ the products M[ξ][k block][t][lane] = Σ_c V[ξ][t][c]·U[ξ][c][k] run on
/// <see cref="WinogradProducts"/> (12 or 8 tiles × one vector of output channels, 4 × two; below 512 bits 6 or 4 × two; then
/// the last 1-3 tiles); per tile row, Aᵀ M A + bias (then ReLU) goes channels-last to a slab that is transposed back into y (adding the residual and rectifying when there is one).
/// </para>
/// <para>
/// Per channel the same IEEE operations run in the same order at every width (the transforms with fused multiply-adds, the
/// products over the input channels in order, one fused multiply-add each), so every width gives the same bits.
/// </para>
/// </remarks>
internal static class WinogradF4
{
    /// <summary>Floats of transformed input plus products one block aims at (as F(2×2)'s).</summary>
    private const int BlockFloats = 128 * 1024;

    /// <summary>Floats from one transform position's filters to the next: Cout rounded up to the lanes × Cin, an odd number of cache lines.</summary>
    private static int FilterSlab(in Conv2DGeometry g, int lanes)
        => WinogradConvolution.OddLines(WinogradConvolution.Padded(g.OutChannels, lanes) * g.InChannels);

    /// <summary>Floats of the transformed weights at <paramref name="width"/>: 36 slabs.</summary>
    public static int PackedLength(in Conv2DGeometry g, VectorWidth width) => 36 * FilterSlab(g, VectorLanes.Count(width));

    /// <summary>Rows of 4×4 output tiles of one sample: ⌈H / 4⌉.</summary>
    public static int TileRows(in Conv2DGeometry g) => (g.InHeight + 3) / 4;

    /// <summary>
    /// U[ξ][k block][c][lane] = (G g Gᵀ)[ξ] of filter (block·lanes + lane, c), zero past Cout, the 36 slabs an odd number of cache
    /// lines apart; <paramref name="transposedAndFlipped"/>: the input gradient's filters (see <see cref="WinogradConvolution.PackWeights"/>).
    /// </summary>
    public static void Pack(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width, bool transposedAndFlipped)
    {
        switch (width)
        {
            case VectorWidth.V512: Pack<Vector512<float>, Lane512>(g, w, packed, transposedAndFlipped); break;
            case VectorWidth.V256: Pack<Vector256<float>, Lane256>(g, w, packed, transposedAndFlipped); break;
            case VectorWidth.V128: Pack<Vector128<float>, Lane128>(g, w, packed, transposedAndFlipped); break;
            default: Pack<float, ScalarLane>(g, w, packed, transposedAndFlipped); break;
        }
    }

    private static void Pack<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, bool transposedAndFlipped)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, outs = g.OutChannels, ins = g.InChannels;
        int blocks = WinogradConvolution.Padded(outs, lanes) / lanes, xiStride = FilterSlab(g, lanes);
        KernelArguments.AtLeast(w.Length, (long)outs * ins * 9, nameof(w));
        KernelArguments.AtLeast(packed.Length, 36L * xiStride, nameof(packed));
        Span<float> filters = stackalloc float[9 * lanes];
        ref float f = ref MemoryMarshal.GetReference(filters);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float u0 = ref MemoryMarshal.GetReference(packed);
        for (int block = 0; block < blocks; block++)
        {
            for (int c = 0; c < ins; c++)
            {
                WinogradConvolution.GatherFilters(ref w0, block, c, lanes, outs, ins, transposedAndFlipped, ref f);
                TransformFilters<T, L>(ref f, ref Unsafe.Add(ref u0, (block * ins + c) * lanes), xiStride);
            }
        }
    }

    /// <summary>u[ξ] = (G f Gᵀ)[ξ] for a lane's worth of 3×3 filters (tap-major), u[ξ] <paramref name="xiStride"/> apart.</summary>
    [SkipLocalsInit]
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

    /// <summary>Columns of 4×4 output tiles of one sample: ⌈W / 4⌉.</summary>
    public static int TileColumns(in Conv2DGeometry g) => (g.InWidth + 3) / 4;

    /// <summary>
    /// The outputs of tiles [<paramref name="tileStart"/>, +<paramref name="tileCount"/>) of the batch (tile t: column
    /// t mod <see cref="TileColumns"/> of tile row t div it, tile row r: row r mod <see cref="TileRows"/> of sample r div
    /// it), every output channel: conv + b, plus <paramref name="residual"/> (laid out as y; empty: none), then ReLU or
    /// nothing; y's other pixels untouched. The residual must not overlap y. A range may start and end inside a tile row
    /// (a call on one sample splits its tiles evenly over threads): each tile's sums run as in the whole call.
    /// </summary>
    /// <remarks>
    /// With <paramref name="maxPool"/> (no residual) y is instead the 2×2, stride-2 max-pool of those outputs, [n, Cout,
    /// ⌊H/2⌋, ⌊W/2⌋], then ReLU when <paramref name="relu"/>: each tile's 2×2 windows are pooled from the channels-last slab
    /// (<see cref="MaxPool2x2.ChannelsLast"/>, in place) and only the pooled values are written, every one as <see cref="MaxPool2x2"/> computes it from
    /// the convolution's output. A tile's windows lie within it (tiles start at even rows and columns), so any split of the
    /// tiles pools the same windows. y must not overlap x (the pooled rows are written while later tiles still read x).
    /// </remarks>
    public static void Run<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, ReadOnlySpan<float> residual,
        Span<float> y, int tileStart, int tileCount, bool relu, bool maxPool = false)
        where T : struct where L : struct, ILane<T>
    {
        if (tileCount <= 0) return;
        int lanes = L.Count;
        int cin = g.InChannels, cout = g.OutChannels, height = g.InHeight, width = g.InWidth;
        int cinPadded = WinogradConvolution.Padded(cin, lanes), coutPadded = WinogradConvolution.Padded(cout, lanes);
        int inBlocks = cinPadded / lanes, outBlocks = coutPadded / lanes, filterSlab = FilterSlab(g, lanes);
        int tileRows = TileRows(g), tileColumns = TileColumns(g), sampleTiles = tileRows * tileColumns;
        int tileEnd = tileStart + tileCount;
        int rowsPerBlock = Math.Clamp(BlockFloats / (36 * (cinPadded + coutPadded)) / tileColumns, 1, (tileCount + tileColumns - 1) / tileColumns);
        int blockTiles = Math.Min(rowsPerBlock * tileColumns, tileCount);
        // V[ξ][channel block][tile][lane] and M[ξ][k block][tile][lane]; the 36 slabs an odd number of cache lines apart (the
        // transforms touch all 36 at once).
        int blockStride = blockTiles * lanes;
        int inputSlab = WinogradConvolution.OddLines(inBlocks * blockStride), productSlab = WinogradConvolution.OddLines(outBlocks * blockStride);
        // The channels-last slab of one sample's rows: 4·rows + 2 rows (the tiles' patches overlap by two) of 4·tileColumns + 2
        // pixels (the left padding, the row, the right padding and what rounds it up to whole tiles). A block's tiles starting
        // inside a tile row cover one row more than whole rows would.
        int stagedPitch = (4 * tileColumns + 2) * cinPadded, outputPitch = 4 * tileColumns * coutPadded;

        WinogradWorkspace workspace = WinogradWorkspace.Current;
        Span<float> transformed = workspace.Transformed(36 * inputSlab);
        Span<float> products = workspace.Products(36 * productSlab);
        Span<float> staged = workspace.Padded((4 * Math.Min(rowsPerBlock + 1, tileRows) + 2) * stagedPitch);
        Span<float> outputs = workspace.Outputs(4 * outputPitch);
        Span<float> bias = workspace.Bias(coutPadded);
        bias.Clear();
        b.CopyTo(bias);
        ref float v0 = ref MemoryMarshal.GetReference(transformed);
        ref float m0 = ref MemoryMarshal.GetReference(products);
        ref float u0 = ref MemoryMarshal.GetReference(packed);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float staged0 = ref MemoryMarshal.GetReference(staged);
        ref float outputs0 = ref MemoryMarshal.GetReference(outputs);
        ref float bias0 = ref MemoryMarshal.GetReference(bias);
        int planeLength = height * width;
        bool tileRelu = relu && residual.IsEmpty && !maxPool;
        int pooledWidth = width / 2, pooledPlane = height / 2 * pooledWidth;

        for (int firstTile = tileStart; firstTile < tileEnd; firstTile += blockTiles)
        {
            int tiles = Math.Min(blockTiles, tileEnd - firstTile);

            // V = Bᵀ d B, a sample's tiles at a time (the rows they cover staged).
            for (int t = 0; t < tiles;)
            {
                int global = firstTile + t, sample = global / sampleTiles, inSample = global % sampleTiles;
                int tileRow = inSample / tileColumns, column = inSample % tileColumns;
                int segment = Math.Min(sampleTiles - inSample, tiles - t);
                int segmentRows = (inSample + segment - 1) / tileColumns - tileRow + 1;
                Stage(ref Unsafe.Add(ref x0, sample * g.InputLength), cin, cinPadded, height, width, 4 * tileRow - 1, 4 * segmentRows + 2, ref staged0,
                    4 * tileColumns + 2);
                if (InputTransformThroughMemory)
                {
                    TransformInputs<T, L, InputThroughMemory>(ref staged0, stagedPitch, cinPadded, column, segment, tileColumns, ref Unsafe.Add(ref v0, t * lanes),
                        blockStride, inputSlab);
                }
                else
                {
                    TransformInputs<T, L, InputInRegisters>(ref staged0, stagedPitch, cinPadded, column, segment, tileColumns, ref Unsafe.Add(ref v0, t * lanes),
                        blockStride, inputSlab);
                }
                t += segment;
            }

            // M[ξ] = V[ξ] U[ξ]
            for (int xi = 0; xi < 36; xi++)
            {
                WinogradProducts.Run<T, L>(cin, tiles, outBlocks, ref Unsafe.Add(ref v0, xi * inputSlab), blockStride,
                    ref Unsafe.Add(ref u0, xi * filterSlab), ref Unsafe.Add(ref m0, xi * productSlab));
            }

            // y = Aᵀ M A + b (then ReLU), a tile row's tiles at a time through the channels-last slab.
            for (int t = 0; t < tiles;)
            {
                int global = firstTile + t, sample = global / sampleTiles, inSample = global % sampleTiles;
                int tileRow = inSample / tileColumns, column = inSample % tileColumns;
                int rowTiles = Math.Min(tileColumns - column, tiles - t);
                TransformOutputs<T, L>(ref Unsafe.Add(ref m0, t * lanes), blockStride, productSlab, ref bias0, outBlocks, rowTiles, tileRelu,
                    ref outputs0, outputPitch, coutPadded);
                int rows = Math.Min(4, height - 4 * tileRow), pixels = Math.Min(4 * rowTiles, width - 4 * column);
                if (maxPool)
                {
                    // The windows' maxima to rows 0-1 of the slab, then those go out as a tile row of the pooled plane.
                    int pooledRows = rows / 2, pooledPixels = pixels / 2;
                    if (pooledRows > 0 && pooledPixels > 0)
                    {
                        MaxPool2x2.ChannelsLast<T, L>(ref outputs0, outputPitch, coutPadded, outBlocks, pooledRows, pooledPixels, relu, ref outputs0, outputPitch);
                        int pooledAt = sample * cout * pooledPlane + 2 * tileRow * pooledWidth + 2 * column;
                        Unstage(ref outputs0, outputPitch, coutPadded, cout, pooledRows, pooledPixels, pooledWidth, pooledPlane, y.Slice(pooledAt), default, relu: false);
                    }
                    t += rowTiles;
                    continue;
                }
                int at = sample * g.OutputLength + 4 * tileRow * width + 4 * column;
                Unstage(ref outputs0, outputPitch, coutPadded, cout, rows, pixels, width, planeLength, y.Slice(at), residual.IsEmpty ? default : residual.Slice(at), relu);
                t += rowTiles;
            }
        }
    }

    // The transforms of a block's tiles run in methods of their own, called once per sample's rows (input) or tile row
    // (output), not inlined into Run: Run with both transforms inlined is too large for the JIT's inlining budget, which then
    // leaves the transforms' small helpers (and the lane operations inside them) as calls. NativeAOT inlined them either way.

    /// <summary>
    /// V = Bᵀ d B of <paramref name="tiles"/> tiles of the staged slab, the first in column <paramref name="firstColumn"/> of
    /// its first tile row, row after row of <paramref name="tileColumns"/>, every vector of channels: the t-th's to
    /// <paramref name="v"/> + block·<paramref name="blockStride"/> + t·lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private static void TransformInputs<T, L, F>(ref float staged, int stagedPitch, int cinPadded, int firstColumn, int tiles, int tileColumns, ref float v,
        int blockStride, int inputSlab)
        where T : struct where L : struct, ILane<T> where F : struct, IInputTransform
    {
        int lanes = L.Count, inBlocks = cinPadded / lanes;
        int r = 0, tc = firstColumn;
        Span<float> scratch = stackalloc float[F.ScratchVectors * lanes];
        ref float scratch0 = ref MemoryMarshal.GetReference(scratch);
        for (int t = 0; t < tiles; t++)
        {
            ref float patch = ref Unsafe.Add(ref staged, 4 * r * stagedPitch + 4 * tc * cinPadded);
            for (int block = 0; block < inBlocks; block++)
            {
                F.Transform<T, L>(ref Unsafe.Add(ref patch, block * lanes), stagedPitch, cinPadded,
                    ref Unsafe.Add(ref v, block * blockStride + t * lanes), inputSlab, ref scratch0);
            }
            if (++tc == tileColumns)
            {
                tc = 0;
                r++;
            }
        }
    }

    /// <summary>
    /// Aᵀ M A + bias (then ReLU when <paramref name="relu"/>) of one row of <paramref name="tileColumns"/> tiles (M of its first
    /// at <paramref name="m"/>), every block of output channels, channels-last to <paramref name="outputs"/>: 4 rows
    /// <paramref name="outputPitch"/> apart, pixels <paramref name="coutPadded"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TransformOutputs<T, L>(ref float m, int blockStride, int productSlab, ref float bias, int outBlocks, int tileColumns, bool relu,
        ref float outputs, int outputPitch, int coutPadded)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        for (int tc = 0; tc < tileColumns; tc++)
        {
            for (int block = 0; block < outBlocks; block++)
            {
                TransformOutput<T, L>(ref Unsafe.Add(ref m, block * blockStride + tc * lanes), productSlab, L.Load(ref bias, block * lanes), relu,
                    ref Unsafe.Add(ref outputs, 4 * tc * coutPadded + block * lanes), outputPitch, coutPadded);
            }
        }
    }

    /// <summary>
    /// staged[i][p][c] (rows <paramref name="pixels"/> × <paramref name="cinPadded"/> floats) = x[c][h0 + i][p − 1] for
    /// i &lt; <paramref name="rows"/>, zero where that lies outside the plane (the padding); the channels past Cin are zeroed
    /// too, so the transforms never see stale values there.
    /// </summary>
    private static void Stage(ref float x, int cin, int cinPadded, int height, int width, int h0, int rows, ref float staged, int pixels)
    {
        int pitch = pixels * cinPadded, planeLength = height * width;
        for (int i = 0; i < rows; i++)
        {
            int h = h0 + i;
            ref float row = ref Unsafe.Add(ref staged, i * pitch);
            if (h < 0 || h >= height)
            {
                MemoryMarshal.CreateSpan(ref row, pitch).Clear();
                continue;
            }
            if (cin != cinPadded) MemoryMarshal.CreateSpan(ref row, pitch).Clear();
            else
            {
                MemoryMarshal.CreateSpan(ref row, cinPadded).Clear();
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref row, (width + 1) * cinPadded), (pixels - width - 1) * cinPadded).Clear();
            }
            ref float source = ref Unsafe.Add(ref x, h * width);
            ref float first = ref Unsafe.Add(ref row, cinPadded);
            // 8×8 or 4×4 blocks transposed in registers where the CPU has them and they fit; the element loop otherwise.
            if (Transpose8x8.IsSupported && cin >= 8 && width >= 8)
            {
                StageRow<Transpose8x8.Square>(ref source, planeLength, cin, width, ref first, cinPadded);
                continue;
            }
            if (Transpose4x4.IsSupported && cin >= 4 && width >= 4)
            {
                StageRow<Transpose4x4.Square>(ref source, planeLength, cin, width, ref first, cinPadded);
                continue;
            }
            for (int c = 0; c < cin; c++)
                for (int p = 0; p < width; p++) Unsafe.Add(ref first, p * cinPadded + c) = Unsafe.Add(ref source, c * planeLength + p);
        }
    }

    /// <summary>
    /// y[k][r][p] = outputs[r][p][k] (rows <paramref name="outputPitch"/> apart, pixels <paramref name="coutPadded"/>) for
    /// r &lt; <paramref name="rows"/>, p &lt; <paramref name="pixels"/>, k &lt; <paramref name="cout"/> (rows
    /// <paramref name="width"/> apart in y, channels <paramref name="planeLength"/>); with a residual (laid out as y) it is
    /// added, then ReLU when <paramref name="relu"/> (without one, the output transform rectified already).
    /// </summary>
    private static void Unstage(ref float outputs, int outputPitch, int coutPadded, int cout, int rows, int pixels, int width, int planeLength, Span<float> y,
        ReadOnlySpan<float> residual, bool relu)
    {
        ref float y0 = ref MemoryMarshal.GetReference(y);
        bool add = !residual.IsEmpty;
        ref float r0 = ref MemoryMarshal.GetReference(residual);
        for (int r = 0; r < rows; r++)
        {
            ref float source = ref Unsafe.Add(ref outputs, r * outputPitch);
            if (Transpose8x8.IsSupported && cout >= 8 && pixels >= 8)
            {
                UnstageRow<Transpose8x8.Square>(ref source, coutPadded, cout, pixels, ref Unsafe.Add(ref y0, r * width), ref Unsafe.Add(ref r0, add ? r * width : 0), planeLength, add, relu);
                continue;
            }
            if (Transpose4x4.IsSupported && cout >= 4 && pixels >= 4)
            {
                UnstageRow<Transpose4x4.Square>(ref source, coutPadded, cout, pixels, ref Unsafe.Add(ref y0, r * width), ref Unsafe.Add(ref r0, add ? r * width : 0), planeLength, add, relu);
                continue;
            }
            for (int k = 0; k < cout; k++)
                for (int p = 0; p < pixels; p++) Element(ref source, p * coutPadded + k, ref y0, ref r0, k * planeLength + r * width + p, add, relu);
        }
    }

    /// <summary>
    /// One staged row: first[p·<paramref name="cinPadded"/> + c] = source[c·<paramref name="planeLength"/> + p] for c &lt;
    /// <paramref name="cin"/>, p &lt; <paramref name="width"/> (both at least the block's size), in square blocks; the last
    /// block of channels or pixels overlaps the one before rather than leaving a remainder (it writes the same values again).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageRow<TBlock>(ref float source, int planeLength, int cin, int width, ref float first, int cinPadded) where TBlock : struct, ITransposeBlock
    {
        int size = TBlock.Size;
        for (int c = 0; c < cin; c += size)
        {
            int cb = Math.Min(c, cin - size);
            for (int p = 0; p < width; p += size)
            {
                int pb = Math.Min(p, width - size);
                TBlock.Block(ref Unsafe.Add(ref source, cb * planeLength + pb), planeLength, ref Unsafe.Add(ref first, pb * cinPadded + cb), cinPadded);
            }
        }
    }

    /// <summary>
    /// One output row: y[k·<paramref name="planeLength"/> + p] = source[p·<paramref name="coutPadded"/> + k] (+ the residual
    /// laid out as y, then ReLU, when <paramref name="add"/>) for k &lt; <paramref name="cout"/>, p &lt; <paramref name="pixels"/>
    /// (both at least the block's size), in square blocks overlapping at the ends as <see cref="StageRow"/>'s (y = outputs +
    /// residual again: the same values).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnstageRow<TBlock>(ref float source, int coutPadded, int cout, int pixels, ref float y, ref float residual, int planeLength, bool add, bool relu)
        where TBlock : struct, ITransposeBlock
    {
        int size = TBlock.Size;
        for (int k = 0; k < cout; k += size)
        {
            int kb = Math.Min(k, cout - size);
            for (int p = 0; p < pixels; p += size)
            {
                int pb = Math.Min(p, pixels - size), at = kb * planeLength + pb;
                ref float from = ref Unsafe.Add(ref source, pb * coutPadded + kb);
                if (add) TBlock.BlockAddResidual(ref from, coutPadded, ref Unsafe.Add(ref residual, at), relu, ref Unsafe.Add(ref y, at), planeLength);
                else TBlock.Block(ref from, coutPadded, ref Unsafe.Add(ref y, at), planeLength);
            }
        }
    }

    /// <summary>y[at] = outputs[from], plus residual[at] then ReLU when <paramref name="add"/> (relu: whether to rectify).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Element(ref float outputs, int from, ref float y, ref float residual, int at, bool add, bool relu)
    {
        float value = Unsafe.Add(ref outputs, from);
        if (add)
        {
            value += Unsafe.Add(ref residual, at);
            if (relu) value = MathF.Max(value, 0f);
        }
        Unsafe.Add(ref y, at) = value;
    }

    /// <summary>
    /// Bᵀ d B for one tile and one vector of channels: d[i][j] at <paramref name="patch"/> + i·<paramref name="rowPitch"/> +
    /// j·<paramref name="pixelPitch"/>; the 36 results ξ = 6i + j, <paramref name="xiStride"/> apart. Bᵀ over the rows two
    /// rows of e at a time (their six columns in registers), then each row of e times B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TransformInput<T, L>(ref float patch, int rowPitch, int pixelPitch, ref float v, int xiStride)
        where T : struct where L : struct, ILane<T>
    {
        T four = L.Splat(4f), minusFour = L.Splat(-4f), minusFive = L.Splat(-5f);
        // Rows 0 and 5 of e = Bᵀ d: 4d0 − 5d2 + d4 and 4d1 − 5d3 + d5.
        EdgeRows<T, L>(ref patch, rowPitch, pixelPitch, 0, four, minusFive, out T a0, out T b0);
        EdgeRows<T, L>(ref patch, rowPitch, pixelPitch, 1, four, minusFive, out T a1, out T b1);
        EdgeRows<T, L>(ref patch, rowPitch, pixelPitch, 2, four, minusFive, out T a2, out T b2);
        EdgeRows<T, L>(ref patch, rowPitch, pixelPitch, 3, four, minusFive, out T a3, out T b3);
        EdgeRows<T, L>(ref patch, rowPitch, pixelPitch, 4, four, minusFive, out T a4, out T b4);
        EdgeRows<T, L>(ref patch, rowPitch, pixelPitch, 5, four, minusFive, out T a5, out T b5);
        RowTimesB<T, L>(ref v, xiStride, a0, a1, a2, a3, a4, a5);
        RowTimesB<T, L>(ref Unsafe.Add(ref v, 30 * xiStride), xiStride, b0, b1, b2, b3, b4, b5);
        // Rows 1 and 2: (d3 + d4) − 4(d1 + d2) and (d4 − d3) + 4(d1 − d2).
        MiddleRows<T, L>(ref patch, rowPitch, pixelPitch, 0, four, minusFour, out a0, out b0);
        MiddleRows<T, L>(ref patch, rowPitch, pixelPitch, 1, four, minusFour, out a1, out b1);
        MiddleRows<T, L>(ref patch, rowPitch, pixelPitch, 2, four, minusFour, out a2, out b2);
        MiddleRows<T, L>(ref patch, rowPitch, pixelPitch, 3, four, minusFour, out a3, out b3);
        MiddleRows<T, L>(ref patch, rowPitch, pixelPitch, 4, four, minusFour, out a4, out b4);
        MiddleRows<T, L>(ref patch, rowPitch, pixelPitch, 5, four, minusFour, out a5, out b5);
        RowTimesB<T, L>(ref Unsafe.Add(ref v, 6 * xiStride), xiStride, a0, a1, a2, a3, a4, a5);
        RowTimesB<T, L>(ref Unsafe.Add(ref v, 12 * xiStride), xiStride, b0, b1, b2, b3, b4, b5);
        // Rows 3 and 4: (d4 − d2) ∓ 2(d1 − d3).
        OuterRows<T, L>(ref patch, rowPitch, pixelPitch, 0, out a0, out b0);
        OuterRows<T, L>(ref patch, rowPitch, pixelPitch, 1, out a1, out b1);
        OuterRows<T, L>(ref patch, rowPitch, pixelPitch, 2, out a2, out b2);
        OuterRows<T, L>(ref patch, rowPitch, pixelPitch, 3, out a3, out b3);
        OuterRows<T, L>(ref patch, rowPitch, pixelPitch, 4, out a4, out b4);
        OuterRows<T, L>(ref patch, rowPitch, pixelPitch, 5, out a5, out b5);
        RowTimesB<T, L>(ref Unsafe.Add(ref v, 18 * xiStride), xiStride, a0, a1, a2, a3, a4, a5);
        RowTimesB<T, L>(ref Unsafe.Add(ref v, 24 * xiStride), xiStride, b0, b1, b2, b3, b4, b5);
    }

    /// <summary>
    /// Whether the input transforms go through memory (<see cref="TransformInputThroughMemory"/>): where the JIT has 16 vector
    /// registers (no AVX-512), <see cref="TransformInput"/>'s twelve rows in registers spill about 38 vectors to the stack and
    /// reload them, besides its 36 stores. Measured on an AVX2-only Zen 1 (NativeAOT, one sample on one thread, four
    /// alternating runs): the small ResNet's 28×28 16 → 16 layer 57.8-58.4 → 55.4-57.2 µs, its 14×14 32 → 32 layer
    /// 56.5-57.2 → 54.6-55.4 µs, the 7×7 64 → 64 layer unchanged.
    /// With AVX-512's 32 registers nothing spills, so the transform stays in registers there (either way the same bits).
    /// </summary>
    internal static readonly bool InputTransformThroughMemory = !System.Runtime.Intrinsics.X86.Avx512F.IsSupported;

    /// <summary>One tile's Bᵀ d B for one vector of channels, as <see cref="TransformInput"/> (a scratch of <see cref="ScratchVectors"/> vectors).</summary>
    internal interface IInputTransform
    {
        /// <summary>Vectors of scratch the transform needs.</summary>
        static abstract int ScratchVectors { get; }

        static abstract void Transform<T, L>(ref float patch, int rowPitch, int pixelPitch, ref float v, int xiStride, ref float scratch)
            where T : struct where L : struct, ILane<T>;
    }

    /// <summary><see cref="TransformInput"/>: every intermediate in registers.</summary>
    internal readonly struct InputInRegisters : IInputTransform
    {
        public static int ScratchVectors => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Transform<T, L>(ref float patch, int rowPitch, int pixelPitch, ref float v, int xiStride, ref float scratch)
            where T : struct where L : struct, ILane<T>
            => TransformInput<T, L>(ref patch, rowPitch, pixelPitch, ref v, xiStride);
    }

    /// <summary><see cref="TransformInputThroughMemory"/>: e = Bᵀ d through 36 vectors of scratch.</summary>
    internal readonly struct InputThroughMemory : IInputTransform
    {
        public static int ScratchVectors => 36;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Transform<T, L>(ref float patch, int rowPitch, int pixelPitch, ref float v, int xiStride, ref float scratch)
            where T : struct where L : struct, ILane<T>
            => TransformInputThroughMemory<T, L>(ref patch, rowPitch, pixelPitch, ref v, xiStride, ref scratch);
    }

    /// <summary>
    /// <see cref="TransformInput"/>'s Bᵀ d B with e = Bᵀ d written to <paramref name="scratch"/> (36 vectors, row i's six
    /// columns side by side), a column of d at a time, then each row of e times B: the same operations on the same values (so
    /// the same bits), with at most a dozen vectors live at once instead of twelve rows' worth.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TransformInputThroughMemory<T, L>(ref float patch, int rowPitch, int pixelPitch, ref float v, int xiStride, ref float scratch)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        ColumnTimesBTransposed<T, L>(ref patch, rowPitch, ref scratch, lanes);
        ColumnTimesBTransposed<T, L>(ref Unsafe.Add(ref patch, pixelPitch), rowPitch, ref Unsafe.Add(ref scratch, lanes), lanes);
        ColumnTimesBTransposed<T, L>(ref Unsafe.Add(ref patch, 2 * pixelPitch), rowPitch, ref Unsafe.Add(ref scratch, 2 * lanes), lanes);
        ColumnTimesBTransposed<T, L>(ref Unsafe.Add(ref patch, 3 * pixelPitch), rowPitch, ref Unsafe.Add(ref scratch, 3 * lanes), lanes);
        ColumnTimesBTransposed<T, L>(ref Unsafe.Add(ref patch, 4 * pixelPitch), rowPitch, ref Unsafe.Add(ref scratch, 4 * lanes), lanes);
        ColumnTimesBTransposed<T, L>(ref Unsafe.Add(ref patch, 5 * pixelPitch), rowPitch, ref Unsafe.Add(ref scratch, 5 * lanes), lanes);
        ScratchRowTimesB<T, L>(ref scratch, ref v, xiStride, lanes);
        ScratchRowTimesB<T, L>(ref Unsafe.Add(ref scratch, 6 * lanes), ref Unsafe.Add(ref v, 6 * xiStride), xiStride, lanes);
        ScratchRowTimesB<T, L>(ref Unsafe.Add(ref scratch, 12 * lanes), ref Unsafe.Add(ref v, 12 * xiStride), xiStride, lanes);
        ScratchRowTimesB<T, L>(ref Unsafe.Add(ref scratch, 18 * lanes), ref Unsafe.Add(ref v, 18 * xiStride), xiStride, lanes);
        ScratchRowTimesB<T, L>(ref Unsafe.Add(ref scratch, 24 * lanes), ref Unsafe.Add(ref v, 24 * xiStride), xiStride, lanes);
        ScratchRowTimesB<T, L>(ref Unsafe.Add(ref scratch, 30 * lanes), ref Unsafe.Add(ref v, 30 * xiStride), xiStride, lanes);
    }

    /// <summary>Bᵀ times column d[·][j] (six vectors <paramref name="rowPitch"/> apart): e[i][j] to <paramref name="scratch"/> + 6i·lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnTimesBTransposed<T, L>(ref float column, int rowPitch, ref float scratch, int lanes) where T : struct where L : struct, ILane<T>
    {
        Input<T, L>(L.Load(ref column, 0), L.Load(ref column, rowPitch), L.Load(ref column, 2 * rowPitch), L.Load(ref column, 3 * rowPitch),
            L.Load(ref column, 4 * rowPitch), L.Load(ref column, 5 * rowPitch), out T e0, out T e1, out T e2, out T e3, out T e4, out T e5);
        Store6<T, L>(ref scratch, 6 * lanes, e0, e1, e2, e3, e4, e5);
    }

    /// <summary>Row i of e (six vectors side by side at <paramref name="row"/>) times B, to six consecutive positions ξ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScratchRowTimesB<T, L>(ref float row, ref float v, int xiStride, int lanes) where T : struct where L : struct, ILane<T>
        => RowTimesB<T, L>(ref v, xiStride, L.Load(ref row, 0), L.Load(ref row, lanes), L.Load(ref row, 2 * lanes), L.Load(ref row, 3 * lanes),
            L.Load(ref row, 4 * lanes), L.Load(ref row, 5 * lanes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EdgeRows<T, L>(ref float patch, int rowPitch, int pixelPitch, int j, T four, T minusFive, out T e0, out T e5)
        where T : struct where L : struct, ILane<T>
    {
        ref float column = ref Unsafe.Add(ref patch, j * pixelPitch);
        e0 = L.FusedMultiplyAdd(four, L.Load(ref column, 0), L.FusedMultiplyAdd(minusFive, L.Load(ref column, 2 * rowPitch), L.Load(ref column, 4 * rowPitch)));
        e5 = L.FusedMultiplyAdd(four, L.Load(ref column, rowPitch), L.FusedMultiplyAdd(minusFive, L.Load(ref column, 3 * rowPitch), L.Load(ref column, 5 * rowPitch)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MiddleRows<T, L>(ref float patch, int rowPitch, int pixelPitch, int j, T four, T minusFour, out T e1, out T e2)
        where T : struct where L : struct, ILane<T>
    {
        ref float column = ref Unsafe.Add(ref patch, j * pixelPitch);
        T d1 = L.Load(ref column, rowPitch), d2 = L.Load(ref column, 2 * rowPitch), d3 = L.Load(ref column, 3 * rowPitch), d4 = L.Load(ref column, 4 * rowPitch);
        e1 = L.FusedMultiplyAdd(minusFour, L.Add(d1, d2), L.Add(d3, d4));
        e2 = L.FusedMultiplyAdd(four, L.Subtract(d1, d2), L.Subtract(d4, d3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterRows<T, L>(ref float patch, int rowPitch, int pixelPitch, int j, out T e3, out T e4)
        where T : struct where L : struct, ILane<T>
    {
        ref float column = ref Unsafe.Add(ref patch, j * pixelPitch);
        T d1 = L.Load(ref column, rowPitch), d2 = L.Load(ref column, 2 * rowPitch), d3 = L.Load(ref column, 3 * rowPitch), d4 = L.Load(ref column, 4 * rowPitch);
        T outer = L.Subtract(d4, d2), inner = L.Subtract(d1, d3);
        e3 = L.FusedMultiplyAdd(L.Splat(-2f), inner, outer);
        e4 = L.FusedMultiplyAdd(L.Splat(2f), inner, outer);
    }

    /// <summary>One row of e times B (the same combinations as Bᵀ over a column), stored at six consecutive positions ξ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTimesB<T, L>(ref float v, int xiStride, T d0, T d1, T d2, T d3, T d4, T d5) where T : struct where L : struct, ILane<T>
    {
        Input<T, L>(d0, d1, d2, d3, d4, d5, out T e0, out T e1, out T e2, out T e3, out T e4, out T e5);
        Store6<T, L>(ref v, xiStride, e0, e1, e2, e3, e4, e5);
    }

    /// <summary>a to f at <paramref name="to"/> and every <paramref name="stride"/> floats after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store6<T, L>(ref float to, int stride, T a, T b, T c, T d, T e, T f) where T : struct where L : struct, ILane<T>
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

    /// <summary>
    /// The 4×4 outputs Aᵀ m A + bias (then ReLU) of one tile and one vector of output channels, m[ξ] <paramref name="xiStride"/>
    /// apart: output row r, column c to <paramref name="to"/> + r·<paramref name="rowPitch"/> + c·<paramref name="pixelPitch"/>.
    /// Aᵀ over m's rows two output rows at a time (their six columns in registers), then each row times A.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformOutput<T, L>(ref float m, int xiStride, T bias, bool relu, ref float to, int rowPitch, int pixelPitch)
        where T : struct where L : struct, ILane<T>
    {
        ColumnRows01<T, L>(ref m, xiStride, 0, out T a0, out T b0);
        ColumnRows01<T, L>(ref m, xiStride, 1, out T a1, out T b1);
        ColumnRows01<T, L>(ref m, xiStride, 2, out T a2, out T b2);
        ColumnRows01<T, L>(ref m, xiStride, 3, out T a3, out T b3);
        ColumnRows01<T, L>(ref m, xiStride, 4, out T a4, out T b4);
        ColumnRows01<T, L>(ref m, xiStride, 5, out T a5, out T b5);
        RowTimesA<T, L>(ref to, pixelPitch, bias, relu, a0, a1, a2, a3, a4, a5);
        RowTimesA<T, L>(ref Unsafe.Add(ref to, rowPitch), pixelPitch, bias, relu, b0, b1, b2, b3, b4, b5);
        ColumnRows23<T, L>(ref m, xiStride, 0, out a0, out b0);
        ColumnRows23<T, L>(ref m, xiStride, 1, out a1, out b1);
        ColumnRows23<T, L>(ref m, xiStride, 2, out a2, out b2);
        ColumnRows23<T, L>(ref m, xiStride, 3, out a3, out b3);
        ColumnRows23<T, L>(ref m, xiStride, 4, out a4, out b4);
        ColumnRows23<T, L>(ref m, xiStride, 5, out a5, out b5);
        RowTimesA<T, L>(ref Unsafe.Add(ref to, 2 * rowPitch), pixelPitch, bias, relu, a0, a1, a2, a3, a4, a5);
        RowTimesA<T, L>(ref Unsafe.Add(ref to, 3 * rowPitch), pixelPitch, bias, relu, b0, b1, b2, b3, b4, b5);
    }

    /// <summary>Rows 0 and 1 of Aᵀ·m over column <paramref name="j"/>: m0 + (m1 + m2) + (m3 + m4), (m1 − m2) + 2(m3 − m4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnRows01<T, L>(ref float m, int xiStride, int j, out T s0, out T s1) where T : struct where L : struct, ILane<T>
    {
        ref float column = ref Unsafe.Add(ref m, j * xiStride);
        T m1 = L.Load(ref column, 6 * xiStride), m2 = L.Load(ref column, 12 * xiStride), m3 = L.Load(ref column, 18 * xiStride), m4 = L.Load(ref column, 24 * xiStride);
        s0 = L.Add(L.Add(L.Load(ref column, 0), L.Add(m1, m2)), L.Add(m3, m4));
        s1 = L.FusedMultiplyAdd(L.Splat(2f), L.Subtract(m3, m4), L.Subtract(m1, m2));
    }

    /// <summary>Rows 2 and 3 of Aᵀ·m over column <paramref name="j"/>: (m1 + m2) + 4(m3 + m4), (m1 − m2) + 8(m3 − m4) + m5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnRows23<T, L>(ref float m, int xiStride, int j, out T s2, out T s3) where T : struct where L : struct, ILane<T>
    {
        ref float column = ref Unsafe.Add(ref m, j * xiStride);
        T m1 = L.Load(ref column, 6 * xiStride), m2 = L.Load(ref column, 12 * xiStride), m3 = L.Load(ref column, 18 * xiStride), m4 = L.Load(ref column, 24 * xiStride);
        s2 = L.FusedMultiplyAdd(L.Splat(4f), L.Add(m3, m4), L.Add(m1, m2));
        s3 = L.Add(L.FusedMultiplyAdd(L.Splat(8f), L.Subtract(m3, m4), L.Subtract(m1, m2)), L.Load(ref column, 30 * xiStride));
    }

    /// <summary>One row of Aᵀ m times A, plus the bias (then ReLU), to four pixels <paramref name="pixelPitch"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTimesA<T, L>(ref float to, int pixelPitch, T bias, bool relu, T m0, T m1, T m2, T m3, T m4, T m5)
        where T : struct where L : struct, ILane<T>
    {
        T a1 = L.Add(m1, m2), a2 = L.Subtract(m1, m2), a3 = L.Add(m3, m4), a4 = L.Subtract(m3, m4);
        T y0 = L.Add(L.Add(L.Add(m0, a1), a3), bias);
        T y1 = L.Add(L.FusedMultiplyAdd(L.Splat(2f), a4, a2), bias);
        T y2 = L.Add(L.FusedMultiplyAdd(L.Splat(4f), a3, a1), bias);
        T y3 = L.Add(L.Add(L.FusedMultiplyAdd(L.Splat(8f), a4, a2), m5), bias);
        if (relu)
        {
            T zero = L.Splat(0f);
            y0 = L.Max(y0, zero);
            y1 = L.Max(y1, zero);
            y2 = L.Max(y2, zero);
            y3 = L.Max(y3, zero);
        }
        L.Store(ref to, 0, y0);
        L.Store(ref to, pixelPitch, y1);
        L.Store(ref to, 2 * pixelPitch, y2);
        L.Store(ref to, 3 * pixelPitch, y3);
    }
}

/// <summary>
/// The products of <see cref="WinogradF4"/> at one transform position: m[t][lane] = Σ_c v[c / L][t][c mod L]·u[c][lane] for a
/// block's tiles and one vector of output channels, 12, 8 or 4 tiles at a time in registers (then the last 1-3: a range of tiles
/// a thread takes from one sample's call need not be a multiple of four, and no junk tile is computed). Per input channel: one vector load
/// of u, a broadcast per tile (its channels lie L floats on from the previous tile's), one fused multiply-add per tile.
/// Four tiles (a 7×7 plane's, or what is left of a 14×14 or 28×28 plane's on one sample) run two vectors of output channels
/// at a time: four accumulators are four dependent chains of fused multiply-adds, which keep a core whose two FMA pipes each
/// take one vector at a time (256 bits, or 512 on a core with full-width units) half busy; eight fill them. In an AVX2
/// build on one sample, the small ResNet's 7×7 64 → 64 layers went 25 → 21 µs and the network 1.05x on one thread; at 512
/// bits on the bench runner, whose 512-bit fused multiply-add is two 256-bit halves, four chains already kept up. Below
/// 512 bits (16 registers) every pair of blocks runs six tiles × two vectors at a time (then fours): two loads and six
/// broadcasts per twelve multiply-adds instead of thirteen loads; the ResNet in an AVX2 build, one thread: batch 64 1.06x,
/// one sample 1.04x (medians of four alternating pairs).
/// </summary>
internal static class WinogradProducts
{
    /// <summary>
    /// For each block k &lt; <paramref name="outBlocks"/> of output channels (u's block k at k·cin·L, m's at
    /// k·<paramref name="blockStride"/>): m[t·L + j] = Σ_{c &lt; <paramref name="cin"/>} v[(c / L)·<paramref name="blockStride"/> +
    /// t·L + c mod L]·u[c·L + j] for t &lt; <paramref name="tiles"/> and j &lt; L, overwritten; the sum runs over
    /// c in order, one fused multiply-add per term, at every width and whether a block runs alone or beside the next.
    /// </summary>
    public static void Run<T, L>(int cin, int tiles, int outBlocks, ref float v, int blockStride, ref float u, ref float m)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, filterBlock = cin * lanes;
        int block0 = 0;
        if (lanes < 16)
        {
            // 16 registers (AVX2, SSE): pairs of blocks, six tiles at a time (two loads and six broadcasts per twelve fused
            // multiply-adds, against thirteen loads per twelve for twelve tiles × one vector), then fours, then what is left.
            for (; block0 + 2 <= outBlocks; block0 += 2)
            {
                ref float ub = ref Unsafe.Add(ref u, block0 * filterBlock);
                ref float mb = ref Unsafe.Add(ref m, block0 * blockStride);
                int t = 0;
                for (; tiles - t >= 6 && tiles - t != 8; t += 6)
                    TilesTwoBlocks<T, L, Positions6>(cin, ref Unsafe.Add(ref v, t * lanes), blockStride, ref ub, filterBlock, ref Unsafe.Add(ref mb, t * lanes), blockStride);
                for (; tiles - t >= 4; t += 4)
                    TilesTwoBlocks<T, L, Positions4>(cin, ref Unsafe.Add(ref v, t * lanes), blockStride, ref ub, filterBlock, ref Unsafe.Add(ref mb, t * lanes), blockStride);
                ref float vr = ref Unsafe.Add(ref v, t * lanes);
                ref float mr = ref Unsafe.Add(ref mb, t * lanes);
                switch (tiles - t)
                {
                    case 3: TilesTwoBlocks<T, L, Positions3>(cin, ref vr, blockStride, ref ub, filterBlock, ref mr, blockStride); break;
                    case 2: TilesTwoBlocks<T, L, Positions2>(cin, ref vr, blockStride, ref ub, filterBlock, ref mr, blockStride); break;
                    case 1: TilesTwoBlocks<T, L, Positions1>(cin, ref vr, blockStride, ref ub, filterBlock, ref mr, blockStride); break;
                }
            }
            if (block0 == outBlocks) return;
        }
        // One block at a time: twelves, then an eight; a four two blocks at a time (the odd one alone); then 1-3 tiles.
        int twelves = tiles - tiles % 12, eight = tiles - twelves >= 8 ? 8 : 0;
        int fourAt = twelves + eight, four = tiles - fourAt >= 4 ? 4 : 0, tailAt = fourAt + four, tail = tiles - tailAt;
        for (int block = block0; block < outBlocks; block++)
        {
            ref float ub = ref Unsafe.Add(ref u, block * filterBlock);
            ref float mb = ref Unsafe.Add(ref m, block * blockStride);
            for (int t = 0; t < twelves; t += 12) Tiles<T, L, Positions12>(cin, ref Unsafe.Add(ref v, t * lanes), blockStride, ref ub, ref Unsafe.Add(ref mb, t * lanes));
            if (eight != 0) Tiles<T, L, Positions8>(cin, ref Unsafe.Add(ref v, twelves * lanes), blockStride, ref ub, ref Unsafe.Add(ref mb, twelves * lanes));
            ref float vr = ref Unsafe.Add(ref v, tailAt * lanes);
            ref float mr = ref Unsafe.Add(ref mb, tailAt * lanes);
            switch (tail)
            {
                case 3: Tiles<T, L, Positions3>(cin, ref vr, blockStride, ref ub, ref mr); break;
                case 2: Tiles<T, L, Positions2>(cin, ref vr, blockStride, ref ub, ref mr); break;
                case 1: Tiles<T, L, Positions1>(cin, ref vr, blockStride, ref ub, ref mr); break;
            }
        }
        if (four == 0) return;
        int pairEnd = block0 + ((outBlocks - block0) & ~1);
        ref float vt = ref Unsafe.Add(ref v, fourAt * lanes);
        for (int block = block0; block < pairEnd; block += 2)
        {
            TilesTwoBlocks<T, L, Positions4>(cin, ref vt, blockStride, ref Unsafe.Add(ref u, block * filterBlock), filterBlock,
                ref Unsafe.Add(ref m, block * blockStride + fourAt * lanes), blockStride);
        }
        if (pairEnd < outBlocks)
        {
            Tiles<T, L, Positions4>(cin, ref vt, blockStride, ref Unsafe.Add(ref u, pairEnd * filterBlock),
                ref Unsafe.Add(ref m, pairEnd * blockStride + fourAt * lanes));
        }
    }

    /// <summary>
    /// P tiles (1-4 or 6) × two vectors of output channels (u's second block <paramref name="filterBlock"/> on, m's
    /// <paramref name="productBlock"/> on) in 2·P accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TilesTwoBlocks<T, L, P>(int cin, ref float v, int blockStride, ref float u, int filterBlock, ref float m, int productBlock)
        where T : struct where L : struct, ILane<T> where P : struct, IConstant
    {
        int lanes = L.Count;
        T zero = L.Splat(0f);
        T c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, d0 = zero, d1 = zero, d2 = zero, d3 = zero, d4 = zero, d5 = zero;
        for (int first = 0; first < cin; first += lanes)
        {
            int count = Math.Min(lanes, cin - first);
            ref float a = ref Unsafe.Add(ref v, first / lanes * blockStride);
            ref float weights = ref Unsafe.Add(ref u, first * lanes);
            for (int c = 0; c < count; c++)
            {
                T w = L.Load(ref weights, c * lanes), w2 = L.Load(ref weights, filterBlock + c * lanes);
                ref float at = ref Unsafe.Add(ref a, c);
                T s = L.Splat(at);
                c0 = L.FusedMultiplyAdd(s, w, c0);
                d0 = L.FusedMultiplyAdd(s, w2, d0);
                if (P.Value > 1)
                {
                    s = L.Splat(Unsafe.Add(ref at, lanes));
                    c1 = L.FusedMultiplyAdd(s, w, c1);
                    d1 = L.FusedMultiplyAdd(s, w2, d1);
                }
                if (P.Value > 2)
                {
                    s = L.Splat(Unsafe.Add(ref at, 2 * lanes));
                    c2 = L.FusedMultiplyAdd(s, w, c2);
                    d2 = L.FusedMultiplyAdd(s, w2, d2);
                }
                if (P.Value > 3)
                {
                    s = L.Splat(Unsafe.Add(ref at, 3 * lanes));
                    c3 = L.FusedMultiplyAdd(s, w, c3);
                    d3 = L.FusedMultiplyAdd(s, w2, d3);
                }
                if (P.Value > 4)
                {
                    s = L.Splat(Unsafe.Add(ref at, 4 * lanes));
                    c4 = L.FusedMultiplyAdd(s, w, c4);
                    d4 = L.FusedMultiplyAdd(s, w2, d4);
                    s = L.Splat(Unsafe.Add(ref at, 5 * lanes));
                    c5 = L.FusedMultiplyAdd(s, w, c5);
                    d5 = L.FusedMultiplyAdd(s, w2, d5);
                }
            }
        }
        L.Store(ref m, 0, c0);
        L.Store(ref m, productBlock, d0);
        if (P.Value > 1)
        {
            L.Store(ref m, lanes, c1);
            L.Store(ref m, productBlock + lanes, d1);
        }
        if (P.Value > 2)
        {
            L.Store(ref m, 2 * lanes, c2);
            L.Store(ref m, productBlock + 2 * lanes, d2);
        }
        if (P.Value > 3)
        {
            L.Store(ref m, 3 * lanes, c3);
            L.Store(ref m, productBlock + 3 * lanes, d3);
        }
        if (P.Value > 4)
        {
            L.Store(ref m, 4 * lanes, c4);
            L.Store(ref m, 5 * lanes, c5);
            L.Store(ref m, productBlock + 4 * lanes, d4);
            L.Store(ref m, productBlock + 5 * lanes, d5);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tiles<T, L, P>(int cin, ref float v, int blockStride, ref float u, ref float m)
        where T : struct where L : struct, ILane<T> where P : struct, IConstant
    {
        int lanes = L.Count;
        T zero = L.Splat(0f);
        T c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero, c8 = zero, c9 = zero, c10 = zero, c11 = zero;
        for (int first = 0; first < cin; first += lanes)
        {
            int count = Math.Min(lanes, cin - first);
            ref float a = ref Unsafe.Add(ref v, first / lanes * blockStride);
            ref float weights = ref Unsafe.Add(ref u, first * lanes);
            for (int c = 0; c < count; c++)
            {
                T w = L.Load(ref weights, c * lanes);
                ref float at = ref Unsafe.Add(ref a, c);
                c0 = L.FusedMultiplyAdd(L.Splat(at), w, c0);
                if (P.Value > 1) c1 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, lanes)), w, c1);
                if (P.Value > 2) c2 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 2 * lanes)), w, c2);
                if (P.Value > 3) c3 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 3 * lanes)), w, c3);
                if (P.Value > 4)
                {
                    c4 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 4 * lanes)), w, c4);
                    c5 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 5 * lanes)), w, c5);
                    c6 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 6 * lanes)), w, c6);
                    c7 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 7 * lanes)), w, c7);
                }
                if (P.Value > 8)
                {
                    c8 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 8 * lanes)), w, c8);
                    c9 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 9 * lanes)), w, c9);
                    c10 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 10 * lanes)), w, c10);
                    c11 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref at, 11 * lanes)), w, c11);
                }
            }
        }
        L.Store(ref m, 0, c0);
        if (P.Value > 1) L.Store(ref m, lanes, c1);
        if (P.Value > 2) L.Store(ref m, 2 * lanes, c2);
        if (P.Value > 3) L.Store(ref m, 3 * lanes, c3);
        if (P.Value > 4)
        {
            L.Store(ref m, 4 * lanes, c4);
            L.Store(ref m, 5 * lanes, c5);
            L.Store(ref m, 6 * lanes, c6);
            L.Store(ref m, 7 * lanes, c7);
        }
        if (P.Value > 8)
        {
            L.Store(ref m, 8 * lanes, c8);
            L.Store(ref m, 9 * lanes, c9);
            L.Store(ref m, 10 * lanes, c10);
            L.Store(ref m, 11 * lanes, c11);
        }
    }
}
