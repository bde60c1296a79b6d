using System;
using Compiled.Kernels;
using Compiled.Runtime.Tests.Kernels;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Freezing;

/// <summary>
/// What a frozen layer's backward calls: Dense and Conv2D backward with an empty weight gradient (and bias gradient) leave
/// those buffers alone and give bit for bit the input gradient of the full call, at every width and on every convolution
/// path (grid, im2col, pointwise, sparse scatter).
/// </summary>
public sealed class FrozenLayerKernelTests
{
    private const int Batch = 3;

    public static TheoryData<VectorWidth> Widths => new(TestValues.AllWidths);

    [Theory]
    [MemberData(nameof(Widths))]
    public void Conv2D_input_gradient_alone_equals_the_full_backward(VectorWidth width)
    {
        var random = new TestValues(41);
        foreach (Conv2DGeometry g in Conv2DKernelTests.Geometries)
        foreach (bool sparse in new[] { false, true })
        {
            float[] x = random.Floats(Batch * g.InputLength), w = random.Floats(g.WeightLength), dy = random.Floats(Batch * g.OutputLength);
            if (sparse)
                for (int i = 0; i < dy.Length; i++) if (i % 5 != 2) dy[i] = 0f;
            float[] dxFull = new float[x.Length], dxOnly = new float[x.Length];
            Conv2DKernels.Backward(g, x, w, dy, dxFull, new float[w.Length], new float[g.OutChannels], new float[g.ColumnLength], Batch, width);
            Conv2DKernels.Backward(g, x, w, dy, dxOnly, default, default, new float[g.ColumnLength], Batch, width);
            Assert.True(dxFull.AsSpan().SequenceEqual(dxOnly), $"{width} {g} sparse={sparse}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Dense_input_gradient_alone_equals_the_full_backward(VectorWidth width)
    {
        var random = new TestValues(42);
        foreach ((int inFeatures, int outFeatures) in new[] { (1, 1), (7, 5), (33, 17), (120, 84) })
        {
            float[] x = random.Floats(Batch * inFeatures), w = random.Floats(outFeatures * inFeatures), dy = random.Floats(Batch * outFeatures);
            float[] dxFull = new float[x.Length], dxOnly = new float[x.Length];
            DenseKernels.Backward(x, w, dy, dxFull, new float[w.Length], new float[outFeatures], Batch, inFeatures, outFeatures, width);
            DenseKernels.Backward(x, w, dy, dxOnly, default, default, Batch, inFeatures, outFeatures, width);
            Assert.Equal(dxFull, dxOnly);
        }
    }
}
