using System.Text.Json;
using Compiled.Kernels;
using Compiled.Kernels.Reference;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>GlobalAvgPoolKernels and their twin against nn.AdaptiveAvgPool2d(1) (globalavgpool.json), planes of 1 to 121.</summary>
public sealed class GlobalAvgPoolFixtureTests
{
    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth("globalavgpool.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Global_average_pooling_matches_pytorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("globalavgpool.json", name);
        JsonElement k = c.Config();
        int n = k.Int("batch"), channels = k.Int("channels"), spatial = k.Int("spatial");
        float[] y = new float[n * channels], dx = new float[n * channels * spatial];
        GlobalAvgPoolKernels.Forward(c.Floats("x"), y, n, channels, spatial, width);
        GlobalAvgPoolKernels.Backward(c.Floats("dy"), dx, n, channels, spatial, accumulate: false, width);
        Tolerance.AssertClose(c.Floats("y"), y, 1e-6, 1e-5, $"{name} y at {width}");
        Tolerance.AssertClose(c.Floats("dx"), dx, 1e-7, 1e-6, $"{name} dx at {width}");

        double[] wy = new double[y.Length];
        GlobalAvgPoolReference.Forward<double>(Runtime.Tests.TestSupport.TestValues.Wide(c.Floats("x")), wy, n, channels, spatial);
        Tolerance.AssertClose(c.Floats("y"), wy, 1e-7, 1e-6, $"{name} y (double twin)");
    }
}
