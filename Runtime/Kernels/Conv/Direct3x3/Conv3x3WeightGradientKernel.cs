using System.Runtime.CompilerServices;

namespace Compiled.Kernels;

/// <summary>
/// The register tile of <see cref="Conv3x3Kernels"/>' weight gradient: K taps (one or two kernel rows of three) × V vectors of
/// output channels, dwᵀ[tap, o] += Σ_samples Σ_(oh, ow) x[tap + oh·PWs + ow]·dyᵀ[(oh, ow), o], in K·V accumulators that stay in
/// registers across a group of samples. Per output pixel: V vector loads of dyᵀ, K broadcasts of the input, K·V fused
/// multiply-adds. Written once over the lane, K and V (constants): 6 × 2 at every width (12 accumulators + 2 dyᵀ vectors + a
/// broadcast, within AVX2's 16 registers; 8 loads per 12 multiply-adds, where 3 × 2 made 5 per 6 and ran a quarter slower at
/// 256 bits); K = 3 for the last kernel row when Cin·3 is odd. The lanes run over output channels, so every width sums in the
/// same order and gives the same bits.
/// </summary>
internal static class Conv3x3WeightGradientKernel
{
    /// <summary>
    /// c[t·ldc + v·L + lane] += Σ_{s &lt; samples} Σ_{oh, ow} x[s·xStride + taps[t] + oh·pitch + ow]·dyT[s·dyStride + (oh·OW + ow)·ld + v·L + lane]
    /// for t &lt; K (3 or 6), v &lt; V (1 or 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, L, K, V>(int samples, int outHeight, int outWidth, ref float x, int xStride, int pitch, ref int taps,
        ref float dyT, int dyStride, int ld, ref float c, int ldc)
        where T : struct where L : struct, ILane<T> where K : struct, IConstant where V : struct, IConstant
    {
        int tap0 = taps, tap1 = Unsafe.Add(ref taps, 1), tap2 = Unsafe.Add(ref taps, 2);
        int tap3 = K.Value > 3 ? Unsafe.Add(ref taps, 3) : 0, tap4 = K.Value > 3 ? Unsafe.Add(ref taps, 4) : 0, tap5 = K.Value > 3 ? Unsafe.Add(ref taps, 5) : 0;
        int lanes = L.Count;
        ref float c1 = ref Unsafe.Add(ref c, ldc);
        ref float c2 = ref Unsafe.Add(ref c, 2 * ldc);
        T zero = L.Splat(0f);
        T a00 = L.Load(ref c, 0), a01 = V.Value > 1 ? L.Load(ref c, lanes) : zero;
        T a10 = L.Load(ref c1, 0), a11 = V.Value > 1 ? L.Load(ref c1, lanes) : zero;
        T a20 = L.Load(ref c2, 0), a21 = V.Value > 1 ? L.Load(ref c2, lanes) : zero;
        // Taps 3..5 (K = 6); with K = 3 these refs stay on c (rows past the third may lie past the buffer's end).
        ref float c3 = ref K.Value > 3 ? ref Unsafe.Add(ref c, 3 * ldc) : ref c;
        ref float c4 = ref K.Value > 3 ? ref Unsafe.Add(ref c, 4 * ldc) : ref c;
        ref float c5 = ref K.Value > 3 ? ref Unsafe.Add(ref c, 5 * ldc) : ref c;
        T a30 = K.Value > 3 ? L.Load(ref c3, 0) : zero, a31 = K.Value > 3 && V.Value > 1 ? L.Load(ref c3, lanes) : zero;
        T a40 = K.Value > 3 ? L.Load(ref c4, 0) : zero, a41 = K.Value > 3 && V.Value > 1 ? L.Load(ref c4, lanes) : zero;
        T a50 = K.Value > 3 ? L.Load(ref c5, 0) : zero, a51 = K.Value > 3 && V.Value > 1 ? L.Load(ref c5, lanes) : zero;
        for (int s = 0; s < samples; s++)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                ref float row = ref Unsafe.Add(ref x, s * xStride + oh * pitch);
                ref float r0 = ref Unsafe.Add(ref row, tap0);
                ref float r1 = ref Unsafe.Add(ref row, tap1);
                ref float r2 = ref Unsafe.Add(ref row, tap2);
                ref float r3 = ref Unsafe.Add(ref row, tap3);
                ref float r4 = ref Unsafe.Add(ref row, tap4);
                ref float r5 = ref Unsafe.Add(ref row, tap5);
                ref float d = ref Unsafe.Add(ref dyT, s * dyStride + oh * outWidth * ld);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    T d0 = L.Load(ref d, ow * ld);
                    T d1 = V.Value > 1 ? L.Load(ref d, ow * ld + lanes) : zero;

                    T b = L.Splat(Unsafe.Add(ref r0, ow));
                    a00 = L.FusedMultiplyAdd(b, d0, a00);
                    if (V.Value > 1) a01 = L.FusedMultiplyAdd(b, d1, a01);
                    b = L.Splat(Unsafe.Add(ref r1, ow));
                    a10 = L.FusedMultiplyAdd(b, d0, a10);
                    if (V.Value > 1) a11 = L.FusedMultiplyAdd(b, d1, a11);
                    b = L.Splat(Unsafe.Add(ref r2, ow));
                    a20 = L.FusedMultiplyAdd(b, d0, a20);
                    if (V.Value > 1) a21 = L.FusedMultiplyAdd(b, d1, a21);
                    if (K.Value > 3)
                    {
                        b = L.Splat(Unsafe.Add(ref r3, ow));
                        a30 = L.FusedMultiplyAdd(b, d0, a30);
                        if (V.Value > 1) a31 = L.FusedMultiplyAdd(b, d1, a31);
                        b = L.Splat(Unsafe.Add(ref r4, ow));
                        a40 = L.FusedMultiplyAdd(b, d0, a40);
                        if (V.Value > 1) a41 = L.FusedMultiplyAdd(b, d1, a41);
                        b = L.Splat(Unsafe.Add(ref r5, ow));
                        a50 = L.FusedMultiplyAdd(b, d0, a50);
                        if (V.Value > 1) a51 = L.FusedMultiplyAdd(b, d1, a51);
                    }
                }
            }
        }
        StoreRow<T, L, V>(ref c, a00, a01, lanes);
        StoreRow<T, L, V>(ref c1, a10, a11, lanes);
        StoreRow<T, L, V>(ref c2, a20, a21, lanes);
        if (K.Value > 3)
        {
            StoreRow<T, L, V>(ref c3, a30, a31, lanes);
            StoreRow<T, L, V>(ref c4, a40, a41, lanes);
            StoreRow<T, L, V>(ref c5, a50, a51, lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, L, V>(ref float row, T v0, T v1, int lanes)
        where T : struct where L : struct, ILane<T> where V : struct, IConstant
    {
        L.Store(ref row, 0, v0);
        if (V.Value > 1) L.Store(ref row, lanes, v1);
    }
}
