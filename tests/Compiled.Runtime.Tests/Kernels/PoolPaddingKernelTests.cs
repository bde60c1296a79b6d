using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>Pool2DGeometry's padding and ceil-mode sizes (PyTorch's rule), the padded kernels against the twin, and their errors.</summary>
public class PoolPaddingKernelTests
{
    [Theory]
    // (in, window, stride, padding, ceil) → out, as torch.nn.MaxPool2d computes it
    [InlineData(7, 3, 2, 1, false, 4)]
    [InlineData(7, 2, 2, 0, true, 4)]
    [InlineData(7, 2, 2, 0, false, 3)]
    [InlineData(5, 2, 2, 1, true, 3)]     // ceil gives 4, but the 4th window would start at 5 ≥ in + padding: dropped
    [InlineData(112, 3, 2, 1, false, 56)] // ResNet's stem
    [InlineData(8, 3, 3, 0, true, 3)]
    [InlineData(6, 3, 3, 0, true, 2)]
    public void Output_sizes_follow_pytorch(int size, int window, int stride, int padding, bool ceil, int expected)
    {
        var g = new Pool2DGeometry(1, size, size, window, stride) { PadHeight = padding, PadWidth = padding, CeilMode = ceil };
        Assert.Equal(expected, g.OutHeight);
        Assert.Equal(expected, g.OutWidth);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Padded_pooling_matches_the_twin_exactly(VectorWidth width)
    {
        var random = new TestValues(61);
        Pool2DGeometry[] geometries =
        [
            new(2, 7, 7, 3, 2) { PadHeight = 1, PadWidth = 1 },
            new(2, 9, 40, 3, 1) { PadHeight = 1, PadWidth = 1 },
            new(1, 8, 11, 3, 2) { PadHeight = 1, PadWidth = 1, CeilMode = true },
            new(1, 5, 5, 2, 2) { PadHeight = 1, PadWidth = 1, CeilMode = true, CountIncludePad = false },
            new(3, 7, 9, 2, 2) { CeilMode = true },
            new(1, 6, 6, 4, 3) { PadHeight = 2, PadWidth = 2, CountIncludePad = false },
        ];
        foreach (Pool2DGeometry g in geometries)
        {
            const int n = 2;
            float[] x = random.Floats(n * g.InputLength), dy = random.Floats(n * g.OutputLength);
            float[] y = new float[dy.Length], ey = new float[dy.Length], dx = random.Floats(x.Length), edx = new float[x.Length];
            int[] argmax = new int[dy.Length], eargmax = new int[dy.Length];
            PoolKernels.MaxForward(g, x, y, argmax, n, width);
            PoolReference.MaxForward<float>(g, x, ey, eargmax, n);
            KernelAssert.Identical(ey, y, $"max y {g} {width}");
            Assert.Equal(eargmax, argmax);
            PoolKernels.MaxBackward(g, dy, argmax, dx, n, width);
            PoolReference.MaxBackward<float>(g, dy, eargmax, edx, n);
            KernelAssert.Identical(edx, dx, $"max dx {g} {width}");

            PoolKernels.AvgForward(g, x, y, n, width);
            PoolReference.AvgForward<float>(g, x, ey, n);
            KernelAssert.Identical(ey, y, $"avg y {g} {width}");
            PoolKernels.AvgBackward(g, dy, dx, n, width);
            PoolReference.AvgBackward<float>(g, dy, edx, n);
            KernelAssert.Identical(edx, dx, $"avg dx {g} {width}");
        }
    }

    [Fact]
    public void Padding_never_wins_a_max_and_counts_in_the_average_by_default()
    {
        // 1×2×2 of −1: with padding 1, window 2, stride 2 each output's window holds one input and three padding cells.
        var g = new Pool2DGeometry(1, 2, 2, 2, 2) { PadHeight = 1, PadWidth = 1 };
        float[] x = [-1f, -2f, -3f, -4f], y = new float[g.OutputLength];
        int[] argmax = new int[y.Length];
        Assert.Equal(4, y.Length);
        PoolKernels.MaxForward(g, x, y, argmax, 1);
        Assert.Equal(x, y);                   // never the padding's 0
        Assert.Equal([0, 1, 2, 3], argmax);
        PoolKernels.AvgForward(g, x, y, 1);
        Assert.Equal([-0.25f, -0.5f, -0.75f, -1f], y);
        PoolKernels.AvgForward(g with { CountIncludePad = false }, x, y, 1);
        Assert.Equal(x, y);
    }

    [Fact]
    public void Padding_above_half_the_window_throws()
    {
        var g = new Pool2DGeometry(1, 6, 6, 2, 2) { PadHeight = 2, PadWidth = 2 };
        var ex = Assert.Throws<ArgumentException>(() => PoolKernels.AvgForward(g, new float[36], new float[100], 1));
        Assert.Contains("half the window", ex.Message);
        Assert.Contains("padding 2", g.ToString());
    }
}
