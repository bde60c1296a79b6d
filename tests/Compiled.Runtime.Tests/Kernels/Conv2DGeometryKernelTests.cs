using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>Dilated and grouped Conv2DKernels at every width against the double twin; the twin against finite differences; errors.</summary>
public class Conv2DGeometryKernelTests
{
    private static readonly Conv2DGeometry[] Geometries =
    [
        new(3, 9, 9, 4, 3, 3, 1, 1, 2, 2, 2, 2) { DilationHeight = 2, DilationWidth = 2 },
        new(4, 7, 20, 6, 3, 3, 1, 1, 1, 1, 1, 1) { Groups = 2 },
        new(5, 9, 70, 5, 3, 3, 2, 1, 1, 1, 1, 1) { Groups = 5 },                        // depthwise, 70-wide rows
        new(4, 12, 9, 8, 7, 1, 1, 1, 3, 0, 3, 0) { DilationHeight = 2, Groups = 4 },    // 7×1, dilated, channel multiplier 2
    ];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Dilated_and_grouped_convolutions_match_the_twin(VectorWidth width)
    {
        var random = new TestValues(81);
        foreach (Conv2DGeometry g in Geometries)
        {
            const int n = 2;
            float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels), dy = random.Floats(n * g.OutputLength);
            float[] y = new float[dy.Length], col = new float[g.ColumnLength], dx = random.Floats(x.Length), dw = random.Floats(w.Length), db = random.Floats(b.Length);
            double[] dw0 = TestValues.Wide(dw), db0 = TestValues.Wide(db);
            Conv2DKernels.Forward(g, x, w, b, y, col, n, width);
            Conv2DKernels.Backward(g, x, w, dy, dx, dw, db, col, n, width);
            double[] ey = new double[y.Length], edx = new double[x.Length];
            Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), ey, n);
            Conv2DReference.Backward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(dy), edx, dw0, db0, n);   // dw, db += like the kernel
            KernelAssert.Close(ey, y, 1e-5, 1e-5, $"y {g} {width}");
            KernelAssert.Close(edx, dx, 1e-5, 1e-5, $"dx {g} {width}");
            KernelAssert.Close(dw0, dw, 1e-4, 1e-5, $"dw {g} {width}");
            KernelAssert.Close(db0, db, 1e-4, 1e-5, $"db {g} {width}");
        }
    }

    [Fact]
    public void Twin_backward_matches_finite_differences_with_dilation_and_groups()
    {
        var random = new TestValues(82);
        var g = new Conv2DGeometry(4, 6, 7, 6, 3, 2, 2, 1, 2, 1, 2, 1) { DilationHeight = 2, DilationWidth = 2, Groups = 2 };
        const int n = 2;
        double[] x = random.Doubles(n * g.InputLength), w = random.Doubles(g.WeightLength), b = random.Doubles(g.OutChannels), r = random.Doubles(n * g.OutputLength);
        double[] y = new double[r.Length];
        double Loss()
        {
            Conv2DReference.Forward<double>(g, x, w, b, y, n);
            return FiniteDifferences.Dot(r, y);
        }
        double[] dx = new double[x.Length], dw = new double[w.Length], db = new double[b.Length];
        Conv2DReference.Backward<double>(g, x, w, r, dx, dw, db, n);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, "dx");
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(w, Loss), dw, "dw");
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(b, Loss), db, "db");
    }

    [Fact]
    public void Groups_that_do_not_divide_the_channels_and_oversized_dilated_kernels_throw()
    {
        var g = new Conv2DGeometry(4, 5, 5, 6, 3, 3, 1, 1, 0, 0, 0, 0) { Groups = 4 };
        var ex = Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(g, new float[100], new float[54], [], new float[1000], new float[1000], 1));
        Assert.Contains("groups 4", ex.Message);
        var dilated = new Conv2DGeometry(1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 0, 0) { DilationHeight = 3 };
        ex = Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(dilated, new float[25], new float[9], [], new float[100], new float[100], 1));
        Assert.Contains("dilated: 7×3", ex.Message);
    }
}
