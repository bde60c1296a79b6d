using System;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// A residual block's batch norm, sum and ReLU in one pass (BatchNormKernels.NormalizeResidual) at every width against the
/// unfused kernels (Normalize → JoinKernels.Add → Relu): the same bits, in place over x or the residual too.
/// </summary>
public class BatchNormResidualKernelTests
{
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void NormalizeResidual_equals_normalize_add_then_relu(VectorWidth width)
    {
        var random = new TestValues(53);
        foreach ((int n, int c, int s) in BatchNormReluKernelTests.Shapes)
        foreach (bool relu in new[] { false, true })
        {
            float[] x = random.Floats(n * c * s), residual = random.Floats(x.Length), scale = random.Floats(c), shift = random.Floats(c, -0.5, 0.5);
            float[] expected = new float[x.Length], fused = new float[x.Length];
            BatchNormKernels.Normalize(x, scale, shift, expected, n, c, s, width);
            JoinKernels.Add(expected, residual, expected, width);
            if (relu) ActivationKernels.Relu(expected, expected, width);
            BatchNormKernels.NormalizeResidual(x, scale, shift, residual, fused, n, c, s, relu, width);
            string what = $"{width} ({n}, {c}, {s}) relu {relu}";
            KernelAssert.Identical(expected, fused, what);
            if (relu)
            {
                Assert.Contains(fused, v => v == 0f);
                Assert.Contains(fused, v => v > 0f);
            }
            else Assert.Contains(fused, v => v < 0f);

            float[] overX = (float[])x.Clone(), overResidual = (float[])residual.Clone();
            BatchNormKernels.NormalizeResidual(overX, scale, shift, residual, overX, n, c, s, relu, width);
            BatchNormKernels.NormalizeResidual(x, scale, shift, overResidual, overResidual, n, c, s, relu, width);
            KernelAssert.Identical(expected, overX, "over x " + what);
            KernelAssert.Identical(expected, overResidual, "over the residual " + what);
        }
    }

    [Fact]
    public void Partial_overlaps_and_short_spans_are_refused_naming_the_argument()
    {
        float[] buffer = new float[40], scale = new float[2], shift = new float[2];
        var e = Assert.Throws<ArgumentException>(() => BatchNormKernels.NormalizeResidual(buffer.AsSpan(0, 16), scale, shift, buffer.AsSpan(20, 16), buffer.AsSpan(4, 16), 2, 2, 4, relu: true));
        Assert.Equal("y", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => BatchNormKernels.NormalizeResidual(buffer.AsSpan(0, 16), scale, shift, buffer.AsSpan(20, 16), buffer.AsSpan(24, 16), 2, 2, 4, relu: true));
        Assert.Equal("y", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => BatchNormKernels.NormalizeResidual(new float[16], scale, shift, new float[15], new float[16], 2, 2, 4, relu: false));
        Assert.Equal("residual", e.ParamName);
    }
}
