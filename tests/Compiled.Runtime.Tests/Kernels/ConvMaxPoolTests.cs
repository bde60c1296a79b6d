using System;
using System.Linq;
using System.Runtime.Intrinsics;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;
using Compiled.Threading;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Inference's convolution → 2×2 max-pool (→ ReLU) in one call (<see cref="Conv2DKernels.ForwardMaxPool(in Conv2DGeometry, in Pool2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, bool, VectorWidth)"/>):
/// where a Winograd F(4×4) layer pools each tile's windows in its epilogue, and where the other paths convolve then pool, the
/// pooled values are those of the convolution followed by the pool kernel, bit for bit, at every width, on one thread and
/// split over a team on one sample; nothing past the pooled output is written.
/// </summary>
public sealed class ConvMaxPoolTests
{
    // Even and odd planes (an odd last row or column no window covers; a last tile row or column half outside the plane),
    // VGG's two pooled layers, channel counts that are not whole vectors, and layers that do not run Winograd F(4×4):
    // a 2×2 plane (F(2×2)), a 5×5 kernel (grid or channel vectors) and a strided 3×3 (direct).
    public static readonly Conv2DGeometry[] Geometries =
    [
        new(32, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1),
        new(64, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1),
        new(8, 9, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1),
        new(12, 13, 6, 9, 3, 3, 1, 1, 1, 1, 1, 1),
        new(9, 7, 7, 11, 3, 3, 1, 1, 1, 1, 1, 1),
        new(16, 5, 10, 24, 3, 3, 1, 1, 1, 1, 1, 1),
        new(8, 2, 2, 8, 3, 3, 1, 1, 1, 1, 1, 1),
        new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0),
        new(16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1),
    ];

    private static Pool2DGeometry PoolOf(in Conv2DGeometry g) => new(g.OutChannels, g.OutHeight, g.OutWidth, 2, 2);

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Fused_pool_gives_the_bits_of_the_convolution_then_the_pool(VectorWidth width, bool bias)
    {
        var random = new TestValues(61);
        foreach (Conv2DGeometry g in Geometries)
        foreach (int n in new[] { 1, 3, 5 })
        foreach (bool relu in new[] { false, true })
        {
            float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] expected = Separate(g, x, w, b, n, relu, width);
            float[] fused = Fused(g, x, w, b, n, relu, width, threads: null);
            KernelAssert.Identical(expected, fused, $"{g} n={n} relu {relu} {width}");
        }
    }

    [Fact]
    public void Fused_pool_keeps_the_pool_s_rule_for_NaN_infinities_ties_and_signed_zeros()
    {
        // Inputs and weights that make outputs NaN, ±∞ (and ∞ − ∞ among a window's four), equal and ±0 in some windows:
        // every width's fused values against its own separate ones, bit for bit, NaN payloads included (which of two NaNs in
        // a window wins depends on the order the rule takes the window's elements in).
        var g = new Conv2DGeometry(8, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1);
        var random = new TestValues(62);
        float[] x = random.Floats(g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
        x[5] = BitConverter.Int32BitsToSingle(0x7FC01234);   // a NaN with a payload of its own, beside the default NaN ∞ − ∞ makes
        x[3 * 144 + 40] = float.PositiveInfinity;
        x[4 * 144 + 100] = float.NegativeInfinity;
        x[6 * 144 + 70] = 3e38f;
        Array.Clear(x, 7 * 144, 144);
        for (int i = 0; i < 72; i++) w[15 * 72 + i] = 0f;   // filter 15: +0 and −0 outputs (its bias negated below)
        b[15] = -0f;
        foreach (VectorWidth width in new[] { VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 })
        foreach (bool relu in new[] { false, true })
        {
            float[] expected = Separate(g, x, w, b, 1, relu, width);
            Assert.Contains(expected, float.IsNaN);
            float[] fused = Fused(g, x, w, b, 1, relu, width, threads: null);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(fused[i]), $"relu {relu} {width}: element {i} is {fused[i]:R}, expected {expected[i]:R}");
        }
    }

    /// <summary>
    /// The epilogue's windows over channels-last values against the pool kernel over the same values laid out as planes:
    /// values drawn from ±0, ties, ±∞ and NaNs with two payloads (which of two NaNs a window keeps, and which zero, depends
    /// on the order its four elements are taken in), every width's lanes, bit for bit.
    /// </summary>
    [Fact]
    public void Pooled_windows_take_the_elements_in_the_pool_s_order()
    {
        const int channels = 16, rows = 6, pixels = 10;
        float[] specials = [0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity,
            BitConverter.Int32BitsToSingle(0x7FC00001), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00002))];
        var random = new System.Random(64);
        foreach (bool relu in new[] { false, true })
        foreach (bool compact in new[] { false, true })
        foreach (VectorWidth width in new[] { VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 })
        {
            float[] slab = new float[rows * pixels * channels], planes = new float[slab.Length];
            for (int r = 0; r < rows; r++)
            for (int p = 0; p < pixels; p++)
            for (int c = 0; c < channels; c++)
                planes[(c * rows + r) * pixels + p] = slab[(r * pixels + p) * channels + c] = specials[random.Next(specials.Length)];
            var pool = new Pool2DGeometry(channels, rows, pixels, 2, 2);
            float[] expected = new float[pool.OutputLength];
            if (relu) PoolKernels.MaxReluForward(pool, planes, expected, 1, width);
            else PoolKernels.MaxForward(pool, planes, expected, 1, width);
            // In place, the pooled rows keeping the slab's pitch (Winograd's tile rows), or packed end to end (channel vectors' planes).
            int rowPitch = pixels * channels, targetPitch = compact ? pixels / 2 * channels : rowPitch;
            ref float s0 = ref slab[0];
            switch (width)
            {
                case VectorWidth.V512: MaxPool2x2.ChannelsLast<Vector512<float>, Lane512>(ref s0, rowPitch, channels, channels / 16, rows / 2, pixels / 2, relu, ref s0, targetPitch); break;
                case VectorWidth.V256: MaxPool2x2.ChannelsLast<Vector256<float>, Lane256>(ref s0, rowPitch, channels, channels / 8, rows / 2, pixels / 2, relu, ref s0, targetPitch); break;
                case VectorWidth.V128: MaxPool2x2.ChannelsLast<Vector128<float>, Lane128>(ref s0, rowPitch, channels, channels / 4, rows / 2, pixels / 2, relu, ref s0, targetPitch); break;
                default: MaxPool2x2.ChannelsLast<float, ScalarLane>(ref s0, rowPitch, channels, channels, rows / 2, pixels / 2, relu, ref s0, targetPitch); break;
            }
            for (int r = 0; r < rows / 2; r++)
            for (int p = 0; p < pixels / 2; p++)
            for (int c = 0; c < channels; c++)
            {
                float want = expected[(c * (rows / 2) + r) * (pixels / 2) + p], got = slab[r * targetPitch + p * channels + c];
                Assert.True(BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got),
                    $"{width} relu {relu} compact {compact} window ({r}, {p}) channel {c}: {BitConverter.SingleToInt32Bits(got):X8}, expected {BitConverter.SingleToInt32Bits(want):X8}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void One_sample_split_over_a_team_pools_each_part_s_tiles(VectorWidth width)
    {
        var random = new TestValues(63);
        foreach (Conv2DGeometry g in Geometries)
        foreach (int threads in new[] { 2, 3 })
        {
            float[] x = random.Floats(g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] expected = Separate(g, x, w, b, 1, relu: true, width);
            int splits = OneSampleSplit.t_splits;
            float[] split = Fused(g, x, w, b, 1, relu: true, width, threads);
            // The layers that split (by tiles fused, else as the convolution alone splits) agree with the whole call to
            // rounding, as every one-sample split does; a tile split gives the whole call's bits.
            KernelAssert.Close(TestValues.Wide(expected), split, 1e-5, 1e-5, $"{g} on {threads} threads {width}");
            bool byTiles = Conv2DKernels.Algorithm(g, width).Forward == Conv2DMethod.Winograd && WinogradConvolution.TileRows(g) >= 4;
            if (byTiles && OneSampleSplit.t_splits > splits) KernelAssert.Identical(expected, split, $"{g} split by tiles on {threads} threads {width}");
        }
        var vgg = Geometries[0];
        float[] vx = random.Floats(vgg.InputLength), vw = random.Floats(vgg.WeightLength), vb = random.Floats(vgg.OutChannels);
        int before = OneSampleSplit.t_splits;
        Fused(vgg, vx, vw, vb, 1, relu: true, width, threads: 2);
        Assert.Equal(before + 1, OneSampleSplit.t_splits);
    }

    [Fact]
    public void Mismatched_pool_or_overlapping_output_is_rejected()
    {
        var g = new Conv2DGeometry(8, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] x = new float[g.InputLength], w = new float[g.WeightLength], convolved = new float[g.OutputLength], col = new float[g.ColumnLength];
        var wrong = new Pool2DGeometry(8, 12, 12, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => Conv2DKernels.ForwardMaxPool(g, wrong, x, w, [], convolved, new float[wrong.OutputLength], col, 1, relu: false));
        Assert.Contains("the pool reads [8, 12, 12] but the convolution writes [16, 12, 12]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2DKernels.ForwardMaxPool(g, PoolOf(g), x, w, [], convolved, x, col, 1, relu: false));
        Assert.Contains("y overlaps x", e.Message);
    }

    private static float[] Separate(in Conv2DGeometry g, float[] x, float[] w, float[] b, int n, bool relu, VectorWidth width)
    {
        Pool2DGeometry pool = PoolOf(g);
        float[] convolved = new float[n * g.OutputLength], y = new float[n * pool.OutputLength];
        Conv2DKernels.Forward(g, x, w, b, convolved, new float[g.ColumnLength], n, width);
        if (relu) PoolKernels.MaxReluForward(pool, convolved, y, n, width);
        else PoolKernels.MaxForward(pool, convolved, y, n, width);
        return y;
    }

    private static float[] Fused(in Conv2DGeometry g, float[] x, float[] w, float[] b, int n, bool relu, VectorWidth width, int? threads)
    {
        Pool2DGeometry pool = PoolOf(g);
        float[] y = new float[n * pool.OutputLength + 2];
        y[0] = y[^1] = 123f;
        using var group = new WorkerGroup(threads ?? 1);
        using (IntraOpTeam.Open(threads is null ? null : new IntraOpTeam(group)))
            Conv2DKernels.ForwardMaxPool(g, pool, x, w, b, new float[n * g.OutputLength], y.AsSpan(1, n * pool.OutputLength), new float[g.ColumnLength], n, relu, width);
        Assert.Equal(123f, y[0]);
        Assert.Equal(123f, y[^1]);
        return y[1..^1];
    }
}
