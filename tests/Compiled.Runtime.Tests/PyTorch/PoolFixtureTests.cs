using System.Text.Json;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// PoolKernels against nn.MaxPool2d / nn.AvgPool2d (pool.json): window 2 stride 2, window 3 stride 2 (overlapping:
/// a maximum shared by two windows receives both gradients), window 3 stride 1, and odd sizes that floor; the *_wide_* cases
/// have output rows of 17-33, so every vector width runs full vectors and a tail (checked below).
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

    [Theory]
    [InlineData("max")]
    [InlineData("avg")]
    public void FixtureHasRowsWideEnoughForEveryVectorWidth(string kind)
    {
        // The kernels vectorize along an output row for strides 1 and 2 and narrow the width for shorter rows, so only rows
        // of more than 16 outputs (a 512-bit vector), not a multiple of it, run the 512-bit path with its tail.
        bool wideStride1 = false, wideStride2 = false;
        foreach (string name in Fixtures.CaseNames("pool.json"))
        {
            JsonElement c = Fixtures.Case("pool.json", name);
            if (Kind(c) != kind) continue;
            JsonElement k = c.Config();
            int outWidth = k.Int("outWidth");
            if (outWidth <= 16 || outWidth % 16 == 0) continue;
            if (k.Int("stride") == 1) wideStride1 = true;
            if (k.Int("stride") == 2) wideStride2 = true;
        }
        Assert.True(wideStride1, $"pool.json has no {kind} case with stride 1 and an output row wider than 16 (not a multiple of 16).");
        Assert.True(wideStride2, $"pool.json has no {kind} case with stride 2 and an output row wider than 16 (not a multiple of 16).");
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
