using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels;

/// <summary>
/// An 8×8 block of floats transposed in AVX registers: sixteen half-row loads (rows r and r + 4 side by side, so the
/// 128-bit insert happens in the load), sixteen shuffles and eight 256-bit stores, where four <see cref="Transpose4x4"/>
/// blocks take sixteen loads, thirty-two shuffles and sixteen 128-bit stores. The stores are what the channels-first ↔
/// channels-last copies around the Winograd layers wait on (each lands in a different plane); half as many of them, twice as
/// wide, and the shuffle port does half the work. Callers check <see cref="IsSupported"/> and fall back to 4×4 blocks or
/// their element loop; the block moves floats without arithmetic (or adds and rectifies elementwise as the 4×4 block does),
/// so every path gives the same bits.
/// </summary>
internal static class Transpose8x8
{
    public static bool IsSupported => Avx.IsSupported;

    /// <summary>This block for code written once over the block's size (<see cref="ITransposeBlock"/>).</summary>
    public readonly struct Square : ITransposeBlock
    {
        public static int Size => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Block(ref float src, nint srcStride, ref float dst, nint dstStride) => Transpose8x8.Block(ref src, srcStride, ref dst, dstStride);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void BlockAddResidual(ref float src, nint srcStride, ref float residual, bool relu, ref float dst, nint dstStride)
            => Transpose8x8.BlockAddResidual(ref src, srcStride, ref residual, relu, ref dst, dstStride);
    }

    /// <summary>dst[c·dstStride + r] = src[r·srcStride + c] for r, c &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(ref float src, nint srcStride, ref float dst, nint dstStride)
    {
        Transpose(ref src, srcStride, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3,
            out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7);
        c0.StoreUnsafe(ref dst);
        c1.StoreUnsafe(ref Unsafe.Add(ref dst, dstStride));
        c2.StoreUnsafe(ref Unsafe.Add(ref dst, 2 * dstStride));
        c3.StoreUnsafe(ref Unsafe.Add(ref dst, 3 * dstStride));
        c4.StoreUnsafe(ref Unsafe.Add(ref dst, 4 * dstStride));
        c5.StoreUnsafe(ref Unsafe.Add(ref dst, 5 * dstStride));
        c6.StoreUnsafe(ref Unsafe.Add(ref dst, 6 * dstStride));
        c7.StoreUnsafe(ref Unsafe.Add(ref dst, 7 * dstStride));
    }

    /// <summary>
    /// dst[c·dstStride + r] = src[r·srcStride + c] + residual[c·dstStride + r] for r, c &lt; 8, then ReLU when
    /// <paramref name="relu"/>: a block transposed into place with a residual added as it lands (as
    /// <see cref="Transpose4x4.BlockAddResidual"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BlockAddResidual(ref float src, nint srcStride, ref float residual, bool relu, ref float dst, nint dstStride)
    {
        Transpose(ref src, srcStride, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3,
            out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7);
        AddStore(c0, ref residual, relu, ref dst);
        AddStore(c1, ref Unsafe.Add(ref residual, dstStride), relu, ref Unsafe.Add(ref dst, dstStride));
        AddStore(c2, ref Unsafe.Add(ref residual, 2 * dstStride), relu, ref Unsafe.Add(ref dst, 2 * dstStride));
        AddStore(c3, ref Unsafe.Add(ref residual, 3 * dstStride), relu, ref Unsafe.Add(ref dst, 3 * dstStride));
        AddStore(c4, ref Unsafe.Add(ref residual, 4 * dstStride), relu, ref Unsafe.Add(ref dst, 4 * dstStride));
        AddStore(c5, ref Unsafe.Add(ref residual, 5 * dstStride), relu, ref Unsafe.Add(ref dst, 5 * dstStride));
        AddStore(c6, ref Unsafe.Add(ref residual, 6 * dstStride), relu, ref Unsafe.Add(ref dst, 6 * dstStride));
        AddStore(c7, ref Unsafe.Add(ref residual, 7 * dstStride), relu, ref Unsafe.Add(ref dst, 7 * dstStride));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddStore(Vector256<float> column, ref float residual, bool relu, ref float dst)
    {
        column += Vector256.LoadUnsafe(ref residual);
        if (relu) column = Vector256.Max(column, Vector256<float>.Zero);
        column.StoreUnsafe(ref dst);
    }

    /// <summary>Column c (c &lt; 8) of the 8×8 block at <paramref name="src"/> (rows <paramref name="srcStride"/> apart) into cc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref float src, nint srcStride, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2,
        out Vector256<float> c3, out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7)
    {
        // Row r's first four floats beside row r + 4's (a), its last four beside row r + 4's (b): a 4×4 transpose within each
        // 128-bit half then gives columns 0-3 (from a) and 4-7 (from b), rows 0-3 in the low half and 4-7 in the high.
        ref float r4 = ref Unsafe.Add(ref src, 4 * srcStride);
        Vector256<float> a0 = Pair(ref src, ref r4, 0), a1 = Pair(ref src, ref r4, srcStride);
        Vector256<float> a2 = Pair(ref src, ref r4, 2 * srcStride), a3 = Pair(ref src, ref r4, 3 * srcStride);
        Quarter(a0, a1, a2, a3, out c0, out c1, out c2, out c3);
        Vector256<float> b0 = Pair(ref src, ref r4, 4), b1 = Pair(ref src, ref r4, srcStride + 4);
        Vector256<float> b2 = Pair(ref src, ref r4, 2 * srcStride + 4), b3 = Pair(ref src, ref r4, 3 * srcStride + 4);
        Quarter(b0, b1, b2, b3, out c4, out c5, out c6, out c7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pair(ref float low, ref float high, nint at)
        => Vector256.Create(Vector128.LoadUnsafe(ref Unsafe.Add(ref low, at)), Vector128.LoadUnsafe(ref Unsafe.Add(ref high, at)));

    /// <summary>The 4×4 transpose of (a, b, c, d) within each 128-bit half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quarter(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d,
        out Vector256<float> t0, out Vector256<float> t1, out Vector256<float> t2, out Vector256<float> t3)
    {
        Vector256<float> abLow = Avx.UnpackLow(a, b), cdLow = Avx.UnpackLow(c, d);     // a0 b0 a1 b1, c0 d0 c1 d1 (per half)
        Vector256<float> abHigh = Avx.UnpackHigh(a, b), cdHigh = Avx.UnpackHigh(c, d); // a2 b2 a3 b3, c2 d2 c3 d3
        t0 = Avx.Shuffle(abLow, cdLow, 0x44);                                          // a0 b0 c0 d0
        t1 = Avx.Shuffle(abLow, cdLow, 0xEE);                                          // a1 b1 c1 d1
        t2 = Avx.Shuffle(abHigh, cdHigh, 0x44);                                        // a2 b2 c2 d2
        t3 = Avx.Shuffle(abHigh, cdHigh, 0xEE);                                        // a3 b3 c3 d3
    }
}
