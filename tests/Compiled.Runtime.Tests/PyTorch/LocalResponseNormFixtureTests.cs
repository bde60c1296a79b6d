using System.Text.Json;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>LocalResponseNormKernels at every width and their double twin against nn.LocalResponseNorm (lrn.json).</summary>
public sealed class LocalResponseNormFixtureTests
{
    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth("lrn.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Local_response_norm_matches_pytorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("lrn.json", name);
        JsonElement k = c.Config();
        int n = k.Int("batch"), channels = k.Int("channels"), spatial = k.Int("spatial"), size = k.Int("size");
        double alpha = k.GetProperty("alpha").GetDouble(), beta = k.GetProperty("beta").GetDouble(), kk = k.GetProperty("k").GetDouble();
        float[] x = c.Floats("x"), dy = c.Floats("dy"), y = new float[x.Length], scale = new float[x.Length], dx = new float[x.Length];
        float[] workspace = new float[(channels + 1) * spatial];
        LocalResponseNormKernels.Forward(x, y, scale, n, channels, spatial, size, (float)alpha, (float)beta, (float)kk, width);
        LocalResponseNormKernels.Backward(x, y, scale, dy, dx, workspace, n, channels, spatial, size, (float)alpha, (float)beta, (float)kk, false, width);
        // exp(β·ln s) in float: a few ulps per power.
        Tolerance.AssertClose(c.Floats("y"), y, 1e-6, 3e-6, $"{name} y at {width}");
        Tolerance.AssertClose(c.Floats("dx"), dx, 1e-5, 1e-5, $"{name} dx at {width}");

        double[] wy = new double[x.Length], wdx = new double[x.Length];
        LocalResponseNormReference.Forward<double>(TestValues.Wide(x), wy, n, channels, spatial, size, alpha, beta, kk);
        LocalResponseNormReference.Backward<double>(TestValues.Wide(x), TestValues.Wide(dy), wdx, n, channels, spatial, size, alpha, beta, kk);
        Tolerance.AssertClose(c.Floats("y"), wy, 1e-7, 1e-6, $"{name} y (double twin)");
        Tolerance.AssertClose(c.Floats("dx"), wdx, 1e-7, 1e-6, $"{name} dx (double twin)");
    }
}
