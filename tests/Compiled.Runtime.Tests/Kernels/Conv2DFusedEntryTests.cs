using System;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;
using Compiled.Threading;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Conv2DKernels' fused entry points, which generated code calls for Conv2D → ReLU and Conv2D → BatchNorm (training) on every
/// algorithm the dispatch picks (register-tiled 3×3 stride 1 and 2, grid, im2col + GEMM, pointwise, dilated and grouped):
/// <c>ForwardRelu</c> equals <c>Forward</c> then ReLU, bit for bit; <c>ForwardWithStatistics</c> writes <c>Forward</c>'s
/// output, bit for bit, and <c>BatchNormKernels.SliceStatistics</c>' mean and M2 of it (the same bits off the 3×3 path,
/// within float rounding on it, where they are gathered tile by tile); <c>ForwardResidual</c> (a residual block's last
/// convolution, its shortcut and ReLU) equals <c>Forward</c>, then <c>JoinKernels.Add</c>, then ReLU, bit for bit, on every
/// algorithm, both Winograd tile sizes, and split over a team on one sample.
/// </summary>
public class Conv2DFusedEntryTests
{
    private const int Batch = 3;

    public static readonly Conv2DGeometry[] Geometries =
    [
        new(4, 9, 9, 6, 3, 3, 1, 1, 1, 1, 1, 1),                                  // 3×3 pad 1: register-tiled
        new(5, 10, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1),                                 // 3×3 stride 2 pad 1: register-tiled
        new(3, 12, 12, 5, 5, 5, 1, 1, 2, 2, 2, 2),                                // 5×5 pad 2
        new(6, 7, 8, 4, 1, 1, 1, 1, 0, 0, 0, 0),                                  // pointwise
        new(2, 9, 11, 3, 3, 2, 2, 1, 0, 1, 1, 0),                                 // rectangular, strided, uneven padding
        new(4, 9, 9, 4, 3, 3, 1, 1, 2, 2, 2, 2) { DilationHeight = 2, DilationWidth = 2, Groups = 2 }, // dilated, grouped
    ];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Forward_relu_equals_forward_then_relu(VectorWidth width)
    {
        var random = new TestValues(71);
        foreach (int tile in new[] { 2, 4 })
        foreach (Conv2DGeometry g in tile == 2 ? [.. Geometries, .. WinogradGeometries] : WinogradGeometries)
        {
            WinogradConvolution.t_tileSize = tile;
            try
            {
                float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
                x[(Batch - 1) * g.InputLength + g.InputLength / 2] = float.NaN;   // the outputs that see it are NaN, and stay NaN through the fused ReLU
                float[] fused = new float[Batch * g.OutputLength], expected = new float[fused.Length];
                Conv2DKernels.ForwardRelu(g, x, w, b, fused, new float[g.ColumnLength], Batch, width);
                Conv2DKernels.Forward(g, x, w, b, expected, new float[g.ColumnLength], Batch, width);
                ActivationKernels.Relu(expected, expected, width);
                KernelAssert.Identical(expected, fused, $"{width} F({tile}) {g}");
                Assert.Contains(fused, v => v == 0f);
                Assert.Contains(fused, v => v > 0f);
                Assert.Contains(fused, float.IsNaN);
            }
            finally
            {
                WinogradConvolution.t_tileSize = 0;
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Forward_with_statistics_writes_the_forward_and_its_slice_statistics(VectorWidth width)
    {
        var random = new TestValues(72);
        foreach (Conv2DGeometry g in Geometries)
        {
            // Biases far from zero: the statistics must not lose the variance to cancellation.
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels, 10, 20);
            float[] y = new float[Batch * g.OutputLength], expected = new float[y.Length];
            float[] mean = random.Floats(g.OutChannels), m2 = random.Floats(g.OutChannels);
            float[] expectedMean = new float[g.OutChannels], expectedM2 = new float[g.OutChannels];
            Conv2DKernels.ForwardWithStatistics(g, x, w, b, y, new float[g.ColumnLength], mean, m2, Batch, width);
            Conv2DKernels.Forward(g, x, w, b, expected, new float[g.ColumnLength], Batch, width);
            BatchNormKernels.SliceStatistics(expected, expectedMean, expectedM2, Batch, g.OutChannels, g.OutPixels, width);
            KernelAssert.Identical(expected, y, $"y {width} {g}");
            if (Conv2DKernels.Algorithm(g, width).Forward != Conv2DMethod.Direct3x3)
            {
                KernelAssert.Identical(expectedMean, mean, $"mean {width} {g}");
                KernelAssert.Identical(expectedM2, m2, $"m2 {width} {g}");
                continue;
            }
            double m2Scale = 0;
            foreach (float v in expectedM2) m2Scale = Math.Max(m2Scale, v);
            KernelAssert.Close(TestValues.Wide(expectedMean), mean, 2e-5 * 20, 1e-6, $"mean {width} {g}");
            KernelAssert.Close(TestValues.Wide(expectedM2), m2, 1e-5 * m2Scale + 1e-6, 1e-4, $"m2 {width} {g}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Forward_with_statistics_of_an_empty_slice_writes_zeros(VectorWidth width)
    {
        foreach (Conv2DGeometry g in Geometries)
        {
            float[] mean = new float[g.OutChannels], m2 = new float[g.OutChannels];
            Array.Fill(mean, 7f);
            Array.Fill(m2, 7f);
            Conv2DKernels.ForwardWithStatistics(g, [], new float[g.WeightLength], [], [], new float[g.ColumnLength], mean, m2, 0, width);
            Assert.All(mean, v => Assert.Equal(0f, v));
            Assert.All(m2, v => Assert.Equal(0f, v));
        }
    }

    /// <summary>Winograd layers (8 channels or more): odd and even widths, and 28×28 at 32 channels, whose blocks of tile rows cross samples.</summary>
    public static readonly Conv2DGeometry[] WinogradGeometries =
    [
        new(8, 9, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1),
        new(16, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1),
        new(32, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1),
    ];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Forward_residual_equals_forward_then_add_then_relu(VectorWidth width)
    {
        var random = new TestValues(73);
        foreach (int tile in new[] { 2, 4 })
        foreach (bool relu in new[] { true, false })
        foreach (Conv2DGeometry g in tile == 2 ? [.. Geometries, .. WinogradGeometries] : WinogradGeometries)
        {
            WinogradConvolution.t_tileSize = tile;
            try
            {
                float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
                float[] r = random.Floats(Batch * g.OutputLength);
                float[] fused = new float[Batch * g.OutputLength], expected = new float[fused.Length];
                Conv2DKernels.ForwardResidual(g, x, w, b, r, fused, new float[g.ColumnLength], Batch, relu, width);
                Conv2DKernels.Forward(g, x, w, b, expected, new float[g.ColumnLength], Batch, width);
                JoinKernels.Add(expected, r, expected, width);
                if (relu) ActivationKernels.Relu(expected, expected, width);
                KernelAssert.Identical(expected, fused, $"{width} F({tile}) relu {relu} {g}");
                if (relu) Assert.Contains(fused, v => v == 0f);
                Assert.Contains(fused, v => v > 0f);
            }
            finally
            {
                WinogradConvolution.t_tileSize = 0;
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Forward_residual_split_over_a_team_equals_the_split_forward_then_add_then_relu(VectorWidth width)
    {
        var random = new TestValues(74);
        using var group = new WorkerGroup(2);
        foreach (Conv2DGeometry g in OneSampleSplitTests.Splitting)
        {
            float[] x = random.Floats(g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels), r = random.Floats(g.OutputLength);
            float[] fused = new float[g.OutputLength], expected = new float[g.OutputLength];
            using (IntraOpTeam.Open(new IntraOpTeam(group)))
            {
                int splits = OneSampleSplit.t_splits;
                Conv2DKernels.ForwardResidual(g, x, w, b, r, fused, new float[g.ColumnLength], 1, relu: true, width);
                Assert.Equal(splits + 1, OneSampleSplit.t_splits);
                Conv2DKernels.Forward(g, x, w, b, expected, new float[g.ColumnLength], 1, width);
            }
            JoinKernels.Add(expected, r, expected, width);
            ActivationKernels.Relu(expected, expected, width);
            KernelAssert.Identical(expected, fused, $"{width} {g}");
        }
    }

    [Fact]
    public void A_residual_that_overlaps_y_or_is_short_is_rejected()
    {
        Conv2DGeometry g = WinogradGeometries[0];
        float[] x = new float[2 * g.InputLength], w = new float[g.WeightLength], y = new float[2 * g.OutputLength + 1], col = new float[g.ColumnLength];
        var error = Assert.Throws<ArgumentException>(() => Conv2DKernels.ForwardResidual(g, x, w, [], y.AsSpan(1), y.AsSpan(0, 2 * g.OutputLength), col, 2, relu: true));
        Assert.Equal("residual", error.ParamName);
        Assert.Contains("overlaps", error.Message);
        error = Assert.Throws<ArgumentException>(() => Conv2DKernels.ForwardResidual(g, x, w, [], new float[2 * g.OutputLength - 1], y, col, 2, relu: true));
        Assert.Equal("residual", error.ParamName);
    }

    [Fact]
    public void Wrong_lengths_are_rejected_with_the_argument_named()
    {
        Conv2DGeometry g = Geometries[0];
        float[] x = new float[g.InputLength], w = new float[g.WeightLength], y = new float[g.OutputLength], col = new float[g.ColumnLength];
        Assert.Equal("mean", Assert.Throws<ArgumentException>(() => Conv2DKernels.ForwardWithStatistics(g, x, w, [], y, col, new float[g.OutChannels - 1], new float[g.OutChannels], 1)).ParamName);
        Assert.Equal("m2", Assert.Throws<ArgumentException>(() => Conv2DKernels.ForwardWithStatistics(g, x, w, [], y, col, new float[g.OutChannels], new float[g.OutChannels + 1], 1)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Conv2DKernels.ForwardRelu(g, x, w, [], new float[g.OutputLength - 1], col, 1)).ParamName);
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => Conv2DKernels.ForwardRelu(Geometries[2], new float[Geometries[2].InputLength], w, [], new float[Geometries[2].OutputLength], new float[Geometries[2].ColumnLength], 1)).ParamName);
    }
}
