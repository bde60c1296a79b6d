using System.Text.Json;
using Compiled.Kernels;
using Compiled.Kernels.Reference;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// PoolKernels and their twin with padding, ceil mode and count_include_pad=False against nn.MaxPool2d / nn.AvgPool2d
/// (pool_padding.json): the output sizes, y and dx (max pooling's ties and padding never winning show in dx).
/// </summary>
public sealed class PoolPaddingFixtureTests
{
    private const string File = "pool_padding.json";

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Padded_and_ceil_mode_pooling_matches_pytorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case(File, name);
        JsonElement k = c.Config();
        var g = new Pool2DGeometry(k.Int("channels"), k.Int("inHeight"), k.Int("inWidth"), k.Int("window"), k.Int("stride"))
        {
            Padding = k.Int("padding"),
            CeilMode = k.GetProperty("ceil").GetBoolean(),
            CountIncludePad = k.GetProperty("countIncludePad").GetBoolean(),
        };
        Assert.Equal(k.Int("outHeight"), g.OutHeight);
        Assert.Equal(k.Int("outWidth"), g.OutWidth);
        int n = k.Int("batch");
        float[] x = c.Floats("x"), dy = c.Floats("dy"), y = new float[n * g.OutputLength], dx = new float[n * g.InputLength];
        float[] ry = new float[y.Length], rdx = new float[dx.Length];
        if (k.GetProperty("kind").GetString() == "max")
        {
            int[] argmax = new int[y.Length], rargmax = new int[y.Length];
            PoolKernels.MaxForward(g, x, y, argmax, n, width);
            PoolKernels.MaxBackward(g, dy, argmax, dx, n, width);
            Assert.Equal(c.Floats("y"), y);
            PoolReference.MaxForward<float>(g, x, ry, rargmax, n);
            Assert.Equal(rargmax, argmax);
        }
        else
        {
            PoolKernels.AvgForward(g, x, y, n, width);
            PoolKernels.AvgBackward(g, dy, dx, n, width);
            Tolerance.AssertClose(c.Floats("y"), y, 1e-6, 1e-5, $"{name} y at {width}");
            PoolReference.AvgForward<float>(g, x, ry, n);
            PoolReference.AvgBackward<float>(g, dy, rdx, n);
            Assert.Equal(ry, y);
            Assert.Equal(rdx, dx);
        }
        Tolerance.AssertClose(c.Floats("dx"), dx, 1e-6, 1e-5, $"{name} dx at {width}");
    }
}
