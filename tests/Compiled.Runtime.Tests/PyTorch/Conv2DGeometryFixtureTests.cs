using System.Text.Json;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// Conv2DKernels and their twin with dilation, groups (depthwise) and rectangular kernels, strides and padding against nn.Conv2d
/// (conv2d_geometry.json): output sizes, y, dx, dweight, dbias at every width.
/// </summary>
public sealed class Conv2DGeometryFixtureTests
{
    private const string File = "conv2d_geometry.json";

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dilated_grouped_and_rectangular_convolutions_match_pytorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case(File, name);
        JsonElement k = c.Config();
        var g = new Conv2DGeometry(k.Int("inChannels"), k.Int("inHeight"), k.Int("inWidth"), k.Int("outChannels"), k.Int("kernelHeight"), k.Int("kernelWidth"),
            k.Int("strideHeight"), k.Int("strideWidth"), k.Int("padHeight"), k.Int("padWidth"), k.Int("padHeight"), k.Int("padWidth"))
        {
            DilationHeight = k.Int("dilationHeight"),
            DilationWidth = k.Int("dilationWidth"),
            Groups = k.Int("groups"),
        };
        Assert.Equal(k.Int("outHeight"), g.OutHeight);
        Assert.Equal(k.Int("outWidth"), g.OutWidth);
        int n = k.Int("batch");
        float[] x = c.Floats("x"), w = c.Floats("weight"), b = c.FloatsOrEmpty("bias"), dy = c.Floats("dy");
        Assert.Equal(g.WeightLength, w.Length);
        float[] y = new float[n * g.OutputLength], col = new float[g.ColumnLength], dx = new float[x.Length], dw = new float[w.Length], db = new float[b.Length];
        Conv2DKernels.Forward(g, x, w, b, y, col, n, width);
        Conv2DKernels.Backward(g, x, w, dy, dx, dw, db, col, n, width);
        Tolerance.AssertClose(c.Floats("y"), y, 1e-5, 1e-5, $"{name} y at {width}");
        Tolerance.AssertClose(c.Floats("dx"), dx, 1e-5, 1e-5, $"{name} dx at {width}");
        Tolerance.AssertClose(c.Floats("dweight"), dw, 1e-4, 1e-5, $"{name} dweight at {width}");
        if (b.Length > 0) Tolerance.AssertClose(c.Floats("dbias"), db, 1e-4, 1e-5, $"{name} dbias at {width}");

        double[] ry = new double[y.Length], rdx = new double[dx.Length], rdw = new double[dw.Length], rdb = new double[db.Length];
        Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), ry, n);
        Conv2DReference.Backward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(dy), rdx, rdw, rdb, n);
        Tolerance.AssertClose(c.Floats("y"), ry, 1e-7, 1e-6, $"{name} y (double twin)");
        Tolerance.AssertClose(c.Floats("dx"), rdx, 1e-7, 1e-6, $"{name} dx (double twin)");
        Tolerance.AssertClose(c.Floats("dweight"), rdw, 1e-7, 1e-6, $"{name} dweight (double twin)");
    }
}
