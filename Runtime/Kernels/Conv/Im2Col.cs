using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The im2col matrix of one sample and its adjoint. col [Cin·KH·KW, OH·OW]: row (c, kh, kw), column (oh, ow) holds
/// x[c, oh·SH − PadTop + kh, ow·SW − PadLeft + kw], or 0 where that falls in the padding.
/// Both walk whole output rows: for each (c, kh, kw, oh) the valid columns [owStart, owEnd) are one run, copied (or
/// added) with short Vector128 loops, the padding columns on either side zeroed. The runs are short (a feature map
/// row), so the loops are inline rather than calls. Every width gives the same result (copies and single additions).
/// </summary>
internal static class Im2Col
{
    /// <summary>x [Cin, H, W] → col [Cin·KH·KW, OH·OW].</summary>
    public static void Expand(in Conv2DGeometry g, ReadOnlySpan<float> x, Span<float> col)
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth, pixels = outHeight * outWidth;
        int inWidth = g.InWidth, stride = g.StrideWidth;
        ref float xStart = ref MemoryMarshal.GetReference(x);
        ref float colRow = ref MemoryMarshal.GetReference(col);
        for (int c = 0; c < g.InChannels; c++)
        {
            ref float plane = ref Unsafe.Add(ref xStart, c * g.InHeight * inWidth);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                for (int kw = 0; kw < g.KernelWidth; kw++, colRow = ref Unsafe.Add(ref colRow, pixels))
                {
                    ValidColumns(g, kw, outWidth, out int owStart, out int owEnd);
                    int run = owEnd - owStart;
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        ref float segment = ref Unsafe.Add(ref colRow, oh * outWidth);
                        int ih = oh * g.StrideHeight - g.PadTop + kh;
                        if ((uint)ih >= (uint)g.InHeight || run <= 0)
                        {
                            Zero(ref segment, outWidth);
                            continue;
                        }
                        Zero(ref segment, owStart);
                        Zero(ref Unsafe.Add(ref segment, owEnd), outWidth - owEnd);
                        ref float source = ref Unsafe.Add(ref plane, ih * inWidth + owStart * stride - g.PadLeft + kw);
                        ref float target = ref Unsafe.Add(ref segment, owStart);
                        if (stride == 1) Copy(ref source, ref target, run);
                        else
                        {
                            for (int j = 0; j < run; j++) Unsafe.Add(ref target, j) = Unsafe.Add(ref source, j * stride);
                        }
                    }
                }
            }
        }
    }

    /// <summary>col [Cin·KH·KW, OH·OW] → dx [Cin, H, W] = the sum of every column entry that came from each pixel (dx overwritten).</summary>
    public static void Fold(in Conv2DGeometry g, ReadOnlySpan<float> col, Span<float> dx)
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth, pixels = outHeight * outWidth;
        int inWidth = g.InWidth, stride = g.StrideWidth;
        dx[..g.InputLength].Clear();
        ref float dxStart = ref MemoryMarshal.GetReference(dx);
        ref float colRow = ref MemoryMarshal.GetReference(col);
        for (int c = 0; c < g.InChannels; c++)
        {
            ref float plane = ref Unsafe.Add(ref dxStart, c * g.InHeight * inWidth);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                for (int kw = 0; kw < g.KernelWidth; kw++, colRow = ref Unsafe.Add(ref colRow, pixels))
                {
                    ValidColumns(g, kw, outWidth, out int owStart, out int owEnd);
                    int run = owEnd - owStart;
                    if (run <= 0) continue;
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        int ih = oh * g.StrideHeight - g.PadTop + kh;
                        if ((uint)ih >= (uint)g.InHeight) continue;
                        ref float source = ref Unsafe.Add(ref colRow, oh * outWidth + owStart);
                        ref float target = ref Unsafe.Add(ref plane, ih * inWidth + owStart * stride - g.PadLeft + kw);
                        if (stride == 1) Add(ref source, ref target, run);
                        else
                        {
                            for (int j = 0; j < run; j++) Unsafe.Add(ref target, j * stride) += Unsafe.Add(ref source, j);
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
        owEnd = last < 0 ? 0 : Math.Min(outWidth, last / g.StrideWidth + 1);
        if (owStart > owEnd) owStart = owEnd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero(ref float target, int count)
    {
        for (int j = 0; j < count; j++) Unsafe.Add(ref target, j) = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ref float source, ref float target, int count)
    {
        int j = 0;
        for (; j + Vector128<float>.Count <= count; j += Vector128<float>.Count)
            Vector128.LoadUnsafe(ref source, (nuint)j).StoreUnsafe(ref target, (nuint)j);
        for (; j < count; j++) Unsafe.Add(ref target, j) = Unsafe.Add(ref source, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref float source, ref float target, int count)
    {
        int j = 0;
        for (; j + Vector128<float>.Count <= count; j += Vector128<float>.Count)
            (Vector128.LoadUnsafe(ref target, (nuint)j) + Vector128.LoadUnsafe(ref source, (nuint)j)).StoreUnsafe(ref target, (nuint)j);
        for (; j < count; j++) Unsafe.Add(ref target, j) += Unsafe.Add(ref source, j);
    }
}
