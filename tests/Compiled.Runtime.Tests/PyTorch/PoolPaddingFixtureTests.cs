using System;
using System.Text.Json;
using Compiled.Kernels;
using Compiled.Kernels.Reference;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// PoolKernels and their twin with padding, ceil mode and count_include_pad=False (pool_padding.json) and with rectangular
/// windows, strides and padding (pool_rectangular.json) against nn.MaxPool2d / nn.AvgPool2d: the output sizes, y and dx
/// (max pooling's ties and padding never winning show in dx).
/// </summary>
public sealed class PoolPaddingFixtureTests
{
    private const string File = "pool_padding.json";
    private const string RectangularFile = "pool_rectangular.json";

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth(File);

    public static TheoryData<string, VectorWidth> RectangularCases => Fixtures.CasesAtEveryWidth(RectangularFile);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Padded_and_ceil_mode_pooling_matches_pytorch(string name, VectorWidth width) => Check(File, name, width);

    [Theory]
    [MemberData(nameof(RectangularCases))]
    public void Rectangular_pooling_matches_pytorch(string name, VectorWidth width)
    {
        JsonElement k = Fixtures.Case(RectangularFile, name).Config();
        Assert.False(Geometry(k).IsSquare, $"{name} is meant to be rectangular");
        Check(RectangularFile, name, width);
    }

    /// <summary>The geometry a case's config describes: window, stride and padding as ints (both axes) or [height, width] pairs.</summary>
    private static Pool2DGeometry Geometry(JsonElement k)
    {
        (int Height, int Width) Axes(string key)
        {
            JsonElement v = k.GetProperty(key);
            return v.ValueKind == JsonValueKind.Array ? (v[0].GetInt32(), v[1].GetInt32()) : (v.GetInt32(), v.GetInt32());
        }
        (int wh, int ww) = Axes("window");
        (int sh, int sw) = Axes("stride");
        (int ph, int pw) = Axes("padding");
        return new Pool2DGeometry(k.Int("channels"), k.Int("inHeight"), k.Int("inWidth"), wh, ww, sh, sw)
        {
            PadHeight = ph,
            PadWidth = pw,
            CeilMode = k.GetProperty("ceil").GetBoolean(),
            CountIncludePad = k.GetProperty("countIncludePad").GetBoolean(),
        };
    }

    private static void Check(string file, string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case(file, name);
        JsonElement k = c.Config();
        Pool2DGeometry g = Geometry(k);
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

        // The double twin, rounded, is what PyTorch computed in float64.
        double[] xd = Array.ConvertAll(x, v => (double)v), dyd = Array.ConvertAll(dy, v => (double)v);
        double[] yd = new double[y.Length], dxd = new double[dx.Length];
        if (k.GetProperty("kind").GetString() == "max")
        {
            int[] argmax = new int[y.Length];
            PoolReference.MaxForward<double>(g, xd, yd, argmax, n);
            PoolReference.MaxBackward<double>(g, dyd, argmax, dxd, n);
        }
        else
        {
            PoolReference.AvgForward<double>(g, xd, yd, n);
            PoolReference.AvgBackward<double>(g, dyd, dxd, n);
        }
        Tolerance.AssertClose(c.Floats("y"), yd, 1e-7, 1e-6, $"{name} double twin y");
        Tolerance.AssertClose(c.Floats("dx"), dxd, 1e-7, 1e-6, $"{name} double twin dx");
    }
}
