using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The layout a 3×3 convolution with padding 1 and stride 1 or 2 runs on (<see cref="Conv3x3Kernels"/>): one sample's input,
/// zero-bordered, is split into stride² phase planes per channel, xph [Cin, s², PHs, PWs] with xph[c, rp·s + cp, i, j] =
/// xpad[c, s·i + rp, s·j + cp] (xpad the input with its one-pixel zero border, PHs = ⌈(H + 2)/s⌉, PWs = ⌈(W + 2)/s⌉; for stride 1
/// one phase: xph is xpad). The outputs are numbered on the phase planes' pitch, grid position q = oh·PWs + ow (valid when
/// ow &lt; OW, the others are junk columns), and tap (c, kh, kw) reads xph at Tap(c, kh, kw) + q with
/// Tap = ((c·s² + (kh mod s)·s + kw mod s)·PHs + kh div s)·PWs + kw div s: every tap is a shifted contiguous run, so a tile of
/// consecutive grid positions is a few vector loads per tap, for stride 2 as for stride 1.
/// </summary>
internal readonly struct Conv3x3Grid
{
    public Conv3x3Grid(in Conv2DGeometry g, int lanes)
    {
        Stride = g.StrideHeight;
        Phases = Stride * Stride;
        PlaneHeight = (g.InHeight + 2 + Stride - 1) / Stride;
        PlaneWidth = (g.InWidth + 2 + Stride - 1) / Stride;
        ChannelLength = Phases * PlaneHeight * PlaneWidth;
        OutHeight = g.OutHeight;
        OutWidth = g.OutWidth;
        Positions = OutHeight * PlaneWidth;
        Vectors = (Positions + lanes - 1) / lanes;
        // The last tap of the last channel reads up to its offset + Vectors·lanes − 1; the slack past the planes stays zero.
        SourceLength = Math.Max(g.InChannels * ChannelLength, Tap(g.InChannels - 1, 2, 2) + Vectors * lanes);
    }

    /// <summary>1 or 2.</summary>
    public int Stride { get; }

    /// <summary>Phase planes per channel: stride².</summary>
    public int Phases { get; }

    /// <summary>PHs: rows of a phase plane.</summary>
    public int PlaneHeight { get; }

    /// <summary>PWs: the row pitch of the phase planes and of the output grid.</summary>
    public int PlaneWidth { get; }

    /// <summary>Floats of one channel's phase planes.</summary>
    public int ChannelLength { get; }

    public int OutHeight { get; }

    public int OutWidth { get; }

    /// <summary>Q = OH·PWs: grid positions of one output channel, junk columns included.</summary>
    public int Positions { get; }

    /// <summary>Vectors of grid positions: ⌈Q / lanes⌉ (the positions past Q are junk too).</summary>
    public int Vectors { get; }

    /// <summary>Floats of the source buffer, the slack of the last shifted run included.</summary>
    public int SourceLength { get; }

    /// <summary>Offset of tap (c, kh, kw) in the source.</summary>
    public int Tap(int c, int kh, int kw)
        => ((c * Phases + (kh % Stride) * Stride + kw % Stride) * PlaneHeight + kh / Stride) * PlaneWidth + kw / Stride;

    /// <summary>Offsets[(c·3 + kh)·3 + kw] = Tap(c, kh, kw), in the weight's (OIHW) order.</summary>
    public void FillOffsets(int channels, Span<int> offsets)
    {
        int r = 0;
        for (int c = 0; c < channels; c++)
        {
            for (int kh = 0; kh < 3; kh++)
            {
                for (int kw = 0; kw < 3; kw++) offsets[r++] = Tap(c, kh, kw);
            }
        }
    }

    /// <summary>
    /// x [C, H, W] into the interiors of the phase planes; the borders and the slack are not touched (zero them once: every
    /// sample writes the same positions).
    /// </summary>
    public void CopyInterior(ReadOnlySpan<float> x, Span<float> source, int channels, int height, int width)
    {
        if (Stride == 1)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int i = 0; i < height; i++)
                    x.Slice((c * height + i) * width, width).CopyTo(source.Slice((c * PlaneHeight + i + 1) * PlaneWidth + 1, width));
            }
            return;
        }
        int plane = PlaneHeight * PlaneWidth;
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < height; i++)
            {
                // padded row r = i + 1 goes to phase row r mod 2, plane row r / 2; padded column i + 1 likewise.
                int r = i + 1;
                ReadOnlySpan<float> row = x.Slice((c * height + i) * width, width);
                int evenBase = ((c * 4 + (r & 1) * 2) * PlaneHeight + (r >> 1)) * PlaneWidth;
                Span<float> even = source.Slice(evenBase, PlaneWidth);            // padded columns 0, 2, 4, ...
                Span<float> odd = source.Slice(evenBase + plane, PlaneWidth);     // padded columns 1, 3, 5, ...
                int j = 0;
                // Eight at a time: one permutation puts x's even columns in the lower half and its odd ones in the upper.
                ref float from = ref MemoryMarshal.GetReference(row);
                ref float toOdd = ref MemoryMarshal.GetReference(odd);
                ref float toEven = ref Unsafe.Add(ref MemoryMarshal.GetReference(even), 1);
                for (; j + Vector256<float>.Count <= width; j += Vector256<float>.Count)
                {
                    Vector256<float> split = Vector256.Shuffle(Vector256.LoadUnsafe(ref from, (nuint)j), Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
                    split.GetLower().StoreUnsafe(ref toOdd, (nuint)(j >> 1));
                    split.GetUpper().StoreUnsafe(ref toEven, (nuint)(j >> 1));
                }
                for (; j < width; j += 2)
                {
                    odd[j >> 1] = row[j];                                          // padded column j + 1 (odd)
                    if (j + 1 < width) even[(j >> 1) + 1] = row[j + 1];            // padded column j + 2 (even)
                }
            }
        }
    }
}
