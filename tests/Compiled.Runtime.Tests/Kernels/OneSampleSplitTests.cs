using System;
using System.Linq;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;
using Compiled.Threading;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// A forward call on one sample split over an intra-op team (the idle threads of a runner called on one sample): layers
/// large enough split into parts, each part the ordinary kernel on its slice of output channels or features; the result
/// agrees with the whole call to rounding at every width, is the same every time for a fixed team, and leaves the rest
/// of the output untouched. Layers too small, grouped convolutions and calls with no team open do not split.
/// </summary>
public sealed class OneSampleSplitTests
{
    private const double Tolerance = 1e-5;

    public static readonly Conv2DGeometry[] Splitting =
    [
        new(16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1),      // 3×3 stride 1: Winograd, 903k multiply-adds
        new(16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1),      // 3×3 stride 2: direct
        new(64, 14, 14, 64, 1, 1, 1, 1, 0, 0, 0, 0),      // pointwise: a GEMM
        new(8, 20, 20, 24, 5, 5, 1, 1, 2, 2, 2, 2),       // 5×5: grid or channel vectors
        new(16, 28, 28, 20, 3, 3, 1, 1, 1, 1, 1, 1),      // 20 channels: parts of 8 and 12
        new(64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1),        // Winograd on 4 tile rows, the last half junk
        new(16, 28, 28, 32, 1, 1, 2, 2, 0, 0, 0, 0),      // a ResNet's projection, 100k multiply-adds: channel vectors
    ];

    public static readonly Conv2DGeometry[] Whole =
    [
        new(1, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1),         // one input channel, 9k multiply-adds: less than two rows' parts' worth
        new(6, 10, 10, 16, 5, 5, 1, 1, 0, 0, 0, 0),       // channel vectors, 58k multiply-adds: less than two pixel parts' worth
        new(1, 12, 12, 6, 5, 5, 1, 1, 0, 0, 0, 0),        // grid rows, 15k multiply-adds: less than two row parts' worth
        new(8, 28, 28, 16, 1, 1, 2, 2, 0, 0, 0, 0),       // a strided 1×1 of 25k multiply-adds
        new(32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1) { Groups = 2 },
    ];

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void A_split_convolution_agrees_with_the_whole_call(VectorWidth width, bool bias)
    {
        var random = new TestValues(91);
        foreach (int threads in new[] { 2, 3 })
        foreach (bool relu in new[] { false, true })
        foreach (Conv2DGeometry g in Splitting)
        {
            float[] x = random.Floats(g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] col = new float[g.ColumnLength];
            float[] whole = Conv(g, x, w, b, col, relu, width, null, out _);
            float[] split = Conv(g, x, w, b, col, relu, width, threads, out int parts);
            Assert.True(parts > 1, $"{g} did not split over {threads} threads");
            float[] again = Conv(g, x, w, b, col, relu, width, threads, out _);
            Assert.True(split.AsSpan().SequenceEqual(again), $"{g}: two split calls differ");
            KernelAssert.Close(TestValues.Wide(whole), split, Tolerance, Tolerance, $"{g} relu {relu} {width} on {threads} threads");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Winograd_tile_rows_in_any_split_give_the_whole_calls_bits(VectorWidth width)
    {
        // Two samples of 9×7 (5 tile rows of F(2×2) each, 3 of F(4×4), the last one partly junk): ranges inside a sample and
        // across the two, at both tile sizes.
        var g = new Conv2DGeometry(8, 9, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1);
        var random = new TestValues(94);
        float[] x = random.Floats(2 * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
        foreach (int tile in new[] { 2, 4 })
        {
            WinogradConvolution.t_tileSize = tile;
            try
            {
                float[] packed = new float[WinogradConvolution.PackedLength(g, width)];
                WinogradConvolution.PackForward(g, w, packed, width);
                int rows = 2 * WinogradConvolution.TileRows(g);
                Assert.Equal(tile == 2 ? 10 : 6, rows);
                float[] whole = new float[2 * g.OutputLength];
                WinogradConvolution.ForwardTileRows(g, x, packed, b, whole, 0, rows, relu: true, width);
                int[][] cutsList = tile == 2 ? [[3], [5], [1, 4, 7], [2, 9]] : [[1], [3], [1, 2, 4], [2, 5]];
                foreach (int[] cuts in cutsList)
                {
                    float[] split = new float[whole.Length];
                    int from = 0;
                    foreach (int to in cuts.Append(rows))
                    {
                        WinogradConvolution.ForwardTileRows(g, x, packed, b, split, from, to - from, relu: true, width);
                        from = to;
                    }
                    Assert.True(whole.AsSpan().SequenceEqual(split), $"{width} F({tile}): rows cut at {string.Join(", ", cuts)}");
                }
            }
            finally
            {
                WinogradConvolution.t_tileSize = 0;
            }
        }
    }

    /// <summary>
    /// F(4×4)'s tiles in any ranges, starting and ending inside tile rows, give the whole call's bits, with the residual and
    /// the ReLU, and write nothing outside y: two samples of 9×7 (3 × 2 tiles each, the second column's tiles 3 pixels wide,
    /// so a range of that tile alone has fewer than 4 pixels), and of 64 channels at 13×22 (blocks of 2 tile rows, so a
    /// block starting inside a row stages one row more), cut at every tile and at several at once.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Winograd_tiles_in_any_split_give_the_whole_calls_bits(VectorWidth width)
    {
        var random = new TestValues(98);
        foreach (Conv2DGeometry g in new Conv2DGeometry[] { new(8, 9, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1), new(64, 13, 22, 64, 3, 3, 1, 1, 1, 1, 1, 1) })
        foreach (bool withResidual in new[] { false, true })
        {
            Assert.Equal(4, WinogradConvolution.TileSize(g));
            float[] x = random.Floats(2 * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] residual = withResidual ? random.Floats(2 * g.OutputLength) : [];
            float[] packed = new float[WinogradConvolution.PackedLength(g, width)];
            WinogradConvolution.PackForward(g, w, packed, width);
            int tiles = 2 * WinogradF4.TileRows(g) * WinogradF4.TileColumns(g);
            float[] whole = new float[2 * g.OutputLength];
            WinogradConvolution.ForwardTileRows(g, x, packed, b, residual, whole, 0, 2 * WinogradF4.TileRows(g), relu: true, width);
            var cutsList = Enumerable.Range(1, tiles - 1).Select(c => new[] { c }).ToList();
            cutsList.Add([1, 2, 3]);
            cutsList.Add([tiles / 3, tiles / 2 + 1, tiles - 1]);
            foreach (int[] cuts in cutsList)
            {
                float[] split = new float[whole.Length + 2];
                split[0] = split[^1] = 123f;
                int from = 0;
                foreach (int to in cuts.Append(tiles))
                {
                    WinogradConvolution.ForwardTiles(g, x, packed, b, residual, split.AsSpan(1, whole.Length), from, to - from, relu: true, width);
                    from = to;
                }
                Assert.Equal(123f, split[0]);
                Assert.Equal(123f, split[^1]);
                Assert.True(whole.AsSpan().SequenceEqual(split.AsSpan(1, whole.Length)),
                    $"{g} {width} residual {withResidual}: tiles cut at {string.Join(", ", cuts)}");
            }
        }
    }

    /// <summary>
    /// A Winograd layer of 7 tile rows (28×28, the ResNet's first blocks) splits into equal shares of its 49 tiles, not 3 and
    /// 4 rows: on 2 and 3 threads, with the ReLU and a residual, the whole call's bits and nothing written outside y.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void A_winograd_layer_splits_by_tiles_with_the_whole_calls_bits(VectorWidth width, bool bias)
    {
        var random = new TestValues(99);
        Conv2DGeometry[] geometries =
        [
            new(16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1),  // the ResNet's 28×28 layers: 7 × 7 tiles, 1.8M multiply-adds
            new(32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1),  // 4 × 4 tiles
        ];
        foreach (Conv2DGeometry g in geometries) Assert.Equal(Conv2DMethod.Winograd, Conv2DKernels.Algorithm(g, width).Forward);
        SplitsWithTheWholeCallsBits(geometries, width, bias, random, g => OneSampleSplit.Parts((long)g.OutputLength * g.PatchLength, g.OutChannels,
            OneSampleSplit.MinMultiplyAddsPerPart), "tiles", modes: [0, 1, 2]);
    }

    /// <summary>
    /// 3×3 layers over one or two input channels split by rows in blocks of four (F(4×4)'s tile rows, so each part writes
    /// about the rows the next layer's part reads): every row computed as in the whole call, so the same bits, on 2 and 3
    /// threads, whatever the rows' split (28 rows: 12 + 16 on two threads; 18: 8 + 10).
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void A_few_channel_layer_splits_by_rows_with_the_whole_calls_bits(VectorWidth width, bool bias)
    {
        var random = new TestValues(95);
        Conv2DGeometry[] geometries =
        [
            new(1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1),   // VGG's first layer, 226k multiply-adds
            new(2, 18, 23, 32, 3, 3, 1, 1, 1, 1, 1, 1),   // two channels, 18 rows, 238k multiply-adds
        ];
        // No residual: a layer with one splits by channels (its few-channel kernel has no residual).
        SplitsWithTheWholeCallsBits(geometries, width, bias, random, g => OneSampleSplit.FewChannelRowParts(g, width), "rows", modes: [0, 1]);
    }

    /// <summary>
    /// Layers on channel vectors whose blocks of channels a channel split would leave short of one pass's tiles split by
    /// pixels in whole tiles instead (LeNet-5's conv2 above 128 bits); every pixel is computed as in the whole call, so the
    /// same bits, with the ReLU and a residual too, on 2 and 3 threads, and nothing outside y is written.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void A_channel_vector_layer_splits_by_pixels_with_the_whole_calls_bits(VectorWidth width, bool bias)
    {
        if (width == VectorWidth.Scalar) return;   // one lane a block: channel splits keep whole passes (the scalar twin is the whole call at each width)
        var random = new TestValues(96);
        Conv2DGeometry[] geometries =
        [
            new(6, 14, 14, 12, 5, 5, 1, 1, 0, 0, 0, 0),   // LeNet-5's conv2 with 12 channels: 100 pixels, 180k multiply-adds
            new(16, 28, 28, 12, 3, 3, 2, 2, 1, 1, 1, 1),  // 3×3 stride 2: 196 pixels, 339k
            new(4, 16, 15, 9, 5, 5, 1, 1, 2, 2, 2, 2),    // padded, 9 channels (a block and one lane at 256 bits): 240 pixels, 216k
        ];
        SplitsWithTheWholeCallsBits(geometries, width, bias, random, g => OneSampleSplit.ChannelVectorPixelParts(g, width), "pixels", modes: [0, 1, 2]);
    }

    /// <summary>
    /// Grid layers of at most 8 output channels (LeNet-5's conv1) split by output rows, each part the tiles of grid
    /// positions that cover its rows: the whole call's bits, on 2 and 3 threads, with row pitches that do and do not divide
    /// into the kernel's tiles, and nothing outside y is written.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void A_few_channel_grid_layer_splits_by_rows_with_the_whole_calls_bits(VectorWidth width, bool bias)
    {
        if (width == VectorWidth.Scalar) return;   // the grid runs at vector widths only
        var random = new TestValues(97);
        Conv2DGeometry[] geometries =
        [
            new(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2),    // LeNet-5's conv1: a row pitch of 32, 118k multiply-adds
            new(2, 23, 19, 7, 5, 5, 1, 1, 2, 2, 2, 2),    // a pitch of 23 across the tiles, two blocks of six channels, 153k
        ];
        SplitsWithTheWholeCallsBits(geometries, width, bias, random, g => OneSampleSplit.GridRowParts(g, width), "rows", modes: [0, 1, 2]);
    }

    // For each geometry, 2 and 3 threads and each mode (Run's): the split call (parts() > 1 with the team open) gives the
    // whole call's bits and writes nothing outside y.
    private static void SplitsWithTheWholeCallsBits(Conv2DGeometry[] geometries, VectorWidth width, bool bias, TestValues random, Func<Conv2DGeometry, int> parts, string by,
        int[] modes)
    {
        foreach (int threads in new[] { 2, 3 })
        foreach (Conv2DGeometry g in geometries)
        foreach (int mode in modes)
        {
            float[] x = random.Floats(g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] residual = random.Floats(g.OutputLength), col = new float[g.ColumnLength];
            float[] whole = new float[g.OutputLength];
            Run(g, x, w, b, residual, whole, col, mode, width);
            float[] y = new float[g.OutputLength + 2];
            y[0] = y[^1] = 123f;
            using var group = new WorkerGroup(threads);
            using (IntraOpTeam.Open(new IntraOpTeam(group)))
            {
                Assert.True(parts(g) > 1, $"{g} would not split by {by} at {width}");
                int splits = OneSampleSplit.t_splits;
                Run(g, x, w, b, residual, y.AsSpan(1, g.OutputLength), col, mode, width);
                Assert.Equal(splits + 1, OneSampleSplit.t_splits);
            }
            Assert.Equal(123f, y[0]);
            Assert.Equal(123f, y[^1]);
            KernelAssert.Identical(whole, y.AsSpan(1, g.OutputLength).ToArray(), $"{g} mode {mode} {width} on {threads} threads");
        }
    }

    // One sample's forward by mode: 0 plain, 1 then ReLU, 2 plus the residual, then ReLU.
    private static void Run(in Conv2DGeometry g, float[] x, float[] w, float[] b, float[] residual, Span<float> y, float[] col, int mode, VectorWidth width)
    {
        switch (mode)
        {
            case 0: Conv2DKernels.Forward(g, x, w, b, y, col, 1, width); break;
            case 1: Conv2DKernels.ForwardRelu(g, x, w, b, y, col, 1, width); break;
            default: Conv2DKernels.ForwardResidual(g, x, w, b, residual, y, col, 1, relu: true, width); break;
        }
    }

    [Fact]
    public void Pixel_and_row_ranges_reject_ranges_off_their_grain()
    {
        var cv = new Conv2DGeometry(6, 14, 14, 12, 5, 5, 1, 1, 0, 0, 0, 0);
        float[] x = new float[cv.InputLength], w = new float[cv.WeightLength], y = new float[cv.OutputLength];
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelVectorConvolution.ForwardPixels(cv, x, w, default, y, 6, 24, VectorWidth.V256));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelVectorConvolution.ForwardPixels(cv, x, w, default, y, 96, 24, VectorWidth.V256));
        var grid = new Conv2DGeometry(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2);
        float[] gx = new float[grid.InputLength], gw = new float[grid.WeightLength], gy = new float[grid.OutputLength];
        Assert.Throws<ArgumentOutOfRangeException>(() => GridConvolution.ForwardRowRange(grid, gx, gw, default, gy, 20, 9, VectorWidth.V256));
        Assert.Throws<ArgumentOutOfRangeException>(() => GridConvolution.ForwardRowRange(cv, x, w, default, y, 0, 2, VectorWidth.V256));
    }

    [Fact]
    public void Small_or_grouped_convolutions_and_calls_without_a_team_run_whole()
    {
        var random = new TestValues(92);
        foreach (Conv2DGeometry g in Whole)
        {
            float[] x = random.Floats(g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] col = new float[g.ColumnLength];
            float[] whole = Conv(g, x, w, b, col, relu: false, Simd.Width, null, out _);
            float[] team = Conv(g, x, w, b, col, relu: false, Simd.Width, 2, out int parts);
            Assert.Equal(1, g.IsDense ? parts : 1);
            Assert.True(whole.AsSpan().SequenceEqual(team), $"{g}: a call that runs whole changed");
        }
        Assert.Equal(1, OneSampleSplit.Parts(1L << 30, 256, OneSampleSplit.MinMultiplyAddsPerPart));   // no team open
    }

    // One sample's forward into an output framed by sentinels (which must survive), with a team of `threads` open (null: none).
    private static float[] Conv(in Conv2DGeometry g, float[] x, float[] w, float[] b, float[] col, bool relu, VectorWidth width, int? threads, out int parts)
    {
        float[] y = new float[g.OutputLength + 2];
        y[0] = y[^1] = 123f;
        Span<float> inner = y.AsSpan(1, g.OutputLength);
        using var group = new WorkerGroup(threads ?? 1);
        using (IntraOpTeam.Open(threads is null ? null : new IntraOpTeam(group)))
        {
            parts = OneSampleSplit.Parts((long)g.OutputLength * g.PatchLength, g.OutChannels, OneSampleSplit.MinimumPerPart(g));
            int splits = OneSampleSplit.t_splits;
            if (relu) Conv2DKernels.ForwardRelu(g, x, w, b, inner, col, 1, width);
            else Conv2DKernels.Forward(g, x, w, b, inner, col, 1, width);
            Assert.Equal(g.IsDense && parts > 1 ? splits + 1 : splits, OneSampleSplit.t_splits);
        }
        Assert.Equal(123f, y[0]);
        Assert.Equal(123f, y[^1]);
        return inner.ToArray();
    }

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void A_split_dense_layer_agrees_with_the_whole_call(VectorWidth width, bool bias)
    {
        var random = new TestValues(93);
        foreach ((int inF, int outF, bool splits) in new[] { (3136, 256, true), (784, 128, true), (2000, 300, true), (8192, 70, true), (400, 120, false), (128, 64, false) })
        foreach (int threads in new[] { 2, 3 })
        {
            float[] x = random.Floats(inF), w = random.Floats(outF * inF), b = bias ? random.Floats(outF) : [];
            float[] whole = Dense(x, w, b, inF, outF, width, null, out _);
            float[] split = Dense(x, w, b, inF, outF, width, threads, out int parts);
            Assert.Equal(splits, parts > 1);
            KernelAssert.Close(TestValues.Wide(whole), split, Tolerance, Tolerance, $"dense {inF}→{outF} {width} on {threads} threads");
        }
    }

    private static float[] Dense(float[] x, float[] w, float[] b, int inF, int outF, VectorWidth width, int? threads, out int parts)
    {
        float[] y = new float[outF + 2];
        y[0] = y[^1] = 123f;
        using var group = new WorkerGroup(threads ?? 1);
        using (IntraOpTeam.Open(threads is null ? null : new IntraOpTeam(group)))
        {
            parts = OneSampleSplit.Parts((long)inF * outF, outF, OneSampleSplit.MinDenseMultiplyAddsPerPart);
            int splits = OneSampleSplit.t_splits;
            DenseKernels.Forward(x, w, b, y.AsSpan(1, outF), 1, inF, outF, width);
            Assert.Equal(parts > 1 ? splits + 1 : splits, OneSampleSplit.t_splits);
        }
        Assert.Equal(123f, y[0]);
        Assert.Equal(123f, y[^1]);
        return y[1..^1];
    }
}
