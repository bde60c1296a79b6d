using System;
using System.Runtime.CompilerServices;

namespace Compiled.Kernels;

/// <summary>
/// What <see cref="WinogradWeightGradient"/>'s F(2×2, 3×3) and F(4×4, 3×3) differ in: the output tile's side m, the input
/// patch's transform Bᵀ d B ((m + 2)² positions), the output gradient's A dy Aᵀ, and the filter gradient Gᵀ Z G at the end.
/// The transforms run on a vector of channels of one tile, the same operations per lane at every width.
/// </summary>
internal interface IWinogradTile
{
    /// <summary>The output tile's side: 2 or 4.</summary>
    static abstract int Size { get; }

    /// <summary>
    /// Bᵀ d B: d[a][b] at patch + a·rowStride + b·stride; result ξ = (m + 2)·i + j at v + ξ·xiStride (<paramref name="scratch"/>:
    /// 36 vectors the transform may use).
    /// </summary>
    static abstract void TransformInput<T, L>(ref float patch, int rowStride, int stride, ref float v, int xiStride, ref float scratch)
        where T : struct where L : struct, ILane<T>;

    /// <summary>A dy Aᵀ: dy[a][b] (a, b &lt; m) at block + a·rowStride + b·stride; result ξ at u + ξ·xiStride.</summary>
    static abstract void TransformGradient<T, L>(ref float block, int rowStride, int stride, ref float u, int xiStride)
        where T : struct where L : struct, ILane<T>;

    /// <summary>taps[3a + b] += (Gᵀ Z G)[a][b] for Z[ξ] = <paramref name="z"/>[ξ], in double.</summary>
    static abstract void AddFilterGradient(ReadOnlySpan<double> z, Span<float> taps);
}

/// <summary>F(2×2, 3×3): 4×4 patches, 16 positions; Bᵀ, G and A with entries 0, ±1, ±½.</summary>
internal readonly struct TileF2 : IWinogradTile
{
    public static int Size => 2;

    /// <summary>
    /// Bᵀ d B for a vector of channels of one tile: d[a][b] at <paramref name="patch"/> + a·<paramref name="rowStride"/> +
    /// b·<paramref name="stride"/>; the 16 results ξ = 4i + j, <paramref name="xiStride"/> apart (the forward's transform).
    /// Sixteen inputs in registers spill nothing; the scratch is not used.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransformInput<T, L>(ref float patch, int rowStride, int stride, ref float v, int xiStride, ref float scratch)
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

    /// <summary>Four vectors <paramref name="stride"/> apart from <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Row<T, L>(ref float row, int stride, out T d0, out T d1, out T d2, out T d3)
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
    public static void TransformGradient<T, L>(ref float block, int rowStride, int stride, ref float u, int xiStride)
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

    /// <summary>G's rows are (1, 0, 0), (½, ½, ½), (½, −½, ½), (0, 0, 1).</summary>
    public static void AddFilterGradient(ReadOnlySpan<double> z, Span<float> taps)
    {
        for (int j = 0; j < 3; j++)
        {
            // Column j of Z G, row by row, then Gᵀ of that column.
            double t0 = Column(z, 0, j), t1 = Column(z, 4, j), t2 = Column(z, 8, j), t3 = Column(z, 12, j);
            taps[j] += (float)(t0 + 0.5 * (t1 + t2));
            taps[3 + j] += (float)(0.5 * (t1 - t2));
            taps[6 + j] += (float)(0.5 * (t1 + t2) + t3);
        }
    }

    /// <summary>(Z G)[row][j] for the row of Z starting at <paramref name="first"/>.</summary>
    private static double Column(ReadOnlySpan<double> z, int first, int j) => j switch
    {
        0 => z[first] + 0.5 * (z[first + 1] + z[first + 2]),
        1 => 0.5 * (z[first + 1] - z[first + 2]),
        _ => 0.5 * (z[first + 1] + z[first + 2]) + z[first + 3],
    };
}

/// <summary>
/// F(4×4, 3×3): 6×6 patches, 36 positions; Bᵀ d B is the forward's (<see cref="WinogradF4"/>), A's rows are (1, 0, 0, 0),
/// (1, 1, 1, 1), (1, −1, 1, −1), (1, 2, 4, 8), (1, −2, 4, −8), (0, 0, 0, 1), G's (¼, 0, 0), (−⅙, −⅙, −⅙), (−⅙, ⅙, −⅙),
/// (1/24, 1/12, 1/6), (1/24, −1/12, 1/6), (0, 0, 1).
/// </summary>
internal readonly struct TileF4 : IWinogradTile
{
    public static int Size => 4;

    /// <summary>The forward's Bᵀ d B, through the scratch where the JIT has 16 vector registers (<see cref="WinogradF4.InputTransformThroughMemory"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransformInput<T, L>(ref float patch, int rowStride, int stride, ref float v, int xiStride, ref float scratch)
        where T : struct where L : struct, ILane<T>
    {
        if (WinogradF4.InputTransformThroughMemory) WinogradF4.TransformInputThroughMemory<T, L>(ref patch, rowStride, stride, ref v, xiStride, ref scratch);
        else WinogradF4.TransformInput<T, L>(ref patch, rowStride, stride, ref v, xiStride);
    }

    /// <summary>
    /// A over dy's rows two output rows at a time (rows 1 and 2 share dy0 + dy2 and dy1 + dy3; rows 3 and 4 dy0 + 4dy2 and
    /// 2dy1 + 8dy3), then each row of A dy times Aᵀ by the same combinations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransformGradient<T, L>(ref float block, int rowStride, int stride, ref float u, int xiStride)
        where T : struct where L : struct, ILane<T>
    {
        // Rows 0 and 5 of A dy are dy's rows 0 and 3.
        TileF2.Row<T, L>(ref block, stride, out T a0, out T a1, out T a2, out T a3);
        Expand<T, L>(ref u, xiStride, a0, a1, a2, a3);
        TileF2.Row<T, L>(ref Unsafe.Add(ref block, 3 * rowStride), stride, out a0, out a1, out a2, out a3);
        Expand<T, L>(ref Unsafe.Add(ref u, 30 * xiStride), xiStride, a0, a1, a2, a3);
        // Rows 1, 2 and 3, 4, column by column.
        Column<T, L>(ref block, rowStride, out T p0, out T m0, out T q0, out T n0);
        Column<T, L>(ref Unsafe.Add(ref block, stride), rowStride, out T p1, out T m1, out T q1, out T n1);
        Column<T, L>(ref Unsafe.Add(ref block, 2 * stride), rowStride, out T p2, out T m2, out T q2, out T n2);
        Column<T, L>(ref Unsafe.Add(ref block, 3 * stride), rowStride, out T p3, out T m3, out T q3, out T n3);
        Expand<T, L>(ref Unsafe.Add(ref u, 6 * xiStride), xiStride, p0, p1, p2, p3);
        Expand<T, L>(ref Unsafe.Add(ref u, 12 * xiStride), xiStride, m0, m1, m2, m3);
        Expand<T, L>(ref Unsafe.Add(ref u, 18 * xiStride), xiStride, q0, q1, q2, q3);
        Expand<T, L>(ref Unsafe.Add(ref u, 24 * xiStride), xiStride, n0, n1, n2, n3);
    }

    /// <summary>Rows 1 to 4 of A·(dy0, dy1, dy2, dy3) for one column of dy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<T, L>(ref float column, int rowStride, out T r1, out T r2, out T r3, out T r4)
        where T : struct where L : struct, ILane<T>
    {
        TileF2.Row<T, L>(ref column, rowStride, out T d0, out T d1, out T d2, out T d3);
        Combine<T, L>(d0, d1, d2, d3, out r1, out r2, out r3, out r4);
    }

    /// <summary>(a0 + a2) ± (a1 + a3) and (a0 + 4a2) ± (2a1 + 8a3): rows 1 to 4 of A·a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Combine<T, L>(T a0, T a1, T a2, T a3, out T r1, out T r2, out T r3, out T r4)
        where T : struct where L : struct, ILane<T>
    {
        T even = L.Add(a0, a2), odd = L.Add(a1, a3);
        T even4 = L.FusedMultiplyAdd(L.Splat(4f), a2, a0), odd4 = L.FusedMultiplyAdd(L.Splat(8f), a3, L.Multiply(L.Splat(2f), a1));
        r1 = L.Add(even, odd);
        r2 = L.Subtract(even, odd);
        r3 = L.Add(even4, odd4);
        r4 = L.Subtract(even4, odd4);
    }

    /// <summary>A·a (six values) stored at six consecutive positions ξ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Expand<T, L>(ref float u, int xiStride, T a0, T a1, T a2, T a3)
        where T : struct where L : struct, ILane<T>
    {
        Combine<T, L>(a0, a1, a2, a3, out T r1, out T r2, out T r3, out T r4);
        WinogradF4.Store6<T, L>(ref u, xiStride, a0, r1, r2, r3, r4, a3);
    }

    /// <summary>Z G row by row (six rows of three), then Gᵀ of each of its three columns; G's structure written out.</summary>
    public static void AddFilterGradient(ReadOnlySpan<double> z, Span<float> taps)
    {
        Span<double> zg = stackalloc double[18];
        for (int i = 0; i < 6; i++)
        {
            ReadOnlySpan<double> row = z.Slice(6 * i, 6);
            Times(row[0], row[1], row[2], row[3], row[4], row[5], out zg[3 * i], out zg[3 * i + 1], out zg[3 * i + 2]);
        }
        for (int b = 0; b < 3; b++)
        {
            Times(zg[b], zg[3 + b], zg[6 + b], zg[9 + b], zg[12 + b], zg[15 + b], out double t0, out double t1, out double t2);
            taps[b] += (float)t0;
            taps[3 + b] += (float)t1;
            taps[6 + b] += (float)t2;
        }
    }

    /// <summary>(z0, …, z5)·G: ¼z0 − ⅙(z1 + z2) + (z3 + z4)/24, ⅙(z2 − z1) + (z3 − z4)/12, −⅙(z1 + z2) + (z3 + z4)/6 + z5.</summary>
    private static void Times(double z0, double z1, double z2, double z3, double z4, double z5, out double r0, out double r1, out double r2)
    {
        double plus = z1 + z2, outer = z3 + z4;
        r0 = 0.25 * z0 - plus / 6 + outer / 24;
        r1 = (z2 - z1) / 6 + (z3 - z4) / 12;
        r2 = outer / 6 - plus / 6 + z5;
    }
}
