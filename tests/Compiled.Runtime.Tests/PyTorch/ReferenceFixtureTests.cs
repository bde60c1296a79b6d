using System;
using System.Text.Json;
using Compiled.Kernels;
using Compiled.Kernels.Reference;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// The scalar reference twins (Compiled.Kernels.Reference), run in double, against the same PyTorch fixtures. PyTorch
/// computed them in float64 too, so the only difference left is the fixture's one rounding to float32: this pins the
/// references' semantics to PyTorch's at float32 precision, which is what makes them trustworthy for the double
/// finite-difference checks and as the twins the SIMD kernels are held against.
/// </summary>
public sealed class ReferenceFixtureTests
{
    // |float32(exact) − exact| ≤ 2⁻²⁴·|exact| ≈ 6e-8 relative: allow one float32 ulp (1.2e-7), and 1e-12 absolute for
    // values that round to zero or subnormals (sigmoid(−100) ≈ 3.7e-44).
    private const double Abs = 1e-12;
    private const double Rel = 1.2e-7;

    public static TheoryData<string> DenseCases => Names("dense.json");
    public static TheoryData<string> ConvCases => Names("conv2d.json");
    public static TheoryData<string> PoolCases => Names("pool.json");
    public static TheoryData<string> ActivationCases => Names("activations.json");
    public static TheoryData<string> LossCases => Names("losses.json");

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Dense(string name)
    {
        JsonElement c = Fixtures.Case("dense.json", name);
        JsonElement k = c.Config();
        int n = k.Int("batch"), inFeatures = k.Int("in"), outFeatures = k.Int("out");
        double[] b = Wide(c.FloatsOrEmpty("bias"));
        var y = new double[n * outFeatures];
        var dx = new double[n * inFeatures];
        var dw = new double[outFeatures * inFeatures];
        var db = new double[b.Length];

        DenseReference.Forward<double>(Wide(c.Floats("x")), Wide(c.Floats("weight")), b, y, n, inFeatures, outFeatures);
        DenseReference.Backward<double>(Wide(c.Floats("x")), Wide(c.Floats("weight")), Wide(c.Floats("dy")), dx, dw, db, n, inFeatures, outFeatures);

        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y");
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx");
        Tolerance.AssertClose(c.Floats("dweight"), dw, Abs, Rel, $"{name} dweight");
        Tolerance.AssertClose(c.FloatsOrEmpty("dbias"), db, Abs, Rel, $"{name} dbias");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2D(string name)
    {
        JsonElement c = Fixtures.Case("conv2d.json", name);
        JsonElement k = c.Config();
        var g = new Conv2DGeometry(k.Int("inChannels"), k.Int("inHeight"), k.Int("inWidth"), k.Int("outChannels"),
            k.Int("kernel"), k.Int("kernel"), k.Int("stride"), k.Int("stride"),
            k.Int("padTop"), k.Int("padLeft"), k.Int("padBottom"), k.Int("padRight"));
        int n = k.Int("batch");
        double[] b = Wide(c.FloatsOrEmpty("bias"));
        var y = new double[n * g.OutputLength];
        var dx = new double[n * g.InputLength];
        var dw = new double[g.WeightLength];
        var db = new double[b.Length];

        Conv2DReference.Forward<double>(g, Wide(c.Floats("x")), Wide(c.Floats("weight")), b, y, n);
        Conv2DReference.Backward<double>(g, Wide(c.Floats("x")), Wide(c.Floats("weight")), Wide(c.Floats("dy")), dx, dw, db, n);

        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y");
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx");
        Tolerance.AssertClose(c.Floats("dweight"), dw, Abs, Rel, $"{name} dweight");
        Tolerance.AssertClose(c.FloatsOrEmpty("dbias"), db, Abs, Rel, $"{name} dbias");
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void Pool(string name)
    {
        JsonElement c = Fixtures.Case("pool.json", name);
        JsonElement k = c.Config();
        var g = new Pool2DGeometry(k.Int("channels"), k.Int("inHeight"), k.Int("inWidth"), k.Int("window"), k.Int("stride"));
        int n = k.Int("batch");
        var y = new double[n * g.OutputLength];
        var dx = new double[n * g.InputLength];

        if (k.GetProperty("kind").GetString() == "max")
        {
            var argmax = new int[y.Length];
            PoolReference.MaxForward<double>(g, Wide(c.Floats("x")), y, argmax, n);
            PoolReference.MaxBackward<double>(g, Wide(c.Floats("dy")), argmax, dx, n);
        }
        else
        {
            PoolReference.AvgForward<double>(g, Wide(c.Floats("x")), y, n);
            PoolReference.AvgBackward<double>(g, Wide(c.Floats("dy")), dx, n);
        }

        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y");
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx");
    }

    [Theory]
    [MemberData(nameof(ActivationCases))]
    public void Activation(string name)
    {
        JsonElement c = Fixtures.Case("activations.json", name);
        double[] x = Wide(c.Floats("x"));
        double[] dy = Wide(c.Floats("dy"));
        var y = new double[x.Length];
        var dx = new double[x.Length];

        switch (c.GetProperty("kind").GetString())
        {
            case "relu":
                ActivationReference.Relu<double>(x, y);
                ActivationReference.ReluBackward<double>(y, dy, dx);
                break;
            case "leaky_relu":
                double slope = c.Config().Float("slope");
                ActivationReference.LeakyRelu(x, y, slope);
                ActivationReference.LeakyReluBackward(x, dy, dx, slope);
                break;
            case "elu":
                double alpha = c.Config().Float("alpha");
                ActivationReference.Elu(x, y, alpha);
                ActivationReference.EluBackward(x, y, dy, dx, alpha);
                break;
            case "sigmoid":
                ActivationReference.Sigmoid<double>(x, y);
                ActivationReference.SigmoidBackward<double>(y, dy, dx);
                break;
            case "tanh":
                ActivationReference.Tanh<double>(x, y);
                ActivationReference.TanhBackward<double>(y, dy, dx);
                break;
            default:
                throw new InvalidOperationException($"Unknown activation kind in {name}.");
        }

        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y");
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx");
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void Loss(string name)
    {
        JsonElement c = Fixtures.Case("losses.json", name);
        JsonElement k = c.Config();
        double[] input = Wide(c.Floats("input"));
        var dinput = new double[input.Length];
        int n = k.Int("batch");
        double mean = c.GetProperty("kind").GetString() switch
        {
            "cross_entropy_labels" => LossReference.SoftmaxCrossEntropy(input, c.Ints("labels"), dinput, n, k.Int("classes"), 1.0 / n) / n,
            "cross_entropy_targets" => LossReference.SoftmaxCrossEntropy<double>(input, Wide(c.Floats("targets")), dinput, n, k.Int("classes"), 1.0 / n) / n,
            "bce_with_logits" => LossReference.SigmoidBinaryCrossEntropy<double>(input, Wide(c.Floats("targets")), dinput, input.Length, 1.0 / input.Length) / input.Length,
            "mse" => LossReference.MeanSquaredError<double>(input, Wide(c.Floats("targets")), dinput, input.Length, 1.0 / input.Length) / input.Length,
            "multi_margin" => LossReference.MultiClassHinge(input, c.Ints("labels"), dinput, n, k.Int("classes"), k.Float("margin"), 1.0 / n) / n,
            _ => throw new InvalidOperationException($"Unknown loss kind in {name}."),
        };

        Tolerance.AssertClose(c.Float("loss"), mean, Abs, Rel, $"{name} loss");
        Tolerance.AssertClose(c.Floats("dinput"), dinput, Abs, Rel, $"{name} dinput");
    }

    private static TheoryData<string> Names(string file)
    {
        var data = new TheoryData<string>();
        foreach (string name in Fixtures.CaseNames(file)) data.Add(name);
        return data;
    }

    private static double[] Wide(float[] values)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++) wide[i] = values[i];
        return wide;
    }
}
