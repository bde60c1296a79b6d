using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The 512-bit micro-kernel: an 8 × 32 tile of C in 16 Vector512 accumulators (8 rows × 2 vectors; 19 of the 32
/// registers AVX-512 has). Per step of k: two vector loads of B, eight broadcasts of A, sixteen fused multiply-adds. Eight
/// rows rather than the narrower widths' six: fewer loads per multiply-add, and a batch of 32 or 64 samples (a batch of
/// 64 split over two threads) fills whole tiles, where six rows left a panel of two or four.
/// </summary>
internal readonly struct GemmMicroKernel512 : IGemmMicroKernel
{
    public static int NR => 2 * Vector512<float>.Count;

    public static int MR => 8;

    public static void Run(nint kc, ref float a, nint aRow, nint aCol, ref float b, nint bRow, ref float c, nint ldc, bool overwrite, int rows)
    {
        // A's rows 1..7 sit at these offsets from row 0 (aRow = 1 when A is transposed); at a bottom edge the rows past the
        // last one read that row again (computed, never stored), so nothing past A's last row is read.
        nint a1 = aRow, a2 = 2 * aRow, a3 = 3 * aRow, a4 = 4 * aRow, a5 = 5 * aRow, a6 = 6 * aRow, a7 = 7 * aRow;
        if (rows < 8) (a1, a2, a3, a4, a5, a6, a7) = (Row(1, rows, aRow), Row(2, rows, aRow), Row(3, rows, aRow), Row(4, rows, aRow), Row(5, rows, aRow), Row(6, rows, aRow), Row(7, rows, aRow));
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref b);
            Vector512<float> b1 = Vector512.LoadUnsafe(ref b, (nuint)Vector512<float>.Count);
            Vector512<float> ai = Vector512.Create(a);
            c00 = MultiplyAdd.Of(ai, b0, c00);
            c01 = MultiplyAdd.Of(ai, b1, c01);
            ai = Vector512.Create(Unsafe.Add(ref a, a1));
            c10 = MultiplyAdd.Of(ai, b0, c10);
            c11 = MultiplyAdd.Of(ai, b1, c11);
            ai = Vector512.Create(Unsafe.Add(ref a, a2));
            c20 = MultiplyAdd.Of(ai, b0, c20);
            c21 = MultiplyAdd.Of(ai, b1, c21);
            ai = Vector512.Create(Unsafe.Add(ref a, a3));
            c30 = MultiplyAdd.Of(ai, b0, c30);
            c31 = MultiplyAdd.Of(ai, b1, c31);
            ai = Vector512.Create(Unsafe.Add(ref a, a4));
            c40 = MultiplyAdd.Of(ai, b0, c40);
            c41 = MultiplyAdd.Of(ai, b1, c41);
            ai = Vector512.Create(Unsafe.Add(ref a, a5));
            c50 = MultiplyAdd.Of(ai, b0, c50);
            c51 = MultiplyAdd.Of(ai, b1, c51);
            ai = Vector512.Create(Unsafe.Add(ref a, a6));
            c60 = MultiplyAdd.Of(ai, b0, c60);
            c61 = MultiplyAdd.Of(ai, b1, c61);
            ai = Vector512.Create(Unsafe.Add(ref a, a7));
            c70 = MultiplyAdd.Of(ai, b0, c70);
            c71 = MultiplyAdd.Of(ai, b1, c71);
            a = ref Unsafe.Add(ref a, aCol);
            b = ref Unsafe.Add(ref b, bRow);
        }
        StoreRow(ref c, c00, c01, overwrite);
        if (rows > 1) StoreRow(ref Unsafe.Add(ref c, ldc), c10, c11, overwrite);
        if (rows > 2) StoreRow(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, overwrite);
        if (rows > 3) StoreRow(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, overwrite);
        if (rows > 4) StoreRow(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, overwrite);
        if (rows > 5) StoreRow(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, overwrite);
        if (rows > 6) StoreRow(ref Unsafe.Add(ref c, 6 * ldc), c60, c61, overwrite);
        if (rows > 7) StoreRow(ref Unsafe.Add(ref c, 7 * ldc), c70, c71, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Row(int i, int rows, nint aRow) => (i < rows ? i : rows - 1) * aRow;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref float c, Vector512<float> left, Vector512<float> right, bool overwrite)
    {
        if (!overwrite)
        {
            left += Vector512.LoadUnsafe(ref c);
            right += Vector512.LoadUnsafe(ref c, (nuint)Vector512<float>.Count);
        }
        left.StoreUnsafe(ref c);
        right.StoreUnsafe(ref c, (nuint)Vector512<float>.Count);
    }
}
