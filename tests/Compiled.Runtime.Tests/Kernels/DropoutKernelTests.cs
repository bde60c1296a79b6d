using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// DropoutKernels: masks at every width identical to the scalar twin; the same mask however the batch is sliced among threads;
/// the keep rate; forward and backward against x·keep/(1 − p) with a mask fixed by the test; channel dropout; errors.
/// </summary>
public class DropoutKernelTests
{
    private static readonly int[] Lengths = [1, 3, 7, 8, 15, 16, 17, 33, 64, 65, 100, 257];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Masks_and_products_match_the_twin_exactly(VectorWidth width)
    {
        var random = new TestValues(31);
        foreach (int length in Lengths)
        foreach (double p in new[] { 0.0, 0.1, 0.5, 0.9 })
        {
            int n = 3;
            float[] mask = new float[n * length], expected = new float[mask.Length];
            DropoutKernels.Mask(1234, 7, 5, n, length, p, mask, width);
            DropoutReference.Mask<float>(1234, 7, 5, n, length, p, expected);
            KernelAssert.Identical(expected, mask, $"mask {width} L={length} p={p}");

            float[] x = random.Floats(mask.Length), y = new float[mask.Length], ey = new float[mask.Length];
            DropoutKernels.Forward(x, mask, y, width);
            DropoutReference.Forward<float>(x, mask, ey);
            KernelAssert.Identical(ey, y, $"y {width} L={length}");

            float[] dx = random.Floats(mask.Length), edx = (float[])dx.Clone();
            DropoutKernels.Backward(x, mask, dx, accumulate: true, width);
            DropoutReference.Backward<float>(x, mask, edx, accumulate: true);
            KernelAssert.Identical(edx, dx, $"dx += {width} L={length}");
            DropoutKernels.Backward(x, mask, dx, accumulate: false, width);
            KernelAssert.Identical(ey, dx, $"dx {width} L={length}");

            // Channel dropout: planes of `length` with a (n, C) mask.
            int channels = 3;
            float[] cm = new float[n * channels], planes = random.Floats(n * channels * length), cy = random.Floats(planes.Length), ecy = (float[])cy.Clone();
            DropoutKernels.ChannelMask(99, 2, 0, n, channels, p, cm, width);
            DropoutKernels.ChannelBackward(planes, cm, cy, n, channels, length, accumulate: true, width);
            DropoutReference.Channel<float>(planes, cm, ecy, n, channels, length, accumulate: true);
            KernelAssert.Identical(ecy, cy, $"channel dx += {width} L={length}");
            DropoutKernels.ChannelForward(planes, cm, cy, n, channels, length, width);
            DropoutReference.Channel<float>(planes, cm, ecy, n, channels, length, accumulate: false);
            KernelAssert.Identical(ecy, cy, $"channel y {width} L={length}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void The_mask_does_not_depend_on_how_the_batch_is_split(VectorWidth width)
    {
        const int n = 10, length = 71;
        float[] whole = new float[n * length], sliced = new float[n * length];
        DropoutKernels.Mask(42, 3, 0, n, length, 0.3, whole, width);
        int first = 0;
        foreach (int count in new[] { 3, 0, 4, 1, 2 })
        {
            DropoutKernels.Mask(42, 3, first, count, length, 0.3, sliced.AsSpan(first * length, count * length), VectorWidth.Scalar);
            first += count;
        }
        KernelAssert.Identical(whole, sliced, $"sliced mask {width}");

        // Another step, seed or sample offset draws another mask.
        float[] other = new float[n * length];
        DropoutKernels.Mask(42, 4, 0, n, length, 0.3, other, width);
        Assert.NotEqual(whole, other);
        DropoutKernels.Mask(43, 3, 0, n, length, 0.3, other, width);
        Assert.NotEqual(whole, other);
        DropoutKernels.Mask(42, 3, 1, n, length, 0.3, other, width);
        Assert.NotEqual(whole, other);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void The_keep_rate_is_one_minus_p_and_rows_and_columns_are_unbiased(double p)
    {
        const int n = 400, length = 250;   // 100 000 draws: a standard deviation of at most 0.0016 on the rate
        float[] mask = new float[n * length];
        DropoutKernels.Mask(2024, 1, 0, n, length, p, mask);
        float scale = (float)(1 / (1 - p));
        int kept = 0;
        int[] perColumn = new int[length];
        foreach (float m in mask) Assert.True(m == 0f || m == scale, $"mask value {m} is neither 0 nor 1/(1 − p)");
        for (int s = 0; s < n; s++)
        for (int i = 0; i < length; i++)
        {
            if (mask[s * length + i] != 0) { kept++; perColumn[i]++; }
        }
        double rate = kept / (double)mask.Length, sigma = Math.Sqrt(p * (1 - p) / mask.Length);
        Assert.True(Math.Abs(rate - (1 - p)) < 5 * sigma, $"keep rate {rate:F4}, expected {1 - p:F4} ± {5 * sigma:F4}");
        // Each column (an element position across 400 samples) keeps about (1 − p)·400: no position is favoured.
        double columnSigma = Math.Sqrt(p * (1 - p) * n);
        foreach (int count in perColumn) Assert.True(Math.Abs(count - (1 - p) * n) < 6 * columnSigma, $"a column kept {count} of {n}");
    }

    [Fact]
    public void Forward_and_backward_with_a_mask_fixed_by_the_test_are_x_times_keep_over_one_minus_p()
    {
        const double p = 0.25;
        float[] x = [1f, -2f, 3.5f, 0.5f, -1f, 4f, 2f, -3f, 7f];
        bool[] keep = [true, false, true, true, false, false, true, true, false];
        float[] mask = new float[x.Length], y = new float[x.Length], dx = new float[x.Length];
        for (int i = 0; i < x.Length; i++) mask[i] = keep[i] ? (float)(1 / (1 - p)) : 0f;
        DropoutKernels.Forward(x, mask, y);
        DropoutKernels.Backward(x, mask, dx, accumulate: false);
        for (int i = 0; i < x.Length; i++)
        {
            // x·(1/(1 − p)) in float, as PyTorch multiplies by a float mask: within an ulp of x/(1 − p).
            double expected = keep[i] ? x[i] / (1 - p) : 0.0;
            Assert.Equal(expected, y[i], Math.Abs(expected) * 1.2e-7);
            Assert.Equal(y[i], dx[i]);
            if (!keep[i]) Assert.Equal(0f, y[i]);
        }
    }

    [Fact]
    public void Bad_arguments_throw_with_the_argument_named()
    {
        float[] four = new float[4];
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.Mask(1, 0, 0, 1, 4, 1.0, four)).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.Mask(1, 0, 0, 1, 4, -0.1, four)).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.Mask(1, 0, 0, 1, 4, double.NaN, four)).ParamName);
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => DropoutKernels.Mask(1, 0, 0, 2, 4, 0.5, four)).ParamName);
        Assert.Equal("firstSample", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.Mask(1, 0, -1, 1, 4, 0.5, four)).ParamName);
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => DropoutKernels.Forward(four, new float[3], four)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => DropoutKernels.Backward(four, four, new float[5], false)).ParamName);
        Assert.Equal("channelMask", Assert.Throws<ArgumentException>(() => DropoutKernels.ChannelForward(four, new float[1], four, 1, 2, 2)).ParamName);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Dropout_allocates_nothing_after_warm_up(VectorWidth width)
    {
        float[] x = new TestValues(32).Floats(3 * 70), mask = new float[x.Length], y = new float[x.Length], cm = new float[3 * 5];
        void Step()
        {
            DropoutKernels.Mask(5, 1, 0, 3, 70, 0.5, mask, width);
            DropoutKernels.Forward(x, mask, y, width);
            DropoutKernels.Backward(x, mask, y, true, width);
            DropoutKernels.ChannelMask(5, 1, 0, 3, 5, 0.5, cm, width);
            DropoutKernels.ChannelForward(x, cm, y, 3, 5, 14, width);
        }
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
