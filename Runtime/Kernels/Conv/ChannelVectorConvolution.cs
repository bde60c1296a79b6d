using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The forward pass of a few samples as a direct convolution with the output channels in the vector lanes: for each
/// output pixel, <c>acc[o] = b[o] + Σ_{c,kh,kw} w[o, c, kh, kw]·x[c, ih, iw]</c> is one multiply-add of a packed weight
/// vector (<c>w</c> transposed to <c>[c, kh, kw, o]</c>, kept while the weights are unchanged: <see cref="PackedWeightCache"/>) by a broadcast input value, eight pixels of a row
/// at a time (in row-major order, across row ends) so each weight load feeds eight multiply-adds. Each sample is first copied into a zero-padded plane, so
/// the taps need no bounds checks. The grid convolution computes junk columns where the row pitch exceeds the output
/// width; for one sample (LeNet-5's conv2: 10 outputs in a row of 14) this computes only real outputs.
/// </summary>
/// <remarks>
/// Written once over <see cref="ILane{T}"/>; the scalar lane is the twin. The width is chosen per layer from the output
/// channels (<see cref="LaneWidth"/>): the fewest channel blocks, the narrower width on a tie (6 channels: one 256-bit
/// block with two idle lanes). Every output is the same sum in the same order at every width (per channel: bias, then
/// the taps in (c, kh, kw) order, each fused where the CPU has FMA), so all widths agree bit for bit.
/// </remarks>
internal static class ChannelVectorConvolution
{
    /// <summary>Up to this many samples a stride-1 dense convolution runs here rather than on the padded grid.</summary>
    public const int MaxSamples = 4;

    private const int Pixels = 8;

    /// <summary>
    /// Dense (no dilation, no groups) geometries with 9 to 64 output channels, for n ≤ <see cref="MaxSamples"/>. Up to 8
    /// channels the grid's channel-major forward (positions in the lanes) does fewer multiply-adds: LeNet-5's conv1 (6
    /// channels over 28×28) took 2.5x as long here in a kernel timing; from 9 channels the grid too puts channels in the lanes, over its
    /// junk columns as well (LeNet-5's conv2 at one sample: 1.3-1.4x slower there).
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, int n) => n <= MaxSamples && g.IsDense && g.OutChannels is > 8 and <= 64;

    /// <summary>The width the layer runs at, not above <paramref name="width"/>: the fewest blocks of output channels, then the narrower.</summary>
    public static VectorWidth LaneWidth(int outChannels, VectorWidth width)
    {
        VectorWidth best = VectorWidth.Scalar;
        int bestBlocks = outChannels;
        foreach (VectorWidth candidate in (ReadOnlySpan<VectorWidth>)[VectorWidth.V128, VectorWidth.V256, VectorWidth.V512])
        {
            if (candidate > width) break;
            int lanes = (int)candidate / 32;
            int blocks = (outChannels + lanes - 1) / lanes;
            if (blocks < bestBlocks)
            {
                best = candidate;
                bestBlocks = blocks;
            }
        }
        return best;
    }

    /// <summary>Floats of the per-thread scratch: the packed weights, one zero-padded input plane set and one block of outputs channels-last.</summary>
    public static int ScratchLength(in Conv2DGeometry g, VectorWidth width)
    {
        int lanes = VectorLanes.Count(LaneWidth(g.OutChannels, width));
        int blocks = (g.OutChannels + lanes - 1) / lanes;
        return blocks * g.PatchLength * lanes + PaddedLength(g) + TiledPixels(g.OutPixels) * lanes;
    }

    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, int n, VectorWidth width)
    {
        VectorWidth lanesWidth = LaneWidth(g.OutChannels, width);
        Span<float> scratch = Conv2DWorkspace.Current.ChannelVector(ScratchLength(g, width));
        switch (lanesWidth)
        {
            case VectorWidth.V512:
                Run<Vector512<float>, Lane512>(g, x, w, b, y, yStride, n, scratch, lanesWidth);
                break;
            case VectorWidth.V256:
                Run<Vector256<float>, Lane256>(g, x, w, b, y, yStride, n, scratch, lanesWidth);
                break;
            case VectorWidth.V128:
                Run<Vector128<float>, Lane128>(g, x, w, b, y, yStride, n, scratch, lanesWidth);
                break;
            default:
                Run<float, ScalarLane>(g, x, w, b, y, yStride, n, scratch, lanesWidth);
                break;
        }
    }


    private static int PaddedLength(in Conv2DGeometry g) => g.InChannels * PaddedHeight(g) * PaddedWidth(g);

    // Rows and columns of the padded plane that the taps reach (bottom/right padding beyond the last tap is never read).
    private static int PaddedHeight(in Conv2DGeometry g) => (g.OutHeight - 1) * g.StrideHeight + g.KernelHeight;

    private static int PaddedWidth(in Conv2DGeometry g) => (g.OutWidth - 1) * g.StrideWidth + g.KernelWidth;

    private static void Run<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, int n, Span<float> scratch,
        VectorWidth lanesWidth) where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, outChannels = g.OutChannels, patch = g.PatchLength;
        int blocks = (outChannels + lanes - 1) / lanes;
        // The packing of the last call when the weights are unchanged (inference on one sample: packing cost a fifth of
        // LeNet-5's conv2), else a fresh one.
        ReadOnlySpan<float> packed = PackedWeightCache.Current.Get(g, w, lanesWidth, PackedWeightCache.ChannelVector,
            blocks * patch * lanes, PackWeights, scratch[..(blocks * patch * lanes)]);
        Span<float> plane = scratch.Slice(blocks * patch * lanes, PaddedLength(g));
        int pixels = g.OutPixels;
        // The block's outputs channels-last, [pixel][lane], whole tiles of eight pixels; transposed into y once per block.
        Span<float> lastChannel = scratch.Slice(blocks * patch * lanes + PaddedLength(g), TiledPixels(pixels) * lanes);

        Span<float> bias = stackalloc float[lanes];
        int ph = PaddedHeight(g), pw = PaddedWidth(g), planeSize = ph * pw;
        int ow = g.OutWidth, sh = g.StrideHeight, sw = g.StrideWidth;
        Span<int> origins = stackalloc int[Pixels];
        ref float last = ref MemoryMarshal.GetReference(lastChannel);
        for (int s = 0; s < n; s++)
        {
            Pad(g, x.Slice(s * g.InputLength, g.InputLength), plane, ph, pw);
            ref float ys = ref MemoryMarshal.GetReference(y.Slice(s * yStride, g.OutputLength));
            ref float planeStart = ref MemoryMarshal.GetReference(plane);
            for (int block = 0; block < blocks; block++)
            {
                int first = block * lanes, count = Math.Min(lanes, outChannels - first);
                bias.Clear();
                if (!b.IsEmpty) b.Slice(first, count).CopyTo(bias);
                T b0 = L.Load(ref MemoryMarshal.GetReference(bias), 0);
                ref float wb = ref MemoryMarshal.GetReference(packed.Slice(block * patch * lanes));
                // Tiles of eight output pixels in row-major order, across row ends (each pixel has its own origin in the
                // plane); the last tile repeats its last pixel in the unused slots.
                for (int q0 = 0, row = 0, column = 0; q0 < pixels; q0 += Pixels)
                {
                    int span = Math.Min(Pixels, pixels - q0);
                    for (int p = 0; p < Pixels; p++)
                    {
                        origins[p] = row * sh * pw + column * sw;
                        if (p >= span - 1) continue;
                        if (++column == ow)
                        {
                            column = 0;
                            row++;
                        }
                    }
                    if (++column == ow)
                    {
                        column = 0;
                        row++;
                    }
                    Tile8<T, L>(ref planeStart, origins, ref wb, b0, g.InChannels, g.KernelHeight, g.KernelWidth, pw, planeSize, lanes, ref Unsafe.Add(ref last, q0 * lanes));
                }
                // [pixel][lane] → y [channel][pixel]: blocks of 4 pixels × 4 channels transposed in registers where the CPU
                // has SSE, the element loop for the other pixels and channels (it moves floats, so the bits are the same).
                int blockLanes = Transpose4x4.IsSupported ? count & ~3 : 0, blockPixels = pixels & ~3;
                for (int lane = 0; lane < blockLanes; lane += 4)
                {
                    ref float to = ref Unsafe.Add(ref ys, (first + lane) * pixels);
                    ref float from = ref Unsafe.Add(ref last, lane);
                    for (int q = 0; q < blockPixels; q += 4)
                        Transpose4x4.Block(ref Unsafe.Add(ref from, q * lanes), lanes, ref Unsafe.Add(ref to, q), pixels);
                    for (int i = 0; i < 4; i++)
                        for (int q = blockPixels; q < pixels; q++) Unsafe.Add(ref to, i * pixels + q) = Unsafe.Add(ref from, q * lanes + i);
                }
                for (int lane = blockLanes; lane < count; lane++)
                {
                    ref float to = ref Unsafe.Add(ref ys, (first + lane) * pixels);
                    ref float from = ref Unsafe.Add(ref last, lane);
                    for (int q = 0; q < pixels; q++) Unsafe.Add(ref to, q) = Unsafe.Add(ref from, q * lanes);
                }
            }
        }
    }

    private static int TiledPixels(int pixels) => (pixels + Pixels - 1) / Pixels * Pixels;

    /// <summary>
    /// packed[block][c·KH·KW + tap][lane] = w[block·lanes + lane][c·KH·KW + tap], zero past the last channel, for the lanes of
    /// <paramref name="width"/> (the width <see cref="LaneWidth"/> chose).
    /// </summary>
    internal static void PackWeights(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width)
    {
        int lanes = VectorLanes.Count(width), outChannels = g.OutChannels, patch = g.PatchLength;
        int blocks = (outChannels + lanes - 1) / lanes;
        for (int block = 0; block < blocks; block++)
        {
            Span<float> dst = packed.Slice(block * patch * lanes, patch * lanes);
            for (int lane = 0; lane < lanes; lane++)
            {
                int o = block * lanes + lane;
                if (o >= outChannels)
                {
                    for (int k = 0; k < patch; k++) dst[k * lanes + lane] = 0f;
                    continue;
                }
                ReadOnlySpan<float> row = w.Slice(o * patch, patch);
                for (int k = 0; k < patch; k++) dst[k * lanes + lane] = row[k];
            }
        }
    }

    // Eight pixels: eight accumulators, one weight vector and one broadcast input value per tap and pixel. Each output is
    // its bias, then the taps in (c, kh, kw) order, fused where the CPU has FMA.
    private static void Tile8<T, L>(ref float plane, ReadOnlySpan<int> origins, ref float wb, T bias, int inChannels, int kh, int kw, int pw,
        int planeSize, int lanes, ref float t) where T : struct where L : struct, ILane<T>
    {
        ref float p0 = ref Unsafe.Add(ref plane, origins[0]);
        ref float p1 = ref Unsafe.Add(ref plane, origins[1]);
        ref float p2 = ref Unsafe.Add(ref plane, origins[2]);
        ref float p3 = ref Unsafe.Add(ref plane, origins[3]);
        ref float p4 = ref Unsafe.Add(ref plane, origins[4]);
        ref float p5 = ref Unsafe.Add(ref plane, origins[5]);
        ref float p6 = ref Unsafe.Add(ref plane, origins[6]);
        ref float p7 = ref Unsafe.Add(ref plane, origins[7]);
        T a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        int k = 0;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                int tap = c * planeSize + i * pw;
                for (int j = 0; j < kw; j++, k++, tap++)
                {
                    T wv = L.Load(ref wb, k * lanes);
                    a0 = L.FusedMultiplyAdd(wv, L.Splat(Unsafe.Add(ref p0, tap)), a0);
                    a1 = L.FusedMultiplyAdd(wv, L.Splat(Unsafe.Add(ref p1, tap)), a1);
                    a2 = L.FusedMultiplyAdd(wv, L.Splat(Unsafe.Add(ref p2, tap)), a2);
                    a3 = L.FusedMultiplyAdd(wv, L.Splat(Unsafe.Add(ref p3, tap)), a3);
                    a4 = L.FusedMultiplyAdd(wv, L.Splat(Unsafe.Add(ref p4, tap)), a4);
                    a5 = L.FusedMultiplyAdd(wv, L.Splat(Unsafe.Add(ref p5, tap)), a5);
                    a6 = L.FusedMultiplyAdd(wv, L.Splat(Unsafe.Add(ref p6, tap)), a6);
                    a7 = L.FusedMultiplyAdd(wv, L.Splat(Unsafe.Add(ref p7, tap)), a7);
                }
            }
        }
        L.Store(ref t, 0, a0);
        L.Store(ref t, lanes, a1);
        L.Store(ref t, 2 * lanes, a2);
        L.Store(ref t, 3 * lanes, a3);
        L.Store(ref t, 4 * lanes, a4);
        L.Store(ref t, 5 * lanes, a5);
        L.Store(ref t, 6 * lanes, a6);
        L.Store(ref t, 7 * lanes, a7);
    }

    // plane [Cin, ph, pw] = x with PadTop rows and PadLeft columns of zeros before it (and zeros after, up to what the taps read).
    private static void Pad(in Conv2DGeometry g, ReadOnlySpan<float> x, Span<float> plane, int ph, int pw)
    {
        if (g.PadTop == 0 && g.PadLeft == 0 && ph <= g.InHeight && pw <= g.InWidth && pw == g.InWidth)
        {
            // No padding read and rows already contiguous at the plane's pitch: the plane is x's first rows.
            for (int c = 0; c < g.InChannels; c++) x.Slice(c * g.InHeight * g.InWidth, ph * pw).CopyTo(plane.Slice(c * ph * pw, ph * pw));
            return;
        }
        plane.Clear();
        int rows = Math.Min(g.InHeight, ph - g.PadTop), columns = Math.Min(g.InWidth, pw - g.PadLeft);
        if (rows <= 0 || columns <= 0) return;     // the taps read only padding
        for (int c = 0; c < g.InChannels; c++)
        {
            for (int r = 0; r < rows; r++)
            {
                x.Slice((c * g.InHeight + r) * g.InWidth, columns).CopyTo(plane.Slice((c * ph + r + g.PadTop) * pw + g.PadLeft, columns));
            }
        }
    }
}
