using System;
using System.ComponentModel;

namespace Compiled.Kernels;

/// <summary>
/// <see cref="Conv3x3Kernels"/> without argument checks, for generated code: the generator has checked every shape at
/// compile time (the geometry is one <see cref="Conv3x3Kernels.Applies"/> accepts, the spans hold n samples), passes the
/// vector width it chose once per step, and packs the weights once per step (<see cref="PackWeights"/>) for all its
/// threads' chunks. Wrong arguments here read or write out of bounds: call the checked <see cref="Conv3x3Kernels"/> anywhere else.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Conv3x3Unchecked
{
    /// <summary>Floats of the weights packed for <paramref name="width"/>.</summary>
    public static int PackedLength(in Conv2DGeometry g, VectorWidth width) => Conv3x3Kernels.PackedLength(g, width);

    /// <summary>w [Cout, Cin, 3, 3] packed for the forward at <paramref name="width"/> (<see cref="PackedLength"/> floats).</summary>
    public static void PackWeights(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width)
        => Conv3x3Kernels.PackWeights(g, w, packed, width);

    /// <summary>y = conv(x, w) + b, then the epilogue, from weights packed by <see cref="PackWeights"/> at the same width.</summary>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, Span<float> y, int n,
        Conv3x3Epilogue epilogue, VectorWidth width)
        => Conv3x3Kernels.ForwardPacked(g, x, packed, b, y, default, default, n,
            epilogue == Conv3x3Epilogue.Relu ? Conv3x3Kernels.Mode.Relu : Conv3x3Kernels.Mode.Plain, width);

    /// <summary>y = conv(x, w) + b and the batch-norm slice statistics of y (mean, m2: Cout each), from packed weights.</summary>
    public static void ForwardWithStatistics(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, Span<float> y,
        Span<float> mean, Span<float> m2, int n, VectorWidth width)
        => Conv3x3Kernels.ForwardPacked(g, x, packed, b, y, mean, m2, n, Conv3x3Kernels.Mode.Statistics, width);

    /// <summary>dx = ∂/∂x (overwritten), either stride.</summary>
    public static void InputGradient(in Conv2DGeometry g, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, int n, VectorWidth width)
        => Conv3x3Kernels.InputGradientCore(g, w, dy, dx, n, width);

    /// <summary>dw += ∂/∂w summed over the n samples.</summary>
    public static void WeightGradient(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n, VectorWidth width)
        => Conv3x3Kernels.WeightGradientCore(g, x, dy, dw, n, width);
}
