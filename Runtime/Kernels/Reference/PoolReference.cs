using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="PoolKernels"/>: x [n, C, H, W] → y [n, C, OH, OW].</summary>
public static class PoolReference
{
    /// <summary>Max over each window, visited row-major; a value replaces the maximum when greater or NaN (PyTorch). argmax: index within the sample.</summary>
    public static void MaxForward<T>(in Pool2DGeometry g, ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int n)
        where T : IFloatingPointIeee754<T>
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth;
        for (int s = 0; s < n; s++)
        for (int c = 0; c < g.Channels; c++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            T max = T.NegativeInfinity;
            int arg = (c * g.InHeight + oh * g.Stride) * g.InWidth + ow * g.Stride;
            for (int kh = 0; kh < g.Window; kh++)
            for (int kw = 0; kw < g.Window; kw++)
            {
                int index = (c * g.InHeight + oh * g.Stride + kh) * g.InWidth + ow * g.Stride + kw;
                T v = x[s * g.InputLength + index];
                if (v > max || T.IsNaN(v))
                {
                    max = v;
                    arg = index;
                }
            }
            int o = s * g.OutputLength + (c * outHeight + oh) * outWidth + ow;
            y[o] = max;
            argmax[o] = arg;
        }
    }

    /// <summary>dx = 0; dx[argmax] += dy.</summary>
    public static void MaxBackward<T>(in Pool2DGeometry g, ReadOnlySpan<T> dy, ReadOnlySpan<int> argmax, Span<T> dx, int n)
        where T : IFloatingPointIeee754<T>
    {
        dx[..(n * g.InputLength)].Clear();
        for (int s = 0; s < n; s++)
        for (int o = 0; o < g.OutputLength; o++)
            dx[s * g.InputLength + argmax[s * g.OutputLength + o]] += dy[s * g.OutputLength + o];
    }

    /// <summary>y = Σ window / Window², summed row-major.</summary>
    public static void AvgForward<T>(in Pool2DGeometry g, ReadOnlySpan<T> x, Span<T> y, int n)
        where T : IFloatingPointIeee754<T>
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth;
        T area = T.CreateChecked(g.Window * g.Window);
        for (int s = 0; s < n; s++)
        for (int c = 0; c < g.Channels; c++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            T sum = T.Zero;
            for (int kh = 0; kh < g.Window; kh++)
            for (int kw = 0; kw < g.Window; kw++)
                sum += x[s * g.InputLength + (c * g.InHeight + oh * g.Stride + kh) * g.InWidth + ow * g.Stride + kw];
            y[s * g.OutputLength + (c * outHeight + oh) * outWidth + ow] = sum / area;
        }
    }

    /// <summary>dx = 0; each input of a window += dy / Window².</summary>
    public static void AvgBackward<T>(in Pool2DGeometry g, ReadOnlySpan<T> dy, Span<T> dx, int n)
        where T : IFloatingPointIeee754<T>
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth;
        T area = T.CreateChecked(g.Window * g.Window);
        dx[..(n * g.InputLength)].Clear();
        for (int s = 0; s < n; s++)
        for (int c = 0; c < g.Channels; c++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            T share = dy[s * g.OutputLength + (c * outHeight + oh) * outWidth + ow] / area;
            for (int kh = 0; kh < g.Window; kh++)
            for (int kw = 0; kw < g.Window; kw++)
                dx[s * g.InputLength + (c * g.InHeight + oh * g.Stride + kh) * g.InWidth + ow * g.Stride + kw] += share;
        }
    }
}
