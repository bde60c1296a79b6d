using System;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// The few-sample convolution (output channels in the lanes) at every width: bit for bit its scalar twin, within 1e-5 of
/// the double reference (relative to the sum of magnitudes), for one to four samples, output channels that fill whole
/// blocks or leave lanes idle (1, 6, 16, 17, 20, 33, 40, 48, 64: passes of one, two and four blocks), tiles of pixels and
/// leftovers, strides, asymmetric and wide padding, inputs read in place, rectangular kernels, with and without bias, and a
/// sample stride (floats between the rows untouched).
/// </summary>
public class ChannelVectorConvolutionTests
{
    private const double Tolerance = 1e-5;

    public static readonly Conv2DGeometry[] Geometries =
    [
        new(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2),        // LeNet-5 conv1: 6 channels, 28 = 3·8 + 4 pixels a row
        new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0),       // LeNet-5 conv2: one 512-bit block
        new(2, 9, 11, 17, 3, 3, 1, 1, 1, 1, 1, 1),        // 17 channels: a second block with one lane used
        new(3, 10, 9, 33, 3, 2, 2, 1, 0, 1, 2, 0),        // rectangular kernel, mixed strides, asymmetric padding
        new(4, 12, 12, 64, 3, 3, 2, 2, 1, 1, 1, 1),       // 64 channels, stride 2
        new(1, 4, 4, 1, 2, 2, 1, 1, 3, 3, 3, 3),          // one channel; padding wider than the kernel
        new(2, 7, 20, 5, 1, 4, 1, 3, 0, 2, 0, 1),         // 1×4 kernel, stride 3 along the row
        new(16, 14, 14, 32, 1, 1, 2, 2, 0, 0, 0, 0),      // a strided 1×1 projection: the input read in place
        new(2, 10, 10, 20, 3, 3, 2, 2, 0, 0, 0, 0),       // 3×3 stride 2 in place: the taps never reach row or column 9
        new(3, 11, 13, 40, 2, 3, 1, 2, 0, 0, 1, 1),       // no padding above or left, but the taps reach the padding below
        new(5, 9, 10, 48, 3, 3, 2, 2, 1, 1, 1, 1),        // 48 channels: a pair of blocks and one (512), three pairs (256)
        new(32, 8, 8, 64, 3, 3, 2, 2, 1, 1, 1, 1),        // 64 channels: four blocks a pass at 512 bits
    ];

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Every_width_gives_the_scalar_twins_bits_and_the_reference_values(VectorWidth width, bool bias)
    {
        var random = new TestValues(71);
        foreach (Conv2DGeometry g in Geometries)
        foreach (int n in new[] { 1, 2, 3, ChannelVectorConvolution.MaxSamples, 9 })   // 9: a batch (strided layers run here at any)
        {
            float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] y = random.Floats(n * g.OutputLength), twin = random.Floats(y.Length);
            ChannelVectorConvolution.Forward(g, x, w, b, y, g.OutputLength, n, width);
            ChannelVectorConvolution.Forward(g, x, w, b, twin, g.OutputLength, n, VectorWidth.Scalar);
            Assert.True(y.AsSpan().SequenceEqual(twin), $"{width} differs from the scalar twin: {g}, n {n}");

            double[] expected = new double[y.Length], magnitude = new double[y.Length];
            Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, n);
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, n);
            KernelAssert.CloseToMagnitude(expected, magnitude, y, Tolerance, $"y {width} {g} n {n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void A_sample_stride_writes_each_samples_rows_and_nothing_between(VectorWidth width, bool bias)
    {
        var random = new TestValues(72);
        Conv2DGeometry g = Geometries[2];
        const int n = 3, gap = 7;
        int stride = g.OutputLength + gap;
        float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
        float[] contiguous = new float[n * g.OutputLength], strided = new float[(n - 1) * stride + g.OutputLength];
        Array.Fill(strided, 42f);
        ChannelVectorConvolution.Forward(g, x, w, b, contiguous, g.OutputLength, n, width);
        ChannelVectorConvolution.Forward(g, x, w, b, strided, stride, n, width);
        for (int s = 0; s < n; s++)
        {
            Assert.True(strided.AsSpan(s * stride, g.OutputLength).SequenceEqual(contiguous.AsSpan(s * g.OutputLength, g.OutputLength)), $"sample {s}");
            if (s < n - 1) Assert.All(strided.AsSpan(s * stride + g.OutputLength, gap).ToArray(), v => Assert.Equal(42f, v));
        }
    }

    [Theory]
    [InlineData(6, VectorWidth.V512, VectorWidth.V256)]     // one block either way: the narrower
    [InlineData(16, VectorWidth.V512, VectorWidth.V512)]
    [InlineData(16, VectorWidth.V256, VectorWidth.V256)]    // never above the width asked for
    [InlineData(17, VectorWidth.V512, VectorWidth.V512)]    // two blocks at 512 bits, three at 256
    [InlineData(3, VectorWidth.V512, VectorWidth.V128)]
    [InlineData(1, VectorWidth.V512, VectorWidth.Scalar)]
    [InlineData(6, VectorWidth.Scalar, VectorWidth.Scalar)]
    public void The_width_is_the_fewest_channel_blocks_then_the_narrower(int outChannels, VectorWidth asked, VectorWidth chosen)
        => Assert.Equal(chosen, ChannelVectorConvolution.LaneWidth(outChannels, asked));

    /// <summary>
    /// Conv2DKernels.ForwardMethod (which the generator's report mirrors) says ChannelVectors exactly where the forward gives
    /// this kernel's bits: a strided 3×3 layer and a projection at 1 and 9 samples, LeNet-5's conv2 at 1 only (the grid past a
    /// few), and never a layer over one input channel past a few samples or a Winograd layer.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void The_forward_runs_here_where_ForwardMethod_says(VectorWidth width)
    {
        var random = new TestValues(73);
        var cases = new (Conv2DGeometry G, int N, bool Here)[]
        {
            (new(16, 14, 14, 32, 3, 3, 2, 2, 1, 1, 1, 1), 1, true),
            (new(16, 14, 14, 32, 3, 3, 2, 2, 1, 1, 1, 1), 9, true),
            (new(16, 14, 14, 32, 1, 1, 2, 2, 0, 0, 0, 0), 9, true),
            (new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0), 1, true),
            (new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0), 9, false),
            (new(1, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1), 9, false),
            (new(16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1), 9, false),
        };
        foreach (var (g, n, here) in cases)
        {
            bool says = Conv2DKernels.ForwardMethod(g, n, width) == Conv2DMethod.ChannelVectors;
            // At the scalar width the grid does not run (im2col takes its layers, so LeNet-5's conv2 runs here at any batch).
            if (width != VectorWidth.Scalar) Assert.Equal(here, says);
            float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] viaKernels = new float[n * g.OutputLength], direct = new float[viaKernels.Length];
            Conv2DKernels.Forward(g, x, w, b, viaKernels, new float[g.ColumnLength], n, width);
            ChannelVectorConvolution.Forward(g, x, w, b, direct, g.OutputLength, n, width);
            Assert.True(says == viaKernels.AsSpan().SequenceEqual(direct), $"{g}, {n} samples, {width}: ForwardMethod says {(says ? "" : "not ")}here");
        }
    }

    [Fact]
    public void Few_samples_of_more_than_eight_channels_run_here_and_strided_layers_at_any_batch()
    {
        const Conv2DMethod grid = Conv2DMethod.Grid, columns = Conv2DMethod.Im2ColGemm, tiles = Conv2DMethod.Direct3x3;
        int many = ChannelVectorConvolution.MaxSamples + 1;
        var lenet2 = new Conv2DGeometry(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0);
        Assert.Equal(grid, Conv2DKernels.Algorithm(lenet2, VectorWidth.V256).Forward);
        Assert.True(ChannelVectorConvolution.Applies(lenet2, 1, grid));
        Assert.True(ChannelVectorConvolution.Applies(lenet2, ChannelVectorConvolution.MaxSamples, grid));
        Assert.False(ChannelVectorConvolution.Applies(lenet2, many, grid));    // the grid packs once for many samples
        // A ResNet's projection (im2col) and strided 3×3 layer (the register tiles): here at any batch.
        var projection = new Conv2DGeometry(16, 28, 28, 32, 1, 1, 2, 2, 0, 0, 0, 0);
        var strided = new Conv2DGeometry(16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1);
        Assert.Equal(columns, Conv2DKernels.Algorithm(projection, VectorWidth.V256).Forward);
        Assert.Equal(tiles, Conv2DKernels.Algorithm(strided, VectorWidth.V256).Forward);
        foreach (int n in new[] { 1, many, 256 })
        {
            Assert.True(ChannelVectorConvolution.Applies(projection, n, columns));
            Assert.True(ChannelVectorConvolution.Applies(strided, n, tiles));
        }
        // A 3×3 layer over one input channel: FewChannels3x3 past a few samples.
        var oneChannel = new Conv2DGeometry(1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1);
        Assert.True(ChannelVectorConvolution.Applies(oneChannel, 1, tiles));
        Assert.False(ChannelVectorConvolution.Applies(oneChannel, many, tiles));
        Assert.False(ChannelVectorConvolution.Applies(new Conv2DGeometry(4, 8, 8, 65, 3, 3, 2, 2, 0, 0, 0, 0), 1, columns));
        Assert.False(ChannelVectorConvolution.Applies(new Conv2DGeometry(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2), 1, grid));   // LeNet-5 conv1: the grid's
        Assert.True(ChannelVectorConvolution.Applies(new Conv2DGeometry(1, 28, 28, 9, 5, 5, 1, 1, 2, 2, 2, 2), 1, grid));
        Assert.False(ChannelVectorConvolution.Applies(new Conv2DGeometry(4, 8, 8, 16, 3, 3, 1, 1, 0, 0, 0, 0) { Groups = 2 }, 1, columns));
        Assert.False(ChannelVectorConvolution.Applies(new Conv2DGeometry(4, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1), 1, Conv2DMethod.Winograd));
    }
}
