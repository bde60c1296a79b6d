using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The weight gradient of the layers <see cref="WinogradConvolution"/> runs forward (3×3, padding 1, stride 1, 8 channels or
/// more each way) by the same tiles (<see cref="WinogradConvolution.TileSize"/>): F(4×4, 3×3), 36 multiply-adds per 4×4 block
/// of outputs and (input, output) channel pair instead of 144, or F(2×2, 3×3), 16 per 2×2 block instead of 36.
/// dw [Cout, Cin, 3, 3] += Σ over the n samples, x [n, Cin, H, W], dy [n, Cout, H, W].
/// </summary>
/// <remarks>
/// <para>
/// The forward gives each tile y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, so its adjoint gives dg = Gᵀ[Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B)]G: per
/// transform position ξ one product Z[ξ][k][c] = Σ_t Ŷ[ξ][t][k]·V[ξ][t][c] over every tile of the chunk, then the 6×6 (4×4)
/// → 3×3 transform of each (k, c) pair once at the end (<see cref="IWinogradTile"/>: what differs between the tile sizes). Tiles past the plane (an odd height or width) have dy = 0 there, so they add
/// nothing.
/// </para>
/// <para>
/// The lanes run over channels, not tiles: each sample's x and dy are first moved channels-last (zero-bordered, channels padded
/// to whole vectors), so every entry of a tile's patch is a vector load of consecutive channels, and the products broadcast Ŷ and
/// load V a vector of input channels at a time (<see cref="WinogradWeightGradientKernel"/>). Every (k, c) sum runs over the
/// tiles in the same order with one fused multiply-add per term at every width, so all widths give the same bits; they differ
/// from a direct sum by rounding (<c>Reference/Conv2DReference</c> is the twin the tests compare with, to a tolerance).
/// </para>
/// </remarks>
internal static class WinogradWeightGradient
{
    /// <summary>Floats of transformed inputs and gradients a group of samples aims at (about half a MiB, so both stay in L2).</summary>
    private const int BlockFloats = 128 * 1024;

    private const int MaxVectors = 3;

    /// <summary>dw += the weight gradient of <paramref name="n"/> samples. Nothing is checked: the caller validated (<see cref="WinogradConvolution.Applies"/>).</summary>
    public static void Run(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n, VectorWidth width)
    {
        if (WinogradConvolution.TileSize(g) == 4) Run<TileF4>(g, x, dy, dw, n, width);
        else Run<TileF2>(g, x, dy, dw, n, width);
    }

    private static void Run<W>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n, VectorWidth width)
        where W : struct, IWinogradTile
    {
        switch (width)
        {
            case VectorWidth.V512: Run<Vector512<float>, Lane512, Rows8, W>(g, x, dy, dw, n); break;
            case VectorWidth.V256: Run<Vector256<float>, Lane256, Rows4, W>(g, x, dy, dw, n); break;
            case VectorWidth.V128: Run<Vector128<float>, Lane128, Rows4, W>(g, x, dy, dw, n); break;
            default: Run<float, ScalarLane, Rows4, W>(g, x, dy, dw, n); break;
        }
    }

    private static void Run<T, L, R, W>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant where W : struct, IWinogradTile
    {
        if (n == 0) return;
        int lanes = L.Count, rows = R.Value, m = W.Size, positions = (m + 2) * (m + 2);
        int cin = g.InChannels, cout = g.OutChannels, height = g.InHeight, width = g.InWidth, plane = height * width;
        // Channels-last rows: input channels padded to whole vectors; output channels to whole vectors and whole tiles of R rows.
        int inStride = WinogradConvolution.Padded(cin, lanes), outVectors = WinogradConvolution.Padded(cout, lanes), outStride = WinogradConvolution.Padded(outVectors, rows);
        int tileRows = (height + m - 1) / m, tileColumns = (width + m - 1) / m, sampleTiles = tileRows * tileColumns;
        // The input with a zero border: rows and columns 0 and past the plane up to the last tile's patch (m·tiles + 2).
        int paddedRows = m * tileRows + 2, paddedColumns = m * tileColumns + 2;
        int gradientRows = m * tileRows, gradientColumns = m * tileColumns;
        // Samples per group from the widest width's padding, so every width adds the same partial sums to Z (the same bits).
        int group = Math.Clamp(BlockFloats / (positions * (WinogradConvolution.Padded(cin, 16) + WinogradConvolution.Padded(cout, 16)) * sampleTiles), 1, n);
        int groupTiles = group * sampleTiles;
        // The slabs of V and Ŷ an odd number of cache lines apart (the transforms store to all of them at once).
        int inputSlab = WinogradConvolution.OddLines(groupTiles * inStride), gradientSlab = WinogradConvolution.OddLines(groupTiles * outStride);
        int sumSlab = outStride * inStride;

        WinogradWorkspace workspace = WinogradWorkspace.Current;
        Span<float> paddedInput = workspace.ChannelsLastInput(paddedRows * paddedColumns * inStride);
        Span<float> paddedGradient = workspace.ChannelsLastGradient(gradientRows * gradientColumns * outStride);
        Span<float> inputs = workspace.Transformed(positions * inputSlab);
        Span<float> gradients = workspace.Products(positions * gradientSlab);
        Span<float> sums = workspace.Sums(positions * sumSlab);
        // Borders and channel padding are never written: zero them once (the buffers are the thread's, other layers' before).
        // So are Ŷ's columns past whole vectors of output channels (at the scalar width, up to R).
        ClearOutside(paddedInput, paddedRows, paddedColumns, inStride, cin, 1, 1, height, width);
        ClearOutside(paddedGradient, gradientRows, gradientColumns, outStride, cout, 0, 0, height, width);
        if (outStride > outVectors) gradients.Clear();
        sums.Clear();

        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float dy0 = ref MemoryMarshal.GetReference(dy);
        ref float input0 = ref MemoryMarshal.GetReference(paddedInput);
        ref float gradient0 = ref MemoryMarshal.GetReference(paddedGradient);
        ref float v0 = ref MemoryMarshal.GetReference(inputs);
        ref float u0 = ref MemoryMarshal.GetReference(gradients);
        ref float z0 = ref MemoryMarshal.GetReference(sums);
        int inVectorCount = inStride / lanes;
        int panels = (inVectorCount + MaxVectors - 1) / MaxVectors;

        for (int first = 0; first < n; first += group)
        {
            int samples = Math.Min(group, n - first);
            for (int s = 0; s < samples; s++)
            {
                int sample = first + s;
                ChannelsLast(ref Unsafe.Add(ref x0, (nint)sample * g.InputLength), cin, height, width, plane,
                    ref Unsafe.Add(ref input0, (paddedColumns + 1) * inStride), paddedColumns * inStride, inStride);
                ChannelsLast(ref Unsafe.Add(ref dy0, (nint)sample * g.OutputLength), cout, height, width, plane,
                    ref gradient0, gradientColumns * outStride, outStride);
                int tile0 = s * sampleTiles;
                TransformSample<T, L, W>(ref input0, paddedColumns, inStride, ref gradient0, gradientColumns, outStride, outVectors, tileRows, tileColumns,
                    ref Unsafe.Add(ref v0, tile0 * inStride), inputSlab, ref Unsafe.Add(ref u0, tile0 * outStride), gradientSlab);
            }

            // Z[ξ][k][c] += Σ_t Ŷ[ξ][t][k]·V[ξ][t][c], R output channels × up to three vectors of input channels at a time.
            int tiles = samples * sampleTiles;
            for (int xi = 0; xi < positions; xi++)
            {
                ref float vXi = ref Unsafe.Add(ref v0, xi * inputSlab);
                ref float uXi = ref Unsafe.Add(ref u0, xi * gradientSlab);
                ref float zXi = ref Unsafe.Add(ref z0, xi * sumSlab);
                for (int k = 0; k < cout; k += rows)
                {
                    for (int panel = 0, vector = 0; panel < panels; panel++)
                    {
                        int count = inVectorCount / panels + (panel < inVectorCount % panels ? 1 : 0);
                        ref float at = ref Unsafe.Add(ref vXi, vector * lanes);
                        ref float gradient = ref Unsafe.Add(ref uXi, k);
                        ref float to = ref Unsafe.Add(ref zXi, k * inStride + vector * lanes);
                        switch (count)
                        {
                            case 3: WinogradWeightGradientKernel.Run<T, L, R, Vectors3>(tiles, ref gradient, outStride, ref at, inStride, ref to, inStride); break;
                            case 2: WinogradWeightGradientKernel.Run<T, L, R, Vectors2>(tiles, ref gradient, outStride, ref at, inStride, ref to, inStride); break;
                            default: WinogradWeightGradientKernel.Run<T, L, R, Vectors1>(tiles, ref gradient, outStride, ref at, inStride, ref to, inStride); break;
                        }
                        vector += count;
                    }
                }
            }
        }

        // dw[k, c] += Gᵀ Z[·][k][c] G, in double.
        Span<double> z = stackalloc double[positions];
        for (int k = 0; k < cout; k++)
        {
            for (int c = 0; c < cin; c++)
            {
                for (int xi = 0; xi < positions; xi++) z[xi] = Unsafe.Add(ref z0, xi * sumSlab + k * inStride + c);
                W.AddFilterGradient(z, dw.Slice((k * cin + c) * 9, 9));
            }
        }
    }

    /// <summary>
    /// V = Bᵀ d B and Ŷ (the gradient's transform) of every tile of one sample's channels-last input and gradient, tile t's to
    /// <paramref name="v"/> + t·<paramref name="inStride"/> and <paramref name="u"/> + t·<paramref name="outStride"/>. A method of
    /// its own, not inlined into Run: with both transforms inlined there, Run is too large for the JIT's inlining budget, which
    /// then leaves the transforms' helpers as calls (NativeAOT inlined them either way).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    private static void TransformSample<T, L, W>(ref float input, int paddedColumns, int inStride, ref float gradient, int gradientColumns, int outStride,
        int outVectors, int tileRows, int tileColumns, ref float v, int inputSlab, ref float u, int gradientSlab)
        where T : struct where L : struct, ILane<T> where W : struct, IWinogradTile
    {
        int lanes = L.Count, m = W.Size, inVectorCount = inStride / lanes, outVectorCount = outVectors / lanes;
        Span<float> scratch = stackalloc float[36 * lanes];
        ref float scratch0 = ref MemoryMarshal.GetReference(scratch);
        for (int tr = 0; tr < tileRows; tr++)
        {
            for (int tc = 0; tc < tileColumns; tc++)
            {
                int tile = tr * tileColumns + tc;
                ref float patch = ref Unsafe.Add(ref input, (m * tr * paddedColumns + m * tc) * inStride);
                for (int vector = 0; vector < inVectorCount; vector++)
                    W.TransformInput<T, L>(ref Unsafe.Add(ref patch, vector * lanes), paddedColumns * inStride, inStride,
                        ref Unsafe.Add(ref v, tile * inStride + vector * lanes), inputSlab, ref scratch0);
                ref float block = ref Unsafe.Add(ref gradient, (m * tr * gradientColumns + m * tc) * outStride);
                for (int vector = 0; vector < outVectorCount; vector++)
                    W.TransformGradient<T, L>(ref Unsafe.Add(ref block, vector * lanes), gradientColumns * outStride, outStride,
                        ref Unsafe.Add(ref u, tile * outStride + vector * lanes), gradientSlab);
            }
        }
    }

    /// <summary>
    /// Zeroes what <see cref="ChannelsLast"/> does not write of a slab of <paramref name="rows"/> × <paramref name="columns"/>
    /// pixels <paramref name="stride"/> floats apart whose plane (<paramref name="height"/> × <paramref name="width"/> pixels of
    /// <paramref name="channels"/>) starts at pixel (<paramref name="top"/>, <paramref name="left"/>): the rows and columns around
    /// the plane, or all of it when every pixel has channels of padding.
    /// </summary>
    private static void ClearOutside(Span<float> slab, int rows, int columns, int stride, int channels, int top, int left, int height, int width)
    {
        if (channels != stride)
        {
            slab.Clear();
            return;
        }
        int pitch = columns * stride;
        slab[..(top * pitch)].Clear();
        slab[((top + height) * pitch)..(rows * pitch)].Clear();
        for (int h = top; h < top + height; h++)
        {
            Span<float> row = slab.Slice(h * pitch, pitch);
            row[..(left * stride)].Clear();
            row[((left + width) * stride)..].Clear();
        }
    }

    /// <summary>
    /// to[(h·W' + w)·stride + c] = from[c·plane + h·W + w] for c &lt; channels, h &lt; H, w &lt; W (W' = <paramref name="rowStride"/>
    /// / <paramref name="stride"/>): one sample's planes channels-last, 8×8 blocks in AVX registers or 4×4 in SSE ones where
    /// they fit. A row whose width is not a multiple of the block's ends with a block over its last columns, which writes some
    /// of them again (the same values), so a 7-wide row takes two 4×4 blocks and no element loop.
    /// </summary>
    private static void ChannelsLast(ref float from, int channels, int height, int width, int plane, ref float to, int rowStride, int stride)
    {
        bool blocks = Transpose4x4.IsSupported && width >= 4;
        int blockChannels = blocks ? channels & ~3 : 0;
        // 8×8 blocks in AVX registers where a row and the channels reach eight (the last block of either overlapping the one
        // before), then what is left in 4×4 ones.
        int wideChannels = Transpose8x8.IsSupported && width >= 8 ? channels & ~7 : 0;
        for (int h = 0; h < height; h++)
        {
            ref float source = ref Unsafe.Add(ref from, h * width);
            ref float target = ref Unsafe.Add(ref to, h * rowStride);
            for (int c = 0; c < wideChannels; c += 8)
            {
                for (int w = 0; ; w += 8)
                {
                    int at = Math.Min(w, width - 8);
                    Transpose8x8.Block(ref Unsafe.Add(ref source, c * plane + at), plane, ref Unsafe.Add(ref target, at * stride + c), stride);
                    if (at + 8 >= width) break;
                }
            }
            for (int c = wideChannels; c < blockChannels; c += 4)
            {
                for (int w = 0; ; w += 4)
                {
                    int at = Math.Min(w, width - 4);
                    Transpose4x4.Block(ref Unsafe.Add(ref source, c * plane + at), plane, ref Unsafe.Add(ref target, at * stride + c), stride);
                    if (at + 4 >= width) break;
                }
            }
            for (int c = blockChannels; c < channels; c++)
                for (int w = 0; w < width; w++) Unsafe.Add(ref target, w * stride + c) = Unsafe.Add(ref source, c * plane + w);
        }
    }
}

/// <summary>
/// The register tile of <see cref="WinogradWeightGradient"/>: R output channels × V vectors of input channels,
/// z[m·ldz + v·L + lane] += Σ_{t &lt; tiles} g[t·ldg + m]·v[t·ldv + v·L + lane], R·V accumulators in registers across the
/// tiles. Per tile: V vector loads, R broadcasts, R·V fused multiply-adds; 8 × 3 at 512 bits, 4 × 3 at 256 and 128 bits
/// (as <see cref="Conv3x3MicroKernel"/>). The lanes run over input channels, so every width sums in the same order.
/// </summary>
internal static class WinogradWeightGradientKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, L, R, V>(int tiles, ref float g, int ldg, ref float v, int ldv, ref float z, int ldz)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant where V : struct, IConstant
    {
        int lanes = L.Count;
        T zero = L.Splat(0f);
        T a00 = zero, a01 = zero, a02 = zero, a10 = zero, a11 = zero, a12 = zero, a20 = zero, a21 = zero, a22 = zero, a30 = zero, a31 = zero, a32 = zero;
        T a40 = zero, a41 = zero, a42 = zero, a50 = zero, a51 = zero, a52 = zero, a60 = zero, a61 = zero, a62 = zero, a70 = zero, a71 = zero, a72 = zero;
        for (int t = 0; t < tiles; t++)
        {
            ref float row = ref Unsafe.Add(ref v, t * ldv);
            T x0 = L.Load(ref row, 0);
            T x1 = V.Value > 1 ? L.Load(ref row, lanes) : zero;
            T x2 = V.Value > 2 ? L.Load(ref row, 2 * lanes) : zero;
            ref float gt = ref Unsafe.Add(ref g, t * ldg);

            T b = L.Splat(gt);
            a00 = L.FusedMultiplyAdd(x0, b, a00);
            if (V.Value > 1) a01 = L.FusedMultiplyAdd(x1, b, a01);
            if (V.Value > 2) a02 = L.FusedMultiplyAdd(x2, b, a02);
            b = L.Splat(Unsafe.Add(ref gt, 1));
            a10 = L.FusedMultiplyAdd(x0, b, a10);
            if (V.Value > 1) a11 = L.FusedMultiplyAdd(x1, b, a11);
            if (V.Value > 2) a12 = L.FusedMultiplyAdd(x2, b, a12);
            b = L.Splat(Unsafe.Add(ref gt, 2));
            a20 = L.FusedMultiplyAdd(x0, b, a20);
            if (V.Value > 1) a21 = L.FusedMultiplyAdd(x1, b, a21);
            if (V.Value > 2) a22 = L.FusedMultiplyAdd(x2, b, a22);
            b = L.Splat(Unsafe.Add(ref gt, 3));
            a30 = L.FusedMultiplyAdd(x0, b, a30);
            if (V.Value > 1) a31 = L.FusedMultiplyAdd(x1, b, a31);
            if (V.Value > 2) a32 = L.FusedMultiplyAdd(x2, b, a32);
            if (R.Value > 4)
            {
                b = L.Splat(Unsafe.Add(ref gt, 4));
                a40 = L.FusedMultiplyAdd(x0, b, a40);
                if (V.Value > 1) a41 = L.FusedMultiplyAdd(x1, b, a41);
                if (V.Value > 2) a42 = L.FusedMultiplyAdd(x2, b, a42);
                b = L.Splat(Unsafe.Add(ref gt, 5));
                a50 = L.FusedMultiplyAdd(x0, b, a50);
                if (V.Value > 1) a51 = L.FusedMultiplyAdd(x1, b, a51);
                if (V.Value > 2) a52 = L.FusedMultiplyAdd(x2, b, a52);
                b = L.Splat(Unsafe.Add(ref gt, 6));
                a60 = L.FusedMultiplyAdd(x0, b, a60);
                if (V.Value > 1) a61 = L.FusedMultiplyAdd(x1, b, a61);
                if (V.Value > 2) a62 = L.FusedMultiplyAdd(x2, b, a62);
                b = L.Splat(Unsafe.Add(ref gt, 7));
                a70 = L.FusedMultiplyAdd(x0, b, a70);
                if (V.Value > 1) a71 = L.FusedMultiplyAdd(x1, b, a71);
                if (V.Value > 2) a72 = L.FusedMultiplyAdd(x2, b, a72);
            }
        }

        AddRow<T, L, V>(ref z, a00, a01, a02, lanes);
        AddRow<T, L, V>(ref Unsafe.Add(ref z, ldz), a10, a11, a12, lanes);
        AddRow<T, L, V>(ref Unsafe.Add(ref z, 2 * ldz), a20, a21, a22, lanes);
        AddRow<T, L, V>(ref Unsafe.Add(ref z, 3 * ldz), a30, a31, a32, lanes);
        if (R.Value > 4)
        {
            AddRow<T, L, V>(ref Unsafe.Add(ref z, 4 * ldz), a40, a41, a42, lanes);
            AddRow<T, L, V>(ref Unsafe.Add(ref z, 5 * ldz), a50, a51, a52, lanes);
            AddRow<T, L, V>(ref Unsafe.Add(ref z, 6 * ldz), a60, a61, a62, lanes);
            AddRow<T, L, V>(ref Unsafe.Add(ref z, 7 * ldz), a70, a71, a72, lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<T, L, V>(ref float row, T v0, T v1, T v2, int lanes)
        where T : struct where L : struct, ILane<T> where V : struct, IConstant
    {
        L.Store(ref row, 0, L.Add(L.Load(ref row, 0), v0));
        if (V.Value > 1) L.Store(ref row, lanes, L.Add(L.Load(ref row, lanes), v1));
        if (V.Value > 2) L.Store(ref row, 2 * lanes, L.Add(L.Load(ref row, 2 * lanes), v2));
    }
}
