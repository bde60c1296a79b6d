using System;

namespace Compiled.Kernels;

/// <summary>
/// Convolutions with dilation or groups (depthwise included), as plain im2col + one GEMM per group (the GEMM runs at the
/// requested width; the im2col loops are scalar). col [Cin·KH·KW, OH·OW]: row (c, kh, kw), column (oh, ow) holds
/// x[c, oh·SH − PadTop + kh·DH, ow·SW − PadLeft + kw·DW] or 0 in the padding; group g's rows are the contiguous block
/// [g·PatchLength, (g + 1)·PatchLength), its weights w[g·Cout/G … (g + 1)·Cout/G − 1] ([Cout/G, PatchLength]).
/// Called by <see cref="Conv2DKernels"/> (which validates) for geometries that are not <see cref="Conv2DGeometry.IsDense"/>.
/// </summary>
internal static class DilatedGroupedConvolution
{
    /// <summary>y [n, Cout, OH, OW] = b + per group w_g · col_g.</summary>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col, int n, VectorWidth width)
    {
        int patch = g.PatchLength, pixels = g.OutPixels, groupOut = g.GroupOutChannels;
        bool hasBias = !b.IsEmpty;
        for (int s = 0; s < n; s++)
        {
            Expand(g, x.Slice(s * g.InputLength, g.InputLength), col);
            Span<float> ys = y.Slice(s * g.OutputLength, g.OutputLength);
            if (hasBias)
            {
                for (int o = 0; o < g.OutChannels; o++) ys.Slice(o * pixels, pixels).Fill(b[o]);
            }
            for (int group = 0; group < g.Groups; group++)
            {
                // y_g [Cout/G, OH·OW] (+)= w_g [Cout/G, patch] · col_g [patch, OH·OW]
                Gemm.Multiply(false, false, groupOut, pixels, patch,
                    w.Slice(group * groupOut * patch, groupOut * patch), patch,
                    col.Slice(group * patch * pixels, patch * pixels), pixels,
                    ys.Slice(group * groupOut * pixels, groupOut * pixels), pixels, accumulate: hasBias, width);
            }
        }
    }

    /// <summary>dw += Σ dy_g·col_gᵀ (skipped when empty), db += Σ dy (skipped when empty), dx = fold(w_gᵀ·dy_g) (overwritten; skipped when empty).</summary>
    public static void Backward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, Span<float> col, int n, VectorWidth width)
    {
        int patch = g.PatchLength, pixels = g.OutPixels, groupOut = g.GroupOutChannels;
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> dys = dy.Slice(s * g.OutputLength, g.OutputLength);
            if (!db.IsEmpty)
            {
                for (int o = 0; o < g.OutChannels; o++) db[o] += VectorOps.Sum(dys.Slice(o * pixels, pixels), width);
            }
            if (!dw.IsEmpty)
            {
                Expand(g, x.Slice(s * g.InputLength, g.InputLength), col);
                for (int group = 0; group < g.Groups; group++)
                {
                    // dw_g [Cout/G, patch] += dy_g [Cout/G, OH·OW] · col_gᵀ
                    Gemm.Multiply(false, true, groupOut, patch, pixels,
                        dys.Slice(group * groupOut * pixels, groupOut * pixels), pixels,
                        col.Slice(group * patch * pixels, patch * pixels), pixels,
                        dw.Slice(group * groupOut * patch, groupOut * patch), patch, accumulate: true, width);
                }
            }
            if (dx.IsEmpty) continue;
            for (int group = 0; group < g.Groups; group++)
            {
                // dcol_g [patch, OH·OW] = w_gᵀ · dy_g
                Gemm.Multiply(true, false, patch, pixels, groupOut,
                    w.Slice(group * groupOut * patch, groupOut * patch), patch,
                    dys.Slice(group * groupOut * pixels, groupOut * pixels), pixels,
                    col.Slice(group * patch * pixels, patch * pixels), pixels, accumulate: false, width);
            }
            Fold(g, col, dx.Slice(s * g.InputLength, g.InputLength));
        }
    }

    /// <summary>x [Cin, H, W] → col [Cin·KH·KW, OH·OW].</summary>
    private static void Expand(in Conv2DGeometry g, ReadOnlySpan<float> x, Span<float> col)
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth, row = 0;
        for (int c = 0; c < g.InChannels; c++)
        for (int kh = 0; kh < g.KernelHeight; kh++)
        for (int kw = 0; kw < g.KernelWidth; kw++, row++)
        {
            Span<float> target = col.Slice(row * outHeight * outWidth, outHeight * outWidth);
            for (int oh = 0; oh < outHeight; oh++)
            {
                int ih = oh * g.StrideHeight - g.PadTop + kh * g.DilationHeight;
                for (int ow = 0; ow < outWidth; ow++)
                {
                    int iw = ow * g.StrideWidth - g.PadLeft + kw * g.DilationWidth;
                    target[oh * outWidth + ow] = (uint)ih < (uint)g.InHeight && (uint)iw < (uint)g.InWidth ? x[(c * g.InHeight + ih) * g.InWidth + iw] : 0f;
                }
            }
        }
    }

    /// <summary>col [Cin·KH·KW, OH·OW] → dx [Cin, H, W]: every entry added back onto the pixel it came from (dx overwritten).</summary>
    private static void Fold(in Conv2DGeometry g, ReadOnlySpan<float> col, Span<float> dx)
    {
        dx.Clear();
        int outHeight = g.OutHeight, outWidth = g.OutWidth, row = 0;
        for (int c = 0; c < g.InChannels; c++)
        for (int kh = 0; kh < g.KernelHeight; kh++)
        for (int kw = 0; kw < g.KernelWidth; kw++, row++)
        {
            ReadOnlySpan<float> source = col.Slice(row * outHeight * outWidth, outHeight * outWidth);
            for (int oh = 0; oh < outHeight; oh++)
            {
                int ih = oh * g.StrideHeight - g.PadTop + kh * g.DilationHeight;
                if ((uint)ih >= (uint)g.InHeight) continue;
                for (int ow = 0; ow < outWidth; ow++)
                {
                    int iw = ow * g.StrideWidth - g.PadLeft + kw * g.DilationWidth;
                    if ((uint)iw < (uint)g.InWidth) dx[(c * g.InHeight + ih) * g.InWidth + iw] += source[oh * outWidth + ow];
                }
            }
        }
    }
}
