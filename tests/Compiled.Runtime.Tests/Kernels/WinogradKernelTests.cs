using System.Collections.Generic;
using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// WinogradConvolution (F(2×2, 3×3) for 3×3, padding 1, stride 1, 8 channels or more each way) at every width against the
/// direct-loop reference in double, its widths against one another (the same bits), its epilogues against the unfused
/// kernels, its input gradient against the reference, and Conv2DKernels' dispatch to it.
/// </summary>
/// <remarks>
/// The tolerance is 4e-5 of the same sums over absolute values, four times the direct kernels' 1e-5: the input transform adds
/// up to four inputs and the filter transform three taps before the products, and the output transform adds nine products'
/// sums, so each output carries a few more roundings than a direct sum (measured: under 1.5e-5 on these shapes).
/// </remarks>
public class WinogradKernelTests
{
    private const double Tolerance = 4e-5;
    private const int Batch = 3;

    // Odd and even sizes (a last tile row or column half outside the plane), planes smaller than one tile or one vector of
    // tiles, channel counts that leave partial tiles of output rows (8 at 512 bits, 4 otherwise), and VGG's 32-channel
    // 28×28 layer, whose three samples span several blocks of tile rows (blocks that start and end inside a sample).
    public static readonly Conv2DGeometry[] Geometries =
    [
        Geometry(8, 5, 5, 8),
        Geometry(9, 7, 9, 11),
        Geometry(16, 7, 7, 16),
        Geometry(8, 28, 28, 12),
        Geometry(12, 13, 6, 9),
        Geometry(8, 1, 1, 8),
        Geometry(8, 2, 3, 10),
        Geometry(32, 28, 28, 32),
        Geometry(8, 40, 37, 8),
    ];

    private static Conv2DGeometry Geometry(int cin, int h, int w, int cout) => new(cin, h, w, cout, 3, 3, 1, 1, 1, 1, 1, 1);

    /// <summary>Each output tile side in turn, F(2×2, 3×3) then F(4×4, 3×3), for every geometry on this thread (the rule afterwards).</summary>
    private static IEnumerable<int> EachTileSize()
    {
        foreach (int tile in new[] { 2, 4 })
        {
            WinogradConvolution.t_tileSize = tile;
            try
            {
                yield return tile;
            }
            finally
            {
                WinogradConvolution.t_tileSize = 0;
            }
        }
    }

    private static float[] Forward(in Conv2DGeometry g, float[] x, float[] w, float[] b, float[] y, int n, Conv3x3Kernels.Mode mode, VectorWidth width,
        float[]? mean = null, float[]? m2 = null)
    {
        float[] packed = new float[WinogradConvolution.PackedLength(g, width)];
        WinogradConvolution.PackWeights(g, w, packed, width);
        WinogradConvolution.ForwardPacked(g, x, packed, b, y, mean, m2, n, mode, width);
        return y;
    }

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Forward_matches_direct_convolution(VectorWidth width, bool bias)
    {
        var random = new TestValues(51);
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in Geometries)
        {
            Assert.True(WinogradConvolution.Applies(g), g.ToString());
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] y = random.Floats(Batch * g.OutputLength + 3);
            float[] after = y[^3..];
            Forward(g, x, w, b, y, Batch, Conv3x3Kernels.Mode.Plain, width);

            double[] expected = new double[Batch * g.OutputLength], magnitude = new double[expected.Length];
            Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, Batch);
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, Batch);
            KernelAssert.CloseToMagnitude(expected, magnitude, y.AsSpan(0, expected.Length), Tolerance, $"y {width} F({tile}) {g}");
            KernelAssert.Identical(after, y[^3..], $"past y {width} {g}");
        }
    }

    /// <summary>
    /// One sample, where a block's tiles end in four (a 7×7 plane has only those four; 14×14 and 28×28 leave four past
    /// their tiles of twelve): the products run those four tiles two vectors of output channels at a time, and the odd
    /// vector alone (at 256 bits 16 channels are a pair, 24 a pair and one, 48 three pairs; at 512 bits 48 are a pair and
    /// one). Every width gives the scalar twin's bits, and the reference's values.
    /// </summary>
    [Fact]
    public void One_sample_s_last_four_tiles_give_the_same_bits_two_output_vectors_at_a_time()
    {
        var random = new TestValues(57);
        Conv2DGeometry[] geometries = [Geometry(16, 7, 7, 16), Geometry(8, 7, 7, 24), Geometry(12, 7, 7, 48), Geometry(32, 14, 14, 40), Geometry(16, 28, 28, 16)];
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in geometries)
        {
            float[] x = random.Floats(g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] scalar = Forward(g, x, w, b, new float[g.OutputLength], 1, Conv3x3Kernels.Mode.Plain, VectorWidth.Scalar);
            double[] expected = new double[g.OutputLength], magnitude = new double[expected.Length];
            Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, 1);
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, 1);
            KernelAssert.CloseToMagnitude(expected, magnitude, scalar, Tolerance, $"scalar F({tile}) {g}");
            foreach (VectorWidth width in new[] { VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 })
                KernelAssert.Identical(scalar, Forward(g, x, w, b, new float[g.OutputLength], 1, Conv3x3Kernels.Mode.Plain, width), $"{width} F({tile}) {g}");
        }
    }

    /// <summary>
    /// F(4×4)'s products at one transform position take any number of tiles (a thread's share of one sample's tiles need not
    /// be a multiple of four): at every width, 1 to 30 tiles over 1 to 3 vectors of output channels (pairs and an odd one)
    /// and input channels that do and do not fill vectors, each product is the in-order chain of fused multiply-adds over the
    /// input channels, and nothing past the last tile is written.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Products_take_any_number_of_tiles_and_write_only_those(VectorWidth width)
    {
        switch (width)
        {
            case VectorWidth.V512: ProductsOfEveryTileCount<System.Runtime.Intrinsics.Vector512<float>, Lane512>(); break;
            case VectorWidth.V256: ProductsOfEveryTileCount<System.Runtime.Intrinsics.Vector256<float>, Lane256>(); break;
            case VectorWidth.V128: ProductsOfEveryTileCount<System.Runtime.Intrinsics.Vector128<float>, Lane128>(); break;
            default: ProductsOfEveryTileCount<float, ScalarLane>(); break;
        }
    }

    /// <summary>
    /// F(4×4)'s input transform through memory (what runs where the JIT has 16 vector registers) gives the in-register
    /// transform's bits at every width, on patches of mixed magnitudes, signed zeros, infinities and NaN, with row and pixel
    /// pitches like a staged slab's, and writes only the 36 positions.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Input_transform_through_memory_gives_the_in_register_transform_s_bits(VectorWidth width)
    {
        switch (width)
        {
            case VectorWidth.V512: InputTransformsAgree<System.Runtime.Intrinsics.Vector512<float>, Lane512>(); break;
            case VectorWidth.V256: InputTransformsAgree<System.Runtime.Intrinsics.Vector256<float>, Lane256>(); break;
            case VectorWidth.V128: InputTransformsAgree<System.Runtime.Intrinsics.Vector128<float>, Lane128>(); break;
            default: InputTransformsAgree<float, ScalarLane>(); break;
        }
    }

    private static void InputTransformsAgree<T, L>() where T : struct where L : struct, ILane<T>
    {
        var random = new TestValues(59);
        int lanes = L.Count;
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e30f, -3e-30f];
        foreach (int vectors in new[] { 1, 3 })
        for (int trial = 0; trial < 20; trial++)
        {
            int pixelPitch = vectors * lanes, rowPitch = (6 + trial % 3) * pixelPitch, xiStride = lanes * (vectors + trial % 2);
            float[] patch = random.Floats(6 * rowPitch);
            for (int i = 0; i < patch.Length; i++)
            {
                if (i % 13 == trial % 13) patch[i] = specials[(i / 13 + trial) % specials.Length];
                else if (i % 5 == 0) patch[i] *= 1e4f;
            }
            float[] inRegisters = new float[36 * xiStride + lanes], throughMemory = new float[inRegisters.Length], scratch = new float[36 * lanes];
            Array.Fill(inRegisters, 7f);
            Array.Fill(throughMemory, 7f);
            for (int vector = 0; vector < vectors; vector++)
            {
                WinogradF4.TransformInput<T, L>(ref patch[vector * lanes], rowPitch, pixelPitch, ref inRegisters[vector * lanes], xiStride);
                WinogradF4.TransformInputThroughMemory<T, L>(ref patch[vector * lanes], rowPitch, pixelPitch, ref throughMemory[vector * lanes], xiStride, ref scratch[0]);
                KernelAssert.Identical(inRegisters, throughMemory, $"L={lanes} trial {trial} vector {vector}");
            }
            for (int i = 0; i < inRegisters.Length; i++)
            {
                if (i % xiStride >= vectors * lanes || i >= 36 * xiStride) Assert.True(throughMemory[i] == 7f, $"L={lanes} trial {trial}: [{i}] written");
            }
        }
    }

    private static void ProductsOfEveryTileCount<T, L>() where T : struct where L : struct, ILane<T>
    {
        var random = new TestValues(58);
        int lanes = L.Count;
        foreach (int cin in new[] { 5, 16, 19 })
        foreach (int outBlocks in new[] { 1, 2, 3 })
        for (int tiles = 1; tiles <= 30; tiles++)
        {
            int inBlocks = (cin + lanes - 1) / lanes, blockStride = (tiles + 2) * lanes;
            float[] v = random.Floats(inBlocks * blockStride), u = random.Floats(outBlocks * cin * lanes);
            float[] m = new float[outBlocks * blockStride];
            Array.Fill(m, float.NaN);
            WinogradProducts.Run<T, L>(cin, tiles, outBlocks, ref v[0], blockStride, ref u[0], ref m[0]);
            for (int k = 0; k < outBlocks; k++)
            for (int t = 0; t < tiles + 2; t++)
            for (int j = 0; j < lanes; j++)
            {
                float got = m[k * blockStride + t * lanes + j];
                if (t >= tiles)
                {
                    Assert.True(float.IsNaN(got), $"L={lanes} cin {cin} blocks {outBlocks} tiles {tiles}: tile {t} written");
                    continue;
                }
                float sum = 0f;
                for (int c = 0; c < cin; c++) sum = MathF.FusedMultiplyAdd(v[c / lanes * blockStride + t * lanes + c % lanes], u[(k * cin + c) * lanes + j], sum);
                Assert.True(BitConverter.SingleToInt32Bits(sum) == BitConverter.SingleToInt32Bits(got),
                    $"L={lanes} cin {cin} blocks {outBlocks} tiles {tiles}: m[{k}][{t}][{j}] = {got}, the chain gives {sum}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void A_row_s_edge_tiles_read_only_their_own_row(VectorWidth width)
    {
        // The tile rows lie end to end: a row's last tile reads, one tile on, where the next row's first tile begins (masked
        // to the padding, or at an even width the even plane's slot holding the row's last real column, which the next row's
        // first tile masks to its left padding). With NaN in every row's first column, or in every row's last, only the
        // outputs of the tiles whose patch holds that column may be NaN; every other output is the reference's with that
        // column zero.
        var random = new TestValues(57);
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in Geometries)
        {
            if (g.InWidth < 3) continue;
            foreach (int column in new[] { 0, g.InWidth - 1 })
            {
                float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
                float[] zeroed = (float[])x.Clone();
                for (int row = 0; row < Batch * g.InChannels * g.InHeight; row++)
                {
                    x[row * g.InWidth + column] = float.NaN;
                    zeroed[row * g.InWidth + column] = 0f;
                }
                float[] y = Forward(g, x, w, b, new float[Batch * g.OutputLength], Batch, Conv3x3Kernels.Mode.Plain, width);
                double[] expected = new double[y.Length], magnitude = new double[y.Length];
                Conv2DReference.Forward<double>(g, TestValues.Wide(zeroed), TestValues.Wide(w), TestValues.Wide(b), expected, Batch);
                Conv2DReference.Forward<double>(g, TestValues.Abs(zeroed), TestValues.Abs(w), TestValues.Abs(b), magnitude, Batch);
                for (int i = 0; i < y.Length; i++)
                {
                    // Output column j is in tile t = j / m (m = 2 or 4), whose patch holds input columns m·t − 1 to m·t + m.
                    int t = i % g.OutWidth / tile;
                    if (column >= tile * t - 1 && column <= tile * t + tile) continue;
                    Assert.True(Math.Abs(y[i] - expected[i]) <= Tolerance * magnitude[i] + 1e-30,
                        $"{width} F({tile}) {g}, NaN in column {column}: y[{i}] = {y[i]}, expected {expected[i]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Input_gradient_matches_direct_convolution(VectorWidth width)
    {
        var random = new TestValues(52);
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] w = random.Floats(g.WeightLength), dy = random.Floats(Batch * g.OutputLength);
            float[] dx = random.Floats(Batch * g.InputLength + 3);
            float[] after = dx[^3..];
            WinogradConvolution.InputGradient(g, w, dy, dx, Batch, width);

            double[] expected = new double[Batch * g.InputLength], magnitude = new double[expected.Length];
            double[] x = new double[expected.Length], dw = new double[w.Length];
            Conv2DReference.Backward<double>(g, x, TestValues.Wide(w), TestValues.Wide(dy), expected, dw, [], Batch);
            Conv2DReference.Backward<double>(g, x, TestValues.Abs(w), TestValues.Abs(dy), magnitude, dw, [], Batch);
            KernelAssert.CloseToMagnitude(expected, magnitude, dx.AsSpan(0, expected.Length), Tolerance, $"dx {width} F({tile}) {g}");
            KernelAssert.Identical(after, dx[^3..], $"past dx {width} {g}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Weight_gradient_adds_what_direct_convolution_gives(VectorWidth width)
    {
        var random = new TestValues(57);
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in Geometries)
        {
            // Several batch sizes: one sample, the test's batch, and enough 7×7 or 5×5 samples to fill several groups.
            foreach (int n in new[] { 1, Batch, g.InHeight <= 7 ? 37 : 2 })
            {
                float[] x = random.Floats(n * g.InputLength), dy = random.Floats(n * g.OutputLength), dw = random.Floats(g.WeightLength);
                double[] expected = new double[g.WeightLength], magnitude = new double[g.WeightLength], dx = new double[n * g.InputLength];
                Conv2DReference.Backward<double>(g, TestValues.Wide(x), new double[g.WeightLength], TestValues.Wide(dy), dx, expected, [], n);
                Conv2DReference.Backward<double>(g, TestValues.Abs(x), new double[g.WeightLength], TestValues.Abs(dy), dx, magnitude, [], n);
                for (int i = 0; i < expected.Length; i++)
                {
                    expected[i] += dw[i];
                    magnitude[i] += Math.Abs(dw[i]);
                }
                WinogradWeightGradient.Run(g, x, dy, dw, n, width);
                KernelAssert.CloseToMagnitude(expected, magnitude, dw, Tolerance, $"dw {width} F({tile}) {g} n={n}");
            }
        }
    }

    /// <summary>
    /// The weight gradient zeroes only the borders and channel padding of its thread's channels-last buffers (the planes
    /// are written whole): a run after every workspace buffer was filled with NaN gives the bits of a run before.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Weight_gradient_reads_nothing_its_workspace_held_before(VectorWidth width)
    {
        var random = new TestValues(58);
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength), dy = random.Floats(Batch * g.OutputLength);
            float[] before = new float[g.WeightLength], after = new float[g.WeightLength];
            WinogradWeightGradient.Run(g, x, dy, before, Batch, width);
            Assert.DoesNotContain(before, float.IsNaN);
            WinogradWorkspace workspace = WinogradWorkspace.Current;
            workspace.ChannelsLastInput(1 << 17).Fill(float.NaN);
            workspace.ChannelsLastGradient(1 << 17).Fill(float.NaN);
            workspace.Transformed(1 << 20).Fill(float.NaN);
            workspace.Products(1 << 20).Fill(float.NaN);
            workspace.Sums(1 << 17).Fill(float.NaN);
            WinogradWeightGradient.Run(g, x, dy, after, Batch, width);
            KernelAssert.Identical(before, after, $"dw {width} F({tile}) {g}");
        }
    }

    /// <summary>
    /// The filters a packing transforms together, tap-major: eight whole filters at a time in AVX registers where the CPU has
    /// them, each element where not; both as the definition gives them, the transposed layer's turned 180°, zero past Cout.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Filters_are_gathered_tap_major(bool transposedAndFlipped)
    {
        var random = new TestValues(59);
        foreach (int rows in new[] { 4, 8, 16 })
        foreach ((int outs, int ins) in new[] { (8, 3), (21, 5), (16, 16), (5, 2), (40, 1) })
        {
            float[] w = random.Floats(outs * ins * 9), f = new float[9 * rows], expected = new float[9 * rows];
            for (int block = 0; block * rows < outs; block++)
            {
                for (int c = 0; c < ins; c++)
                {
                    for (int tap = 0; tap < 9; tap++)
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            int o = block * rows + r;
                            expected[tap * rows + r] = o >= outs ? 0f : transposedAndFlipped ? w[(c * outs + o) * 9 + 8 - tap] : w[(o * ins + c) * 9 + tap];
                        }
                    }
                    Array.Fill(f, float.NaN);
                    WinogradConvolution.GatherFilters(ref w[0], block, c, rows, outs, ins, transposedAndFlipped, ref f[0]);
                    KernelAssert.Identical(expected, f, $"rows {rows}, {outs} × {ins}, block {block}, channel {c}");
                }
            }
        }
    }

    [Fact]
    public void Every_width_gives_the_same_bits()
    {
        var random = new TestValues(53);
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] dy = random.Floats(Batch * g.OutputLength);
            float[] scalar = Forward(g, x, w, b, new float[Batch * g.OutputLength], Batch, Conv3x3Kernels.Mode.Relu, VectorWidth.Scalar);
            float[] scalarDx = new float[x.Length];
            WinogradConvolution.InputGradient(g, w, dy, scalarDx, Batch, VectorWidth.Scalar);
            float[] scalarDw = new float[w.Length];
            WinogradWeightGradient.Run(g, x, dy, scalarDw, Batch, VectorWidth.Scalar);
            foreach (VectorWidth width in new[] { VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 })
            {
                KernelAssert.Identical(scalar, Forward(g, x, w, b, new float[scalar.Length], Batch, Conv3x3Kernels.Mode.Relu, width), $"{width} F({tile}) {g}");
                float[] dx = new float[x.Length];
                WinogradConvolution.InputGradient(g, w, dy, dx, Batch, width);
                KernelAssert.Identical(scalarDx, dx, $"dx {width} F({tile}) {g}");
                float[] dw = new float[w.Length];
                WinogradWeightGradient.Run(g, x, dy, dw, Batch, width);
                KernelAssert.Identical(scalarDw, dw, $"dw {width} {g}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Epilogues_equal_forward_then_relu_or_slice_statistics(VectorWidth width)
    {
        var random = new TestValues(54);
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] plain = Forward(g, x, w, b, new float[Batch * g.OutputLength], Batch, Conv3x3Kernels.Mode.Plain, width);
            float[] relu = Forward(g, x, w, b, new float[plain.Length], Batch, Conv3x3Kernels.Mode.Relu, width);
            float[] unfused = (float[])plain.Clone();
            ActivationKernels.Relu(unfused, unfused, width);
            KernelAssert.Identical(unfused, relu, $"relu {width} {g}");
            Assert.Contains(relu, v => v == 0f);

            float[] mean = random.Floats(g.OutChannels), m2 = random.Floats(g.OutChannels);
            float[] expectedMean = new float[g.OutChannels], expectedM2 = new float[g.OutChannels];
            float[] withStatistics = Forward(g, x, w, b, new float[plain.Length], Batch, Conv3x3Kernels.Mode.Statistics, width, mean, m2);
            BatchNormKernels.SliceStatistics(plain, expectedMean, expectedM2, Batch, g.OutChannels, g.OutPixels, width);
            KernelAssert.Identical(plain, withStatistics, $"y {width} F({tile}) {g}");
            KernelAssert.Identical(expectedMean, mean, $"mean {width} {g}");
            KernelAssert.Identical(expectedM2, m2, $"m2 {width} {g}");
        }
    }

    /// <summary>
    /// Conv2DKernels runs the forward and dx of these geometries here (the same bits through every entry: plain, ReLU, with
    /// statistics, strided rows), and with Winograd switched off its direct 3×3 path agrees within tolerance.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Conv2DKernels_dispatches_stride_1_layers_with_8_channels_here(VectorWidth width)
    {
        var random = new TestValues(55);
        foreach (int tile in EachTileSize())
        foreach (Conv2DGeometry g in new[] { Geometries[1], Geometries[3] })
        {
            Conv2DAlgorithm algorithm = Conv2DKernels.Algorithm(g, width);
            Assert.Equal(new Conv2DAlgorithm(Conv2DMethod.Winograd, Conv2DMethod.Winograd, Conv2DMethod.Winograd), algorithm);
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] col = new float[g.ColumnLength];
            float[] expected = Forward(g, x, w, b, new float[Batch * g.OutputLength], Batch, Conv3x3Kernels.Mode.Plain, width);
            float[] expectedRelu = Forward(g, x, w, b, new float[expected.Length], Batch, Conv3x3Kernels.Mode.Relu, width);

            float[] y = new float[expected.Length];
            Conv2DKernels.Forward(g, x, w, b, y, col, Batch, width);
            KernelAssert.Identical(expected, y, $"forward {width} {g}");
            Conv2DKernels.ForwardRelu(g, x, w, b, y, col, Batch, width);
            KernelAssert.Identical(expectedRelu, y, $"forward ReLU {width} {g}");
            float[] mean = new float[g.OutChannels], m2 = new float[g.OutChannels];
            Conv2DKernels.ForwardWithStatistics(g, x, w, b, y, col, mean, m2, Batch, width);
            KernelAssert.Identical(expected, y, $"forward with statistics {width} {g}");

            // Strided rows: each sample's output 5 floats after the previous one's end; the gaps untouched.
            int stride = g.OutputLength + 5;
            float[] strided = random.Floats(Batch * stride);
            float[] gaps = (float[])strided.Clone();
            Conv2DKernels.ForwardRelu(g, x, w, b, strided, stride, col, Batch, width);
            for (int s = 0; s < Batch; s++)
            {
                KernelAssert.Identical(expectedRelu.AsSpan(s * g.OutputLength, g.OutputLength), strided.AsSpan(s * stride, g.OutputLength), $"strided {s} {width} {g}");
                KernelAssert.Identical(gaps.AsSpan(s * stride + g.OutputLength, 5), strided.AsSpan(s * stride + g.OutputLength, 5), $"gap {s} {width} {g}");
            }

            float[] dy = random.Floats(expected.Length), dx = new float[x.Length], dxDispatched = new float[x.Length];
            WinogradConvolution.InputGradient(g, w, dy, dx, Batch, width);
            Conv2DKernels.Backward(g, x, w, dy, dxDispatched, new float[w.Length], new float[b.Length], col, Batch, width);
            KernelAssert.Identical(dx, dxDispatched, $"dx {width} F({tile}) {g}");
            float[] dw = random.Floats(w.Length), dwDispatched = (float[])dw.Clone();
            WinogradWeightGradient.Run(g, x, dy, dw, Batch, width);
            Conv2DKernels.Backward(g, x, w, dy, new float[x.Length], dwDispatched, new float[b.Length], col, Batch, width);
            KernelAssert.Identical(dw, dwDispatched, $"dw {width} {g}");

            float[] direct = new float[expected.Length];
            Conv2DKernels.UseWinograd = false;
            try
            {
                Assert.Equal(Conv2DMethod.Direct3x3, Conv2DKernels.Algorithm(g, width).Forward);
                Conv2DKernels.Forward(g, x, w, b, direct, col, Batch, width);
            }
            finally { Conv2DKernels.UseWinograd = true; }
            double[] magnitude = new double[direct.Length];
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, Batch);
            KernelAssert.CloseToMagnitude(TestValues.Wide(direct), magnitude, expected, Tolerance, $"direct {width} {g}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void An_empty_slice_writes_nothing_and_zero_statistics(VectorWidth width)
    {
        Conv2DGeometry g = Geometries[3];
        var random = new TestValues(56);
        foreach (int tile in EachTileSize())
        {
            float[] w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels), y = random.Floats(g.OutputLength);
            float[] before = (float[])y.Clone(), mean = random.Floats(g.OutChannels), m2 = random.Floats(g.OutChannels);
            Forward(g, [], w, b, y, 0, Conv3x3Kernels.Mode.Statistics, width, mean, m2);
            KernelAssert.Identical(before, y, $"y {width} F({tile})");
            Assert.All(mean, v => Assert.Equal(0f, v));
            Assert.All(m2, v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Stride_2_fewer_than_8_channels_and_other_kernels_stay_off_this_path()
    {
        Assert.False(WinogradConvolution.Applies(new Conv2DGeometry(8, 14, 14, 8, 3, 3, 2, 2, 1, 1, 1, 1)));
        Assert.False(WinogradConvolution.Applies(Geometry(7, 14, 14, 8)));
        Assert.False(WinogradConvolution.Applies(Geometry(8, 14, 14, 7)));
        Assert.False(WinogradConvolution.Applies(new Conv2DGeometry(8, 14, 14, 8, 3, 3, 1, 1, 0, 0, 0, 0)));
        Assert.False(WinogradConvolution.Applies(new Conv2DGeometry(8, 14, 14, 8, 5, 5, 1, 1, 2, 2, 2, 2)));
        Assert.False(WinogradConvolution.Applies(new Conv2DGeometry(8, 14, 14, 8, 3, 3, 1, 1, 1, 1, 1, 1) { DilationHeight = 2, DilationWidth = 2 }));
    }
}
