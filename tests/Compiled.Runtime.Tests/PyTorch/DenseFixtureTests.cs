using System;
using System.Text.Json;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>DenseKernels against nn.Linear (dense.json): y = x·wᵀ + b and its three gradients (one case without bias: empty b and db), at every vector width.</summary>
public sealed class DenseFixtureTests
{
    // The fixture is the float64 result rounded to float32; the kernels sum at most 33 float32 products,
    // so |error| stays far below 1e-5 + 1e-4·|expected| at the fixture's magnitudes (|x|, |w| ≲ 3).
    private const double Abs = 1e-5;
    private const double Rel = 1e-4;

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth("dense.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("dense.json", name);
        (int n, int inFeatures, int outFeatures) = Sizes(c);
        var y = new float[n * outFeatures];

        // x [n, in], w [out, in], b [out] → y [n, out]
        DenseKernels.Forward(c.Floats("x"), c.Floats("weight"), c.FloatsOrEmpty("bias"), y, n, inFeatures, outFeatures, width);

        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y at {width}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("dense.json", name);
        (int n, int inFeatures, int outFeatures) = Sizes(c);
        var dx = new float[n * inFeatures];
        var dw = new float[outFeatures * inFeatures];
        float[] db = c.FloatsOrEmpty("bias").Length == 0 ? Array.Empty<float>() : new float[outFeatures];   // empty: no bias

        // dy [n, out] → dx [n, in], dw [out, in], db [out]
        DenseKernels.Backward(c.Floats("x"), c.Floats("weight"), c.Floats("dy"), dx, dw, db, n, inFeatures, outFeatures, width);

        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx at {width}");
        Tolerance.AssertClose(c.Floats("dweight"), dw, Abs, Rel, $"{name} dweight at {width}");
        Tolerance.AssertClose(c.FloatsOrEmpty("dbias"), db, Abs, Rel, $"{name} dbias at {width}");
    }

    private static (int N, int In, int Out) Sizes(JsonElement c)
    {
        JsonElement config = c.Config();
        return (config.Int("batch"), config.Int("in"), config.Int("out"));
    }
}
