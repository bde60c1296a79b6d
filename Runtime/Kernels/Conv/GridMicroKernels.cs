using System.Runtime.CompilerServices;

namespace Compiled.Kernels;

internal readonly struct Positions1 : IConstant { public static int Value => 1; }
internal readonly struct Positions2 : IConstant { public static int Value => 2; }
internal readonly struct Positions3 : IConstant { public static int Value => 3; }
internal readonly struct Positions4 : IConstant { public static int Value => 4; }
internal readonly struct Positions5 : IConstant { public static int Value => 5; }
internal readonly struct Positions6 : IConstant { public static int Value => 6; }
internal readonly struct Positions8 : IConstant { public static int Value => 8; }
internal readonly struct Positions10 : IConstant { public static int Value => 10; }
internal readonly struct Positions12 : IConstant { public static int Value => 12; }

/// <summary>
/// The forward micro-kernel of the grid convolution (<see cref="GridConvolution"/>): P consecutive grid positions (12, or
/// 10 where that fits an output row better) × one vector of output channels, in P accumulators. Per patch entry p: one
/// vector load of the packed weights, P broadcasts of the shifted input run src[offsets[p] + 0..P−1], P fused
/// multiply-adds. Written once over the lane (<see cref="ILane{T}"/>: 512-, 256-, 128-bit vectors or, as the twin, a float)
/// and the tile (a constant, so the JIT drops the unused accumulators). <see cref="RunPair{T, L, H}"/> takes half the
/// positions × two vectors of output channels instead, for 16-register files (below 512 bits).
/// </summary>
internal static class GridMicroKernel
{
    /// <summary>
    /// c[i·ldc + j] = Σ_{p &lt; k} src[offsets[p] + i]·b[p·L.Count + j] for i &lt; P, j &lt; L.Count (overwritten); the sum
    /// runs over p in order, one fused multiply-add per term, at every width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, L, P>(int k, ref float src, ref int offsets, ref float b, ref float c, nint ldc)
        where T : struct where L : struct, ILane<T> where P : struct, IConstant
    {
        T zero = L.Splat(0f);
        T c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero, c8 = zero, c9 = zero, c10 = zero, c11 = zero;
        for (int p = 0; p < k; p++)
        {
            ref float a = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            T bv = L.Load(ref b, p * L.Count);
            c0 = L.FusedMultiplyAdd(L.Splat(a), bv, c0);
            c1 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 1)), bv, c1);
            c2 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 2)), bv, c2);
            c3 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 3)), bv, c3);
            c4 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 4)), bv, c4);
            c5 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 5)), bv, c5);
            c6 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 6)), bv, c6);
            c7 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 7)), bv, c7);
            c8 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 8)), bv, c8);
            c9 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 9)), bv, c9);
            if (P.Value > 10)
            {
                c10 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 10)), bv, c10);
                c11 = L.FusedMultiplyAdd(L.Splat(Unsafe.Add(ref a, 11)), bv, c11);
            }
        }
        L.Store(ref c, 0, c0);
        L.Store(ref Unsafe.Add(ref c, 1 * ldc), 0, c1);
        L.Store(ref Unsafe.Add(ref c, 2 * ldc), 0, c2);
        L.Store(ref Unsafe.Add(ref c, 3 * ldc), 0, c3);
        L.Store(ref Unsafe.Add(ref c, 4 * ldc), 0, c4);
        L.Store(ref Unsafe.Add(ref c, 5 * ldc), 0, c5);
        L.Store(ref Unsafe.Add(ref c, 6 * ldc), 0, c6);
        L.Store(ref Unsafe.Add(ref c, 7 * ldc), 0, c7);
        L.Store(ref Unsafe.Add(ref c, 8 * ldc), 0, c8);
        L.Store(ref Unsafe.Add(ref c, 9 * ldc), 0, c9);
        if (P.Value > 10)
        {
            L.Store(ref Unsafe.Add(ref c, 10 * ldc), 0, c10);
            L.Store(ref Unsafe.Add(ref c, 11 * ldc), 0, c11);
        }
    }

    /// <summary>
    /// <see cref="Run{T, L, P}"/> for two vectors of output channels at once: H positions (5 or 6) × 2 vectors in 2·H
    /// accumulators, the second vector's weights <paramref name="weightPanel"/> floats on and its results
    /// <paramref name="resultPanel"/> on. Per patch entry two vector loads and H broadcasts feed 2·H fused multiply-adds, where
    /// the tile of 10 or 12 positions loads 11 or 13 times per 10 or 12: with AVX2's 16 registers (no room for 2 × 10), the
    /// loads are what bounds the tile of one vector. Each output is the same sum in the same order (the same bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunPair<T, L, H>(int k, ref float src, ref int offsets, ref float b, nint weightPanel, ref float c, nint ldc, nint resultPanel)
        where T : struct where L : struct, ILane<T> where H : struct, IConstant
    {
        T zero = L.Splat(0f);
        T c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, d0 = zero, d1 = zero, d2 = zero, d3 = zero, d4 = zero, d5 = zero;
        ref float b2 = ref Unsafe.Add(ref b, weightPanel);
        for (int p = 0; p < k; p++)
        {
            ref float a = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            T bv = L.Load(ref b, p * L.Count), bw = L.Load(ref b2, p * L.Count);
            T s = L.Splat(a);
            c0 = L.FusedMultiplyAdd(s, bv, c0);
            d0 = L.FusedMultiplyAdd(s, bw, d0);
            s = L.Splat(Unsafe.Add(ref a, 1));
            c1 = L.FusedMultiplyAdd(s, bv, c1);
            d1 = L.FusedMultiplyAdd(s, bw, d1);
            s = L.Splat(Unsafe.Add(ref a, 2));
            c2 = L.FusedMultiplyAdd(s, bv, c2);
            d2 = L.FusedMultiplyAdd(s, bw, d2);
            s = L.Splat(Unsafe.Add(ref a, 3));
            c3 = L.FusedMultiplyAdd(s, bv, c3);
            d3 = L.FusedMultiplyAdd(s, bw, d3);
            s = L.Splat(Unsafe.Add(ref a, 4));
            c4 = L.FusedMultiplyAdd(s, bv, c4);
            d4 = L.FusedMultiplyAdd(s, bw, d4);
            if (H.Value > 5)
            {
                s = L.Splat(Unsafe.Add(ref a, 5));
                c5 = L.FusedMultiplyAdd(s, bv, c5);
                d5 = L.FusedMultiplyAdd(s, bw, d5);
            }
        }
        ref float e = ref Unsafe.Add(ref c, resultPanel);
        L.Store(ref c, 0, c0);
        L.Store(ref Unsafe.Add(ref c, 1 * ldc), 0, c1);
        L.Store(ref Unsafe.Add(ref c, 2 * ldc), 0, c2);
        L.Store(ref Unsafe.Add(ref c, 3 * ldc), 0, c3);
        L.Store(ref Unsafe.Add(ref c, 4 * ldc), 0, c4);
        L.Store(ref e, 0, d0);
        L.Store(ref Unsafe.Add(ref e, 1 * ldc), 0, d1);
        L.Store(ref Unsafe.Add(ref e, 2 * ldc), 0, d2);
        L.Store(ref Unsafe.Add(ref e, 3 * ldc), 0, d3);
        L.Store(ref Unsafe.Add(ref e, 4 * ldc), 0, d4);
        if (H.Value > 5)
        {
            L.Store(ref Unsafe.Add(ref c, 5 * ldc), 0, c5);
            L.Store(ref Unsafe.Add(ref e, 5 * ldc), 0, d5);
        }
    }
}
