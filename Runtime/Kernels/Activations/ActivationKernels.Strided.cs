using System;

namespace Compiled.Kernels;

// ReLU over n rows of `length` elements whose starts are a stride apart in each buffer: a branch that ends in ReLU writes
// its [n, c_i, h, w] output straight into the concatenated [n, ΣC, h, w] buffer at its channel offset (rows ΣC·h·w apart,
// the span sliced at offset·h·w), and its backward reads y and dy from there. The elements between rows are not touched.
public static partial class ActivationKernels
{
    /// <summary>y[s·yStride + i] = max(x[s·xStride + i], 0) for s &lt; n, i &lt; length. In place when x and y are the same span with the same stride.</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y, int n, int length, int xStride, int yStride)
        => Relu(x, y, n, length, xStride, yStride, Simd.Width);

    /// <inheritdoc cref="Relu(ReadOnlySpan{float}, Span{float}, int, int, int, int)"/>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y, int n, int length, int xStride, int yStride, VectorWidth width)
    {
        CheckRows(n, length, width);
        KernelArguments.StridedRows(x.Length, n, length, xStride, nameof(x), nameof(xStride));
        KernelArguments.StridedRows(y.Length, n, length, yStride, nameof(y), nameof(yStride));
        for (int s = 0; s < n; s++)
            ElementwiseDriver.Unary(new ReluOperator(), x.Slice(s * xStride, length), y.Slice(s * yStride, length), width);
    }

    /// <summary>
    /// dx = y &gt; 0 ? dy : 0 row by row (rows of <paramref name="length"/>, each buffer with its own stride), from the
    /// forward output y; written, or added to dx when <paramref name="accumulate"/> (the ReLU's input is a fork).
    /// </summary>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int n, int length,
        int yStride, int dyStride, int dxStride, bool accumulate)
        => ReluBackward(y, dy, dx, n, length, yStride, dyStride, dxStride, accumulate, Simd.Width);

    /// <inheritdoc cref="ReluBackward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, int, int, bool)"/>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int n, int length,
        int yStride, int dyStride, int dxStride, bool accumulate, VectorWidth width)
    {
        CheckRows(n, length, width);
        KernelArguments.StridedRows(y.Length, n, length, yStride, nameof(y), nameof(yStride));
        KernelArguments.StridedRows(dy.Length, n, length, dyStride, nameof(dy), nameof(dyStride));
        KernelArguments.StridedRows(dx.Length, n, length, dxStride, nameof(dx), nameof(dxStride));
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> ys = y.Slice(s * yStride, length), dys = dy.Slice(s * dyStride, length);
            Span<float> dxs = dx.Slice(s * dxStride, length);
            if (accumulate) ElementwiseDriver.Ternary(new ReluBackwardAccumulateOperator(), ys, dys, dxs, dxs, width);
            else ElementwiseDriver.Binary(new ReluBackwardOperator(), ys, dys, dxs, width);
        }
    }

    private static void CheckRows(int n, int length, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.NonNegative(length, nameof(length));
    }
}
