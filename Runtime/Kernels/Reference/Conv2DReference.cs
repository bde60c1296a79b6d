using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>
/// Direct convolution loops for <see cref="Conv2DKernels"/> (no im2col: an independent formulation).
/// x [n, Cin, H, W], w [Cout, Cin/groups, KH, KW], b [Cout] or empty, y [n, Cout, OH, OW]; output channel o reads the input
/// channels of its group, kernel taps spaced by the dilation.
/// </summary>
public static class Conv2DReference
{
    /// <summary>
    /// y[s, o, oh, ow] = b[o] + Σ_{c, kh, kw} w[o, c, kh, kw]·x[s, group(o)·Cin/G + c, oh·SH − PadTop + kh·DH, ow·SW − PadLeft + kw·DW]
    /// (zero outside).
    /// </summary>
    public static void Forward<T>(in Conv2DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int n)
        where T : IFloatingPointIeee754<T>
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth;
        for (int s = 0; s < n; s++)
        for (int o = 0; o < g.OutChannels; o++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            T sum = T.Zero;
            int first = o / g.GroupOutChannels * g.GroupInChannels;
            for (int c = 0; c < g.GroupInChannels; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int ih = oh * g.StrideHeight - g.PadTop + kh * g.DilationHeight, iw = ow * g.StrideWidth - g.PadLeft + kw * g.DilationWidth;
                if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                sum += w[WeightIndex(g, o, c, kh, kw)] * x[InputIndex(g, s, first + c, ih, iw)];
            }
            y[OutputIndex(g, s, o, oh, ow)] = b.IsEmpty ? sum : sum + b[o];
        }
    }

    /// <summary>dw += ∂/∂w, db += ∂/∂b (if not empty), dx = ∂/∂x (overwritten, if not empty), each output's gradient scattered to what it read.</summary>
    public static void Backward<T>(in Conv2DGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dx, Span<T> dw, Span<T> db, int n)
        where T : IFloatingPointIeee754<T>
    {
        if (!dx.IsEmpty) dx[..(n * g.InputLength)].Clear();
        int outHeight = g.OutHeight, outWidth = g.OutWidth;
        for (int s = 0; s < n; s++)
        for (int o = 0; o < g.OutChannels; o++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            T grad = dy[OutputIndex(g, s, o, oh, ow)];
            if (!db.IsEmpty) db[o] += grad;
            int first = o / g.GroupOutChannels * g.GroupInChannels;
            for (int c = 0; c < g.GroupInChannels; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int ih = oh * g.StrideHeight - g.PadTop + kh * g.DilationHeight, iw = ow * g.StrideWidth - g.PadLeft + kw * g.DilationWidth;
                if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                int wi = WeightIndex(g, o, c, kh, kw), xi = InputIndex(g, s, first + c, ih, iw);
                dw[wi] += grad * x[xi];
                if (!dx.IsEmpty) dx[xi] += grad * w[wi];
            }
        }
    }

    private static int InputIndex(in Conv2DGeometry g, int s, int c, int h, int w) => ((s * g.InChannels + c) * g.InHeight + h) * g.InWidth + w;
    private static int OutputIndex(in Conv2DGeometry g, int s, int o, int h, int w) => ((s * g.OutChannels + o) * g.OutHeight + h) * g.OutWidth + w;
    private static int WeightIndex(in Conv2DGeometry g, int o, int c, int kh, int kw) => ((o * g.GroupInChannels + c) * g.KernelHeight + kh) * g.KernelWidth + kw;
}
