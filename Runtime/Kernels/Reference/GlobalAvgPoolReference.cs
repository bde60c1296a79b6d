using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="GlobalAvgPoolKernels"/>: x (n, C, S) → y (n, C).</summary>
public static class GlobalAvgPoolReference
{
    /// <summary>y[s, c] = (Σ x[s, c, :], summed in order) / S.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int n, int channels, int spatial)
        where T : IFloatingPointIeee754<T>
    {
        T area = T.CreateChecked(spatial);
        for (int plane = 0; plane < n * channels; plane++)
        {
            T sum = T.Zero;
            for (int i = 0; i < spatial; i++) sum += x[plane * spatial + i];
            y[plane] = sum / area;
        }
    }

    /// <summary>dx[s, c, :] = dy[s, c] / S, or added to dx.</summary>
    public static void Backward<T>(ReadOnlySpan<T> dy, Span<T> dx, int n, int channels, int spatial, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        T area = T.CreateChecked(spatial);
        for (int plane = 0; plane < n * channels; plane++)
        {
            T share = dy[plane] / area;
            for (int i = 0; i < spatial; i++)
                dx[plane * spatial + i] = accumulate ? dx[plane * spatial + i] + share : share;
        }
    }
}
