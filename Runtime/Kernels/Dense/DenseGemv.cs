using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The dense forward pass for a few samples as matrix-vector products: <c>y[i, o] = b[o] + Σ_k w[o, k]·x[i, k]</c>, each
/// output the dot product of one weight row (PyTorch's <c>[out, in]</c> layout, contiguous) with one sample, four rows at a
/// time so every load of the sample feeds four multiply-adds. Nothing is packed or transposed: a call on one sample reads
/// each weight once, straight from where it lives, which a GEMM (packing panels of w or x first) cannot.
/// </summary>
/// <remarks>
/// Written once over <see cref="ILane{T}"/>: the scalar lane is the twin the vector widths are tested against. Per output:
/// one vector accumulator over the whole vectors of the row, its lanes summed, then the leftover columns added one by one.
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
        switch (VectorLanes.Narrow(width, inFeatures))
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

    private static void Run<T, L>(ref float x, ref float w, ref float b, bool hasBias, ref float y, int n, int inFeatures, int outFeatures)
        where T : struct where L : struct, ILane<T>
    {
        int vectorEnd = inFeatures - inFeatures % L.Count;
        for (int i = 0; i < n; i++)
        {
            ref float xi = ref Unsafe.Add(ref x, (nint)i * inFeatures);
            ref float yi = ref Unsafe.Add(ref y, (nint)i * outFeatures);
            int o = 0;
            for (; o + 4 <= outFeatures; o += 4)
            {
                ref float w0 = ref Unsafe.Add(ref w, (nint)o * inFeatures);
                ref float w1 = ref Unsafe.Add(ref w0, inFeatures);
                ref float w2 = ref Unsafe.Add(ref w1, inFeatures);
                ref float w3 = ref Unsafe.Add(ref w2, inFeatures);
                T a0 = L.Splat(0f), a1 = a0, a2 = a0, a3 = a0;
                for (int k = 0; k < vectorEnd; k += L.Count)
                {
                    T xv = L.Load(ref xi, k);
                    a0 = L.FusedMultiplyAdd(L.Load(ref w0, k), xv, a0);
                    a1 = L.FusedMultiplyAdd(L.Load(ref w1, k), xv, a1);
                    a2 = L.FusedMultiplyAdd(L.Load(ref w2, k), xv, a2);
                    a3 = L.FusedMultiplyAdd(L.Load(ref w3, k), xv, a3);
                }
                float s0 = L.Sum(a0), s1 = L.Sum(a1), s2 = L.Sum(a2), s3 = L.Sum(a3);
                for (int k = vectorEnd; k < inFeatures; k++)
                {
                    float xk = Unsafe.Add(ref xi, k);
                    s0 = MultiplyAdd.Of(Unsafe.Add(ref w0, k), xk, s0);
                    s1 = MultiplyAdd.Of(Unsafe.Add(ref w1, k), xk, s1);
                    s2 = MultiplyAdd.Of(Unsafe.Add(ref w2, k), xk, s2);
                    s3 = MultiplyAdd.Of(Unsafe.Add(ref w3, k), xk, s3);
                }
                if (hasBias)
                {
                    s0 += Unsafe.Add(ref b, o);
                    s1 += Unsafe.Add(ref b, o + 1);
                    s2 += Unsafe.Add(ref b, o + 2);
                    s3 += Unsafe.Add(ref b, o + 3);
                }
                Unsafe.Add(ref yi, o) = s0;
                Unsafe.Add(ref yi, o + 1) = s1;
                Unsafe.Add(ref yi, o + 2) = s2;
                Unsafe.Add(ref yi, o + 3) = s3;
            }
            for (; o < outFeatures; o++)
            {
                ref float wo = ref Unsafe.Add(ref w, (nint)o * inFeatures);
                T a = L.Splat(0f);
                for (int k = 0; k < vectorEnd; k += L.Count) a = L.FusedMultiplyAdd(L.Load(ref wo, k), L.Load(ref xi, k), a);
                float s = L.Sum(a);
                for (int k = vectorEnd; k < inFeatures; k++) s = MultiplyAdd.Of(Unsafe.Add(ref wo, k), Unsafe.Add(ref xi, k), s);
                Unsafe.Add(ref yi, o) = hasBias ? s + Unsafe.Add(ref b, o) : s;
            }
        }
    }
}
