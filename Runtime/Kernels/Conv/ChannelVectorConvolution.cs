using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The forward pass of a few samples (and of any number for a layer that would otherwise run im2col or the 3×3 register
/// tiles: a strided one above all; <see cref="Applies"/>) as a direct convolution with the output channels in the vector lanes: for each
/// output pixel, <c>acc[o] = b[o] + Σ_{c,kh,kw} w[o, c, kh, kw]·x[c, ih, iw]</c> is one multiply-add of a packed weight
/// vector (<c>w</c> transposed to <c>[c, kh, kw, o]</c>, kept while the weights are unchanged: <see cref="PackedWeightCache"/>) by a broadcast input value.
/// A pass over the pixels takes four blocks of output channels by six pixels (512 bits), two by six, or one by eight (in
/// row-major order, across row ends), so each broadcast feeds up to four multiply-adds and each weight load up to eight.
/// Each sample is first copied into a zero-padded plane, so the taps need no bounds checks, unless no padding is within
/// their reach (a strided 1×1 projection): then they read the input in place. The grid convolution computes junk columns
/// where the row pitch exceeds the output width (LeNet-5's conv2 at one sample: 10 outputs in a row of 14), and the 3×3
/// register tiles at stride 2 on their phase planes; this computes only real outputs: on one sample ResNet's strided
/// 3×3 layers ran 1.25-1.3x the register tiles' speed (16 → 32 at 28×28: 24.8 → 19.9 µs) and its 1×1 projections 2x.
/// </summary>
/// <remarks>
/// Written once over <see cref="ILane{T}"/>; the scalar lane is the twin. The width is chosen per layer from the output
/// channels (<see cref="LaneWidth"/>): the fewest channel blocks, the narrower width on a tie (6 channels: one 256-bit
/// block with two idle lanes). Every output is the same sum in the same order at every width and in every tile shape (per
/// channel: bias, then the taps in (c, kh, kw) order, each fused where the CPU has FMA), so all widths agree bit for bit.
/// </remarks>
internal static class ChannelVectorConvolution
{
    /// <summary>
    /// Up to this many samples a dense convolution that would run on the padded grid, im2col or (3×3 layers past Winograd's
    /// and <see cref="FewChannels3x3"/>'s reach, stride 2 above all) the 3×3 register tiles runs here; past it, only one that
    /// would run im2col or the register tiles (<see cref="Applies"/>).
    /// </summary>
    public const int MaxSamples = 4;

    private const int Pixels = 8;

    /// <summary>
    /// Whether the forward of <paramref name="n"/> samples of a layer that <see cref="Conv2DKernels"/> would otherwise run by
    /// <paramref name="method"/> runs here: dense (no dilation, no groups) geometries with 9 to 64 output channels, up to
    /// <see cref="MaxSamples"/> samples instead of the grid, im2col or the 3×3 register tiles, and at any number instead of
    /// the last two. Up to 8 channels the grid's channel-major forward (positions in the lanes) does fewer multiply-adds:
    /// LeNet-5's conv1 (6 channels over 28×28) took 2.5x as long here in a kernel timing; from 9 channels the grid too puts
    /// channels in the lanes, over its junk columns as well (LeNet-5's conv2 at one sample: 1.3-1.4x slower there), but with
    /// 32 samples a call it packs its weights once for all of them and is as fast (LeNet-5's conv2, a 5×5 layer of 3 → 16
    /// channels over 32×32: within a few percent either way), so past a few samples the grid keeps them. Against im2col and
    /// the register tiles, 32 samples a call (a kernel timing, JIT, 512 bits; 256 in parentheses): a ResNet's 3×3 stride-2
    /// layers 16 → 32 and 32 → 64 at 28×28 and 14×14 1.16x and 1.24x (1.05x and 1.10x), 64 → 64 at 28×28 1.08x (0.96x), on
    /// 8×8 planes 1.65x (1.25x); its 1×1 stride-2 projections 1.62x and 1.89x (1.26x and 1.10x); a 7×7 stride-2 stem of
    /// 3 → 64 channels over 112×112 1.41x (1.54x); a 5×5 stride-2 layer 2.3x (1.8x); a 3×3 stride-1 layer of 3 → 32 channels
    /// 0.97x (0.99x).
    /// </summary>
    /// <remarks>A 3×3 layer over one or two input channels runs <see cref="FewChannels3x3"/> (and, gathering batch-norm
    /// statistics, the register tiles) past a few samples, as before.</remarks>
    public static bool Applies(in Conv2DGeometry g, int n, Conv2DMethod method)
        => g.IsDense && g.OutChannels is > 8 and <= 64
            && (n <= MaxSamples ? method is Conv2DMethod.Grid or Conv2DMethod.Im2ColGemm or Conv2DMethod.Direct3x3
                : method == Conv2DMethod.Im2ColGemm || (method == Conv2DMethod.Direct3x3 && !FewChannels3x3.Applies(g)));

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

    /// <summary>
    /// Floats of the per-thread scratch: the packed weights, one zero-padded input plane set (unless the taps read the input
    /// in place) and the outputs of up to <see cref="MaxGroup"/> blocks channels-last.
    /// </summary>
    public static int ScratchLength(in Conv2DGeometry g, VectorWidth width)
    {
        int lanes = VectorLanes.Count(LaneWidth(g.OutChannels, width));
        int blocks = (g.OutChannels + lanes - 1) / lanes;
        return blocks * g.PatchLength * lanes + (ReadsInPlace(g) ? 0 : PaddedLength(g)) + MaxGroup * TiledPixels(g.OutPixels) * lanes;
    }

    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, int n, VectorWidth width)
        => Forward(g, x, w, b, y, yStride, n, 0, g.OutPixels, width);

    /// <summary>
    /// Output pixels a range of <see cref="ForwardPixels"/> starts at a multiple of: whole tiles of six and of eight pixels,
    /// so a range runs the very tiles of the whole call.
    /// </summary>
    public const int PixelGrain = 24;

    /// <summary>
    /// One sample's outputs at pixels [<paramref name="firstPixel"/>, + <paramref name="pixelCount"/>) of every output channel
    /// (<paramref name="firstPixel"/> a multiple of <see cref="PixelGrain"/>); the rest of y is not touched. Each output is
    /// computed as in the whole call, so ranges that cover the pixels give its bits (a call on one sample split between
    /// threads by pixels: <see cref="OneSampleSplit"/>).
    /// </summary>
    public static void ForwardPixels(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int firstPixel, int pixelCount,
        VectorWidth width)
    {
        if (firstPixel % PixelGrain != 0 || firstPixel < 0 || pixelCount < 0 || firstPixel + pixelCount > g.OutPixels)
            throw new ArgumentOutOfRangeException(nameof(firstPixel), $"pixels [{firstPixel}, +{pixelCount}) is not a range of whole {PixelGrain}-pixel tiles of {g.OutPixels}.");
        Forward(g, x, w, b, y, g.OutputLength, 1, firstPixel, pixelCount, width);
    }

    /// <summary>
    /// The forward of <paramref name="n"/> samples with the 2×2, stride-2 max-pool after it (then ReLU when
    /// <paramref name="relu"/>): y [n, Cout, ⌊OH/2⌋, ⌊OW/2⌋]. Each group's channels-last plane is pooled in place by the pool's
    /// rule (<see cref="MaxPool2x2.ChannelsLast"/>) and only the pooled values are transposed into y; the convolution's
    /// outputs are those of <see cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, VectorWidth)"/>,
    /// so y holds the values of that forward followed by the pool kernel. y must not overlap x (later groups read x again).
    /// </summary>
    public static void ForwardMaxPool(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, bool relu,
        VectorWidth width)
        => Forward(g, x, w, b, y, g.OutChannels * (g.OutHeight / 2) * (g.OutWidth / 2), n, 0, g.OutPixels, width, new Pooling(true, relu));

    /// <summary>Whether a group's plane is max-pooled before it is transposed into y, and rectified after the pool.</summary>
    private readonly record struct Pooling(bool Enabled, bool Relu);

    private static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, int n,
        int firstPixel, int pixelCount, VectorWidth width, Pooling pooling = default)
    {
        VectorWidth lanesWidth = LaneWidth(g.OutChannels, width);
        Span<float> scratch = Conv2DWorkspace.Current.ChannelVector(ScratchLength(g, width));
        switch (lanesWidth)
        {
            case VectorWidth.V512:
                Run<Vector512<float>, Lane512>(g, x, w, b, y, yStride, n, firstPixel, pixelCount, scratch, lanesWidth, pooling);
                break;
            case VectorWidth.V256:
                Run<Vector256<float>, Lane256>(g, x, w, b, y, yStride, n, firstPixel, pixelCount, scratch, lanesWidth, pooling);
                break;
            case VectorWidth.V128:
                Run<Vector128<float>, Lane128>(g, x, w, b, y, yStride, n, firstPixel, pixelCount, scratch, lanesWidth, pooling);
                break;
            default:
                Run<float, ScalarLane>(g, x, w, b, y, yStride, n, firstPixel, pixelCount, scratch, lanesWidth, pooling);
                break;
        }
    }

    /// <summary>Most blocks of output channels one pass over the pixels takes (four at 512 bits: 24 accumulators of 32 registers).</summary>
    private const int MaxGroup = 4;

    /// <summary>
    /// Blocks of output channels one pass over the pixels takes at most with <paramref name="lanes"/> lanes: two where the
    /// registers leave room for two blocks of six pixels (16 at 256 and 128 bits), four at 512.
    /// </summary>
    private static int MaxGroupAt(int lanes) => lanes >= 16 ? MaxGroup : 2;

    /// <summary>Pixels of a tile of two or four blocks (one block: <see cref="Pixels"/>).</summary>
    private const int GroupPixels = 6;

    private static int PaddedLength(in Conv2DGeometry g) => g.InChannels * PaddedHeight(g) * PaddedWidth(g);

    // Rows and columns of the padded plane that the taps reach (bottom/right padding beyond the last tap is never read).
    private static int PaddedHeight(in Conv2DGeometry g) => (g.OutHeight - 1) * g.StrideHeight + g.KernelHeight;

    private static int PaddedWidth(in Conv2DGeometry g) => (g.OutWidth - 1) * g.StrideWidth + g.KernelWidth;

    /// <summary>
    /// Whether the taps read the input itself: no padding above or to the left, and none of the padding below or to the right
    /// within their reach (a ResNet's strided 1×1 projection reads every other pixel of every other row in place).
    /// </summary>
    private static bool ReadsInPlace(in Conv2DGeometry g)
        => g.PadTop == 0 && g.PadLeft == 0 && PaddedHeight(g) <= g.InHeight && PaddedWidth(g) <= g.InWidth;

    // Pixels [firstPixel, firstPixel + pixelCount) of each of the n samples (firstPixel a multiple of PixelGrain).
    private static void Run<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, int n,
        int firstPixel, int pixelCount, Span<float> scratch, VectorWidth lanesWidth, Pooling pooling) where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, outChannels = g.OutChannels, patch = g.PatchLength;
        int blocks = (outChannels + lanes - 1) / lanes;
        // The packing of the last call when the weights are unchanged (inference on one sample: packing cost a fifth of
        // LeNet-5's conv2), else a fresh one.
        ReadOnlySpan<float> packed = PackedWeightCache.Current.Get(g, w, lanesWidth, PackedWeightCache.ChannelVector,
            blocks * patch * lanes, PackWeights, scratch[..(blocks * patch * lanes)]);
        bool inPlace = ReadsInPlace(g);
        Span<float> plane = inPlace ? default : scratch.Slice(blocks * patch * lanes, PaddedLength(g));
        int pixels = g.OutPixels, tiled = TiledPixels(pixels);
        // A group's outputs channels-last, [block][pixel][lane], whole tiles of pixels; transposed into y once per group.
        Span<float> lastChannels = scratch.Slice(blocks * patch * lanes + plane.Length, MaxGroup * tiled * lanes);

        int maxGroup = MaxGroupAt(lanes);
        Span<float> bias = stackalloc float[MaxGroup * lanes];
        // The taps' plane: the padded copy, or the input with its own pitch.
        int pw = inPlace ? g.InWidth : PaddedWidth(g), planeSize = inPlace ? g.InHeight * g.InWidth : PaddedHeight(g) * PaddedWidth(g);
        int ow = g.OutWidth, sh = g.StrideHeight, sw = g.StrideWidth;
        Span<int> origins = stackalloc int[Pixels];
        ref float last = ref MemoryMarshal.GetReference(lastChannels);
        ref float w0 = ref MemoryMarshal.GetReference(packed);
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> xs = x.Slice(s * g.InputLength, g.InputLength);
            if (!inPlace) Pad(g, xs, plane, PaddedHeight(g), pw);
            ref float planeStart = ref MemoryMarshal.GetReference(inPlace ? xs : plane);
            ref float ys = ref MemoryMarshal.GetReference(y.Slice(s * yStride, pooling.Enabled ? yStride : g.OutputLength));
            for (int block = 0, group; block < blocks; block += group)
            {
                group = blocks - block >= maxGroup ? maxGroup : blocks - block >= 2 ? 2 : 1;
                int first = block * lanes, count = Math.Min(group * lanes, outChannels - first);
                bias.Clear();
                if (!b.IsEmpty) b.Slice(first, count).CopyTo(bias);
                ref float bias0 = ref MemoryMarshal.GetReference(bias);
                ref float wb = ref Unsafe.Add(ref w0, block * patch * lanes);
                int tile = group == 1 ? Pixels : GroupPixels, blockStride = patch * lanes, outStride = tiled * lanes;
                // Tiles of pixels in row-major order, across row ends (each pixel has its own origin in the plane); the last
                // tile repeats its last pixel in the unused slots.
                int endPixel = firstPixel + pixelCount;
                for (int q0 = firstPixel, row = firstPixel / ow, column = firstPixel % ow; q0 < endPixel; q0 += tile)
                {
                    int span = Math.Min(tile, endPixel - q0);
                    for (int p = 0; p < tile; p++)
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
                    ref float t = ref Unsafe.Add(ref last, q0 * lanes);
                    switch (group)
                    {
                        case 4:
                            Tile4x6<T, L>(ref planeStart, origins, ref wb, blockStride, ref bias0, g.InChannels, g.KernelHeight, g.KernelWidth, pw, planeSize,
                                ref t, outStride);
                            break;
                        case 2:
                            Tile2x6<T, L>(ref planeStart, origins, ref wb, blockStride, ref bias0, g.InChannels, g.KernelHeight, g.KernelWidth, pw, planeSize,
                                ref t, outStride);
                            break;
                        default:
                            Tile8<T, L>(ref planeStart, origins, ref wb, L.Load(ref bias0, 0), g.InChannels, g.KernelHeight, g.KernelWidth, pw, planeSize, lanes,
                                ref t);
                            break;
                    }
                }
                for (int k = 0; k < group; k++)
                {
                    int blockFirst = first + k * lanes;
                    if (blockFirst >= outChannels) continue;
                    if (pooling.Enabled)
                    {
                        // The whole plane's windows, pooled rows packed end to end in place, then only those transposed.
                        int pooledWidth = ow / 2, pooledPixels = g.OutHeight / 2 * pooledWidth;
                        ref float blockPlane = ref Unsafe.Add(ref last, k * outStride);
                        MaxPool2x2.ChannelsLast<T, L>(ref blockPlane, ow * lanes, lanes, 1, g.OutHeight / 2, pooledWidth, pooling.Relu, ref blockPlane, pooledWidth * lanes);
                        Unpack(ref blockPlane, lanes, ref ys, blockFirst, Math.Min(lanes, outChannels - blockFirst), pooledPixels, pooledPixels);
                        continue;
                    }
                    Unpack(ref Unsafe.Add(ref last, k * outStride + firstPixel * lanes), lanes, ref Unsafe.Add(ref ys, firstPixel), blockFirst, Math.Min(lanes, outChannels - blockFirst),
                        pixels, pixelCount);
                }
            }
        }
    }

    // [pixel][lane] → y [channel][pixel] for channels [first, first + count) and `columns` pixels from where last and ys
    // point (y's channel planes `pixels` apart): blocks of 4 pixels × 4 channels transposed in registers where the CPU has
    // SSE, the element loop for the other pixels and channels (it moves floats, so the bits are the same).
    private static void Unpack(ref float last, int lanes, ref float ys, int first, int count, int pixels, int columns)
    {
        int blockLanes = Transpose4x4.IsSupported ? count & ~3 : 0, blockPixels = columns & ~3;
        for (int lane = 0; lane < blockLanes; lane += 4)
        {
            ref float to = ref Unsafe.Add(ref ys, (first + lane) * pixels);
            ref float from = ref Unsafe.Add(ref last, lane);
            for (int q = 0; q < blockPixels; q += 4)
                Transpose4x4.Block(ref Unsafe.Add(ref from, q * lanes), lanes, ref Unsafe.Add(ref to, q), pixels);
            for (int i = 0; i < 4; i++)
                for (int q = blockPixels; q < columns; q++) Unsafe.Add(ref to, i * pixels + q) = Unsafe.Add(ref from, q * lanes + i);
        }
        for (int lane = blockLanes; lane < count; lane++)
        {
            ref float to = ref Unsafe.Add(ref ys, (first + lane) * pixels);
            ref float from = ref Unsafe.Add(ref last, lane);
            for (int q = 0; q < columns; q++) Unsafe.Add(ref to, q) = Unsafe.Add(ref from, q * lanes);
        }
    }

    // Pixels rounded up to whole tiles of eight and of six.
    private static int TiledPixels(int pixels) => (pixels + 23) / 24 * 24;

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

    // 2 blocks × 6 pixels: 12 accumulators, 2 weight vectors and one broadcast input value per tap and pixel. Each
    // output is its bias, then the taps in (c, kh, kw) order, fused where the CPU has FMA: as in Tile8.
    private static void Tile2x6<T, L>(ref float plane, ReadOnlySpan<int> origins, ref float wb, int blockStride, ref float bias, int inChannels, int kh, int kw,
        int pw, int planeSize, ref float t, int outStride) where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        ref float p0 = ref Unsafe.Add(ref plane, origins[0]);
        ref float p1 = ref Unsafe.Add(ref plane, origins[1]);
        ref float p2 = ref Unsafe.Add(ref plane, origins[2]);
        ref float p3 = ref Unsafe.Add(ref plane, origins[3]);
        ref float p4 = ref Unsafe.Add(ref plane, origins[4]);
        ref float p5 = ref Unsafe.Add(ref plane, origins[5]);
        T b0 = L.Load(ref bias, 0 * lanes);
        T b1 = L.Load(ref bias, 1 * lanes);
        T a00 = b0, a01 = b0, a02 = b0, a03 = b0, a04 = b0, a05 = b0;
        T a10 = b1, a11 = b1, a12 = b1, a13 = b1, a14 = b1, a15 = b1;
        ref float wk = ref wb;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                int tap = c * planeSize + i * pw, end = tap + kw;
                for (; tap < end; tap++, wk = ref Unsafe.Add(ref wk, lanes))
                {
                    T w0 = L.Load(ref wk, 0);
                    T w1 = L.Load(ref wk, blockStride);
                    T x0 = L.Splat(Unsafe.Add(ref p0, tap));
                    a00 = L.FusedMultiplyAdd(w0, x0, a00);
                    a10 = L.FusedMultiplyAdd(w1, x0, a10);
                    T x1 = L.Splat(Unsafe.Add(ref p1, tap));
                    a01 = L.FusedMultiplyAdd(w0, x1, a01);
                    a11 = L.FusedMultiplyAdd(w1, x1, a11);
                    T x2 = L.Splat(Unsafe.Add(ref p2, tap));
                    a02 = L.FusedMultiplyAdd(w0, x2, a02);
                    a12 = L.FusedMultiplyAdd(w1, x2, a12);
                    T x3 = L.Splat(Unsafe.Add(ref p3, tap));
                    a03 = L.FusedMultiplyAdd(w0, x3, a03);
                    a13 = L.FusedMultiplyAdd(w1, x3, a13);
                    T x4 = L.Splat(Unsafe.Add(ref p4, tap));
                    a04 = L.FusedMultiplyAdd(w0, x4, a04);
                    a14 = L.FusedMultiplyAdd(w1, x4, a14);
                    T x5 = L.Splat(Unsafe.Add(ref p5, tap));
                    a05 = L.FusedMultiplyAdd(w0, x5, a05);
                    a15 = L.FusedMultiplyAdd(w1, x5, a15);
                }
            }
        }
        L.Store(ref t, 0 * lanes, a00);
        L.Store(ref t, 1 * lanes, a01);
        L.Store(ref t, 2 * lanes, a02);
        L.Store(ref t, 3 * lanes, a03);
        L.Store(ref t, 4 * lanes, a04);
        L.Store(ref t, 5 * lanes, a05);
        L.Store(ref t, 1 * outStride + 0 * lanes, a10);
        L.Store(ref t, 1 * outStride + 1 * lanes, a11);
        L.Store(ref t, 1 * outStride + 2 * lanes, a12);
        L.Store(ref t, 1 * outStride + 3 * lanes, a13);
        L.Store(ref t, 1 * outStride + 4 * lanes, a14);
        L.Store(ref t, 1 * outStride + 5 * lanes, a15);
    }

    // 4 blocks × 6 pixels: 24 accumulators, 4 weight vectors and one broadcast input value per tap and pixel. Each
    // output is its bias, then the taps in (c, kh, kw) order, fused where the CPU has FMA: as in Tile8.
    private static void Tile4x6<T, L>(ref float plane, ReadOnlySpan<int> origins, ref float wb, int blockStride, ref float bias, int inChannels, int kh, int kw,
        int pw, int planeSize, ref float t, int outStride) where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        ref float p0 = ref Unsafe.Add(ref plane, origins[0]);
        ref float p1 = ref Unsafe.Add(ref plane, origins[1]);
        ref float p2 = ref Unsafe.Add(ref plane, origins[2]);
        ref float p3 = ref Unsafe.Add(ref plane, origins[3]);
        ref float p4 = ref Unsafe.Add(ref plane, origins[4]);
        ref float p5 = ref Unsafe.Add(ref plane, origins[5]);
        T b0 = L.Load(ref bias, 0 * lanes);
        T b1 = L.Load(ref bias, 1 * lanes);
        T b2 = L.Load(ref bias, 2 * lanes);
        T b3 = L.Load(ref bias, 3 * lanes);
        T a00 = b0, a01 = b0, a02 = b0, a03 = b0, a04 = b0, a05 = b0;
        T a10 = b1, a11 = b1, a12 = b1, a13 = b1, a14 = b1, a15 = b1;
        T a20 = b2, a21 = b2, a22 = b2, a23 = b2, a24 = b2, a25 = b2;
        T a30 = b3, a31 = b3, a32 = b3, a33 = b3, a34 = b3, a35 = b3;
        ref float wk = ref wb;
        int blockStride2 = 2 * blockStride, blockStride3 = 3 * blockStride;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                int tap = c * planeSize + i * pw, end = tap + kw;
                for (; tap < end; tap++, wk = ref Unsafe.Add(ref wk, lanes))
                {
                    T w0 = L.Load(ref wk, 0);
                    T w1 = L.Load(ref wk, blockStride);
                    T w2 = L.Load(ref wk, blockStride2);
                    T w3 = L.Load(ref wk, blockStride3);
                    T x0 = L.Splat(Unsafe.Add(ref p0, tap));
                    a00 = L.FusedMultiplyAdd(w0, x0, a00);
                    a10 = L.FusedMultiplyAdd(w1, x0, a10);
                    a20 = L.FusedMultiplyAdd(w2, x0, a20);
                    a30 = L.FusedMultiplyAdd(w3, x0, a30);
                    T x1 = L.Splat(Unsafe.Add(ref p1, tap));
                    a01 = L.FusedMultiplyAdd(w0, x1, a01);
                    a11 = L.FusedMultiplyAdd(w1, x1, a11);
                    a21 = L.FusedMultiplyAdd(w2, x1, a21);
                    a31 = L.FusedMultiplyAdd(w3, x1, a31);
                    T x2 = L.Splat(Unsafe.Add(ref p2, tap));
                    a02 = L.FusedMultiplyAdd(w0, x2, a02);
                    a12 = L.FusedMultiplyAdd(w1, x2, a12);
                    a22 = L.FusedMultiplyAdd(w2, x2, a22);
                    a32 = L.FusedMultiplyAdd(w3, x2, a32);
                    T x3 = L.Splat(Unsafe.Add(ref p3, tap));
                    a03 = L.FusedMultiplyAdd(w0, x3, a03);
                    a13 = L.FusedMultiplyAdd(w1, x3, a13);
                    a23 = L.FusedMultiplyAdd(w2, x3, a23);
                    a33 = L.FusedMultiplyAdd(w3, x3, a33);
                    T x4 = L.Splat(Unsafe.Add(ref p4, tap));
                    a04 = L.FusedMultiplyAdd(w0, x4, a04);
                    a14 = L.FusedMultiplyAdd(w1, x4, a14);
                    a24 = L.FusedMultiplyAdd(w2, x4, a24);
                    a34 = L.FusedMultiplyAdd(w3, x4, a34);
                    T x5 = L.Splat(Unsafe.Add(ref p5, tap));
                    a05 = L.FusedMultiplyAdd(w0, x5, a05);
                    a15 = L.FusedMultiplyAdd(w1, x5, a15);
                    a25 = L.FusedMultiplyAdd(w2, x5, a25);
                    a35 = L.FusedMultiplyAdd(w3, x5, a35);
                }
            }
        }
        L.Store(ref t, 0 * lanes, a00);
        L.Store(ref t, 1 * lanes, a01);
        L.Store(ref t, 2 * lanes, a02);
        L.Store(ref t, 3 * lanes, a03);
        L.Store(ref t, 4 * lanes, a04);
        L.Store(ref t, 5 * lanes, a05);
        L.Store(ref t, 1 * outStride + 0 * lanes, a10);
        L.Store(ref t, 1 * outStride + 1 * lanes, a11);
        L.Store(ref t, 1 * outStride + 2 * lanes, a12);
        L.Store(ref t, 1 * outStride + 3 * lanes, a13);
        L.Store(ref t, 1 * outStride + 4 * lanes, a14);
        L.Store(ref t, 1 * outStride + 5 * lanes, a15);
        L.Store(ref t, 2 * outStride + 0 * lanes, a20);
        L.Store(ref t, 2 * outStride + 1 * lanes, a21);
        L.Store(ref t, 2 * outStride + 2 * lanes, a22);
        L.Store(ref t, 2 * outStride + 3 * lanes, a23);
        L.Store(ref t, 2 * outStride + 4 * lanes, a24);
        L.Store(ref t, 2 * outStride + 5 * lanes, a25);
        L.Store(ref t, 3 * outStride + 0 * lanes, a30);
        L.Store(ref t, 3 * outStride + 1 * lanes, a31);
        L.Store(ref t, 3 * outStride + 2 * lanes, a32);
        L.Store(ref t, 3 * outStride + 3 * lanes, a33);
        L.Store(ref t, 3 * outStride + 4 * lanes, a34);
        L.Store(ref t, 3 * outStride + 5 * lanes, a35);
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
        // The taps' weights one vector after another: a running reference rather than an index times the lanes.
        ref float wk = ref wb;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                int tap = c * planeSize + i * pw, end = tap + kw;
                for (; tap < end; tap++, wk = ref Unsafe.Add(ref wk, lanes))
                {
                    T wv = L.Load(ref wk, 0);
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
