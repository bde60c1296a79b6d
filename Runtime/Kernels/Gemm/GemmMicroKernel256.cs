using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The 256-bit micro-kernel: a 6 × 16 tile of C in 12 Vector256 accumulators (6 rows × 2 vectors). Per step of k:
/// two vector loads of B, six broadcasts of A, twelve fused multiply-adds (12 accumulators + 3 of the 16 registers AVX2
/// has, so six rows is the most).
/// </summary>
internal readonly struct GemmMicroKernel256 : IGemmMicroKernel
{
    public static int NR => 2 * Vector256<float>.Count;

    public static int MR => 6;

    public static void Run(nint kc, ref float a, nint aRow, nint aCol, ref float b, nint bRow, ref float c, nint ldc, bool overwrite, int rows)
    {
        // A's rows 1..5 sit at these offsets from row 0 (aRow = 1 when A is transposed); at a bottom edge the rows past the
        // last one read that row again (computed, never stored), so nothing past A's last row is read.
        nint a1 = aRow, a2 = 2 * aRow, a3 = 3 * aRow, a4 = 4 * aRow, a5 = 5 * aRow;
        if (rows < 6) (a1, a2, a3, a4, a5) = (Row(1, rows, aRow), Row(2, rows, aRow), Row(3, rows, aRow), Row(4, rows, aRow), Row(5, rows, aRow));
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref b, (nuint)Vector256<float>.Count);
            Vector256<float> ai = Vector256.Create(a);
            c00 = MultiplyAdd.Of(ai, b0, c00);
            c01 = MultiplyAdd.Of(ai, b1, c01);
            ai = Vector256.Create(Unsafe.Add(ref a, a1));
            c10 = MultiplyAdd.Of(ai, b0, c10);
            c11 = MultiplyAdd.Of(ai, b1, c11);
            ai = Vector256.Create(Unsafe.Add(ref a, a2));
            c20 = MultiplyAdd.Of(ai, b0, c20);
            c21 = MultiplyAdd.Of(ai, b1, c21);
            ai = Vector256.Create(Unsafe.Add(ref a, a3));
            c30 = MultiplyAdd.Of(ai, b0, c30);
            c31 = MultiplyAdd.Of(ai, b1, c31);
            ai = Vector256.Create(Unsafe.Add(ref a, a4));
            c40 = MultiplyAdd.Of(ai, b0, c40);
            c41 = MultiplyAdd.Of(ai, b1, c41);
            ai = Vector256.Create(Unsafe.Add(ref a, a5));
            c50 = MultiplyAdd.Of(ai, b0, c50);
            c51 = MultiplyAdd.Of(ai, b1, c51);
            a = ref Unsafe.Add(ref a, aCol);
            b = ref Unsafe.Add(ref b, bRow);
        }
        StoreRow(ref c, c00, c01, overwrite);
        if (rows > 1) StoreRow(ref Unsafe.Add(ref c, ldc), c10, c11, overwrite);
        if (rows > 2) StoreRow(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, overwrite);
        if (rows > 3) StoreRow(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, overwrite);
        if (rows > 4) StoreRow(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, overwrite);
        if (rows > 5) StoreRow(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Row(int i, int rows, nint aRow) => (i < rows ? i : rows - 1) * aRow;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref float c, Vector256<float> left, Vector256<float> right, bool overwrite)
    {
        if (!overwrite)
        {
            left += Vector256.LoadUnsafe(ref c);
            right += Vector256.LoadUnsafe(ref c, (nuint)Vector256<float>.Count);
        }
        left.StoreUnsafe(ref c);
        right.StoreUnsafe(ref c, (nuint)Vector256<float>.Count);
    }
}
