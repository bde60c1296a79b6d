using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Global average pooling (PyTorch <c>nn.AdaptiveAvgPool2d(1)</c> followed by a flatten): x (n, C, S) → y (n, C), S = H·W.
/// Forward writes y (each plane summed in vector lanes, so the rounding depends on the width, then divided by S); backward
/// spreads dy/S over each plane, written or added to dx when <c>accumulate</c> (a fork's gradients meet). Nothing allocates.
/// </summary>
public static class GlobalAvgPoolKernels
{
    /// <summary>y[s, c] = Σ x[s, c, :] / S.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int n, int channels, int spatial) => Forward(x, y, n, channels, spatial, Simd.Width);

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, Span{float}, int, int, int)"/>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int n, int channels, int spatial, VectorWidth width)
    {
        Validate(n, channels, spatial, width);
        KernelArguments.AtLeast(x.Length, (long)n * channels * spatial, nameof(x));
        KernelArguments.AtLeast(y.Length, (long)n * channels, nameof(y));
        float area = spatial;
        for (int plane = 0; plane < n * channels; plane++)
            y[plane] = ElementwiseDriver.Aggregate(new IdentityOperator(), new SumAggregation(), x.Slice(plane * spatial, spatial), width) / area;
    }

    /// <summary>dx[s, c, :] = dy[s, c] / S, or added to dx when <paramref name="accumulate"/>.</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, int n, int channels, int spatial, bool accumulate)
        => Backward(dy, dx, n, channels, spatial, accumulate, Simd.Width);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, int n, int channels, int spatial, bool accumulate, VectorWidth width)
    {
        Validate(n, channels, spatial, width);
        KernelArguments.AtLeast(dy.Length, (long)n * channels, nameof(dy));
        KernelArguments.AtLeast(dx.Length, (long)n * channels * spatial, nameof(dx));
        int sample = channels * spatial;
        var op = new ShareOperator(spatial, accumulate);
        for (int s = 0; s < n; s++)
        {
            Span<float> dxs = dx.Slice(s * sample, sample);
            ReadOnlySpan<float> row = dy.Slice(s * channels, channels);
            ChannelDriver.Run(op, dxs, dxs, dxs, row, row, row, row, 1, channels, spatial, width);
        }
    }

    private static void Validate(int n, int channels, int spatial, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.Positive(channels, nameof(channels));
        KernelArguments.Positive(spatial, nameof(spatial));
    }

    /// <summary>p0 / area (p0 the channel's dy), written or added to dst.</summary>
    private readonly struct ShareOperator(float area, bool accumulate) : IChannelOperator
    {
        public float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3) => accumulate ? dst + p0 / area : p0 / area;
        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3)
            => accumulate ? dst + p0 / Vector128.Create(area) : p0 / Vector128.Create(area);
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3)
            => accumulate ? dst + p0 / Vector256.Create(area) : p0 / Vector256.Create(area);
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3)
            => accumulate ? dst + p0 / Vector512.Create(area) : p0 / Vector512.Create(area);
    }
}
