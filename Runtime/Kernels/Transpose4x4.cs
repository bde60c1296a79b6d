using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels;

/// <summary>
/// A 4×4 block of floats transposed in SSE registers: four loads, eight shuffles and four stores where an element loop
/// makes sixteen loads and sixteen stores. Callers check <see cref="IsSupported"/> and keep their element loop for other
/// CPUs and the edges; the block moves floats without arithmetic, so either way gives the same bits.
/// </summary>
internal static class Transpose4x4
{
    public static bool IsSupported => Sse.IsSupported;

    /// <summary>This block for code written once over the block's size (<see cref="ITransposeBlock"/>).</summary>
    public readonly struct Square : ITransposeBlock
    {
        public static int Size => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Block(ref float src, nint srcStride, ref float dst, nint dstStride) => Transpose4x4.Block(ref src, srcStride, ref dst, dstStride);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void BlockAddResidual(ref float src, nint srcStride, ref float residual, bool relu, ref float dst, nint dstStride)
            => Transpose4x4.BlockAddResidual(ref src, srcStride, ref residual, relu, ref dst, dstStride);
    }

    /// <summary>dst[c·dstStride + r] = src[r·srcStride + c] for r, c &lt; 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(ref float src, nint srcStride, ref float dst, nint dstStride)
    {
        Vector128<float> a = Vector128.LoadUnsafe(ref src), b = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, srcStride));
        Vector128<float> c = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, 2 * srcStride)), d = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, 3 * srcStride));
        Store(a, b, c, d, ref dst, dstStride);
    }

    /// <summary>As <see cref="Block"/>, with <paramref name="rowAdd0"/>..<paramref name="rowAdd3"/> added to source rows 0..3 first (a bias per row of the source).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BlockAdd(ref float src, nint srcStride, Vector128<float> rowAdd0, Vector128<float> rowAdd1, Vector128<float> rowAdd2, Vector128<float> rowAdd3,
        ref float dst, nint dstStride)
    {
        Vector128<float> a = Vector128.LoadUnsafe(ref src) + rowAdd0, b = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, srcStride)) + rowAdd1;
        Vector128<float> c = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, 2 * srcStride)) + rowAdd2, d = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, 3 * srcStride)) + rowAdd3;
        Store(a, b, c, d, ref dst, dstStride);
    }

    /// <summary>
    /// dst[c·dstStride + r] = src[r·srcStride + c] + residual[c·dstStride + r] for r, c &lt; 4, then ReLU when
    /// <paramref name="relu"/>: a block transposed into place with a residual added as it lands.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BlockAddResidual(ref float src, nint srcStride, ref float residual, bool relu, ref float dst, nint dstStride)
    {
        Vector128<float> a = Vector128.LoadUnsafe(ref src), b = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, srcStride));
        Vector128<float> c = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, 2 * srcStride)), d = Vector128.LoadUnsafe(ref Unsafe.Add(ref src, 3 * srcStride));
        Vector128<float> abLow = Sse.UnpackLow(a, b), cdLow = Sse.UnpackLow(c, d);
        Vector128<float> abHigh = Sse.UnpackHigh(a, b), cdHigh = Sse.UnpackHigh(c, d);
        AddStore(Sse.MoveLowToHigh(abLow, cdLow), ref residual, relu, ref dst);
        AddStore(Sse.MoveHighToLow(cdLow, abLow), ref Unsafe.Add(ref residual, dstStride), relu, ref Unsafe.Add(ref dst, dstStride));
        AddStore(Sse.MoveLowToHigh(abHigh, cdHigh), ref Unsafe.Add(ref residual, 2 * dstStride), relu, ref Unsafe.Add(ref dst, 2 * dstStride));
        AddStore(Sse.MoveHighToLow(cdHigh, abHigh), ref Unsafe.Add(ref residual, 3 * dstStride), relu, ref Unsafe.Add(ref dst, 3 * dstStride));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddStore(Vector128<float> row, ref float residual, bool relu, ref float dst)
    {
        row += Vector128.LoadUnsafe(ref residual);
        if (relu) row = Vector128.Max(row, Vector128<float>.Zero);
        row.StoreUnsafe(ref dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d, ref float dst, nint dstStride)
    {
        Vector128<float> abLow = Sse.UnpackLow(a, b), cdLow = Sse.UnpackLow(c, d);     // a0 b0 a1 b1, c0 d0 c1 d1
        Vector128<float> abHigh = Sse.UnpackHigh(a, b), cdHigh = Sse.UnpackHigh(c, d); // a2 b2 a3 b3, c2 d2 c3 d3
        Sse.MoveLowToHigh(abLow, cdLow).StoreUnsafe(ref dst);                                          // a0 b0 c0 d0
        Sse.MoveHighToLow(cdLow, abLow).StoreUnsafe(ref Unsafe.Add(ref dst, dstStride));               // a1 b1 c1 d1
        Sse.MoveLowToHigh(abHigh, cdHigh).StoreUnsafe(ref Unsafe.Add(ref dst, 2 * dstStride));        // a2 b2 c2 d2
        Sse.MoveHighToLow(cdHigh, abHigh).StoreUnsafe(ref Unsafe.Add(ref dst, 3 * dstStride));        // a3 b3 c3 d3
    }
}

/// <summary>
/// A square block of floats transposed in registers (<see cref="Transpose4x4"/>, <see cref="Transpose8x8"/>), for copies
/// written once over the block's size: dst[c·dstStride + r] = src[r·srcStride + c] for r, c &lt; <see cref="Size"/>.
/// </summary>
internal interface ITransposeBlock
{
    static abstract int Size { get; }

    static abstract void Block(ref float src, nint srcStride, ref float dst, nint dstStride);

    /// <summary>The block with residual[c·dstStride + r] added as it lands, then ReLU when <paramref name="relu"/>.</summary>
    static abstract void BlockAddResidual(ref float src, nint srcStride, ref float residual, bool relu, ref float dst, nint dstStride);
}
