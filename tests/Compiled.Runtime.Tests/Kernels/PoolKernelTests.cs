using System;
using System.Linq;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// PoolKernels at every width against the float reference, exactly (same comparisons and the same order of additions):
/// windows 2 and 3, strides 1 (overlapping), 2 (vectorized with even-lane loads) and 3 (scalar rows); rows narrower and
/// wider than each vector; ties (the first maximum wins), NaN and −∞.
/// </summary>
public class PoolKernelTests
{
    private const int Batch = 2;

    public static readonly Pool2DGeometry[] Geometries =
    [
        new(3, 28, 28, 2, 2),     // LeNet pool1 shape (14 wide)
        new(2, 10, 10, 2, 2),     // LeNet pool2 shape (5 wide)
        new(2, 7, 9, 2, 2),       // odd sizes: the last row and column are dropped
        new(1, 9, 70, 2, 2),      // 35 wide: several vectors plus a tail at every width
        new(2, 8, 37, 3, 1),      // overlapping 3×3 windows, stride 1
        new(2, 6, 20, 2, 1),      // overlapping 2×2 windows
        new(2, 11, 40, 3, 2),     // overlapping 3×3 windows, stride 2
        new(1, 12, 50, 3, 3),     // stride 3: scalar rows
        new(1, 4, 4, 4, 4),       // one window covering everything
    ];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Max_pooling_matches_reference_exactly(VectorWidth width)
    {
        var random = new TestValues(41);
        foreach (Pool2DGeometry g in Geometries)
        {
            foreach (bool ties in new[] { false, true })
            {
                float[] x = ties ? Quantized(random, Batch * g.InputLength) : random.Floats(Batch * g.InputLength);
                float[] y = new float[Batch * g.OutputLength], expected = new float[y.Length];
                int[] argmax = new int[y.Length], expectedArgmax = new int[y.Length];
                PoolKernels.MaxForward(g, x, y, argmax, Batch, width);
                PoolReference.MaxForward<float>(g, x, expected, expectedArgmax, Batch);
                KernelAssert.Identical(expected, y, $"y {width} {g} ties={ties}");
                Assert.Equal(expectedArgmax, argmax);

                float[] dy = random.Floats(y.Length), dx = random.Floats(x.Length), expectedDx = new float[x.Length];
                PoolKernels.MaxBackward(g, dy, argmax, dx, Batch, width);
                PoolReference.MaxBackward<float>(g, dy, argmax, expectedDx, Batch);
                KernelAssert.Identical(expectedDx, dx, $"dx {width} {g} ties={ties}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Inference_max_pooling_gives_the_values_of_the_pooling_with_indices(VectorWidth width)
    {
        // Every geometry (plain rows and the windowed path), random values, ties, and NaN, ±∞ and -0 scattered in.
        var random = new TestValues(43);
        foreach (Pool2DGeometry g in Geometries.Append(new Pool2DGeometry(2, 9, 9, 3, 3, 2, 2) { PadHeight = 1, PadWidth = 1 }))
        {
            foreach (bool ties in new[] { false, true })
            {
                float[] x = ties ? Quantized(random, Batch * g.InputLength) : random.Floats(Batch * g.InputLength);
                for (int i = 0; i < x.Length; i += 7) x[i] = (i / 7 % 4) switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, _ => -0f };
                float[] withIndices = new float[Batch * g.OutputLength], values = random.Floats(withIndices.Length);
                PoolKernels.MaxForward(g, x, withIndices, new int[withIndices.Length], Batch, width);
                PoolKernels.MaxForward(g, x, values, Batch, width);
                KernelAssert.Identical(withIndices, values, $"values {width} {g} ties={ties}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Max_pooling_with_relu_gives_the_pooling_then_relu_bit_for_bit(VectorWidth width)
    {
        // Every geometry (2×2 windows at stride 2 rectify as they store; the others pool, then rectify), random values, ties,
        // and NaN, ±∞, −0 and +0 scattered in: values and indices equal MaxForward's followed by ActivationKernels.Relu.
        var random = new TestValues(45);
        int zeroed = 0, positive = 0;
        foreach (Pool2DGeometry g in Geometries.Append(new Pool2DGeometry(2, 9, 9, 3, 3, 2, 2) { PadHeight = 1, PadWidth = 1 }).Append(new Pool2DGeometry(2, 6, 34, 2, 2)))
        {
            // With NaN in most vectors of windows, and with none (the kernel's compare-free way; NaN's place takes −0).
            foreach ((bool ties, bool nan) in new[] { (false, true), (true, true), (false, false), (true, false) })
            {
                float[] x = ties ? Quantized(random, Batch * g.InputLength) : random.Floats(Batch * g.InputLength);
                for (int i = 0; i < x.Length; i++) x[i] -= 0.75f;   // mostly negative: whole windows the ReLU zeroes
                for (int i = 0; i < x.Length; i += 6) x[i] = (i / 6 % 5) switch { 0 => nan ? float.NaN : -0f, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, 3 => -0f, _ => 0f };
                float[] expected = new float[Batch * g.OutputLength];
                int[] expectedArgmax = new int[expected.Length];
                PoolKernels.MaxForward(g, x, expected, expectedArgmax, Batch, width);
                ActivationKernels.Relu(expected, expected, width);
                zeroed += expected.Count(v => v == 0f);
                positive += expected.Count(v => v > 0f);

                float[] y = random.Floats(expected.Length), values = random.Floats(expected.Length);
                int[] argmax = new int[expected.Length];
                PoolKernels.MaxReluForward(g, x, y, argmax, Batch, width);
                PoolKernels.MaxReluForward(g, x, values, Batch, width);
                KernelAssert.Identical(expected, y, $"y {width} {g} ties={ties} nan={nan}");
                KernelAssert.Identical(expected, values, $"values {width} {g} ties={ties} nan={nan}");
                Assert.Equal(expectedArgmax, argmax);
            }
        }
        Assert.True(zeroed > 100 && positive > 100, $"the ReLU zeroed {zeroed} maxima and kept {positive}");
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Two_by_two_stride_two_pooling_matches_the_reference_with_nan_infinities_and_signed_zeros(VectorWidth width)
    {
        // The geometries MaxPool2x2 takes (rows of 1 to 40 outputs: every width's whole vectors, overlapped tails and the
        // scalar rows below 4 outputs; odd sizes), values and indices, with NaN, ±∞, −0 and +0 scattered among ties.
        var random = new TestValues(44);
        Pool2DGeometry[] geometries =
        [
            new(3, 28, 28, 2, 2), new(2, 10, 10, 2, 2), new(2, 7, 9, 2, 2), new(1, 6, 80, 2, 2), new(2, 6, 34, 2, 2),
            new(2, 5, 5, 2, 2), new(3, 3, 3, 2, 2), new(2, 14, 14, 2, 2),
        ];
        // With NaN in most vectors of windows, and with none (the kernel's compare-free way; NaN's place takes −0).
        foreach (bool nan in new[] { true, false })
        foreach (Pool2DGeometry g in geometries)
        {
            Assert.True(MaxPool2x2.AppliesWithArgmax(g), $"{g}");
            float[] x = Quantized(random, Batch * g.InputLength);
            for (int i = 0; i < x.Length; i += 5) x[i] = (i / 5 % 5) switch { 0 => nan ? float.NaN : -0f, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, 3 => -0f, _ => 0f };
            float[] y = new float[Batch * g.OutputLength], values = new float[y.Length], expected = new float[y.Length];
            int[] argmax = new int[y.Length], expectedArgmax = new int[y.Length];
            PoolKernels.MaxForward(g, x, y, argmax, Batch, width);
            PoolKernels.MaxForward(g, x, values, Batch, width);
            PoolReference.MaxForward<float>(g, x, expected, expectedArgmax, Batch);
            KernelAssert.Identical(expected, y, $"y {width} {g} nan={nan}");
            KernelAssert.Identical(expected, values, $"values {width} {g} nan={nan}");
            Assert.Equal(expectedArgmax, argmax);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Two_by_two_backward_matches_the_scatter_for_any_indices(VectorWidth width)
    {
        // The vectorized backward (indices in their own windows) against the reference scatter, bit for bit: −0, NaN and
        // ±∞ among the gradients, odd sizes whose last row and column get no gradient (dx starts as garbage); then indices
        // the forward would not write (another window's, another channel's, one repeated), where a sample falls back to
        // the scatter; and an index outside the sample, which throws.
        var random = new TestValues(45);
        foreach (Pool2DGeometry g in new Pool2DGeometry[] { new(3, 28, 28, 2, 2), new(2, 7, 9, 2, 2), new(2, 6, 34, 2, 2), new(1, 3, 3, 2, 2) })
        {
            Assert.True(MaxPool2x2.AppliesWithArgmax(g), $"{g}");
            float[] x = random.Floats(Batch * g.InputLength), y = new float[Batch * g.OutputLength];
            int[] argmax = new int[y.Length];
            PoolKernels.MaxForward(g, x, y, argmax, Batch, width);
            float[] dy = random.Floats(y.Length);
            for (int i = 0; i < dy.Length; i += 3) dy[i] = (i / 3 % 4) switch { 0 => -0f, 1 => float.NaN, 2 => float.NegativeInfinity, _ => float.PositiveInfinity };
            foreach (string indices in new[] { "forward", "foreign" })
            {
                if (indices == "foreign")
                {
                    argmax[0] = argmax[^1] % g.InputLength;                 // sample 0, output 0: another window's element
                    if (g.OutputLength > 1) argmax[g.OutputLength + 1] = argmax[g.OutputLength];   // sample 1: two outputs on one element (they add)
                }
                float[] dx = random.Floats(x.Length), expected = new float[x.Length];
                PoolKernels.MaxBackward(g, dy, argmax, dx, Batch, width);
                PoolReference.MaxBackward<float>(g, dy, argmax, expected, Batch);
                KernelAssert.Identical(expected, dx, $"dx {width} {g} {indices}");
            }
            argmax[^1] = g.InputLength;
            Assert.Throws<ArgumentException>(() => PoolKernels.MaxBackward(g, dy, argmax, new float[x.Length], Batch, width));
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Average_pooling_matches_reference_exactly(VectorWidth width)
    {
        var random = new TestValues(42);
        foreach (Pool2DGeometry g in Geometries)
        {
            float[] x = random.Floats(Batch * g.InputLength);
            float[] y = new float[Batch * g.OutputLength], expected = new float[y.Length];
            PoolKernels.AvgForward(g, x, y, Batch, width);
            PoolReference.AvgForward<float>(g, x, expected, Batch);
            KernelAssert.Identical(expected, y, $"y {width} {g}");

            float[] dy = random.Floats(y.Length), dx = random.Floats(x.Length), expectedDx = new float[x.Length];
            PoolKernels.AvgBackward(g, dy, dx, Batch, width);
            PoolReference.AvgBackward<float>(g, dy, expectedDx, Batch);
            KernelAssert.Identical(expectedDx, dx, $"dx {width} {g}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Max_pooling_follows_pytorch_on_ties_nan_and_infinity(VectorWidth width)
    {
        // One channel 2×40, window 2, stride 2: 20 outputs; the flat index is h·40 + w.
        var g = new Pool2DGeometry(1, 2, 40, 2, 2);
        float[] x = new float[80];
        Array.Fill(x, 1f);                                            // all equal: the first element of each window
        x[2 * 3 + 1] = float.NaN;                                     // window 3: NaN beats everything
        x[40 + 2 * 5] = float.NaN; x[40 + 2 * 5 + 1] = float.NaN;     // window 5: two NaNs, the last one is kept (PyTorch)
        for (int i = 0; i < 2; i++) { x[2 * 7 + i] = float.NegativeInfinity; x[40 + 2 * 7 + i] = float.NegativeInfinity; }   // window 7: all −∞
        x[40 + 2 * 9 + 1] = 2f;                                       // window 9: the maximum in the second row
        float[] y = new float[20];
        int[] argmax = new int[20];
        PoolKernels.MaxForward(g, x, y, argmax, 1, width);
        for (int o = 0; o < 20; o++)
        {
            int expectedIndex = o switch { 3 => 7, 5 => 40 + 11, 9 => 40 + 19, _ => 2 * o };
            Assert.Equal(expectedIndex, argmax[o]);
        }
        Assert.True(float.IsNaN(y[3]) && float.IsNaN(y[5]));
        Assert.Equal(float.NegativeInfinity, y[7]);
        Assert.Equal(2f, y[9]);
        Assert.Equal(1f, y[0]);
    }

    [Fact]
    public void Overlapping_windows_accumulate_in_backward()
    {
        // 1×3×3 of zeros except the center 5: every 2×2 window (stride 1) picks the center, so dx[center] = Σ dy.
        var g = new Pool2DGeometry(1, 3, 3, 2, 1);
        float[] x = [0, 0, 0, 0, 5, 0, 0, 0, 0], y = new float[4], dx = new float[9];
        int[] argmax = new int[4];
        PoolKernels.MaxForward(g, x, y, argmax, 1);
        Assert.Equal([4, 4, 4, 4], argmax);
        PoolKernels.MaxBackward(g, [1, 2, 3, 4], argmax, dx, 1);
        Assert.Equal([0, 0, 0, 0, 10, 0, 0, 0, 0], dx);
        PoolKernels.AvgBackward(g, [4, 4, 4, 4], dx, 1);
        Assert.Equal([1, 2, 1, 2, 4, 2, 1, 2, 1], dx);
    }

    [Fact]
    public void Wrong_lengths_and_indices_throw()
    {
        var g = new Pool2DGeometry(2, 4, 4, 2, 2);
        float[] x = new float[g.InputLength], y = new float[g.OutputLength];
        int[] argmax = new int[g.OutputLength];
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => PoolKernels.MaxForward(g, x, y, argmax, 2)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => PoolKernels.AvgForward(g, x, new float[3], 1)).ParamName);
        Assert.Equal("argmax", Assert.Throws<ArgumentException>(() => PoolKernels.MaxForward(g, x, y, new int[3], 1)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => PoolKernels.AvgBackward(g, y, new float[3], 1)).ParamName);
        argmax[5] = g.InputLength;
        var ex = Assert.Throws<ArgumentException>(() => PoolKernels.MaxBackward(g, y, argmax, x, 1));
        Assert.Equal("argmax", ex.ParamName);
        Assert.Contains("argmax[5]", ex.Message);
        Assert.Throws<ArgumentException>(() => PoolKernels.AvgForward(g with { WindowHeight = 5 }, x, y, 1));
        Assert.Throws<ArgumentException>(() => PoolKernels.AvgForward(g with { StrideWidth = 0 }, x, y, 1));
    }

    /// <summary>Values from {−2, −1, 0, 1, 2}: many ties in every window.</summary>
    private static float[] Quantized(TestValues random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = random.NextInt(5) - 2;
        return values;
    }
}
