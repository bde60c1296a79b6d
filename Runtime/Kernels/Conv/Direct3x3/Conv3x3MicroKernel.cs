using System.Runtime.CompilerServices;

namespace Compiled.Kernels;

/// <summary>A constant the JIT folds when it compiles a generic kernel for a value type (a tile dimension).</summary>
internal interface IConstant
{
    static abstract int Value { get; }
}

internal readonly struct Rows4 : IConstant { public static int Value => 4; }
internal readonly struct Rows8 : IConstant { public static int Value => 8; }
internal readonly struct Taps3 : IConstant { public static int Value => 3; }
internal readonly struct Taps6 : IConstant { public static int Value => 6; }
internal readonly struct Vectors1 : IConstant { public static int Value => 1; }
internal readonly struct Vectors2 : IConstant { public static int Value => 2; }
internal readonly struct Vectors3 : IConstant { public static int Value => 3; }

/// <summary>
/// The register tile of <see cref="Conv3x3Kernels"/>: R output channels × V vectors of consecutive grid positions
/// (<see cref="Conv3x3Grid"/>), R·V accumulators that stay in registers across every input channel and tap. Per patch entry p
/// (a tap of an input channel): V vector loads of the shifted input run, R broadcasts of packed weights, R·V fused
/// multiply-adds. Written once over the lane (<see cref="ILane{T}"/>: 512-, 256-, 128-bit vectors or a float) and the tile's
/// dimensions (constants, so the JIT drops the unused accumulators): 8 × 3 at 512 bits (24 of 32 registers, plus 3 input
/// vectors and a broadcast), 4 × 3 at 256 and 128 bits (12 + 3 + 1 = 16, AVX2's register file).
/// </summary>
/// <remarks>
/// Every output is summed over p in the same order with one fused multiply-add per term at every width (the lanes run over
/// positions, never over the reduction), so all widths give the same bits.
/// </remarks>
internal static class Conv3x3MicroKernel
{
    /// <summary>
    /// c[m·ldc + v·L + lane] = Σ_{p &lt; k} src[offsets[p] + v·L + lane]·w[p·R + m] for m &lt; R, v &lt; V (overwritten).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, L, R, V>(int k, ref float src, ref int offsets, ref float w, ref float c, int ldc)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant where V : struct, IConstant
    {
        int lanes = L.Count;
        T zero = L.Splat(0f);
        T a00 = zero, a01 = zero, a02 = zero, a10 = zero, a11 = zero, a12 = zero, a20 = zero, a21 = zero, a22 = zero, a30 = zero, a31 = zero, a32 = zero;
        T a40 = zero, a41 = zero, a42 = zero, a50 = zero, a51 = zero, a52 = zero, a60 = zero, a61 = zero, a62 = zero, a70 = zero, a71 = zero, a72 = zero;
        for (int p = 0; p < k; p++)
        {
            ref float x = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            T x0 = L.Load(ref x, 0);
            T x1 = V.Value > 1 ? L.Load(ref x, lanes) : zero;
            T x2 = V.Value > 2 ? L.Load(ref x, 2 * lanes) : zero;
            ref float wp = ref Unsafe.Add(ref w, p * R.Value);

            T b = L.Splat(wp);
            a00 = L.FusedMultiplyAdd(x0, b, a00);
            if (V.Value > 1) a01 = L.FusedMultiplyAdd(x1, b, a01);
            if (V.Value > 2) a02 = L.FusedMultiplyAdd(x2, b, a02);
            b = L.Splat(Unsafe.Add(ref wp, 1));
            a10 = L.FusedMultiplyAdd(x0, b, a10);
            if (V.Value > 1) a11 = L.FusedMultiplyAdd(x1, b, a11);
            if (V.Value > 2) a12 = L.FusedMultiplyAdd(x2, b, a12);
            b = L.Splat(Unsafe.Add(ref wp, 2));
            a20 = L.FusedMultiplyAdd(x0, b, a20);
            if (V.Value > 1) a21 = L.FusedMultiplyAdd(x1, b, a21);
            if (V.Value > 2) a22 = L.FusedMultiplyAdd(x2, b, a22);
            b = L.Splat(Unsafe.Add(ref wp, 3));
            a30 = L.FusedMultiplyAdd(x0, b, a30);
            if (V.Value > 1) a31 = L.FusedMultiplyAdd(x1, b, a31);
            if (V.Value > 2) a32 = L.FusedMultiplyAdd(x2, b, a32);
            if (R.Value > 4)
            {
                b = L.Splat(Unsafe.Add(ref wp, 4));
                a40 = L.FusedMultiplyAdd(x0, b, a40);
                if (V.Value > 1) a41 = L.FusedMultiplyAdd(x1, b, a41);
                if (V.Value > 2) a42 = L.FusedMultiplyAdd(x2, b, a42);
                b = L.Splat(Unsafe.Add(ref wp, 5));
                a50 = L.FusedMultiplyAdd(x0, b, a50);
                if (V.Value > 1) a51 = L.FusedMultiplyAdd(x1, b, a51);
                if (V.Value > 2) a52 = L.FusedMultiplyAdd(x2, b, a52);
                b = L.Splat(Unsafe.Add(ref wp, 6));
                a60 = L.FusedMultiplyAdd(x0, b, a60);
                if (V.Value > 1) a61 = L.FusedMultiplyAdd(x1, b, a61);
                if (V.Value > 2) a62 = L.FusedMultiplyAdd(x2, b, a62);
                b = L.Splat(Unsafe.Add(ref wp, 7));
                a70 = L.FusedMultiplyAdd(x0, b, a70);
                if (V.Value > 1) a71 = L.FusedMultiplyAdd(x1, b, a71);
                if (V.Value > 2) a72 = L.FusedMultiplyAdd(x2, b, a72);
            }
        }

        StoreRow<T, L, V>(ref c, a00, a01, a02, lanes);
        StoreRow<T, L, V>(ref Unsafe.Add(ref c, ldc), a10, a11, a12, lanes);
        StoreRow<T, L, V>(ref Unsafe.Add(ref c, 2 * ldc), a20, a21, a22, lanes);
        StoreRow<T, L, V>(ref Unsafe.Add(ref c, 3 * ldc), a30, a31, a32, lanes);
        if (R.Value > 4)
        {
            StoreRow<T, L, V>(ref Unsafe.Add(ref c, 4 * ldc), a40, a41, a42, lanes);
            StoreRow<T, L, V>(ref Unsafe.Add(ref c, 5 * ldc), a50, a51, a52, lanes);
            StoreRow<T, L, V>(ref Unsafe.Add(ref c, 6 * ldc), a60, a61, a62, lanes);
            StoreRow<T, L, V>(ref Unsafe.Add(ref c, 7 * ldc), a70, a71, a72, lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, L, V>(ref float row, T v0, T v1, T v2, int lanes)
        where T : struct where L : struct, ILane<T> where V : struct, IConstant
    {
        L.Store(ref row, 0, v0);
        if (V.Value > 1) L.Store(ref row, lanes, v1);
        if (V.Value > 2) L.Store(ref row, 2 * lanes, v2);
    }
}
