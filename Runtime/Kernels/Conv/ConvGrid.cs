using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Compiled.Kernels;

/// <summary>
/// The padded grid of a stride-1 convolution, the layout of its implicit im2col. One sample's input is copied into a
/// zero-bordered plane per channel, xpad [Cin, PH, PW] (PH = H + PadTop + PadBottom, PW = W + PadLeft + PadRight), and
/// the outputs are numbered on the same row pitch: grid position q = oh·PW + ow, q &lt; Q = OH·PW, valid when ow &lt; OW
/// (the PW − OW others are junk columns). Then the im2col entry of row (c, kh, kw) at grid position q is simply
/// xpad[Offset(c, kh, kw) + q] with Offset = c·PH·PW + kh·PW + kw: a product over the patch reads shifted contiguous runs
/// of xpad instead of an expanded matrix.
/// </summary>
internal readonly struct ConvGrid
{
    public ConvGrid(in Conv2DGeometry g, int rowsPadding)
    {
        PlaneHeight = g.InHeight + g.PadTop + g.PadBottom;
        PlaneWidth = g.InWidth + g.PadLeft + g.PadRight;
        Positions = g.OutHeight * PlaneWidth;
        PaddedPositions = (Positions + rowsPadding - 1) / rowsPadding * rowsPadding;
        int lastOffset = (g.InChannels - 1) * PlaneHeight * PlaneWidth + (g.KernelHeight - 1) * PlaneWidth + g.KernelWidth - 1;
        // Reads reach lastOffset + PaddedPositions − 1; the tail past the planes stays zero.
        SourceLength = Math.Max(g.InChannels * PlaneHeight * PlaneWidth, lastOffset + PaddedPositions);
    }

    /// <summary>PH: rows of a padded input plane.</summary>
    public int PlaneHeight { get; }

    /// <summary>PW: the row pitch of the padded planes and of the output grid.</summary>
    public int PlaneWidth { get; }

    /// <summary>Q = OH·PW: grid positions of one output channel, junk columns included.</summary>
    public int Positions { get; }

    /// <summary>Q rounded up to the kernels' step (tile rows or vector lanes); the extra positions are junk too.</summary>
    public int PaddedPositions { get; }

    /// <summary>Floats of the padded source buffer, slack for the last shifted run included.</summary>
    public int SourceLength { get; }

    /// <summary>Offset[(c·KH + kh)·KW + kw] = c·PH·PW + kh·PW + kw, in im2col row order.</summary>
    public void FillOffsets(in Conv2DGeometry g, Span<int> offsets)
    {
        int r = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                for (int kw = 0; kw < g.KernelWidth; kw++) offsets[r++] = (c * PlaneHeight + kh) * PlaneWidth + kw;
            }
        }
    }

    /// <summary>
    /// x [Cin, H, W] into the interior of xpad [Cin, PH, PW]; the border and the tail are not touched (zero them once,
    /// every sample writes the same interior positions).
    /// </summary>
    /// <remarks>
    /// Row by row with vector copies (<see cref="Conv3x3Kernels.CopyRun"/>): a call per row to Span.CopyTo cost about 10 ns
    /// a row, 4% of LeNet-5's inference at batch 64 (conv1 copies 28 rows a sample, conv2 84).
    /// </remarks>
    public void CopyInterior(in Conv2DGeometry g, ReadOnlySpan<float> x, Span<float> xpad)
    {
        int h = g.InHeight, w = g.InWidth;
        if (x.Length < g.InChannels * h * w || xpad.Length < ((g.InChannels - 1) * PlaneHeight + h - 1 + g.PadTop) * PlaneWidth + g.PadLeft + w)
            throw new ArgumentException("x or the padded planes are too short for the geometry.");
        ref float from = ref MemoryMarshal.GetReference(x);
        ref float to = ref MemoryMarshal.GetReference(xpad);
        for (int c = 0; c < g.InChannels; c++)
        {
            for (int i = 0; i < h; i++)
            {
                Conv3x3Kernels.CopyRun(ref Unsafe.Add(ref from, (c * h + i) * w), ref Unsafe.Add(ref to, (c * PlaneHeight + i + g.PadTop) * PlaneWidth + g.PadLeft), w);
            }
        }
    }

    /// <summary>
    /// dy [Cout, OH, OW] into the grid dyg [Cout, PaddedPositions] (row pitch PW); the junk columns and the tail are not
    /// touched (zero them once).
    /// </summary>
    public void CopyToGrid(in Conv2DGeometry g, ReadOnlySpan<float> dy, Span<float> grid)
    {
        int oh = g.OutHeight, ow = g.OutWidth;
        ref float source = ref MemoryMarshal.GetReference(dy);
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int i = 0; i < oh; i++)
            {
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, (o * oh + i) * ow), ow)
                    .CopyTo(grid.Slice(o * PaddedPositions + i * PlaneWidth, ow));
            }
        }
    }
}
