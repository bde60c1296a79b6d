using System;
using Compiled.Threading;

namespace Compiled.Kernels;

/// <summary>
/// A forward call on one sample split over the threads of the open <see cref="IntraOpTeam"/> (the idle threads of a runner
/// called on one sample): a Winograd convolution by output tiles (the filters transformed once, by the calling thread,
/// every part transforming only its tiles' inputs), a 3×3 layer over one or two input channels by rows
/// (<see cref="FewChannels3x3"/>), a grid layer of at most 8 channels by rows (<see cref="GridRowParts"/>), a layer on
/// channel vectors of too few blocks of channels for a channel split by pixels (<see cref="ChannelVectorPixelParts"/>),
/// another convolution by blocks of output channels, a dense layer by blocks of output features. Each part runs the
/// ordinary kernel on its own part of the output (a convolution of fewer filters, a dense layer of fewer outputs, a range
/// of tile rows, rows or pixels), so it is right wherever the whole call is; with no team open, or for a call too small to
/// pay for a fork and join, nothing splits.
/// </summary>
/// <remarks>
/// Every output channel or feature is computed from the same inputs, weights and bias as in the whole call, with the same
/// reduction, but a part may run a different algorithm than the whole (a kernel is chosen for the slice's channel count),
/// so the values agree with the unsplit call to rounding; for a fixed thread count they are the same every time.
/// Arguments are validated by the caller before it splits, so a part does not fail on them.
/// </remarks>
internal static unsafe class OneSampleSplit
{
    /// <summary>
    /// A part must have at least this many multiply-adds for a split to pay: handing a part to a spinning worker and joining
    /// it costs a few microseconds, about what one core does in this many (measured on the bench runner's batch-1 calls).
    /// </summary>
    internal const long MinMultiplyAddsPerPart = 1L << 18;

    /// <summary>
    /// The same for a dense layer, whose matrix-vector products on one sample stream each weight once from cache: bound by
    /// the cache's bandwidth rather than the core's multiply-adds, they gain from a second core's cache at an eighth of the
    /// convolutions' size (the MLP's fc1, 100k multiply-adds, split in two: 200k → 295k images/s on the bench runner; its
    /// fc2, 8k, lost when split).
    /// </summary>
    internal const long MinDenseMultiplyAddsPerPart = 1L << 15;

    /// <summary>
    /// The same for a strided 1×1 convolution (a ResNet's projection shortcut), which on one sample runs on channel vectors
    /// (<see cref="ChannelVectorConvolution"/>) reading every other pixel of every other row, bound by those reads more than
    /// by its multiply-adds: the ResNet's two (16 → 32 and 32 → 64, 100k multiply-adds each) ran on the calling thread alone
    /// while the other waited; split in two, batch 1 on 2 threads went 1.02x faster on the bench runner (8 alternating
    /// pairs), and with the input read in place each part still takes 5 µs against 7 for the whole layer in the network.
    /// </summary>
    internal const long MinStridedPointwiseMultiplyAddsPerPart = 1L << 15;

    /// <summary>
    /// The same for a layer on channel vectors split by pixels (<see cref="ChannelVectorPixelParts"/>): LeNet-5's conv2 at
    /// one sample (240k multiply-adds, 13 µs on one core) ran on the calling thread alone while the other waited.
    /// </summary>
    internal const long MinChannelVectorPixelMultiplyAddsPerPart = 1L << 16;

    /// <summary>
    /// The same for a grid layer of few output channels split by rows (<see cref="GridRowParts"/>): LeNet-5's conv1 at one
    /// sample (118k multiply-adds, 8 µs on one core) ran on the calling thread alone while the other waited.
    /// </summary>
    internal const long MinGridRowMultiplyAddsPerPart = 1L << 15;

    /// <summary>
    /// The same for a 3×3 layer over one or two input channels (<see cref="FewChannels3x3"/>), which splits by rows in whole
    /// blocks of <see cref="RowGrain"/>: VGG's first layer (1 → 32 at 28×28, 226k multiply-adds, 7 µs on one core) ran on
    /// the calling thread alone while the other waited, and the next layer's parts then read the rows it wrote from the
    /// other core; by rows, each part writes about the rows its part of the next layer (F(4×4) tile rows) reads. The small
    /// ResNet's first layer (1 → 16 at 28×28, 113k multiply-adds, 12 µs on one core of the AVX2 bench machine) did not split
    /// at 2^16 a part; split in two it takes about 8 µs there.
    /// </summary>
    internal const long MinFewChannelMultiplyAddsPerPart = 1L << 15;

    /// <summary>
    /// Tiles a part of an F(4×4) Winograd layer takes in whole blocks of: the product kernels run 4 tiles at a time at the
    /// least. By tiles, not whole tile rows: a 28×28 plane's 7 tile rows went 3 and 4 to two threads (one part 1.3x the
    /// other's time), its 49 tiles go 24 and 25.
    /// </summary>
    internal const int TileGrain = 4;

    /// <summary>Output rows a part of a row split takes in whole blocks of: F(4×4)'s tile rows.</summary>
    internal const int RowGrain = 4;

    /// <summary>Output channels (features) a part takes in whole blocks of: the 3×3 kernels' register tile is 8 channels high at 512 bits.</summary>
    internal const int Grain = 8;

    /// <summary>Calls this thread has split (the tests check that a layer they expect to split did).</summary>
    [ThreadStatic] internal static int t_splits;

    /// <summary>The multiply-adds a part of convolution <paramref name="g"/> must get for a one-sample call to split it by channels.</summary>
    internal static long MinimumPerPart(in Conv2DGeometry g)
        => g.KernelHeight == 1 && g.KernelWidth == 1 && (g.StrideHeight > 1 || g.StrideWidth > 1) ? MinStridedPointwiseMultiplyAddsPerPart : MinMultiplyAddsPerPart;

    /// <summary>How many parts a call of <paramref name="multiplyAdds"/> over <paramref name="outputs"/> channels or features splits into here, each at least <paramref name="minimumPerPart"/> (1: run it whole).</summary>
    internal static int Parts(long multiplyAdds, int outputs, long minimumPerPart)
    {
        int parts = IntraOpTeam.Parts;
        if (parts <= 1) return 1;
        parts = (int)Math.Min(parts, multiplyAdds / minimumPerPart);
        return Math.Max(1, Math.Min(parts, outputs / Grain));
    }

    private struct Conv
    {
        public Conv2DGeometry Geometry;
        public float* X, W, B, Y, Col, Packed, Residual;
        public int ColLength, Parts, PackedLength;
        public bool Relu, ByTiles, MaxPool;
        public VectorWidth Width;
    }

    /// <summary>
    /// One sample's <c>y = conv(x, w) + b</c> (<paramref name="relu"/>: then max(·, 0)) split by output channels when a team is
    /// open and the layer is large enough; false (nothing written) when it does not split. Dense geometries only (one group).
    /// </summary>
    public static bool TryConv2D(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col,
        bool relu, VectorWidth width)
        => TryConv2D(g, x, w, b, y, col, relu, width, default);

    /// <summary>
    /// <see cref="TryConv2D(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, bool, VectorWidth)"/>
    /// with a residual (<see cref="Conv2DKernels.ForwardResidual(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, bool)"/>;
    /// empty: none) added before the ReLU: each part adds the residual of the outputs it writes.
    /// </summary>
    public static bool TryConv2D(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col,
        bool relu, VectorWidth width, ReadOnlySpan<float> residual)
    {
        if (!g.IsDense || IntraOpTeam.Parts <= 1) return false;
        long multiplyAdds = (long)g.OutputLength * g.PatchLength;
        // By rows or pixels, each part the whole call's kernel on its share of every channel's outputs.
        if (residual.IsEmpty && FewChannelRowParts(g, width) is > 1 and int bands)
            return RunParts(g, x, w, b, y, residual, relu, width, bands, &RunFewChannelRows);
        if (GridRowParts(g, width) is > 1 and int gridRowParts)
            return RunParts(g, x, w, b, y, residual, relu, width, gridRowParts, &RunGridRows);
        if (ChannelVectorPixelParts(g, width) is > 1 and int pixelParts)
            return RunParts(g, x, w, b, y, residual, relu, width, pixelParts, &RunChannelVectorPixels);
        int parts = Parts(multiplyAdds, g.OutChannels, MinimumPerPart(g));
        if (Conv2DKernels.Algorithm(g, width).Forward == Conv2DMethod.Winograd && SplitsByRows(g, parts))
            return RunWinograd(g, x, w, b, y, residual, relu, width, parts, maxPool: false);
        if (parts <= 1) return false;
        fixed (float* px = x)
        fixed (float* pw = w)
        fixed (float* pb = b)
        fixed (float* py = y)
        fixed (float* pc = col)
        fixed (float* pr = residual)
        {
            var job = new Conv
            {
                Geometry = g, X = px, W = pw, B = b.IsEmpty ? null : pb, Y = py, Col = pc, ColLength = col.Length, Parts = parts,
                Residual = residual.IsEmpty ? null : pr, Relu = relu, Width = width,
            };
            IntraOpTeam.Run(&RunConv, &job);
        }
        t_splits++;
        return true;
    }

    /// <summary>
    /// One sample's Winograd convolution with the 2×2 max-pool after it in its epilogue
    /// (<see cref="Conv2DKernels.ForwardMaxPool(in Conv2DGeometry, in Pool2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, bool)"/>):
    /// split by output tiles where the convolution alone would split by tiles, each part pooling its own tiles' windows into
    /// <paramref name="y"/> (the pooled plane); true when it split. False when it does not: then
    /// <paramref name="splitsOtherwise"/> says whether the convolution alone would split another way (by blocks of output
    /// channels, which the pool cannot follow), where the caller runs it and the pool apart; else it runs whole.
    /// </summary>
    public static bool TryConv2DMaxPool(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        bool relu, VectorWidth width, out bool splitsOtherwise)
    {
        splitsOtherwise = false;
        if (!g.IsDense || IntraOpTeam.Parts <= 1) return false;
        int parts = Parts((long)g.OutputLength * g.PatchLength, g.OutChannels, MinimumPerPart(g));
        if (parts <= 1) return false;
        if (!SplitsByRows(g, parts) || WinogradConvolution.TileSize(g) != 4)
        {
            splitsOtherwise = true;
            return false;
        }
        return RunWinograd(g, x, w, b, y, default, relu, width, parts, maxPool: true);
    }

    // A Winograd layer on `parts` parts by output tiles (F(4×4); F(2×2) by tile rows): each part transforms only its tiles'
    // inputs, with the filters this thread transformed; true.
    private static bool RunWinograd(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        ReadOnlySpan<float> residual, bool relu, VectorWidth width, int parts, bool maxPool)
    {
        ReadOnlySpan<float> packed = Conv2DKernels.Pack3x3(g, w, winograd: true, width);
        fixed (float* px = x)
        fixed (float* pb = b)
        fixed (float* py = y)
        fixed (float* pp = packed)
        fixed (float* pr = residual)
        {
            var job = new Conv
            {
                Geometry = g, X = px, B = b.IsEmpty ? null : pb, Y = py, Packed = pp, PackedLength = packed.Length, Parts = parts,
                Residual = residual.IsEmpty ? null : pr, Relu = relu, Width = width, ByTiles = WinogradConvolution.TileSize(g) == 4, MaxPool = maxPool,
            };
            IntraOpTeam.Run(&RunWinogradRows, &job);
        }
        t_splits++;
        return true;
    }

    // Runs `run` on `parts` parts of one sample's layer (the arguments pinned for the parts' threads); true.
    private static bool RunParts(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, ReadOnlySpan<float> residual,
        bool relu, VectorWidth width, int parts, delegate*<void*, int, int, void> run)
    {
        fixed (float* px = x)
        fixed (float* pw = w)
        fixed (float* pb = b)
        fixed (float* py = y)
        fixed (float* pr = residual)
        {
            var job = new Conv
            {
                Geometry = g, X = px, W = pw, B = b.IsEmpty ? null : pb, Y = py, Parts = parts, Residual = residual.IsEmpty ? null : pr, Relu = relu, Width = width,
            };
            IntraOpTeam.Run(run, &job);
        }
        t_splits++;
        return true;
    }

    // Whether a Winograd layer splits by output tiles rather than by blocks of output channels: where it has 4 tile
    // rows or more (F(4×4): planes of 13 rows or more), the parts taking equal shares of the tiles (TileGrain). By tiles,
    // each part transforms only its tiles' inputs; by channels every part transforms the whole input. Measured on the bench
    // runner's batch-1 calls on 2 threads (NativeAOT, 8 alternating pairs), against splitting by rows only where 8 or more
    // divide evenly (the rule for F(2×2)): VGG 1.11x (its 28×28 and 14×14 layers now by rows), the ResNet 1.09x (its
    // 28×28 and 14×14 layers); splitting its 7×7 layers (2 tile rows) by rows too changed nothing (1.01x).
    private static bool SplitsByRows(in Conv2DGeometry g, int parts)
    {
        int rows = WinogradConvolution.TileRows(g);
        return parts > 1 && rows >= 4;
    }

    /// <summary>Parts a one-sample call of a <see cref="FewChannels3x3"/> layer splits into by rows here (1: none).</summary>
    internal static int FewChannelRowParts(in Conv2DGeometry g, VectorWidth width)
    {
        if (Conv2DKernels.Algorithm(g, width).Forward != Conv2DMethod.Direct3x3 || !FewChannels3x3.Applies(g)) return 1;
        long multiplyAdds = (long)g.OutputLength * g.PatchLength;
        return (int)Math.Min(Math.Min(IntraOpTeam.Parts, multiplyAdds / MinFewChannelMultiplyAddsPerPart), g.OutHeight / RowGrain);
    }

    private static void RunFewChannelRows(void* state, int part, int parts)
    {
        ref Conv job = ref *(Conv*)state;
        Conv2DGeometry g = job.Geometry;
        if (part >= job.Parts) return;
        (int first, int count) = IntraOpTeam.Share(g.OutHeight, RowGrain, part, job.Parts);
        if (count == 0) return;
        Span<float> padded = Conv2DWorkspace.Current.Source(FewChannels3x3.PaddedLength(g));
        FewChannels3x3.ForwardRows(g, Input(job), Weights(job), Bias(job), new Span<float>(job.Y, g.OutputLength), first, count, job.Relu, padded, job.Width);
    }

    /// <summary>
    /// Parts a one-sample call of a layer that runs on channel vectors (<see cref="ChannelVectorConvolution"/>) splits into
    /// by pixels here (1: none): one of at most <see cref="MaxPixelSplitChannels"/> output channels, which parts of whole
    /// blocks of 8 channels would leave short of one pass's two blocks (LeNet-5's conv2, 16 channels: 2 blocks × 6 pixels
    /// whole at 256 bits, 1 block × 8 pixels in each part of a channel split). By pixels every part runs the whole call's
    /// tiles on its pixels, with all the channels. The same rule at every width (the compile-time report mirrors it).
    /// </summary>
    internal static int ChannelVectorPixelParts(in Conv2DGeometry g, VectorWidth width)
    {
        int parts = IntraOpTeam.Parts;
        if (parts <= 1 || g.OutChannels > MaxPixelSplitChannels) return 1;
        Conv2DMethod method = Conv2DKernels.Algorithm(g, width).Forward;
        // A 3×3 layer over one or two input channels runs FewChannels3x3, not channel vectors (Conv2DKernels.Forward3x3).
        if (!ChannelVectorConvolution.Applies(g, 1, method) || (method == Conv2DMethod.Direct3x3 && FewChannels3x3.Applies(g))) return 1;
        long multiplyAdds = (long)g.OutputLength * g.PatchLength;
        int tiles = (g.OutPixels + ChannelVectorConvolution.PixelGrain - 1) / ChannelVectorConvolution.PixelGrain;
        return (int)Math.Min(Math.Min(parts, multiplyAdds / MinChannelVectorPixelMultiplyAddsPerPart), tiles);
    }

    /// <summary>Most output channels a layer on channel vectors splits by pixels with (<see cref="ChannelVectorPixelParts"/>): three blocks of 8.</summary>
    internal const int MaxPixelSplitChannels = 24;

    private static void RunChannelVectorPixels(void* state, int part, int parts)
    {
        ref Conv job = ref *(Conv*)state;
        Conv2DGeometry g = job.Geometry;
        if (part >= job.Parts) return;
        (int first, int count) = IntraOpTeam.Share(g.OutPixels, ChannelVectorConvolution.PixelGrain, part, job.Parts);
        if (count == 0) return;
        Span<float> y = new(job.Y, g.OutputLength);
        ChannelVectorConvolution.ForwardPixels(g, Input(job), Weights(job), Bias(job), y, first, count, job.Width);
        Finish(job, y, first, count);
    }

    /// <summary>
    /// Parts a one-sample call of a grid layer of at most 8 output channels (<see cref="GridConvolution.RunsChannelMajor"/>:
    /// LeNet-5's conv1) splits into by output rows here (1: none). Its row kernel takes 6 channels a tile, so parts of whole
    /// blocks of 8 channels would leave one part all of it.
    /// </summary>
    internal static int GridRowParts(in Conv2DGeometry g, VectorWidth width)
    {
        int parts = IntraOpTeam.Parts;
        if (parts <= 1 || Conv2DKernels.Algorithm(g, width).Forward != Conv2DMethod.Grid || !GridConvolution.RunsChannelMajor(g)) return 1;
        long multiplyAdds = (long)g.OutputLength * g.PatchLength;
        return (int)Math.Min(Math.Min(parts, multiplyAdds / MinGridRowMultiplyAddsPerPart), g.OutHeight);
    }

    private static void RunGridRows(void* state, int part, int parts)
    {
        ref Conv job = ref *(Conv*)state;
        Conv2DGeometry g = job.Geometry;
        if (part >= job.Parts) return;
        (int first, int count) = IntraOpTeam.Share(g.OutHeight, 1, part, job.Parts);
        if (count == 0) return;
        Span<float> y = new(job.Y, g.OutputLength);
        GridConvolution.ForwardRowRange(g, Input(job), Weights(job), Bias(job), y, first, count, job.Width);
        Finish(job, y, first * g.OutWidth, count * g.OutWidth);
    }

    private static ReadOnlySpan<float> Input(in Conv job) => new(job.X, job.Geometry.InputLength);

    private static ReadOnlySpan<float> Weights(in Conv job) => new(job.W, job.Geometry.WeightLength);

    private static ReadOnlySpan<float> Bias(in Conv job) => job.B == null ? default : new ReadOnlySpan<float>(job.B, job.Geometry.OutChannels);

    // The residual and the ReLU of a part's outputs, pixels [first, first + count) of every channel: per element as the
    // whole call's pass over y.
    private static void Finish(in Conv job, Span<float> y, int first, int count)
    {
        if (job.Residual == null && !job.Relu) return;
        int pixels = job.Geometry.OutPixels;
        for (int o = 0; o < job.Geometry.OutChannels; o++)
        {
            Span<float> outputs = y.Slice(o * pixels + first, count);
            if (job.Residual != null)
            {
                var residual = new ReadOnlySpan<float>(job.Residual + (long)o * pixels + first, count);
                if (job.Relu) ElementwiseDriver.Binary(new AddReluOperator(), outputs, residual, outputs, job.Width);
                else ElementwiseDriver.Binary(new AddOperator(), outputs, residual, outputs, job.Width);
            }
            else ActivationKernels.Relu(outputs, outputs, job.Width);
        }
    }

    private static void RunWinogradRows(void* state, int part, int parts)
    {
        ref Conv job = ref *(Conv*)state;
        Conv2DGeometry g = job.Geometry;
        if (part >= job.Parts) return;
        var x = new ReadOnlySpan<float>(job.X, g.InputLength);
        var packed = new ReadOnlySpan<float>(job.Packed, job.PackedLength);
        ReadOnlySpan<float> b = job.B == null ? default : new ReadOnlySpan<float>(job.B, g.OutChannels);
        // With the max-pool fused, y is the pooled plane.
        var y = new Span<float>(job.Y, job.MaxPool ? g.OutChannels * (g.OutHeight / 2) * (g.OutWidth / 2) : g.OutputLength);
        ReadOnlySpan<float> residual = job.Residual == null ? default : new ReadOnlySpan<float>(job.Residual, g.OutputLength);
        if (job.ByTiles)
        {
            // F(4×4): equal shares of the tiles, in whole blocks of the product kernels' tiles.
            (int firstTile, int tiles) = IntraOpTeam.Share(WinogradF4.TileRows(g) * WinogradF4.TileColumns(g), TileGrain, part, job.Parts);
            if (tiles > 0) WinogradConvolution.ForwardTiles(g, x, packed, b, residual, y, firstTile, tiles, job.Relu, job.Width, job.MaxPool);
            return;
        }
        (int first, int count) = IntraOpTeam.Share(WinogradConvolution.TileRows(g), 1, part, job.Parts);
        if (count > 0) WinogradConvolution.ForwardTileRows(g, x, packed, b, residual, y, first, count, job.Relu, job.Width);
    }

    private static void RunConv(void* state, int part, int parts)
    {
        ref Conv job = ref *(Conv*)state;
        Conv2DGeometry g = job.Geometry;
        if (part >= job.Parts) return;   // a team larger than the parts this layer is worth
        (int first, int count) = IntraOpTeam.Share(g.OutChannels, Grain, part, job.Parts);
        if (count == 0) return;
        Conv2DGeometry slice = g with { OutChannels = count };
        var x = new ReadOnlySpan<float>(job.X, g.InputLength);
        var w = new ReadOnlySpan<float>(job.W + (long)first * g.PatchLength, count * g.PatchLength);
        ReadOnlySpan<float> b = job.B == null ? default : new ReadOnlySpan<float>(job.B + first, count);
        var y = new Span<float>(job.Y + (long)first * g.OutPixels, count * g.OutPixels);
        // Part 0 runs on the caller's thread and uses its im2col buffer; the others their own.
        Span<float> col = part == 0 ? new Span<float>(job.Col, job.ColLength) : Conv2DWorkspace.Current.Columns(job.ColLength);
        if (job.Residual != null)
        {
            var residual = new ReadOnlySpan<float>(job.Residual + (long)first * g.OutPixels, count * g.OutPixels);
            Conv2DKernels.ForwardResidual(slice, x, w, b, residual, y, col, 1, job.Relu, job.Width);
        }
        else if (job.Relu) Conv2DKernels.ForwardRelu(slice, x, w, b, y, col, 1, job.Width);
        else Conv2DKernels.Forward(slice, x, w, b, y, col, 1, job.Width);
    }

    private struct Dense
    {
        public float* X, W, B, Y;
        public int InFeatures, OutFeatures, Parts;
        public VectorWidth Width;
    }

    /// <summary>One sample's <c>y = x·wᵀ + b</c> split by output features when a team is open and the layer is large enough; false (nothing written) otherwise.</summary>
    public static bool TryDense(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int inFeatures, int outFeatures, VectorWidth width)
    {
        if (IntraOpTeam.Parts <= 1) return false;
        int parts = Parts((long)inFeatures * outFeatures, outFeatures, MinDenseMultiplyAddsPerPart);
        if (parts <= 1) return false;
        fixed (float* px = x)
        fixed (float* pw = w)
        fixed (float* pb = b)
        fixed (float* py = y)
        {
            var job = new Dense
            {
                X = px, W = pw, B = b.IsEmpty ? null : pb, Y = py, InFeatures = inFeatures, OutFeatures = outFeatures, Parts = parts, Width = width,
            };
            IntraOpTeam.Run(&RunDense, &job);
        }
        t_splits++;
        return true;
    }

    private static void RunDense(void* state, int part, int parts)
    {
        ref Dense job = ref *(Dense*)state;
        if (part >= job.Parts) return;
        (int first, int count) = IntraOpTeam.Share(job.OutFeatures, Grain, part, job.Parts);
        if (count == 0) return;
        var x = new ReadOnlySpan<float>(job.X, job.InFeatures);
        var w = new ReadOnlySpan<float>(job.W + (long)first * job.InFeatures, count * job.InFeatures);
        ReadOnlySpan<float> b = job.B == null ? default : new ReadOnlySpan<float>(job.B + first, count);
        var y = new Span<float>(job.Y + first, count);
        DenseGemv.Forward(x, w, b, y, 1, job.InFeatures, count, job.Width);
    }
}
