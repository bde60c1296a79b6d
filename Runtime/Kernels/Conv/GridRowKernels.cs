using System.Runtime.CompilerServices;

namespace Compiled.Kernels;

/// <summary>
/// The micro-kernel of the grid convolution for few output channels (<see cref="GridConvolution"/>): 6 output channels ×
/// two vectors of consecutive grid positions, in 12 accumulators. Per patch entry p: two vector loads of the shifted
/// input run src[offsets[p] + 0..2·Lanes), six broadcasts of the packed weights w[p·6 + i], twelve fused multiply-adds.
/// The tile lands in channel-major rows, so the output needs no transposition. Written once over <see cref="ILane{T}"/>
/// and run at 128, 256 and 512 bits (the grid runs at vector widths only; the scalar twin is the reference convolution).
/// </summary>
internal readonly struct GridRowKernel<T, L> where T : struct where L : struct, ILane<T>
{
    /// <summary>Grid positions per tile: two vectors.</summary>
    public static int Columns => 2 * L.Count;

    /// <summary>
    /// c[i·ldc + j] = Σ_{p &lt; k} w[p·6 + i]·src[offsets[p] + j] for i &lt; <paramref name="channels"/> (≤ 6) and
    /// j &lt; <paramref name="valid"/> (≤ <see cref="Columns"/>), overwritten; the sum runs over p in order, one fused
    /// multiply-add per term, then, when <paramref name="hasBias"/>, plus <paramref name="bias"/>[i] (else stored as it is, so
    /// a −0 stays −0). A whole tile into a grid of results takes 6 channels, every position and no bias; a tile of one output
    /// row goes straight into y with the bias. Fewer than <see cref="Columns"/> positions go through
    /// <paramref name="spill"/> (<see cref="Columns"/>·6 floats), then one by one.
    /// </summary>
    /// <remarks>
    /// No call may follow the loop while the accumulators live: the register allocator then keeps them on the stack in the
    /// loop too (a non-inlined store helper made LeNet-5's conv1 1.4x slower).
    /// </remarks>
    public static void Run(int k, ref float w, ref float src, ref int offsets, ref float c, nint ldc, ref float bias, bool hasBias, int channels, int valid,
        ref float spill)
    {
        T c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            ref float b = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            T b0 = L.Load(ref b, 0);
            T b1 = L.Load(ref b, L.Count);
            ref float wp = ref Unsafe.Add(ref w, p * 6);
            T ai = L.Splat(wp);
            c00 = L.FusedMultiplyAdd(ai, b0, c00);
            c01 = L.FusedMultiplyAdd(ai, b1, c01);
            ai = L.Splat(Unsafe.Add(ref wp, 1));
            c10 = L.FusedMultiplyAdd(ai, b0, c10);
            c11 = L.FusedMultiplyAdd(ai, b1, c11);
            ai = L.Splat(Unsafe.Add(ref wp, 2));
            c20 = L.FusedMultiplyAdd(ai, b0, c20);
            c21 = L.FusedMultiplyAdd(ai, b1, c21);
            ai = L.Splat(Unsafe.Add(ref wp, 3));
            c30 = L.FusedMultiplyAdd(ai, b0, c30);
            c31 = L.FusedMultiplyAdd(ai, b1, c31);
            ai = L.Splat(Unsafe.Add(ref wp, 4));
            c40 = L.FusedMultiplyAdd(ai, b0, c40);
            c41 = L.FusedMultiplyAdd(ai, b1, c41);
            ai = L.Splat(Unsafe.Add(ref wp, 5));
            c50 = L.FusedMultiplyAdd(ai, b0, c50);
            c51 = L.FusedMultiplyAdd(ai, b1, c51);
        }
        int lanes = L.Count;
        bool whole = valid == 2 * lanes;
        ref float to = ref whole ? ref c : ref spill;
        nint ld = whole ? ldc : 2 * lanes;
        Store(ref to, c00, c01, ref bias, hasBias);
        if (channels > 1) Store(ref Unsafe.Add(ref to, 1 * ld), c10, c11, ref Unsafe.Add(ref bias, 1), hasBias);
        if (channels > 2) Store(ref Unsafe.Add(ref to, 2 * ld), c20, c21, ref Unsafe.Add(ref bias, 2), hasBias);
        if (channels > 3) Store(ref Unsafe.Add(ref to, 3 * ld), c30, c31, ref Unsafe.Add(ref bias, 3), hasBias);
        if (channels > 4) Store(ref Unsafe.Add(ref to, 4 * ld), c40, c41, ref Unsafe.Add(ref bias, 4), hasBias);
        if (channels > 5) Store(ref Unsafe.Add(ref to, 5 * ld), c50, c51, ref Unsafe.Add(ref bias, 5), hasBias);
        if (whole) return;
        for (int i = 0; i < channels; i++)
            for (int j = 0; j < valid; j++) Unsafe.Add(ref c, i * ldc + j) = Unsafe.Add(ref spill, i * 2 * lanes + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float row, T first, T second, ref float bias, bool hasBias)
    {
        if (hasBias)
        {
            T b = L.Splat(bias);
            first = L.Add(first, b);
            second = L.Add(second, b);
        }
        L.Store(ref row, 0, first);
        L.Store(ref row, L.Count, second);
    }
}
