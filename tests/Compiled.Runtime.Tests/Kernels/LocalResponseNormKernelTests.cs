using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>LocalResponseNormKernels at every width against the twin (planes 1 to 100), finite differences, accumulation, errors.</summary>
public class LocalResponseNormKernelTests
{
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Forward_and_backward_match_the_twin(VectorWidth width)
    {
        var random = new TestValues(71);
        foreach ((int c, int s, int size) in new[] { (5, 1, 3), (7, 17, 5), (4, 65, 4), (3, 100, 9), (6, 7, 2) })
        {
            const int n = 2;
            const float alpha = 0.4f, beta = 0.75f, k = 1.5f;
            float[] x = random.Floats(n * c * s, -2, 2), dy = random.Floats(x.Length), y = new float[x.Length], scale = new float[x.Length];
            float[] dx = random.Floats(x.Length), before = (float[])dx.Clone(), ws = new float[(c + 1) * s];
            LocalResponseNormKernels.Forward(x, y, scale, n, c, s, size, alpha, beta, k, width);
            double[] ey = new double[x.Length], edx = new double[x.Length];
            LocalResponseNormReference.Forward<double>(TestValues.Wide(x), ey, n, c, s, size, alpha, beta, k);
            LocalResponseNormReference.Backward<double>(TestValues.Wide(x), TestValues.Wide(dy), edx, n, c, s, size, alpha, beta, k);
            KernelAssert.Close(ey, y, 1e-6, 3e-6, $"y {width} C={c} S={s} size={size}");

            LocalResponseNormKernels.Backward(x, y, scale, dy, dx, ws, n, c, s, size, alpha, beta, k, accumulate: true, width);
            double[] accumulated = new double[x.Length];
            for (int i = 0; i < x.Length; i++) accumulated[i] = before[i] + edx[i];
            KernelAssert.Close(accumulated, dx, 1e-5, 1e-5, $"dx += {width} C={c} S={s} size={size}");
            LocalResponseNormKernels.Backward(x, y, scale, dy, dx, ws, n, c, s, size, alpha, beta, k, accumulate: false, width);
            KernelAssert.Close(edx, dx, 1e-5, 1e-5, $"dx {width} C={c} S={s} size={size}");
        }
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(4, 2)]
    [InlineData(3, 7)]
    public void Reference_backward_matches_finite_differences(int channels, int size)
    {
        var random = new TestValues(72);
        (int n, int s) = (2, 3);
        double[] x = random.Doubles(n * channels * s, -2, 2), r = random.Doubles(x.Length), y = new double[x.Length], dx = new double[x.Length];
        double Loss()
        {
            LocalResponseNormReference.Forward<double>(x, y, n, channels, s, size, 0.7, 0.75, 1.0);
            return FiniteDifferences.Dot(r, y);
        }
        LocalResponseNormReference.Backward<double>(x, r, dx, n, channels, s, size, 0.7, 0.75, 1.0);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, "dx", rel: 1e-6, abs: 1e-8);
    }

    [Fact]
    public void Bad_arguments_throw_with_the_argument_named()
    {
        float[] eight = new float[8];
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => LocalResponseNormKernels.Forward(eight, eight, eight, 1, 2, 4, 3, 1e-4f, 0.75f, 0f)).ParamName);
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => LocalResponseNormKernels.Forward(eight, eight, eight, 1, 2, 4, 0, 1e-4f, 0.75f, 1f)).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentException>(() => LocalResponseNormKernels.Forward(eight, eight, new float[7], 1, 2, 4, 3, 1e-4f, 0.75f, 1f)).ParamName);
        Assert.Equal("workspace", Assert.Throws<ArgumentException>(() => LocalResponseNormKernels.Backward(eight, eight, eight, eight, eight, new float[11], 1, 2, 4, 3, 1e-4f, 0.75f, 1f, false)).ParamName);
    }
}
