using System.Runtime.CompilerServices;
using Compiled.Optimizers.Kernels;

namespace Compiled.Kernels;

/// <summary>
/// The register tile of <see cref="Conv3x3Kernels"/>' weight gradient: one kernel row (three taps) of one input channel ×
/// V vectors of output channels, dwᵀ[tap, o] += Σ_samples Σ_(oh, ow) x[tap + oh·PWs + ow]·dyᵀ[(oh, ow), o], in 3·V accumulators
/// that stay in registers across a group of samples. Per output pixel: V vector loads of dyᵀ, three broadcasts of the
/// input, 3·V fused multiply-adds. Written once over the lane and V (a constant): V = 4 at 512 bits (12 accumulators), 3 at
/// 256 and 128 bits and at the scalar width (9 + 3 + 1 registers). The lanes run over output channels, so every width sums
/// in the same order and gives the same bits.
/// </summary>
internal static class Conv3x3WeightGradientKernel
{
    /// <summary>
    /// c[t·ldc + v·L + lane] += Σ_{s &lt; samples} Σ_{oh, ow} x[s·xStride + tap_t + oh·pitch + ow]·dyT[s·dyStride + (oh·OW + ow)·ld + v·L + lane]
    /// for t &lt; 3, v &lt; V.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, L, V>(int samples, int outHeight, int outWidth, ref float x, int xStride, int pitch, int tap0, int tap1, int tap2,
        ref float dyT, int dyStride, int ld, ref float c, int ldc)
        where T : struct where L : struct, ILane<T> where V : struct, IConstant
    {
        int lanes = L.Count;
        ref float c1 = ref Unsafe.Add(ref c, ldc);
        ref float c2 = ref Unsafe.Add(ref c, 2 * ldc);
        T zero = L.Splat(0f);
        T a00 = L.Load(ref c, 0), a01 = V.Value > 1 ? L.Load(ref c, lanes) : zero, a02 = V.Value > 2 ? L.Load(ref c, 2 * lanes) : zero, a03 = V.Value > 3 ? L.Load(ref c, 3 * lanes) : zero;
        T a10 = L.Load(ref c1, 0), a11 = V.Value > 1 ? L.Load(ref c1, lanes) : zero, a12 = V.Value > 2 ? L.Load(ref c1, 2 * lanes) : zero, a13 = V.Value > 3 ? L.Load(ref c1, 3 * lanes) : zero;
        T a20 = L.Load(ref c2, 0), a21 = V.Value > 1 ? L.Load(ref c2, lanes) : zero, a22 = V.Value > 2 ? L.Load(ref c2, 2 * lanes) : zero, a23 = V.Value > 3 ? L.Load(ref c2, 3 * lanes) : zero;
        for (int s = 0; s < samples; s++)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                ref float row = ref Unsafe.Add(ref x, s * xStride + oh * pitch);
                ref float r0 = ref Unsafe.Add(ref row, tap0);
                ref float r1 = ref Unsafe.Add(ref row, tap1);
                ref float r2 = ref Unsafe.Add(ref row, tap2);
                ref float d = ref Unsafe.Add(ref dyT, s * dyStride + oh * outWidth * ld);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    T d0 = L.Load(ref d, 0);
                    T d1 = V.Value > 1 ? L.Load(ref d, lanes) : zero;
                    T d2 = V.Value > 2 ? L.Load(ref d, 2 * lanes) : zero;
                    T d3 = V.Value > 3 ? L.Load(ref d, 3 * lanes) : zero;
                    d = ref Unsafe.Add(ref d, ld);

                    T b = L.Splat(Unsafe.Add(ref r0, ow));
                    a00 = L.FusedMultiplyAdd(b, d0, a00);
                    if (V.Value > 1) a01 = L.FusedMultiplyAdd(b, d1, a01);
                    if (V.Value > 2) a02 = L.FusedMultiplyAdd(b, d2, a02);
                    if (V.Value > 3) a03 = L.FusedMultiplyAdd(b, d3, a03);
                    b = L.Splat(Unsafe.Add(ref r1, ow));
                    a10 = L.FusedMultiplyAdd(b, d0, a10);
                    if (V.Value > 1) a11 = L.FusedMultiplyAdd(b, d1, a11);
                    if (V.Value > 2) a12 = L.FusedMultiplyAdd(b, d2, a12);
                    if (V.Value > 3) a13 = L.FusedMultiplyAdd(b, d3, a13);
                    b = L.Splat(Unsafe.Add(ref r2, ow));
                    a20 = L.FusedMultiplyAdd(b, d0, a20);
                    if (V.Value > 1) a21 = L.FusedMultiplyAdd(b, d1, a21);
                    if (V.Value > 2) a22 = L.FusedMultiplyAdd(b, d2, a22);
                    if (V.Value > 3) a23 = L.FusedMultiplyAdd(b, d3, a23);
                }
            }
        }
        StoreRow<T, L, V>(ref c, a00, a01, a02, a03, lanes);
        StoreRow<T, L, V>(ref c1, a10, a11, a12, a13, lanes);
        StoreRow<T, L, V>(ref c2, a20, a21, a22, a23, lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, L, V>(ref float row, T v0, T v1, T v2, T v3, int lanes)
        where T : struct where L : struct, ILane<T> where V : struct, IConstant
    {
        L.Store(ref row, 0, v0);
        if (V.Value > 1) L.Store(ref row, lanes, v1);
        if (V.Value > 2) L.Store(ref row, 2 * lanes, v2);
        if (V.Value > 3) L.Store(ref row, 3 * lanes, v3);
    }
}
