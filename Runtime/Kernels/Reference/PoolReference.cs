using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="PoolKernels"/>: x [n, C, H, W] → y [n, C, OH, OW].</summary>
public static class PoolReference
{
    /// <summary>
    /// Max over each window (start oh·StrideHeight − PadHeight, ow·StrideWidth − PadWidth, clipped to the input), visited row-major; a value replaces the maximum
    /// when greater or NaN (PyTorch). argmax: index within the sample.
    /// </summary>
    public static void MaxForward<T>(in Pool2DGeometry g, ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int n)
        where T : IFloatingPointIeee754<T>
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth;
        for (int s = 0; s < n; s++)
        for (int c = 0; c < g.Channels; c++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            int hStart = Math.Max(oh * g.StrideHeight - g.PadHeight, 0), wStart = Math.Max(ow * g.StrideWidth - g.PadWidth, 0);
            int hEnd = Math.Min(oh * g.StrideHeight - g.PadHeight + g.WindowHeight, g.InHeight);
            int wEnd = Math.Min(ow * g.StrideWidth - g.PadWidth + g.WindowWidth, g.InWidth);
            T max = T.NegativeInfinity;
            int arg = (c * g.InHeight + hStart) * g.InWidth + wStart;
            for (int h = hStart; h < hEnd; h++)
            for (int w = wStart; w < wEnd; w++)
            {
                int index = (c * g.InHeight + h) * g.InWidth + w;
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

    /// <summary>
    /// y = Σ window / divisor, summed row-major over the window clipped to the input; the divisor is WindowHeight·WindowWidth for a plain geometry,
    /// else PyTorch's: the window's extent within the padded input (CountIncludePad) or within the input.
    /// </summary>
    public static void AvgForward<T>(in Pool2DGeometry g, ReadOnlySpan<T> x, Span<T> y, int n)
        where T : IFloatingPointIeee754<T>
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth;
        for (int s = 0; s < n; s++)
        for (int c = 0; c < g.Channels; c++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            (int h0, int h1, int w0, int w1, T divisor) = AvgWindow<T>(g, oh, ow);
            T sum = T.Zero;
            for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
                sum += x[s * g.InputLength + (c * g.InHeight + h) * g.InWidth + w];
            y[s * g.OutputLength + (c * outHeight + oh) * outWidth + ow] = sum / divisor;
        }
    }

    /// <summary>dx = 0; each input of a window += dy / divisor (as <see cref="AvgForward"/>).</summary>
    public static void AvgBackward<T>(in Pool2DGeometry g, ReadOnlySpan<T> dy, Span<T> dx, int n)
        where T : IFloatingPointIeee754<T>
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth;
        dx[..(n * g.InputLength)].Clear();
        for (int s = 0; s < n; s++)
        for (int c = 0; c < g.Channels; c++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            (int h0, int h1, int w0, int w1, T divisor) = AvgWindow<T>(g, oh, ow);
            T share = dy[s * g.OutputLength + (c * outHeight + oh) * outWidth + ow] / divisor;
            for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
                dx[s * g.InputLength + (c * g.InHeight + h) * g.InWidth + w] += share;
        }
    }

    private static (int H0, int H1, int W0, int W1, T Divisor) AvgWindow<T>(in Pool2DGeometry g, int oh, int ow)
        where T : IFloatingPointIeee754<T>
    {
        int hStart = oh * g.StrideHeight - g.PadHeight, wStart = ow * g.StrideWidth - g.PadWidth;
        int hEnd = Math.Min(hStart + g.WindowHeight, g.InHeight + g.PadHeight), wEnd = Math.Min(wStart + g.WindowWidth, g.InWidth + g.PadWidth);
        int padded = (hEnd - hStart) * (wEnd - wStart);
        int h0 = Math.Max(hStart, 0), w0 = Math.Max(wStart, 0), h1 = Math.Min(hEnd, g.InHeight), w1 = Math.Min(wEnd, g.InWidth);
        int inside = (h1 - h0) * (w1 - w0);
        return (h0, h1, w0, w1, T.CreateChecked(g.CountIncludePad ? padded : inside));
    }
}
