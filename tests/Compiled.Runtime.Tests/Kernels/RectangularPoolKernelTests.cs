using System;
using System.Linq;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Rectangular pools (PyTorch's <c>kernel_size=(3, 1)</c>, <c>stride=(2, 1)</c>, <c>padding=(1, 0)</c>): output sizes per axis,
/// every width against the float twin exactly (plain geometries on the vectorized rows with column strides 1 and 2 and any row
/// stride, padded and ceil-mode ones on the windowed path), the double twin against finite differences, and the per-axis
/// padding rule.
/// </summary>
public class RectangularPoolKernelTests
{
    private const int Batch = 2;

    [Theory]
    // (h, w, window h×w, stride h×w, padding h×w, ceil) → (out h, out w), as torch.nn.MaxPool2d computes them
    [InlineData(9, 7, 3, 1, 2, 1, 0, 0, false, 4, 7)]
    [InlineData(5, 8, 1, 3, 1, 2, 0, 1, false, 5, 4)]
    [InlineData(7, 11, 2, 3, 2, 3, 0, 0, true, 4, 4)]
    [InlineData(6, 9, 3, 2, 1, 2, 1, 1, true, 6, 5)]
    [InlineData(8, 7, 3, 2, 2, 1, 1, 0, true, 5, 6)]
    [InlineData(2, 6, 5, 2, 5, 2, 1, 0, true, 1, 3)]   // the height's only window overhangs the padded input (ceil mode keeps it)
    public void Output_sizes_follow_pytorch_per_axis(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, bool ceil, int outH, int outW)
    {
        var g = new Pool2DGeometry(1, h, w, kh, kw, sh, sw) { PadHeight = ph, PadWidth = pw, CeilMode = ceil };
        Assert.Equal(outH, g.OutHeight);
        Assert.Equal(outW, g.OutWidth);
        Assert.Equal(outH * outW, g.OutputLength);
    }

    [Fact]
    public void The_square_constructor_sets_both_axes()
    {
        Assert.Equal(new Pool2DGeometry(3, 8, 9, 2, 2, 3, 3), new Pool2DGeometry(3, 8, 9, 2, 3));
        Assert.True(new Pool2DGeometry(3, 8, 9, 2, 3).IsSquare);
        Assert.False(new Pool2DGeometry(3, 8, 9, 3, 1, 2, 1).IsSquare);
        Assert.False((new Pool2DGeometry(3, 8, 9, 3, 1) with { PadHeight = 1 }).IsSquare);
        Assert.Contains("window 3×1, stride 2×1, padding 1×0", new Pool2DGeometry(1, 8, 9, 3, 1, 2, 1) { PadHeight = 1 }.ToString());
    }

    public static readonly Pool2DGeometry[] Plain =
    [
        new(2, 9, 7, 3, 1, 2, 1),        // Inception-style 3x1 strip, stride (2, 1)
        new(2, 5, 40, 1, 3, 1, 1),       // 1x3, stride 1: 38 wide, vectors and a tail at every width
        new(1, 6, 41, 2, 3, 1, 2),       // column stride 2 on the even-lane loads, row stride 1 (overlapping rows)
        new(1, 7, 40, 3, 1, 2, 1),       // 3x1 on 40-wide rows
        new(2, 8, 37, 2, 2, 3, 1),       // square window, rectangular stride
        new(1, 11, 50, 3, 2, 2, 3),      // column stride 3: scalar rows
        new(1, 4, 9, 4, 1, 4, 1),        // one window covering every column
    ];

    public static readonly Pool2DGeometry[] Windowed =
    [
        new(2, 5, 8, 1, 3, 1, 2) { PadWidth = 1 },
        new(1, 7, 11, 2, 3, 2, 3) { PadHeight = 1, PadWidth = 1, CeilMode = true },
        new(1, 6, 9, 3, 2, 1, 2) { PadHeight = 1, PadWidth = 1, CeilMode = true },
        new(1, 8, 7, 3, 2, 2, 1) { PadHeight = 1, CeilMode = true, CountIncludePad = false },
        new(1, 2, 6, 5, 2, 5, 2) { PadHeight = 1, CeilMode = true },
        new(2, 9, 40, 3, 1, 1, 1) { PadHeight = 1 },
        new(1, 7, 9, 2, 3, 2, 3) { CeilMode = true, CountIncludePad = false },
    ];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Rectangular_pools_match_the_twin_exactly(VectorWidth width)
    {
        var random = new TestValues(71);
        foreach (Pool2DGeometry g in Plain.Concat(Windowed))
        {
            foreach (bool ties in new[] { false, true })
            {
                // Values from {−2, …, 2} give ties in every window: the first maximum in row-major order must win everywhere.
                float[] x = ties ? Quantized(random, Batch * g.InputLength) : random.Floats(Batch * g.InputLength);
                float[] y = new float[Batch * g.OutputLength], ey = new float[y.Length];
                int[] argmax = new int[y.Length], eargmax = new int[y.Length];
                PoolKernels.MaxForward(g, x, y, argmax, Batch, width);
                PoolReference.MaxForward<float>(g, x, ey, eargmax, Batch);
                KernelAssert.Identical(ey, y, $"max y {g} {width} ties={ties}");
                Assert.Equal(eargmax, argmax);

                float[] dy = random.Floats(y.Length), dx = random.Floats(x.Length), edx = new float[x.Length];
                PoolKernels.MaxBackward(g, dy, argmax, dx, Batch, width);
                PoolReference.MaxBackward<float>(g, dy, eargmax, edx, Batch);
                KernelAssert.Identical(edx, dx, $"max dx {g} {width}");

                PoolKernels.AvgForward(g, x, y, Batch, width);
                PoolReference.AvgForward<float>(g, x, ey, Batch);
                KernelAssert.Identical(ey, y, $"avg y {g} {width}");
                dx = random.Floats(x.Length);
                PoolKernels.AvgBackward(g, dy, dx, Batch, width);
                PoolReference.AvgBackward<float>(g, dy, edx, Batch);
                KernelAssert.Identical(edx, dx, $"avg dx {g} {width}");
            }
        }
    }

    [Fact]
    public void A_3x1_window_pools_each_column_on_its_own()
    {
        // 1×3×2, window (3, 1), stride 1: one output row, each column's max / mean.
        var g = new Pool2DGeometry(1, 3, 2, 3, 1, 1, 1);
        float[] x = [1, 6, 5, 2, 3, 4], y = new float[2];
        int[] argmax = new int[2];
        PoolKernels.MaxForward(g, x, y, argmax, 1);
        Assert.Equal([5f, 6f], y);
        Assert.Equal([2, 1], argmax);
        PoolKernels.AvgForward(g, x, y, 1);
        Assert.Equal([3f, 4f], y);
        // Padding (1, 0) counts in the divisor per axis: the first window covers rows −1..1 (3 cells, one padding).
        var padded = g with { PadHeight = 1 };
        float[] yp = new float[padded.OutputLength];
        Assert.Equal(3, padded.OutHeight);
        PoolKernels.AvgForward(padded, x, yp, 1);
        Assert.Equal([2f, 8f / 3f, 3f, 4f, 8f / 3f, 2f], yp);
        PoolKernels.AvgForward(padded with { CountIncludePad = false }, x, yp, 1);
        Assert.Equal([3f, 4f, 3f, 4f, 4f, 3f], yp);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_double_twin_matches_finite_differences(int index)
    {
        Pool2DGeometry g = FiniteDifferenceGeometries[index];
        var random = new TestValues(73);
        const int n = 2;
        // Distinct values at least 1e-3 apart: a step of 1e-6 never changes which element is the maximum.
        double[] x = new double[n * g.InputLength];
        for (int i = 0; i < x.Length; i++) x[i] = (i * 7919 % x.Length) * 1e-2 + random.NextDouble() * 1e-3;
        double[] r = random.Doubles(n * g.OutputLength), y = new double[r.Length], dx = new double[x.Length];
        int[] argmax = new int[r.Length];

        double AvgLoss()
        {
            PoolReference.AvgForward<double>(g, x, y, n);
            return FiniteDifferences.Dot(r, y);
        }
        PoolReference.AvgBackward<double>(g, r, dx, n);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, AvgLoss), dx, $"avg dx {g}");

        double MaxLoss()
        {
            PoolReference.MaxForward<double>(g, x, y, argmax, n);
            return FiniteDifferences.Dot(r, y);
        }
        MaxLoss();
        PoolReference.MaxBackward<double>(g, r, argmax, dx, n);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, MaxLoss), dx, $"max dx {g}");
    }

    private static readonly Pool2DGeometry[] FiniteDifferenceGeometries =
    [
        new(2, 7, 6, 3, 1, 2, 1),
        new(2, 5, 8, 1, 3, 1, 2) { PadWidth = 1 },
        new(1, 7, 9, 2, 3, 2, 2) { PadHeight = 1, PadWidth = 1, CeilMode = true },
        new(1, 8, 7, 3, 2, 2, 1) { PadHeight = 1, CeilMode = true, CountIncludePad = false },
        new(1, 2, 6, 5, 2, 5, 2) { PadHeight = 1, CeilMode = true },
    ];

    [Theory]
    [InlineData(3, 1, 2, 0)]   // 2 > 3 / 2 on the height
    [InlineData(3, 1, 1, 1)]   // 1 > 1 / 2 on the width
    public void Padding_above_half_the_window_on_either_axis_throws(int kh, int kw, int ph, int pw)
    {
        var g = new Pool2DGeometry(1, 8, 8, kh, kw, 1, 1) { PadHeight = ph, PadWidth = pw };
        var ex = Assert.Throws<ArgumentException>(() => PoolKernels.MaxForward(g, new float[64], new float[200], new int[200], 1));
        Assert.Contains($"padding {ph}×{pw}", ex.Message);
        Assert.Contains($"half the window {kh}×{kw}", ex.Message);
    }

    [Fact]
    public void A_window_taller_than_the_padded_input_throws()
    {
        var g = new Pool2DGeometry(1, 3, 8, 5, 1, 1, 1) { PadHeight = 0 };
        var ex = Assert.Throws<ArgumentException>(() => PoolKernels.AvgForward(g, new float[24], new float[64], 1));
        Assert.Contains("window 5×1 is larger than the input 3×8", ex.Message);
    }

    private static float[] Quantized(TestValues random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = random.NextInt(5) - 2;
        return values;
    }
}
