using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The weight gradient of the layers <see cref="WinogradConvolution"/> runs forward (3×3, padding 1, stride 1, 8 channels or
/// more each way) by the same F(2×2, 3×3): 16 multiply-adds per 2×2 block of outputs and (input, output) channel pair instead
/// of 36. dw [Cout, Cin, 3, 3] += Σ over the n samples, x [n, Cin, H, W], dy [n, Cout, H, W].
/// </summary>
/// <remarks>
/// <para>
/// The forward gives each tile y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, so its adjoint gives dg = Gᵀ[Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B)]G: per
/// transform position ξ one product Z[ξ][k][c] = Σ_t Ŷ[ξ][t][k]·V[ξ][t][c] over every tile of the chunk, then the 4×4 → 3×3
/// transform of each (k, c) pair once at the end. Tiles past the plane (an odd height or width) have dy = 0 there, so they add
/// nothing.
/// </para>
/// <para>
/// The lanes run over channels, not tiles: each sample's x and dy are first moved channels-last (zero-bordered, channels padded
/// to whole vectors), so a tile's 4×4 patch is sixteen vector loads of consecutive channels, and the products broadcast Ŷ and
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
        switch (width)
        {
            case VectorWidth.V512: Run<Vector512<float>, Lane512, Rows8>(g, x, dy, dw, n); break;
            case VectorWidth.V256: Run<Vector256<float>, Lane256, Rows4>(g, x, dy, dw, n); break;
            case VectorWidth.V128: Run<Vector128<float>, Lane128, Rows4>(g, x, dy, dw, n); break;
            default: Run<float, ScalarLane, Rows4>(g, x, dy, dw, n); break;
        }
    }

    private static void Run<T, L, R>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant
    {
        if (n == 0) return;
        int lanes = L.Count, rows = R.Value;
        int cin = g.InChannels, cout = g.OutChannels, height = g.InHeight, width = g.InWidth, plane = height * width;
        // Channels-last rows: input channels padded to whole vectors; output channels to whole vectors and whole tiles of R rows.
        int inStride = WinogradConvolution.Padded(cin, lanes), outVectors = WinogradConvolution.Padded(cout, lanes), outStride = WinogradConvolution.Padded(outVectors, rows);
        int tileRows = (height + 1) / 2, tileColumns = (width + 1) / 2, sampleTiles = tileRows * tileColumns;
        // The input with a zero border: rows and columns 0 and past the plane up to the last tile's patch (2·tiles + 2).
        int paddedRows = 2 * tileRows + 2, paddedColumns = 2 * tileColumns + 2;
        int gradientRows = 2 * tileRows, gradientColumns = 2 * tileColumns;
        // Samples per group from the widest width's padding, so every width adds the same partial sums to Z (the same bits).
        int group = Math.Clamp(BlockFloats / (16 * (WinogradConvolution.Padded(cin, 16) + WinogradConvolution.Padded(cout, 16)) * sampleTiles), 1, n);
        int groupTiles = group * sampleTiles;
        // The 16 slabs of V and Ŷ an odd number of cache lines apart (the transforms store to all 16 at once).
        int inputSlab = WinogradConvolution.OddLines(groupTiles * inStride), gradientSlab = WinogradConvolution.OddLines(groupTiles * outStride);
        int sumSlab = outStride * inStride;

        WinogradWorkspace workspace = WinogradWorkspace.Current;
        Span<float> paddedInput = workspace.ChannelsLastInput(paddedRows * paddedColumns * inStride);
        Span<float> paddedGradient = workspace.ChannelsLastGradient(gradientRows * gradientColumns * outStride);
        Span<float> inputs = workspace.Transformed(16 * inputSlab);
        Span<float> gradients = workspace.Products(16 * gradientSlab);
        Span<float> sums = workspace.Sums(16 * sumSlab);
        // Borders and channel padding are never written: zero once. So are Ŷ's columns past whole vectors of output channels
        // (at the scalar width, up to R).
        paddedInput.Clear();
        paddedGradient.Clear();
        if (outStride > outVectors) gradients.Clear();
        sums.Clear();

        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float dy0 = ref MemoryMarshal.GetReference(dy);
        ref float input0 = ref MemoryMarshal.GetReference(paddedInput);
        ref float gradient0 = ref MemoryMarshal.GetReference(paddedGradient);
        ref float v0 = ref MemoryMarshal.GetReference(inputs);
        ref float u0 = ref MemoryMarshal.GetReference(gradients);
        ref float z0 = ref MemoryMarshal.GetReference(sums);
        int inVectorCount = inStride / lanes, outVectorCount = outVectors / lanes;
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
                for (int tr = 0; tr < tileRows; tr++)
                {
                    for (int tc = 0; tc < tileColumns; tc++)
                    {
                        int tile = tile0 + tr * tileColumns + tc;
                        ref float patch = ref Unsafe.Add(ref input0, (2 * tr * paddedColumns + 2 * tc) * inStride);
                        for (int vector = 0; vector < inVectorCount; vector++)
                            TransformInput<T, L>(ref Unsafe.Add(ref patch, vector * lanes), paddedColumns * inStride, inStride,
                                ref Unsafe.Add(ref v0, tile * inStride + vector * lanes), inputSlab);
                        ref float block = ref Unsafe.Add(ref gradient0, (2 * tr * gradientColumns + 2 * tc) * outStride);
                        for (int vector = 0; vector < outVectorCount; vector++)
                            TransformGradient<T, L>(ref Unsafe.Add(ref block, vector * lanes), gradientColumns * outStride, outStride,
                                ref Unsafe.Add(ref u0, tile * outStride + vector * lanes), gradientSlab);
                    }
                }
            }

            // Z[ξ][k][c] += Σ_t Ŷ[ξ][t][k]·V[ξ][t][c], R output channels × up to three vectors of input channels at a time.
            int tiles = samples * sampleTiles;
            for (int xi = 0; xi < 16; xi++)
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

        // dw[k, c] += Gᵀ Z[·][k][c] G, in double; G's rows are (1, 0, 0), (½, ½, ½), (½, −½, ½), (0, 0, 1).
        Span<double> z = stackalloc double[16];
        for (int k = 0; k < cout; k++)
        {
            for (int c = 0; c < cin; c++)
            {
                for (int xi = 0; xi < 16; xi++) z[xi] = Unsafe.Add(ref z0, xi * sumSlab + k * inStride + c);
                Span<float> taps = dw.Slice((k * cin + c) * 9, 9);
                for (int j = 0; j < 3; j++)
                {
                    // Column j of Z G, row by row, then Gᵀ of that column.
                    double t0 = Column(z, 0, j), t1 = Column(z, 4, j), t2 = Column(z, 8, j), t3 = Column(z, 12, j);
                    taps[j] += (float)(t0 + 0.5 * (t1 + t2));
                    taps[3 + j] += (float)(0.5 * (t1 - t2));
                    taps[6 + j] += (float)(0.5 * (t1 + t2) + t3);
                }
            }
        }
    }

    /// <summary>(Z G)[row][j] for the row of Z starting at <paramref name="first"/>.</summary>
    private static double Column(ReadOnlySpan<double> z, int first, int j) => j switch
    {
        0 => z[first] + 0.5 * (z[first + 1] + z[first + 2]),
        1 => 0.5 * (z[first + 1] - z[first + 2]),
        _ => 0.5 * (z[first + 1] + z[first + 2]) + z[first + 3],
    };

    /// <summary>
    /// to[(h·W' + w)·stride + c] = from[c·plane + h·W + w] for c &lt; channels, h &lt; H, w &lt; W (W' = <paramref name="rowStride"/>
    /// / <paramref name="stride"/>): one sample's planes channels-last, 4×4 blocks in SSE registers where they fit. A row whose
    /// width is not a multiple of 4 ends with a block over its last four columns, which writes some of them again (the same
    /// values), so a 7-wide row takes two blocks and no element loop.
    /// </summary>
    private static void ChannelsLast(ref float from, int channels, int height, int width, int plane, ref float to, int rowStride, int stride)
    {
        bool blocks = Transpose4x4.IsSupported && width >= 4;
        int blockChannels = blocks ? channels & ~3 : 0;
        for (int h = 0; h < height; h++)
        {
            ref float source = ref Unsafe.Add(ref from, h * width);
            ref float target = ref Unsafe.Add(ref to, h * rowStride);
            for (int c = 0; c < blockChannels; c += 4)
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

    /// <summary>
    /// Bᵀ d B for a vector of channels of one tile: d[a][b] at <paramref name="patch"/> + a·<paramref name="rowStride"/> +
    /// b·<paramref name="stride"/>; the 16 results ξ = 4i + j, <paramref name="xiStride"/> apart (the forward's transform).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformInput<T, L>(ref float patch, int rowStride, int stride, ref float v, int xiStride)
        where T : struct where L : struct, ILane<T>
    {
        Row<T, L>(ref patch, stride, out T d00, out T d01, out T d02, out T d03);
        Row<T, L>(ref Unsafe.Add(ref patch, rowStride), stride, out T d10, out T d11, out T d12, out T d13);
        Row<T, L>(ref Unsafe.Add(ref patch, 2 * rowStride), stride, out T d20, out T d21, out T d22, out T d23);
        Row<T, L>(ref Unsafe.Add(ref patch, 3 * rowStride), stride, out T d30, out T d31, out T d32, out T d33);
        // Rows of Bᵀ d: e0 = d0 − d2, e1 = d1 + d2, e2 = d2 − d1, e3 = d1 − d3; then each times B.
        var strides = new WinogradConvolution.Strides(xiStride);
        ref float v4 = ref Unsafe.Add(ref v, strides.Four);
        ref float v8 = ref Unsafe.Add(ref v4, strides.Four);
        WinogradConvolution.Columns<T, L>(ref v, strides, L.Subtract(d00, d20), L.Subtract(d01, d21), L.Subtract(d02, d22), L.Subtract(d03, d23));
        WinogradConvolution.Columns<T, L>(ref v4, strides, L.Add(d10, d20), L.Add(d11, d21), L.Add(d12, d22), L.Add(d13, d23));
        WinogradConvolution.Columns<T, L>(ref v8, strides, L.Subtract(d20, d10), L.Subtract(d21, d11), L.Subtract(d22, d12), L.Subtract(d23, d13));
        WinogradConvolution.Columns<T, L>(ref Unsafe.Add(ref v8, strides.Four), strides, L.Subtract(d10, d30), L.Subtract(d11, d31), L.Subtract(d12, d32), L.Subtract(d13, d33));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<T, L>(ref float row, int stride, out T d0, out T d1, out T d2, out T d3)
        where T : struct where L : struct, ILane<T>
    {
        d0 = L.Load(ref row, 0);
        d1 = L.Load(ref row, stride);
        d2 = L.Load(ref row, 2 * stride);
        d3 = L.Load(ref row, 3 * stride);
    }

    /// <summary>
    /// A dy Aᵀ for a vector of channels of one tile, dy = [[p, q], [r, s]] at <paramref name="block"/> (+ <paramref name="stride"/>
    /// for the next column, + <paramref name="rowStride"/> for the next row); A's rows are (1, 0), (1, 1), (1, −1), (0, −1). The 16
    /// results ξ = 4i + j, <paramref name="xiStride"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformGradient<T, L>(ref float block, int rowStride, int stride, ref float u, int xiStride)
        where T : struct where L : struct, ILane<T>
    {
        T p = L.Load(ref block, 0), q = L.Load(ref block, stride);
        T r = L.Load(ref block, rowStride), s = L.Load(ref block, rowStride + stride);
        T zero = L.Splat(0f);
        // Rows of A dy: (p, q), (p + r, q + s), (p − r, q − s), (−r, −s); then each times Aᵀ.
        GradientColumns<T, L>(ref u, 0, xiStride, p, q);
        GradientColumns<T, L>(ref u, 4, xiStride, L.Add(p, r), L.Add(q, s));
        GradientColumns<T, L>(ref u, 8, xiStride, L.Subtract(p, r), L.Subtract(q, s));
        GradientColumns<T, L>(ref u, 12, xiStride, L.Subtract(zero, r), L.Subtract(zero, s));
    }

    /// <summary>One row (a, b) of A dy times Aᵀ: a, a + b, a − b, −b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientColumns<T, L>(ref float u, int first, int xiStride, T a, T b)
        where T : struct where L : struct, ILane<T>
    {
        L.Store(ref u, first * xiStride, a);
        L.Store(ref u, (first + 1) * xiStride, L.Add(a, b));
        L.Store(ref u, (first + 2) * xiStride, L.Subtract(a, b));
        L.Store(ref u, (first + 3) * xiStride, L.Subtract(L.Splat(0f), b));
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
