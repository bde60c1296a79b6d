using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The dense forward pass for a few samples as matrix-vector products: <c>y[i, o] = b[o] + Σ_k w[o, k]·x[i, k]</c>, each
/// output the dot product of one weight row (PyTorch's <c>[out, in]</c> layout, contiguous) with one sample, eight rows at a
/// time so every load of the sample feeds eight multiply-adds and eight streams of weights are in flight (the product on one
/// sample streams its weights from L2: eight rows rather than four took the MLP's call on one sample on one thread from
/// 5.4 to 4.9 µs on an AVX-512 Xeon). Nothing is packed or transposed: a call on one sample reads
/// each weight once, straight from where it lives, which a GEMM (packing panels of w or x first) cannot.
/// </summary>
/// <remarks>
/// Written once over <see cref="ILane{T}"/>: the scalar lane is the twin the vector widths are tested against. Per output:
/// one vector accumulator over the whole vectors of the row (lane r summing columns ≡ r mod the lane count, in column
/// order), its lanes summed, then the leftover columns added one by one.
/// <para>
/// Reading weights that straddle cache lines costs ~8% of a call on one sample (it streams the weights from L2, and
/// <c>Parameters</c> is a managed array, which need not start on a cache line: 16 or 24 bytes past one on the bench networks), so when a row is whole vectors, which puts every
/// row at the same offset within a vector, the vectors are read at boundaries instead: a row's first
/// <c>lead</c> floats form a masked head, whose products are rotated into the lanes holding their columns' residues; the
/// accumulator is rotated back before the last <c>Count − lead</c> columns are added. Each lane sees the same columns in the
/// same order as in the plain loop, so the result is bit for bit the same wherever the weights lie.
/// </para>
/// </remarks>
internal static class DenseGemv
{
    /// <summary>
    /// Up to this many samples the forward pass runs as matrix-vector products (weights read once per sample, from cache);
    /// above it the GEMM, which packs once and reuses each weight across samples, wins.
    /// </summary>
    public const int MaxSamples = 4;

    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures, VectorWidth width)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ws = ref MemoryMarshal.GetReference(w);
        ref float bs = ref MemoryMarshal.GetReference(b);
        ref float ys = ref MemoryMarshal.GetReference(y);
        bool hasBias = !b.IsEmpty;
        switch (RowWidth(width, inFeatures))
        {
            case VectorWidth.V512:
                Run<Vector512<float>, Lane512>(ref xs, ref ws, ref bs, hasBias, ref ys, n, inFeatures, outFeatures);
                break;
            case VectorWidth.V256:
                Run<Vector256<float>, Lane256>(ref xs, ref ws, ref bs, hasBias, ref ys, n, inFeatures, outFeatures);
                break;
            case VectorWidth.V128:
                Run<Vector128<float>, Lane128>(ref xs, ref ws, ref bs, hasBias, ref ys, n, inFeatures, outFeatures);
                break;
            default:
                Run<float, ScalarLane>(ref xs, ref ws, ref bs, hasBias, ref ys, n, inFeatures, outFeatures);
                break;
        }
    }

    /// <summary>
    /// The width a row runs at: the widest that fits it (<see cref="VectorLanes.Narrow"/>), but 256 bits for a row of whole
    /// 256-bit vectors that is not whole 512-bit ones (LeNet-5's fc2, 120 inputs): at 512 bits its last eight columns would go
    /// through the scalar tail, a multiply-add per column and row (120 → 84 on one sample: 0.83 µs at 512 bits, 0.56 at 256).
    /// </summary>
    internal static VectorWidth RowWidth(VectorWidth width, int inFeatures)
    {
        VectorWidth narrowed = VectorLanes.Narrow(width, inFeatures);
        return narrowed == VectorWidth.V512 && inFeatures % Vector512<float>.Count == Vector256<float>.Count ? VectorWidth.V256 : narrowed;
    }

    private static void Run<T, L>(ref float x, ref float w, ref float b, bool hasBias, ref float y, int n, int inFeatures, int outFeatures)
        where T : struct where L : struct, ILane<T>
    {
        int vectorEnd = inFeatures - inFeatures % L.Count;
        // Rows of whole vectors all start at one offset within a vector; unless that is a boundary, every row's first `lead`
        // floats are read as a head and the vectors after them at boundaries (see the remarks). Same bits either way.
        int lead = vectorEnd == inFeatures ? Lead<T, L>(ref w) : 0;
        T before = L.LessThan(L.Load(ref MemoryMarshal.GetArrayDataReference(LaneIndex), 0), L.Splat(lead));
        int tailAt = inFeatures - L.Count;
        for (int i = 0; i < n; i++)
        {
            ref float xi = ref Unsafe.Add(ref x, (nint)i * inFeatures);
            ref float yi = ref Unsafe.Add(ref y, (nint)i * outFeatures);
            int o = 0;
            for (; o + 8 <= outFeatures; o += 8)
            {
                ref float w0 = ref Unsafe.Add(ref w, (nint)o * inFeatures);
                ref float w1 = ref Unsafe.Add(ref w0, inFeatures);
                ref float w2 = ref Unsafe.Add(ref w1, inFeatures);
                ref float w3 = ref Unsafe.Add(ref w2, inFeatures);
                ref float w4 = ref Unsafe.Add(ref w3, inFeatures);
                ref float w5 = ref Unsafe.Add(ref w4, inFeatures);
                ref float w6 = ref Unsafe.Add(ref w5, inFeatures);
                ref float w7 = ref Unsafe.Add(ref w6, inFeatures);
                T a0 = L.Splat(0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                int k = 0;
                if (lead != 0)
                {
                    T xh = L.Load(ref xi, 0);
                    a0 = Head<T, L>(ref w0, xh, before, lead);
                    a1 = Head<T, L>(ref w1, xh, before, lead);
                    a2 = Head<T, L>(ref w2, xh, before, lead);
                    a3 = Head<T, L>(ref w3, xh, before, lead);
                    a4 = Head<T, L>(ref w4, xh, before, lead);
                    a5 = Head<T, L>(ref w5, xh, before, lead);
                    a6 = Head<T, L>(ref w6, xh, before, lead);
                    a7 = Head<T, L>(ref w7, xh, before, lead);
                    k = lead;
                }
                for (; k + L.Count <= inFeatures; k += L.Count)
                {
                    T xv = L.Load(ref xi, k);
                    a0 = L.FusedMultiplyAdd(L.Load(ref w0, k), xv, a0);
                    a1 = L.FusedMultiplyAdd(L.Load(ref w1, k), xv, a1);
                    a2 = L.FusedMultiplyAdd(L.Load(ref w2, k), xv, a2);
                    a3 = L.FusedMultiplyAdd(L.Load(ref w3, k), xv, a3);
                    a4 = L.FusedMultiplyAdd(L.Load(ref w4, k), xv, a4);
                    a5 = L.FusedMultiplyAdd(L.Load(ref w5, k), xv, a5);
                    a6 = L.FusedMultiplyAdd(L.Load(ref w6, k), xv, a6);
                    a7 = L.FusedMultiplyAdd(L.Load(ref w7, k), xv, a7);
                }
                if (lead != 0)
                {
                    T xt = L.Load(ref xi, tailAt);
                    a0 = Tail<T, L>(a0, ref w0, xt, tailAt, before, lead);
                    a1 = Tail<T, L>(a1, ref w1, xt, tailAt, before, lead);
                    a2 = Tail<T, L>(a2, ref w2, xt, tailAt, before, lead);
                    a3 = Tail<T, L>(a3, ref w3, xt, tailAt, before, lead);
                    a4 = Tail<T, L>(a4, ref w4, xt, tailAt, before, lead);
                    a5 = Tail<T, L>(a5, ref w5, xt, tailAt, before, lead);
                    a6 = Tail<T, L>(a6, ref w6, xt, tailAt, before, lead);
                    a7 = Tail<T, L>(a7, ref w7, xt, tailAt, before, lead);
                }
                float s0 = L.Sum(a0), s1 = L.Sum(a1), s2 = L.Sum(a2), s3 = L.Sum(a3), s4 = L.Sum(a4), s5 = L.Sum(a5), s6 = L.Sum(a6), s7 = L.Sum(a7);
                for (k = vectorEnd; k < inFeatures; k++)
                {
                    float xk = Unsafe.Add(ref xi, k);
                    s0 = MultiplyAdd.Of(Unsafe.Add(ref w0, k), xk, s0);
                    s1 = MultiplyAdd.Of(Unsafe.Add(ref w1, k), xk, s1);
                    s2 = MultiplyAdd.Of(Unsafe.Add(ref w2, k), xk, s2);
                    s3 = MultiplyAdd.Of(Unsafe.Add(ref w3, k), xk, s3);
                    s4 = MultiplyAdd.Of(Unsafe.Add(ref w4, k), xk, s4);
                    s5 = MultiplyAdd.Of(Unsafe.Add(ref w5, k), xk, s5);
                    s6 = MultiplyAdd.Of(Unsafe.Add(ref w6, k), xk, s6);
                    s7 = MultiplyAdd.Of(Unsafe.Add(ref w7, k), xk, s7);
                }
                if (hasBias)
                {
                    s0 += Unsafe.Add(ref b, o);
                    s1 += Unsafe.Add(ref b, o + 1);
                    s2 += Unsafe.Add(ref b, o + 2);
                    s3 += Unsafe.Add(ref b, o + 3);
                    s4 += Unsafe.Add(ref b, o + 4);
                    s5 += Unsafe.Add(ref b, o + 5);
                    s6 += Unsafe.Add(ref b, o + 6);
                    s7 += Unsafe.Add(ref b, o + 7);
                }
                Unsafe.Add(ref yi, o) = s0;
                Unsafe.Add(ref yi, o + 1) = s1;
                Unsafe.Add(ref yi, o + 2) = s2;
                Unsafe.Add(ref yi, o + 3) = s3;
                Unsafe.Add(ref yi, o + 4) = s4;
                Unsafe.Add(ref yi, o + 5) = s5;
                Unsafe.Add(ref yi, o + 6) = s6;
                Unsafe.Add(ref yi, o + 7) = s7;
            }
            for (; o < outFeatures; o++)
            {
                ref float wo = ref Unsafe.Add(ref w, (nint)o * inFeatures);
                T a = L.Splat(0f);
                int k = 0;
                if (lead != 0)
                {
                    a = Head<T, L>(ref wo, L.Load(ref xi, 0), before, lead);
                    k = lead;
                }
                for (; k + L.Count <= inFeatures; k += L.Count) a = L.FusedMultiplyAdd(L.Load(ref wo, k), L.Load(ref xi, k), a);
                if (lead != 0) a = Tail<T, L>(a, ref wo, L.Load(ref xi, tailAt), tailAt, before, lead);
                float s = L.Sum(a);
                for (k = vectorEnd; k < inFeatures; k++) s = MultiplyAdd.Of(Unsafe.Add(ref wo, k), Unsafe.Add(ref xi, k), s);
                Unsafe.Add(ref yi, o) = hasBias ? s + Unsafe.Add(ref b, o) : s;
            }
        }
    }

    /// <summary>Floats from <paramref name="w"/> to the next vector boundary (0 at one, and always for the scalar lane).</summary>
    private static unsafe int Lead<T, L>(ref float w) where T : struct where L : struct, ILane<T>
        => (int)((nuint)(L.Count - (int)((nuint)Unsafe.AsPointer(ref w) / sizeof(float) % (nuint)L.Count)) % (nuint)L.Count);

    /// <summary>
    /// A row's head: the products of its first <paramref name="lead"/> floats with the sample's (lanes below
    /// <paramref name="before"/>'s edge of the row's first vector), rotated to where the boundary-read vectors put those
    /// columns' residues; every other lane 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Head<T, L>(ref float w, T x, T before, int lead) where T : struct where L : struct, ILane<T>
    {
        T zero = L.Splat(0f);
        return L.RotateLanes(L.Select(before, L.FusedMultiplyAdd(L.Load(ref w, 0), x, zero), zero), lead);
    }

    /// <summary>
    /// The accumulator of boundary-read vectors rotated back (lane r: columns ≡ r mod Count), then the row's last
    /// Count − lead columns added (the lanes at or above <paramref name="before"/>'s edge of the row's last vector).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Tail<T, L>(T a, ref float w, T x, int at, T before, int lead) where T : struct where L : struct, ILane<T>
    {
        T natural = L.RotateLanes(a, L.Count - lead);
        return L.Select(before, natural, L.FusedMultiplyAdd(L.Load(ref w, at), x, natural));
    }

    private static readonly float[] LaneIndex = [0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f];
}
