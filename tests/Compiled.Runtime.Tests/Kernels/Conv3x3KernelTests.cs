using System;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Conv3x3Kernels (register-tiled 3×3, padding 1, stride 1 or 2) at every width against the direct-loop reference in double
/// (tolerance 1e-5 of the same sums over absolute values), its widths against one another (the same bits), and each fused
/// epilogue against the unfused sequence of existing kernels.
/// </summary>
public class Conv3x3KernelTests
{
    private const double Tolerance = 1e-5;
    private const int Batch = 3;

    // Odd and even sizes, channel counts that leave partial tiles of rows (8 at 512 bits, 4 otherwise) and partial tiles of
    // vectors, planes smaller than one vector, and the VGG/ResNet shapes scaled down in channels.
    public static readonly Conv2DGeometry[] Geometries =
    [
        Geometry(1, 5, 5, 1, 1),
        Geometry(3, 7, 9, 5, 1),
        Geometry(2, 9, 7, 9, 1),
        Geometry(4, 14, 14, 16, 1),
        Geometry(3, 28, 28, 12, 1),
        Geometry(16, 7, 7, 16, 1),
        Geometry(2, 1, 1, 3, 1),
        Geometry(3, 7, 9, 5, 2),
        Geometry(2, 8, 8, 9, 2),
        Geometry(4, 14, 14, 16, 2),
        Geometry(5, 11, 6, 7, 2),
        Geometry(3, 2, 3, 4, 2),
        Geometry(2, 1, 1, 3, 2),
    ];

    private static Conv2DGeometry Geometry(int cin, int h, int w, int cout, int stride) => new(cin, h, w, cout, 3, 3, stride, stride, 1, 1, 1, 1);

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Forward_matches_direct_convolution(VectorWidth width, bool bias)
    {
        var random = new TestValues(41);
        foreach (Conv2DGeometry g in Geometries)
        {
            Assert.True(Conv3x3Kernels.Applies(g), g.ToString());
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] y = random.Floats(Batch * g.OutputLength + 3);
            float[] after = y[^3..];
            Conv3x3Kernels.Forward(g, x, w, b, y, Batch, Conv3x3Epilogue.None, width);

            double[] expected = new double[Batch * g.OutputLength], magnitude = new double[expected.Length];
            Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, Batch);
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, Batch);
            KernelAssert.CloseToMagnitude(expected, magnitude, y.AsSpan(0, expected.Length), Tolerance, $"y {width} {g}");
            KernelAssert.Identical(after, y[^3..], $"past y {width} {g}");
        }
    }

    [Fact]
    public void Every_width_gives_the_same_bits()
    {
        var random = new TestValues(42);
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] scalar = new float[Batch * g.OutputLength], dy = random.Floats(scalar.Length), scalarDx = new float[x.Length];
            Conv3x3Kernels.Forward(g, x, w, b, scalar, Batch, Conv3x3Epilogue.None, VectorWidth.Scalar);
            Conv3x3Kernels.InputGradient(g, w, dy, scalarDx, Batch, VectorWidth.Scalar);
            foreach (VectorWidth width in new[] { VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 })
            {
                float[] y = new float[scalar.Length], dx = new float[x.Length];
                Conv3x3Kernels.Forward(g, x, w, b, y, Batch, Conv3x3Epilogue.None, width);
                KernelAssert.Identical(scalar, y, $"{width} {g}");
                Conv3x3Kernels.InputGradient(g, w, dy, dx, Batch, width);
                KernelAssert.Identical(scalarDx, dx, $"dx {width} {g}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Relu_epilogue_equals_forward_then_relu(VectorWidth width)
    {
        var random = new TestValues(43);
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] fused = new float[Batch * g.OutputLength], unfused = new float[fused.Length];
            Conv3x3Kernels.Forward(g, x, w, b, fused, Batch, Conv3x3Epilogue.Relu, width);
            Conv3x3Kernels.Forward(g, x, w, b, unfused, Batch, Conv3x3Epilogue.None, width);
            ActivationKernels.Relu(unfused, unfused, width);
            KernelAssert.Identical(unfused, fused, $"{width} {g}");
            Assert.Contains(fused, v => v == 0f);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Statistics_epilogue_equals_forward_then_slice_statistics(VectorWidth width)
    {
        var random = new TestValues(44);
        foreach (Conv2DGeometry g in Geometries)
        {
            // An offset far from zero: the statistics must not lose the variance to cancellation.
            float[] x = random.Floats(Batch * g.InputLength, 2, 4), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels, 20, 30);
            float[] fused = new float[Batch * g.OutputLength], unfused = new float[fused.Length];
            float[] mean = random.Floats(g.OutChannels), m2 = random.Floats(g.OutChannels);
            float[] expectedMean = new float[g.OutChannels], expectedM2 = new float[g.OutChannels];
            Conv3x3Kernels.ForwardWithStatistics(g, x, w, b, fused, mean, m2, Batch, width);
            Conv3x3Kernels.Forward(g, x, w, b, unfused, Batch, Conv3x3Epilogue.None, width);
            BatchNormKernels.SliceStatistics(unfused, expectedMean, expectedM2, Batch, g.OutChannels, g.OutPixels, width);
            KernelAssert.Identical(unfused, fused, $"y {width} {g}");

            // The exact statistics of the (float) outputs, in double.
            var exactMean = new double[g.OutChannels];
            var exactM2 = new double[g.OutChannels];
            for (int o = 0; o < g.OutChannels; o++)
            {
                double sum = 0, squares = 0;
                for (int s = 0; s < Batch; s++)
                for (int i = 0; i < g.OutPixels; i++) sum += unfused[(s * g.OutChannels + o) * g.OutPixels + i];
                double m = sum / (Batch * g.OutPixels);
                for (int s = 0; s < Batch; s++)
                for (int i = 0; i < g.OutPixels; i++) squares += Math.Pow(unfused[(s * g.OutChannels + o) * g.OutPixels + i] - m, 2);
                exactMean[o] = m;
                exactM2[o] = squares;
            }
            // Float means are good to a few units in the last place of the values they average.
            double yScale = 0;
            foreach (float v in unfused) yScale = Math.Max(yScale, Math.Abs(v));
            KernelAssert.Close(exactMean, mean, 1e-6 * yScale, 0, $"mean {width} {g}");
            KernelAssert.Close(exactMean, expectedMean, 1e-6 * yScale, 0, $"SliceStatistics mean {width} {g}");
            double m2Scale = 0;
            foreach (double v in exactM2) m2Scale = Math.Max(m2Scale, v);
            KernelAssert.Close(exactM2, m2, 1e-5 * m2Scale + 1e-6, 1e-4, $"m2 {width} {g}");
            KernelAssert.Close(TestValues.Wide(expectedM2), m2, 1e-5 * m2Scale + 1e-6, 1e-4, $"m2 against SliceStatistics {width} {g}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Statistics_of_an_empty_slice_are_zero(VectorWidth width)
    {
        Conv2DGeometry g = Geometries[3];
        float[] mean = new float[g.OutChannels], m2 = new float[g.OutChannels];
        Array.Fill(mean, 7f);
        Array.Fill(m2, 7f);
        Conv3x3Kernels.ForwardWithStatistics(g, [], new float[g.WeightLength], [], [], mean, m2, 0, width);
        Assert.All(mean, v => Assert.Equal(0f, v));
        Assert.All(m2, v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Input_gradient_matches_direct_convolution(VectorWidth width)
    {
        var random = new TestValues(45);
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), dy = random.Floats(Batch * g.OutputLength);
            float[] dx = random.Floats(x.Length);
            Conv3x3Kernels.InputGradient(g, w, dy, dx, Batch, width);

            double[] edx = new double[dx.Length], mdx = new double[dx.Length];
            Conv2DReference.Backward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(dy), edx, new double[w.Length], [], Batch);
            Conv2DReference.Backward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(dy), mdx, new double[w.Length], [], Batch);
            KernelAssert.CloseToMagnitude(edx, mdx, dx, Tolerance, $"dx {width} {g}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Weight_gradient_matches_direct_convolution(VectorWidth width)
    {
        var random = new TestValues(47);
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), dy = random.Floats(Batch * g.OutputLength);
            float[] dw = random.Floats(w.Length);
            double[] dw0 = TestValues.Wide(dw);
            Conv3x3Kernels.WeightGradient(g, x, dy, dw, Batch, width);

            double[] edw = (double[])dw0.Clone(), mdw = Array.ConvertAll(dw0, Math.Abs);
            Conv2DReference.Backward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(dy), [], edw, [], Batch);
            Conv2DReference.Backward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(dy), [], mdw, [], Batch);
            KernelAssert.CloseToMagnitude(edw, mdw, dw, Tolerance, $"dw {width} {g}");
        }
    }

    /// <summary>A layer large enough that the weight gradient takes the chunk in several groups of samples (4, 4, 1).</summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Weight_gradient_over_several_groups_of_samples_matches_direct_convolution(VectorWidth width)
    {
        var random = new TestValues(49);
        Conv2DGeometry g = Geometry(16, 28, 28, 16, 1);
        const int samples = 9;
        float[] x = random.Floats(samples * g.InputLength), w = random.Floats(g.WeightLength), dy = random.Floats(samples * g.OutputLength);
        float[] dw = new float[w.Length];
        Conv3x3Kernels.WeightGradient(g, x, dy, dw, samples, width);
        double[] edw = new double[w.Length], mdw = new double[w.Length];
        Conv2DReference.Backward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(dy), [], edw, [], samples);
        Conv2DReference.Backward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(dy), [], mdw, [], samples);
        KernelAssert.CloseToMagnitude(edw, mdw, dw, Tolerance, $"dw {width} {g}");
    }

    /// <summary>The weight gradient sums each entry over the chunk in one order whatever the width (the lanes are output channels) and the grouping of samples.</summary>
    [Fact]
    public void Weight_gradient_gives_the_same_bits_at_every_width()
    {
        var random = new TestValues(48);
        foreach (Conv2DGeometry g in Geometries)
        {
            const int samples = 9;
            float[] x = random.Floats(samples * g.InputLength), dy = random.Floats(samples * g.OutputLength), start = random.Floats(g.WeightLength);
            float[] scalar = (float[])start.Clone();
            Conv3x3Kernels.WeightGradient(g, x, dy, scalar, samples, VectorWidth.Scalar);
            foreach (VectorWidth width in new[] { VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 })
            {
                float[] dw = (float[])start.Clone();
                Conv3x3Kernels.WeightGradient(g, x, dy, dw, samples, width);
                KernelAssert.Identical(scalar, dw, $"{width} {g}");
            }
        }
    }

    /// <summary>
    /// Conv2DKernels runs these geometries through Conv3x3Kernels (the same bits; the forward from five samples, fewer run on
    /// channel vectors, and of 9 to 64 output channels on channel vectors at any batch), and its general paths agree within
    /// tolerance.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Conv2DKernels_dispatches_3x3_layers_here(VectorWidth width)
    {
        var random = new TestValues(46);
        const int Batch = ChannelVectorConvolution.MaxSamples + 1;
        foreach (Conv2DGeometry g in new[] { Geometries[1], Geometries[3], Geometries[7], Geometries[9] })
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] direct = new float[Batch * g.OutputLength], dispatched = new float[direct.Length], general = new float[direct.Length];
            Conv3x3Kernels.Forward(g, x, w, b, direct, Batch, Conv3x3Epilogue.None, width);
            Conv2DKernels.Forward(g, x, w, b, dispatched, new float[g.ColumnLength], Batch, width);
            if (ChannelVectorConvolution.Applies(g, Batch, Conv2DMethod.Direct3x3))
            {
                Assert.True(g.OutChannels > 8, $"{g}: 16 output channels run on channel vectors");
                float[] vectors = new float[direct.Length];
                ChannelVectorConvolution.Forward(g, x, w, b, vectors, g.OutputLength, Batch, width);
                KernelAssert.Identical(vectors, dispatched, $"forward on channel vectors {width} {g}");
                KernelAssert.Close(TestValues.Wide(direct), dispatched, Tolerance, Tolerance, $"forward against the tiles {width} {g}");
            }
            else
            {
                Assert.True(g.OutChannels <= 8, $"{g}: 5 output channels run the tiles");
                KernelAssert.Identical(direct, dispatched, $"forward {width} {g}");
            }

            float[] dy = random.Floats(direct.Length), dx = new float[x.Length], dxDispatched = new float[x.Length];
            float[] dw = new float[w.Length], db = new float[b.Length];
            Conv3x3Kernels.InputGradient(g, w, dy, dx, Batch, width);
            Conv2DKernels.Backward(g, x, w, dy, dxDispatched, dw, db, new float[g.ColumnLength], Batch, width);
            KernelAssert.Identical(dx, dxDispatched, $"dx {width} {g}");
            float[] directDw = new float[w.Length];
            Conv3x3Kernels.WeightGradient(g, x, dy, directDw, Batch, width);
            KernelAssert.Identical(directDw, dw, $"dw {width} {g}");

            Conv2DKernels.UseDirect3x3 = false;
            try { Conv2DKernels.Forward(g, x, w, b, general, new float[g.ColumnLength], Batch, width); }
            finally { Conv2DKernels.UseDirect3x3 = true; }
            double[] magnitude = new double[direct.Length];
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, Batch);
            KernelAssert.CloseToMagnitude(TestValues.Wide(general), magnitude, direct, 2 * Tolerance, $"general {width} {g}");
        }
    }

    /// <summary>3×3 layers need no im2col workspace: Conv2DKernels takes an empty one for them (and still refuses it elsewhere).</summary>
    [Fact]
    public void Conv2DKernels_needs_no_columns_for_3x3_layers()
    {
        var random = new TestValues(50);
        foreach (Conv2DGeometry g in new[] { Geometries[3], Geometries[9] })
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), y = new float[Batch * g.OutputLength], expected = new float[y.Length];
            Conv2DKernels.Forward(g, x, w, [], y, [], Batch);
            Conv2DKernels.Forward(g, x, w, [], expected, new float[g.ColumnLength], Batch);
            KernelAssert.Identical(expected, y, g.ToString());
            Conv2DKernels.Backward(g, x, w, y, new float[x.Length], new float[w.Length], [], [], Batch);
        }
        Conv2DGeometry fiveByFive = new(2, 8, 8, 3, 5, 5, 1, 1, 2, 2, 2, 2);
        Assert.Equal("col", Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(fiveByFive, new float[fiveByFive.InputLength], new float[fiveByFive.WeightLength], [], new float[fiveByFive.OutputLength], [], 1)).ParamName);
    }

    /// <summary>The unchecked entry points generated code calls (weights packed once) give the checked kernels' bits.</summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Unchecked_entry_points_equal_the_checked_ones(VectorWidth width)
    {
        var random = new TestValues(51);
        foreach (Conv2DGeometry g in new[] { Geometries[2], Geometries[10] })
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels), dy = random.Floats(Batch * g.OutputLength);
            float[] packed = new float[Conv3x3Unchecked.PackedLength(g, width)];
            Conv3x3Unchecked.PackWeights(g, w, packed, width);
            foreach (Conv3x3Epilogue epilogue in new[] { Conv3x3Epilogue.None, Conv3x3Epilogue.Relu })
            {
                float[] expected = new float[Batch * g.OutputLength], actual = new float[expected.Length];
                Conv3x3Kernels.Forward(g, x, w, b, expected, Batch, epilogue, width);
                Conv3x3Unchecked.Forward(g, x, packed, b, actual, Batch, epilogue, width);
                KernelAssert.Identical(expected, actual, $"{epilogue} {width} {g}");
            }
            float[] y1 = new float[Batch * g.OutputLength], y2 = new float[y1.Length], mean1 = new float[g.OutChannels], mean2 = new float[g.OutChannels], m21 = new float[g.OutChannels], m22 = new float[g.OutChannels];
            Conv3x3Kernels.ForwardWithStatistics(g, x, w, b, y1, mean1, m21, Batch, width);
            Conv3x3Unchecked.ForwardWithStatistics(g, x, packed, b, y2, mean2, m22, Batch, width);
            KernelAssert.Identical(y1, y2, $"y {width} {g}");
            KernelAssert.Identical(mean1, mean2, $"mean {width} {g}");
            KernelAssert.Identical(m21, m22, $"m2 {width} {g}");

            float[] dx1 = new float[x.Length], dx2 = new float[x.Length], dw1 = new float[w.Length], dw2 = new float[w.Length];
            Conv3x3Kernels.InputGradient(g, w, dy, dx1, Batch, width);
            Conv3x3Unchecked.InputGradient(g, w, dy, dx2, Batch, width);
            KernelAssert.Identical(dx1, dx2, $"dx {width} {g}");
            Conv3x3Kernels.WeightGradient(g, x, dy, dw1, Batch, width);
            Conv3x3Unchecked.WeightGradient(g, x, dy, dw2, Batch, width);
            KernelAssert.Identical(dw1, dw2, $"dw {width} {g}");
        }
    }

    [Fact]
    public void Other_geometries_and_wrong_lengths_are_rejected_with_the_reason()
    {
        Conv2DGeometry fiveByFive = new(2, 8, 8, 3, 5, 5, 1, 1, 2, 2, 2, 2);
        Conv2DGeometry unpadded = new(2, 8, 8, 3, 3, 3, 1, 1, 0, 0, 0, 0);
        Conv2DGeometry strideTwoByOne = new(2, 8, 8, 3, 3, 3, 2, 1, 1, 1, 1, 1);
        foreach (Conv2DGeometry g in new[] { fiveByFive, unpadded, strideTwoByOne })
        {
            Assert.False(Conv3x3Kernels.Applies(g));
            var error = Assert.Throws<ArgumentException>(() => Conv3x3Kernels.Forward(g, new float[g.InputLength], new float[g.WeightLength], [], new float[g.OutputLength], 1));
            Assert.Contains("3×3 kernels with padding 1", error.Message);
        }
        Conv2DGeometry ok = Geometries[1], strided = Geometries[7];
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => Conv3x3Kernels.Forward(ok, new float[ok.InputLength], new float[ok.WeightLength - 1], [], new float[ok.OutputLength], 1)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Conv3x3Kernels.Forward(ok, new float[ok.InputLength], new float[ok.WeightLength], [], new float[ok.OutputLength - 1], 1)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Conv3x3Kernels.Forward(ok, new float[ok.InputLength], new float[ok.WeightLength], new float[2], new float[ok.OutputLength], 1)).ParamName);
        Assert.Equal("mean", Assert.Throws<ArgumentException>(() => Conv3x3Kernels.ForwardWithStatistics(ok, new float[ok.InputLength], new float[ok.WeightLength], [], new float[ok.OutputLength], new float[1], new float[ok.OutChannels], 1)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Conv3x3Kernels.InputGradient(strided, new float[strided.WeightLength], new float[strided.OutputLength], new float[strided.InputLength - 1], 1)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv3x3Kernels.Forward(ok, new float[ok.InputLength], new float[ok.WeightLength], [], new float[ok.OutputLength], 1, (Conv3x3Epilogue)7));
    }
}
