using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>GlobalAvgPoolKernels at every width against the twin (planes of 1 to 257), finite differences, accumulation, errors.</summary>
public class GlobalAvgPoolKernelTests
{
    private static readonly int[] Planes = [1, 3, 4, 7, 16, 17, 49, 64, 65, 100, 257];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Forward_and_backward_match_the_twin(VectorWidth width)
    {
        var random = new TestValues(51);
        foreach (int s in Planes)
        {
            (int n, int c) = (3, 5);
            float[] x = random.Floats(n * c * s), y = new float[n * c];
            double[] expected = new double[n * c];
            GlobalAvgPoolKernels.Forward(x, y, n, c, s, width);
            GlobalAvgPoolReference.Forward<double>(TestValues.Wide(x), expected, n, c, s);
            // Lane-wise sums of s values in [−1, 1): rounding within s·2⁻²⁴ of the mean's scale.
            KernelAssert.Close(expected, y, 1e-7 * Math.Sqrt(s) + 1e-7, 1e-6, $"y {width} S={s}");

            float[] dy = random.Floats(n * c), dx = random.Floats(n * c * s), edx = (float[])dx.Clone();
            GlobalAvgPoolKernels.Backward(dy, dx, n, c, s, accumulate: true, width);
            GlobalAvgPoolReference.Backward<float>(dy, edx, n, c, s, accumulate: true);
            KernelAssert.Identical(edx, dx, $"dx += {width} S={s}");
            GlobalAvgPoolKernels.Backward(dy, dx, n, c, s, accumulate: false, width);
            GlobalAvgPoolReference.Backward<float>(dy, edx, n, c, s, accumulate: false);
            KernelAssert.Identical(edx, dx, $"dx {width} S={s}");
        }
    }

    [Fact]
    public void Reference_backward_matches_finite_differences()
    {
        var random = new TestValues(52);
        (int n, int c, int s) = (2, 3, 6);
        double[] x = random.Doubles(n * c * s), r = random.Doubles(n * c), y = new double[n * c], dx = new double[x.Length];
        double Loss()
        {
            GlobalAvgPoolReference.Forward<double>(x, y, n, c, s);
            return FiniteDifferences.Dot(r, y);
        }
        GlobalAvgPoolReference.Backward<double>(r, dx, n, c, s, accumulate: false);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, "dx");
    }

    [Fact]
    public void Bad_arguments_throw_with_the_argument_named()
    {
        float[] six = new float[6];
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => GlobalAvgPoolKernels.Forward(six, six, 2, 2, 2)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => GlobalAvgPoolKernels.Forward(six, new float[1], 1, 2, 3)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => GlobalAvgPoolKernels.Backward(six, six, 3, 2, 2, false)).ParamName);
        Assert.Equal("spatial", Assert.Throws<ArgumentOutOfRangeException>(() => GlobalAvgPoolKernels.Forward(six, six, 1, 2, 0)).ParamName);
    }
}
