using System;

namespace Compiled.Kernels;

/// <summary>
/// Copies and sums of <c>n</c> rows of <c>length</c> elements whose starts are a stride apart in each buffer: one row
/// per sample, so a branch's [n, c_i, h, w] output (rows of c_i·h·w, contiguous) is placed into the concatenated
/// [n, ΣC, h, w] buffer at its channel offset (rows ΣC·h·w apart), and its gradient read back from there. Slice the
/// buffer at the channel offset (offset·h·w) before the call. The elements between rows are not touched.
/// Each stride is at least <c>length</c>; each span holds (n − 1)·stride + length elements at least; source and
/// destination must not overlap.
/// </summary>
public static class StridedRows
{
    /// <summary>dst[s·dstStride + i] = src[s·srcStride + i] for s &lt; n, i &lt; length (a memory copy: no vector width to choose).</summary>
    public static void Copy(ReadOnlySpan<float> src, int srcStride, Span<float> dst, int dstStride, int n, int length)
    {
        Validate(src.Length, srcStride, dst.Length, dstStride, n, length);
        for (int s = 0; s < n; s++) src.Slice(s * srcStride, length).CopyTo(dst.Slice(s * dstStride, length));
    }

    /// <summary>dst[s·dstStride + i] += src[s·srcStride + i] for s &lt; n, i &lt; length (a concatenation's gradient added into a fork's delta).</summary>
    public static void Add(ReadOnlySpan<float> src, int srcStride, Span<float> dst, int dstStride, int n, int length)
        => Add(src, srcStride, dst, dstStride, n, length, Simd.Width);

    /// <inheritdoc cref="Add(ReadOnlySpan{float}, int, Span{float}, int, int, int)"/>
    public static void Add(ReadOnlySpan<float> src, int srcStride, Span<float> dst, int dstStride, int n, int length, VectorWidth width)
    {
        KernelArguments.Width(width);
        Validate(src.Length, srcStride, dst.Length, dstStride, n, length);
        for (int s = 0; s < n; s++)
        {
            Span<float> row = dst.Slice(s * dstStride, length);
            ElementwiseDriver.Binary(new AddOperator(), row, src.Slice(s * srcStride, length), row, width);
        }
    }

    private static void Validate(int srcLength, int srcStride, int dstLength, int dstStride, int n, int length)
    {
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.NonNegative(length, nameof(length));
        KernelArguments.StridedRows(srcLength, n, length, srcStride, "src", nameof(srcStride));
        KernelArguments.StridedRows(dstLength, n, length, dstStride, "dst", nameof(dstStride));
    }
}
