using System;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Conv2DKernels (im2col + GEMM) at every width against the direct-loop reference in double: strides 1 and 2, padding
/// 0/1/2, asymmetric ("same" for even kernels), padding wider than the kernel, rectangular kernels, 1×1 (with and without
/// the no-copy path), several channels. Tolerance 1e-5 of the same sums over absolute values.
/// </summary>
public class Conv2DKernelTests
{
    private const double Tolerance = 1e-5;
    private const int Batch = 2;

    public static readonly Conv2DGeometry[] Geometries =
    [
        new(1, 8, 8, 2, 3, 3, 1, 1, 0, 0, 0, 0),          // valid, stride 1
        new(2, 7, 9, 3, 3, 3, 1, 1, 1, 1, 1, 1),          // padding 1
        new(3, 9, 8, 4, 5, 5, 1, 1, 2, 2, 2, 2),          // padding 2 ("same" for 5×5)
        new(2, 9, 9, 3, 3, 3, 2, 2, 0, 0, 0, 0),          // stride 2
        new(2, 10, 11, 3, 3, 3, 2, 2, 1, 1, 1, 1),        // stride 2, padding 1
        new(2, 8, 8, 2, 4, 4, 1, 1, 1, 1, 2, 2),          // even kernel, "same": 1 before, 2 after
        new(1, 6, 7, 2, 2, 2, 1, 1, 0, 0, 1, 1),          // 2×2 "same"
        new(3, 5, 6, 4, 1, 1, 1, 1, 0, 0, 0, 0),          // pointwise: x is its own im2col
        new(3, 5, 6, 4, 1, 1, 2, 2, 0, 0, 0, 0),          // 1×1 with stride 2
        new(2, 7, 6, 3, 3, 2, 2, 1, 0, 1, 2, 0),          // rectangular kernel, mixed strides, asymmetric padding
        new(1, 4, 4, 2, 2, 2, 1, 1, 3, 3, 3, 3),          // padding wider than the kernel: whole rows of zeros
        new(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2),        // LeNet-5 conv1
        new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0),       // LeNet-5 conv2
        // The grid paths of stride 1 (GridConvolution): channel-major forward and dot-product weight gradient over a long
        // grid with two channel blocks (6 + 1), an odd patch and asymmetric padding; position-major forward with a partial
        // vector of output channels (flat tiles, then row by row); a long grid padded only horizontally.
        new(1, 16, 17, 7, 3, 3, 1, 1, 1, 0, 2, 1),
        new(3, 9, 10, 10, 3, 2, 1, 1, 1, 1, 0, 0),
        new(2, 9, 14, 9, 4, 5, 1, 1, 1, 0, 0, 0),
        new(2, 20, 13, 5, 5, 5, 1, 1, 0, 2, 0, 2),
        // Channel-major forward straight into y (a pitch of 32, whole tiles at every width): 7 channels, the second block one.
        new(1, 28, 28, 7, 5, 5, 1, 1, 2, 2, 2, 2),
        // The same with rows of 20 in a pitch of 32: a row's last tile runs 4 to 12 positions into the rows below.
        new(1, 20, 20, 3, 13, 13, 1, 1, 6, 6, 6, 6),
        // Rows of 5 in a pitch of 8 (whole tiles at 128 bits only): each tile reaches into the next row.
        new(2, 3, 3, 3, 4, 4, 1, 1, 3, 3, 2, 2),
        // Position-major forward in tiles of ten positions: two per output row (20 of a pitch of 24), two panels at 512 bits.
        new(3, 9, 24, 20, 3, 5, 1, 1, 0, 0, 0, 0),
    ];

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Forward_matches_direct_convolution(VectorWidth width, bool bias)
    {
        var random = new TestValues(31);
        // Batch 2 runs the few-sample path (ChannelVectorConvolution) where a geometry would take the grid or im2col, batch 5 those.
        foreach (int batch in new[] { Batch, ChannelVectorConvolution.MaxSamples + 1 })
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(batch * g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] y = random.Floats(batch * g.OutputLength), col = random.Floats(g.ColumnLength + 5);
            Conv2DKernels.Forward(g, x, w, b, y, col, batch, width);

            double[] expected = new double[y.Length], magnitude = new double[y.Length];
            Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, batch);
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, batch);
            KernelAssert.CloseToMagnitude(expected, magnitude, y, Tolerance, $"y {width} {g} batch {batch}");
        }
    }

    /// <summary>
    /// 3×3 layers the register tiles would run (stride 2; stride 1 under 8 input channels) on up to four samples run on
    /// channel vectors: Forward, ForwardRelu (contiguous and with a sample stride) and ForwardResidual give the bits of
    /// <see cref="ChannelVectorConvolution"/> (then ReLU, the residual), and five samples (the tiles) the same values to rounding.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Strided_3x3_layers_on_a_few_samples_run_on_channel_vectors(VectorWidth width)
    {
        var random = new TestValues(37);
        Conv2DGeometry[] geometries = [new(16, 10, 10, 32, 3, 3, 2, 2, 1, 1, 1, 1), new(4, 9, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1), new(8, 7, 7, 64, 3, 3, 2, 2, 1, 1, 1, 1)];
        foreach (Conv2DGeometry g in geometries)
        foreach (int n in new[] { 1, 3, ChannelVectorConvolution.MaxSamples, ChannelVectorConvolution.MaxSamples + 1 })
        {
            Assert.Equal(Conv2DMethod.Direct3x3, Conv2DKernels.Algorithm(g, width).Forward);
            float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] residual = random.Floats(n * g.OutputLength), col = new float[g.ColumnLength];
            float[] plain = new float[n * g.OutputLength], relu = new float[plain.Length], added = new float[plain.Length];
            float[] strided = random.Floats(n * (g.OutputLength + 3));
            Conv2DKernels.Forward(g, x, w, b, plain, col, n, width);
            Conv2DKernels.ForwardRelu(g, x, w, b, relu, col, n, width);
            Conv2DKernels.ForwardRelu(g, x, w, b, strided, g.OutputLength + 3, col, n, width);
            Conv2DKernels.ForwardResidual(g, x, w, b, residual, added, col, n, relu: true, width);

            float[] vectors = new float[plain.Length];
            ChannelVectorConvolution.Forward(g, x, w, b, vectors, g.OutputLength, n, width);
            if (n <= ChannelVectorConvolution.MaxSamples) KernelAssert.Identical(vectors, plain, $"plain {g} n {n} {width}");
            else KernelAssert.Close(TestValues.Wide(vectors), plain, Tolerance, Tolerance, $"tiles {g} n {n} {width}");
            for (int i = 0; i < plain.Length; i++)
            {
                Assert.Equal(MathF.Max(plain[i], 0f), relu[i]);
                Assert.Equal(relu[i], strided[i / g.OutputLength * (g.OutputLength + 3) + i % g.OutputLength]);
                Assert.Equal(MathF.Max(plain[i] + residual[i], 0f), added[i]);
            }
        }
    }

    /// <summary>
    /// The forward with a sample stride (a branch writing into its channel slice of a concatenation): every geometry above and
    /// a 3×3 one that runs Direct3x3, each sample's rows where the contiguous kernel puts them, bit for bit, and the floats
    /// between the rows untouched.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Forward_and_ForwardRelu_with_a_sample_stride_write_the_contiguous_values_into_their_rows(VectorWidth width, bool bias)
    {
        var random = new TestValues(37);
        const int gap = 13, n = 3;
        foreach (Conv2DGeometry g in (Conv2DGeometry[])[.. Geometries, new Conv2DGeometry(4, 6, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1)])
        {
            float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] col = random.Floats(g.ColumnLength + 5);
            float[] contiguous = new float[n * g.OutputLength];
            Conv2DKernels.Forward(g, x, w, b, contiguous, col, n, width);

            float[] rectified = new float[n * g.OutputLength];
            Conv2DKernels.ForwardRelu(g, x, w, b, rectified, col, n, width);

            int stride = g.OutputLength + gap;
            float[] strided = new float[gap + n * stride], stridedRelu = new float[gap + n * stride];
            Array.Fill(strided, float.NaN);
            Array.Fill(stridedRelu, float.NaN);
            Conv2DKernels.Forward(g, x, w, b, strided.AsSpan(gap), stride, col, n, width);
            Conv2DKernels.ForwardRelu(g, x, w, b, stridedRelu.AsSpan(gap), stride, col, n, width);
            for (int i = 0; i < strided.Length; i++)
            {
                int s = (i - gap) / stride, at = (i - gap) % stride;
                bool row = i >= gap && at < g.OutputLength;
                if (row)
                {
                    Assert.Equal(contiguous[s * g.OutputLength + at], strided[i]);
                    Assert.Equal(rectified[s * g.OutputLength + at], stridedRelu[i]);
                }
                else
                {
                    Assert.True(float.IsNaN(strided[i]) && float.IsNaN(stridedRelu[i]), $"{width} {g}: float {i} between the rows was written");
                }
            }
            Assert.Contains(stridedRelu, v => v == 0f);
        }
    }

    [Fact]
    public void A_sample_stride_shorter_than_the_output_is_refused()
    {
        var g = new Conv2DGeometry(1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] x = new float[2 * g.InputLength], w = new float[g.WeightLength], y = new float[4 * g.OutputLength], col = new float[g.ColumnLength];
        Assert.Equal("yStride", Assert.Throws<ArgumentOutOfRangeException>(() => Conv2DKernels.Forward(g, x, w, [], y, g.OutputLength - 1, col, 2)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g, x, w, [], y.AsSpan(0, 2 * g.OutputLength + 5), g.OutputLength + 6, col, 2)).ParamName);
    }

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Backward_matches_direct_convolution(VectorWidth width, bool bias) => CheckBackward(width, bias, sparse: false);

    /// <summary>
    /// dy as it comes out of ReLU and max-pool, mostly zero, in the first sample (stride 1 scatters it: SparseInputGradient)
    /// and dense in the second (im2col + GEMM), in the same call.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Backward_with_mostly_zero_dy_matches_direct_convolution(VectorWidth width) => CheckBackward(width, bias: true, sparse: true);

    private static void CheckBackward(VectorWidth width, bool bias, bool sparse)
    {
        var random = new TestValues(32);
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), dy = random.Floats(Batch * g.OutputLength);
            if (sparse)
            {
                for (int i = 0; i < g.OutputLength; i++) if (i % 4 != 1) dy[i] = 0f;
            }
            float[] dx = random.Floats(x.Length), dw = random.Floats(w.Length), db = bias ? random.Floats(g.OutChannels) : [];
            float[] col = new float[g.ColumnLength];
            double[] dw0 = TestValues.Wide(dw), db0 = TestValues.Wide(db);
            Conv2DKernels.Backward(g, x, w, dy, dx, dw, db, col, Batch, width);

            double[] edx = new double[dx.Length], edw = (double[])dw0.Clone(), edb = (double[])db0.Clone();
            Conv2DReference.Backward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(dy), edx, edw, edb, Batch);
            double[] mdx = new double[dx.Length], mdw = Array.ConvertAll(dw0, Math.Abs), mdb = Array.ConvertAll(db0, Math.Abs);
            Conv2DReference.Backward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(dy), mdx, mdw, mdb, Batch);

            string what = $"{width} {g}";
            KernelAssert.CloseToMagnitude(edx, mdx, dx, Tolerance, "dx " + what);
            KernelAssert.CloseToMagnitude(edw, mdw, dw, Tolerance, "dw " + what);
            KernelAssert.CloseToMagnitude(edb, mdb, db, Tolerance, "db " + what);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Backward_without_dx_gives_the_same_weight_gradients(VectorWidth width)
    {
        var random = new TestValues(33);
        Conv2DGeometry g = Geometries[4];
        float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), dy = random.Floats(Batch * g.OutputLength);
        float[] dw1 = new float[w.Length], db1 = new float[g.OutChannels], dw2 = new float[w.Length], db2 = new float[g.OutChannels];
        Conv2DKernels.Backward(g, x, w, dy, new float[x.Length], dw1, db1, new float[g.ColumnLength], Batch, width);
        Conv2DKernels.Backward(g, x, w, dy, Span<float>.Empty, dw2, db2, new float[g.ColumnLength], Batch, width);
        KernelAssert.Identical(dw1, dw2, "dw");
        KernelAssert.Identical(db1, db2, "db");
    }

    /// <summary>The grid forward's tile: ten positions where that computes fewer junk ones than twelve (so the tests above run both).</summary>
    [Fact]
    public void Grid_forward_tiles_of_ten_where_rows_fit_them_better()
    {
        Assert.Equal(10, GridConvolution.TileFor(Geometries[12]));    // LeNet-5 conv2: 10 of a pitch of 14
        Assert.Equal(10, GridConvolution.TileFor(Geometries[^1]));    // two tiles of 10 in a pitch of 24
        Assert.Equal(10, GridConvolution.TileFor(Geometries[14]));    // along the whole grid: 90 positions, against 96 in twelves
        Assert.Equal(12, GridConvolution.TileFor(Geometries[0]));     // 48 positions in twelves, against 50 in tens
    }

    /// <summary>
    /// The grid forward by positions sums each output over the patch in order at every width: below 512 bits it runs pairs
    /// of output-channel panels in half tiles (GridMicroKernel.RunPair; 16 channels at 256 bits are a pair, 20 a pair and one,
    /// at 128 bits five panels), at 512 one panel at a time, and all give the same bits, with tiles of ten and of twelve.
    /// </summary>
    [Fact]
    public void Grid_forward_by_positions_gives_the_same_bits_at_every_width_two_panels_at_a_time()
    {
        var random = new TestValues(39);
        Conv2DGeometry[] geometries = [Geometries[12], Geometries[^1], new(3, 12, 12, 24, 3, 3, 1, 1, 1, 1, 1, 1), new(2, 8, 6, 12, 3, 3, 1, 1, 0, 0, 0, 0)];
        Assert.Equal(12, GridConvolution.TileFor(geometries[2]));
        foreach (Conv2DGeometry g in geometries)
        {
            Assert.True(g.OutChannels > 8 && GridConvolution.CanForward(g, VectorWidth.V256), g.ToString());
            float[] x = random.Floats(3 * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] wide = new float[3 * g.OutputLength];
            GridConvolution.Forward(g, x, w, b, wide, 3, VectorWidth.V512);
            double[] expected = new double[wide.Length], magnitude = new double[wide.Length];
            Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, 3);
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, 3);
            KernelAssert.CloseToMagnitude(expected, magnitude, wide, Tolerance, $"512 {g}");
            foreach (VectorWidth width in new[] { VectorWidth.V256, VectorWidth.V128 })
            {
                float[] y = new float[wide.Length];
                GridConvolution.Forward(g, x, w, b, y, 3, width);
                KernelAssert.Identical(wide, y, $"{width} {g}");
            }
        }
    }

    [Fact]
    public void Pointwise_convolution_needs_no_column_buffer()
    {
        var random = new TestValues(34);
        Conv2DGeometry g = Geometries[7];
        Assert.True(g.IsPointwise);
        float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
        float[] y1 = new float[Batch * g.OutputLength], y2 = new float[y1.Length];
        Conv2DKernels.Forward(g, x, w, b, y1, Span<float>.Empty, Batch);
        Conv2DKernels.Forward(g, x, w, b, y2, new float[g.ColumnLength], Batch);
        KernelAssert.Identical(y1, y2, "y");
        Conv2DKernels.Backward(g, x, w, y1, new float[x.Length], new float[w.Length], new float[g.OutChannels], Span<float>.Empty, Batch);
    }

    [Fact]
    public void Grid_rows_plus_bias_are_the_scalar_sums_at_every_row_length()
    {
        // GridConvolution.AddBias copies rows out of the grid with their bias: 256-bit vectors with an overlapping last one
        // from 8 columns, 128-bit from 4, one by one below; every entry must be from + bias exactly (NaN, ±∞ and −0 included).
        var random = new System.Random(17);
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f];
        foreach (int columns in new[] { 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 28, 31 })
        {
            int rows = 3, pitch = columns + 4;
            var from = new float[rows * pitch];
            for (int i = 0; i < from.Length; i++) from[i] = i % 7 == 3 ? specials[i % specials.Length] : (float)(random.NextDouble() * 4 - 2);
            foreach (float bias in new[] { 0.375f, -0f, float.NaN })
            {
                var to = new float[rows * columns + 1];
                to[^1] = 99f;
                GridConvolution.AddBias(ref from[0], pitch, bias, ref to[0], rows, columns);
                for (int r = 0; r < rows; r++)
                for (int j = 0; j < columns; j++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(from[r * pitch + j] + bias), BitConverter.SingleToInt32Bits(to[r * columns + j]));
                Assert.Equal(99f, to[^1]);
            }
        }
    }

    [Fact]
    public void Hand_computed_convolution()
    {
        // x = 3×3 of 1..9, one 2×2 kernel of ones, padding 1 on the left and top only, stride 2:
        // windows at (−1, −1), (−1, 1), (1, −1), (1, 1) → [1, 2+3, 4+7, 5+6+8+9] = [1, 5, 11, 28], plus bias 0.5.
        var g = new Conv2DGeometry(1, 3, 3, 1, 2, 2, 2, 2, 1, 1, 0, 0);
        float[] y = new float[4];
        Conv2DKernels.Forward(g, [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 1, 1], [0.5f], y, new float[g.ColumnLength], 1);
        Assert.Equal([1.5f, 5.5f, 11.5f, 28.5f], y);
        double[] reference = new double[4];
        Conv2DReference.Forward<double>(g, [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 1, 1], [0.5], reference, 1);
        Assert.Equal([1.5, 5.5, 11.5, 28.5], reference);
    }

    [Fact]
    public void Wrong_lengths_and_geometries_throw()
    {
        // A 5×5 layer: it needs the im2col workspace (3×3 layers with padding 1 need none, see Conv3x3KernelTests).
        Conv2DGeometry g = Geometries[2];
        float[] x = new float[g.InputLength], w = new float[g.WeightLength], b = new float[g.OutChannels], y = new float[g.OutputLength], col = new float[g.ColumnLength];
        Conv2DKernels.Forward(g, x, w, b, y, col, 1);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g, x, w, b, y, col, 2)).ParamName);
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g, x, new float[w.Length - 1], b, y, col, 1)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g, x, w, new float[1], y, col, 1)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g, x, w, b, new float[y.Length - 1], col, 1)).ParamName);
        var ex = Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g, x, w, b, y, new float[col.Length - 1], 1));
        Assert.Equal("col", ex.ParamName);
        Assert.Contains(g.ColumnLength.ToString(), ex.Message);
        Assert.Equal("dw", Assert.Throws<ArgumentException>(() => Conv2DKernels.Backward(g, x, w, y, x, new float[1], b, col, 1)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Conv2DKernels.Backward(g, x, w, y, new float[3], w.AsSpan().ToArray(), b, col, 1)).ParamName);

        Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g with { StrideHeight = 0 }, x, w, b, y, col, 1));
        Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g with { PadLeft = -1 }, x, w, b, y, col, 1));
        Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(new Conv2DGeometry(1, 2, 2, 1, 5, 5, 1, 1, 0, 0, 0, 0), x, w, b, y, col, 1));
    }

    /// <summary>
    /// The scatter's sparsity test counts the zeros (−0 among them) of every length, vector part and tail, at exactly half
    /// and one past it, and refuses any infinity or NaN wherever it sits.
    /// </summary>
    [Fact]
    public void Sparsity_test_counts_zeros_and_refuses_non_finite_values_anywhere()
    {
        var random = new System.Random(71);
        foreach (int length in new[] { 1, 2, 7, 8, 9, 16, 31, 100, 1600 })
        {
            for (int nonZero = Math.Max(0, length / 2 - 1); nonZero <= Math.Min(length, length / 2 + 1); nonZero++)
            {
                float[] dy = new float[length];
                for (int i = 0; i < length; i++) dy[i] = random.Next(2) == 0 ? 0f : -0f;
                int[] order = new int[length];
                for (int i = 0; i < length; i++) order[i] = i;
                random.Shuffle(order);
                for (int i = 0; i < nonZero; i++) dy[order[i]] = (float)(random.NextDouble() + 0.5) * (random.Next(2) == 0 ? 1 : -1);
                Assert.Equal(2 * nonZero <= length, SparseInputGradient.IsSparse(dy));

                foreach (float bad in new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN })
                {
                    int at = random.Next(length);
                    float[] broken = (float[])dy.Clone();
                    broken[at] = bad;
                    Assert.False(SparseInputGradient.IsSparse(broken), $"{bad} at {at} of {length}");
                }
            }
        }
    }

    /// <summary>
    /// The scatter itself, channels in the lanes: kernel rows wider than a vector's worth of floats and narrower (the padded
    /// tail of a run), more than 32 output channels, a plane that is not a whole number of 16-value masks, a kernel as wide
    /// as the padded input; dy about one in four non-zero with −0 among the zeros. Against the double reference, and the
    /// same bits at every width.
    /// </summary>
    [Fact]
    public void Sparse_input_gradient_matches_the_reference_with_the_same_bits_at_every_width()
    {
        var random = new TestValues(72);
        Conv2DGeometry[] geometries =
        [
            new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0),       // LeNet-5 conv2: runs of 30 floats
            new(2, 12, 13, 3, 3, 9, 1, 1, 1, 4, 1, 4),        // a 9-wide kernel with padding: runs of 18
            new(3, 9, 8, 40, 3, 3, 1, 1, 1, 1, 1, 1),         // 40 output channels; 72 positions: 4 masks and a tail of 8
            new(1, 5, 5, 2, 5, 5, 1, 1, 0, 0, 0, 0),          // the kernel as wide as the input: one position
            new(1, 7, 6, 3, 2, 3, 1, 1, 0, 1, 1, 0),          // runs of 3: one vector's tail at every width
        ];
        foreach (Conv2DGeometry g in geometries)
        {
            float[] w = random.Floats(g.WeightLength), dy = random.Floats(g.OutputLength);
            for (int i = 0; i < dy.Length; i++) if ((i * 7 + i / 5) % 4 != 0) dy[i] = i % 3 == 0 ? -0f : 0f;
            Assert.True(SparseInputGradient.IsSparse(dy));
            double[] expected = new double[g.InputLength], magnitude = new double[g.InputLength];
            Conv2DReference.Backward<double>(g, new double[g.InputLength], TestValues.Wide(w), TestValues.Wide(dy), expected, new double[w.Length], [], 1);
            Conv2DReference.Backward<double>(g, new double[g.InputLength], TestValues.Abs(w), TestValues.Abs(dy), magnitude, new double[w.Length], [], 1);

            float[]? first = null;
            foreach (VectorWidth width in new[] { VectorWidth.V512, VectorWidth.V256, VectorWidth.V128 })
            {
                Assert.True(SparseInputGradient.Applies(g, width));
                float[] packed = new float[SparseInputGradient.PackedLength(g)], padded = random.Floats(SparseInputGradient.PaddedLength(g));
                float[] dx = random.Floats(g.InputLength);
                SparseInputGradient.Pack(g, w, packed, width);
                SparseInputGradient.Run(g, packed, dy, dx, padded, width);
                KernelAssert.CloseToMagnitude(expected, magnitude, dx, Tolerance, $"{width} {g}");
                if (first is null) first = dx;
                else KernelAssert.Identical(first, dx, $"{width} against 512 bits, {g}");
            }
        }
    }
}
