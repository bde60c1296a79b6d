using System.Text.Json;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// PoolKernels against nn.MaxPool2d / nn.AvgPool2d (pool.json): window 2 stride 2, window 3 stride 2 (overlapping:
/// a maximum shared by two windows receives both gradients), window 3 stride 1, and odd sizes that floor.
/// </summary>
public sealed class PoolFixtureTests
{
    // Max pooling only copies values (exact); average pooling sums ≤ 9 values and divides: 1e-6 + 1e-5·|expected|.
    private const double Abs = 1e-6;
    private const double Rel = 1e-5;

    public static TheoryData<string, VectorWidth> MaxCases => Fixtures.CasesAtEveryWidth("pool.json", c => Kind(c) == "max");
    public static TheoryData<string, VectorWidth> AvgCases => Fixtures.CasesAtEveryWidth("pool.json", c => Kind(c) == "avg");

    [Theory]
    [MemberData(nameof(MaxCases))]
    public void MaxPoolMatchesPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("pool.json", name);
        (Pool2DGeometry g, int n) = Geometry(c);
        var y = new float[n * g.OutputLength];
        var argmax = new int[n * g.OutputLength];
        var dx = new float[n * g.InputLength];

        // x [n, C, H, W] → y [n, C, OH, OW]; dy [n, C, OH, OW] → dx [n, C, H, W]
        PoolKernels.MaxForward(g, c.Floats("x"), y, argmax, n, width);
        PoolKernels.MaxBackward(g, c.Floats("dy"), argmax, dx, n, width);

        Assert.Equal(c.Floats("y"), y);
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx at {width}");
    }

    [Theory]
    [MemberData(nameof(AvgCases))]
    public void AvgPoolMatchesPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("pool.json", name);
        (Pool2DGeometry g, int n) = Geometry(c);
        var y = new float[n * g.OutputLength];
        var dx = new float[n * g.InputLength];

        PoolKernels.AvgForward(g, c.Floats("x"), y, n, width);
        PoolKernels.AvgBackward(g, c.Floats("dy"), dx, n, width);

        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y at {width}");
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx at {width}");
    }

    private static string Kind(JsonElement c) => c.Config().GetProperty("kind").GetString()!;

    private static (Pool2DGeometry Geometry, int N) Geometry(JsonElement c)
    {
        JsonElement k = c.Config();
        var g = new Pool2DGeometry(k.Int("channels"), k.Int("inHeight"), k.Int("inWidth"), k.Int("window"), k.Int("stride"));
        Assert.Equal(k.Int("outHeight"), g.OutHeight);
        Assert.Equal(k.Int("outWidth"), g.OutWidth);
        return (g, k.Int("batch"));
    }
}
