using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="JoinKernels"/>, <see cref="StridedRows"/> and the strided <see cref="ActivationKernels"/> ReLU, same argument conventions.</summary>
public static class JoinReference
{
    /// <summary>y = a + b.</summary>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++) y[i] = a[i] + b[i];
    }

    /// <summary>dst += src.</summary>
    public static void AddInto<T>(Span<T> dst, ReadOnlySpan<T> src) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < dst.Length; i++) dst[i] += src[i];
    }

    /// <summary>dst[s·dstStride + i] = src[s·srcStride + i], or += when <paramref name="accumulate"/>.</summary>
    public static void CopyRows<T>(ReadOnlySpan<T> src, int srcStride, Span<T> dst, int dstStride, int n, int length, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < length; i++)
            {
                T v = src[s * srcStride + i];
                dst[s * dstStride + i] = accumulate ? dst[s * dstStride + i] + v : v;
            }
        }
    }

    /// <summary>y[s·yStride + i] = max(x[s·xStride + i], 0).</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y, int n, int length, int xStride, int yStride) where T : IFloatingPointIeee754<T>
    {
        for (int s = 0; s < n; s++)
            for (int i = 0; i < length; i++) y[s * yStride + i] = T.Max(x[s * xStride + i], T.Zero);
    }

    /// <summary>dx = y &gt; 0 ? dy : 0 per strided row, written or added to dx.</summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int n, int length,
        int yStride, int dyStride, int dxStride, bool accumulate) where T : IFloatingPointIeee754<T>
    {
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < length; i++)
            {
                T g = y[s * yStride + i] > T.Zero ? dy[s * dyStride + i] : T.Zero;
                dx[s * dxStride + i] = accumulate ? dx[s * dxStride + i] + g : g;
            }
        }
    }
}
