using System;
using System.Text.Json;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// Conv2DKernels against nn.Conv2d (conv2d.json): stride 1 and 2, padding 0, 2 and 'same' (odd kernels, and even kernels
/// whose extra pixel PyTorch pads at the bottom/right, given to <see cref="Conv2DGeometry"/> as asymmetric padding),
/// 1×1 kernels, several channels, batch 1-3, one case without bias (empty b and db); at every vector width.
/// </summary>
public sealed class Conv2DFixtureTests
{
    // Fixture: float64 rounded to float32. Each output sums at most Cin·k·k = 50 float32 products (dx and dw up to
    // ~100 terms), values |x|, |w| ≲ 4, so float32 accumulation stays within 1e-5 + 1e-4·|expected|.
    private const double Abs = 1e-5;
    private const double Rel = 1e-4;

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth("conv2d.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("conv2d.json", name);
        (Conv2DGeometry g, int n) = Geometry(c);
        var y = new float[n * g.OutputLength];
        var col = new float[g.ColumnLength];

        // x [n, Cin, H, W], w [Cout, Cin, k, k], b [Cout] → y [n, Cout, OH, OW]
        Conv2DKernels.Forward(g, c.Floats("x"), c.Floats("weight"), c.FloatsOrEmpty("bias"), y, col, n, width);

        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y at {width}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("conv2d.json", name);
        (Conv2DGeometry g, int n) = Geometry(c);
        var dx = new float[n * g.InputLength];
        var dw = new float[g.WeightLength];
        float[] db = c.FloatsOrEmpty("bias").Length == 0 ? Array.Empty<float>() : new float[g.OutChannels];   // empty: no bias
        var col = new float[g.ColumnLength];

        // dy [n, Cout, OH, OW] → dx [n, Cin, H, W], dw [Cout, Cin, k, k], db [Cout]
        Conv2DKernels.Backward(g, c.Floats("x"), c.Floats("weight"), c.Floats("dy"), dx, dw, db, col, n, width);

        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx at {width}");
        Tolerance.AssertClose(c.Floats("dweight"), dw, Abs, Rel, $"{name} dweight at {width}");
        Tolerance.AssertClose(c.FloatsOrEmpty("dbias"), db, Abs, Rel, $"{name} dbias at {width}");
    }

    [Fact]
    public void GeometryMatchesPyTorchOutputSizes()
    {
        foreach (string name in Fixtures.CaseNames("conv2d.json"))
        {
            JsonElement c = Fixtures.Case("conv2d.json", name);
            (Conv2DGeometry g, _) = Geometry(c);
            Assert.Equal(c.Config().Int("outHeight"), g.OutHeight);
            Assert.Equal(c.Config().Int("outWidth"), g.OutWidth);
        }
    }

    private static (Conv2DGeometry Geometry, int N) Geometry(JsonElement c)
    {
        JsonElement k = c.Config();
        var g = new Conv2DGeometry(
            k.Int("inChannels"), k.Int("inHeight"), k.Int("inWidth"),
            k.Int("outChannels"), k.Int("kernel"), k.Int("kernel"),
            k.Int("stride"), k.Int("stride"),
            k.Int("padTop"), k.Int("padLeft"), k.Int("padBottom"), k.Int("padRight"));
        return (g, k.Int("batch"));
    }
}
