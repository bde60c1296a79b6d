using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="DenseKernels"/>: x [n, in], w [out, in], b [out] or empty, y [n, out].</summary>
public static class DenseReference
{
    /// <summary>y[i, o] = b[o] + Σ_p x[i, p]·w[o, p].</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int n, int inFeatures, int outFeatures)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                T sum = T.Zero;
                for (int p = 0; p < inFeatures; p++) sum += x[i * inFeatures + p] * w[o * inFeatures + p];
                y[i * outFeatures + o] = b.IsEmpty ? sum : sum + b[o];
            }
        }
    }

    /// <summary>dw[o, p] += Σ_i dy[i, o]·x[i, p]; db[o] += Σ_i dy[i, o] (if not empty); dx[i, p] = Σ_o dy[i, o]·w[o, p] (if not empty).</summary>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dx, Span<T> dw, Span<T> db, int n, int inFeatures, int outFeatures)
        where T : IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outFeatures; o++)
        {
            for (int p = 0; p < inFeatures; p++)
            {
                T sum = T.Zero;
                for (int i = 0; i < n; i++) sum += dy[i * outFeatures + o] * x[i * inFeatures + p];
                dw[o * inFeatures + p] += sum;
            }
            if (!db.IsEmpty)
            {
                T sum = T.Zero;
                for (int i = 0; i < n; i++) sum += dy[i * outFeatures + o];
                db[o] += sum;
            }
        }
        if (dx.IsEmpty) return;
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < inFeatures; p++)
            {
                T sum = T.Zero;
                for (int o = 0; o < outFeatures; o++) sum += dy[i * outFeatures + o] * w[o * inFeatures + p];
                dx[i * inFeatures + p] = sum;
            }
        }
    }

    /// <summary>Output features [first, first + count) of <see cref="Backward{T}"/>'s dw and db: dw[o, p] += Σ_i dy[i, o]·x[i, p], db[o] += Σ_i dy[i, o].</summary>
    public static void WeightGradientRows<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, int n, int inFeatures, int outFeatures, int first, int count)
        where T : IFloatingPointIeee754<T>
    {
        for (int o = first; o < first + count; o++)
        {
            if (!dw.IsEmpty)
            {
                for (int p = 0; p < inFeatures; p++)
                {
                    T sum = T.Zero;
                    for (int i = 0; i < n; i++) sum += dy[i * outFeatures + o] * x[i * inFeatures + p];
                    dw[o * inFeatures + p] += sum;
                }
            }
            if (!db.IsEmpty)
            {
                T sum = T.Zero;
                for (int i = 0; i < n; i++) sum += dy[i * outFeatures + o];
                db[o] += sum;
            }
        }
    }
}
