using System;

namespace Compiled.Kernels;

/// <summary>
/// The im2col matrix of one sample and its adjoint. col [Cin·KH·KW, OH·OW]: row (c, kh, kw), column (oh, ow) holds
/// x[c, oh·SH − PadTop + kh, ow·SW − PadLeft + kw], or 0 where that falls in the padding.
/// </summary>
internal static class Im2Col
{
    /// <summary>x [Cin, H, W] → col [Cin·KH·KW, OH·OW].</summary>
    public static void Expand(in Conv2DGeometry g, ReadOnlySpan<float> x, Span<float> col)
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth, pixels = outHeight * outWidth;
        int row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            ReadOnlySpan<float> plane = x.Slice(c * g.InHeight * g.InWidth, g.InHeight * g.InWidth);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    ValidColumns(g, kw, outWidth, out int owStart, out int owEnd);
                    Span<float> dst = col.Slice(row * pixels, pixels);
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        Span<float> segment = dst.Slice(oh * outWidth, outWidth);
                        int ih = oh * g.StrideHeight - g.PadTop + kh;
                        if ((uint)ih >= (uint)g.InHeight || owStart >= owEnd)
                        {
                            segment.Clear();
                            continue;
                        }
                        segment[..owStart].Clear();
                        segment[owEnd..].Clear();
                        int iw0 = owStart * g.StrideWidth - g.PadLeft + kw;
                        ReadOnlySpan<float> source = plane.Slice(ih * g.InWidth);
                        if (g.StrideWidth == 1)
                        {
                            source.Slice(iw0, owEnd - owStart).CopyTo(segment[owStart..owEnd]);
                        }
                        else
                        {
                            for (int ow = owStart, iw = iw0; ow < owEnd; ow++, iw += g.StrideWidth) segment[ow] = source[iw];
                        }
                    }
                }
            }
        }
    }

    /// <summary>col [Cin·KH·KW, OH·OW] → dx [Cin, H, W] = the sum of every column entry that came from each pixel (dx overwritten).</summary>
    public static void Fold(in Conv2DGeometry g, ReadOnlySpan<float> col, Span<float> dx, VectorWidth width)
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth, pixels = outHeight * outWidth;
        dx[..g.InputLength].Clear();
        int row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            Span<float> plane = dx.Slice(c * g.InHeight * g.InWidth, g.InHeight * g.InWidth);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    ValidColumns(g, kw, outWidth, out int owStart, out int owEnd);
                    if (owStart >= owEnd) continue;
                    ReadOnlySpan<float> src = col.Slice(row * pixels, pixels);
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        int ih = oh * g.StrideHeight - g.PadTop + kh;
                        if ((uint)ih >= (uint)g.InHeight) continue;
                        ReadOnlySpan<float> segment = src.Slice(oh * outWidth + owStart, owEnd - owStart);
                        int iw0 = owStart * g.StrideWidth - g.PadLeft + kw;
                        Span<float> target = plane.Slice(ih * g.InWidth);
                        if (g.StrideWidth == 1)
                        {
                            Span<float> run = target.Slice(iw0, segment.Length);
                            VectorOps.Add(run, segment, run, width);
                        }
                        else
                        {
                            for (int j = 0, iw = iw0; j < segment.Length; j++, iw += g.StrideWidth) target[iw] += segment[j];
                        }
                    }
                }
            }
        }
    }

    /// <summary>The output columns [owStart, owEnd) whose input column ow·SW − PadLeft + kw lies inside the image.</summary>
    private static void ValidColumns(in Conv2DGeometry g, int kw, int outWidth, out int owStart, out int owEnd)
    {
        int first = g.PadLeft - kw;                     // smallest ow·SW that lands on column 0
        owStart = first <= 0 ? 0 : (first + g.StrideWidth - 1) / g.StrideWidth;
        int last = g.InWidth - 1 + g.PadLeft - kw;      // largest ow·SW that lands on the last column
        owEnd = last < 0 ? 0 : Math.Min(outWidth, last / g.StrideWidth);
        if (owStart > owEnd) owStart = owEnd;
    }
}
