using System;
using System.Collections.Generic;
using System.Text.Json;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.PyTorch;

/// <summary>
/// Every conv2d.json and dense.json case through a generated one-layer network (LayerNetworks.cs) with an MSE head:
/// Forward must give PyTorch's y, and TrainStep with targets t = y − dy·count/2 (so that d(MSE)/dy = 2(y − t)/count = dy)
/// must give PyTorch's dweight and dbias. This checks the generator's shapes, strides and paddings (PyTorch's asymmetric
/// 'same' for even kernels included), the parameter names and layouts, and the MSE head's scaling against PyTorch.
/// The cases are read from the fixture files, so a case added to make_fixtures.py without its network fails here.
/// </summary>
public sealed class LayerFixtureTests
{
    // Float32 network vs the float64 reference rounded to float32: y and gradients 1e-5 + 1e-4·|expected| (as the kernel
    // fixture tests); targets are rounded to float (|t| ≤ ~100, ulp ≤ 8e-6), which moves dy by ≤ 1e-7 — far inside.
    private const double Abs = 1e-5, Rel = 1e-4;

    private static readonly Dictionary<string, Func<ITrainableNetwork>> s_networks = new()
    {
        ["conv_s1_p0"] = () => new ConvS1P0Layer(1),
        ["conv_s1_p1_nobias"] = () => new ConvS1P1NoBiasLayer(1),
        ["conv_s1_p2_k5_rect"] = () => new ConvS1P2K5RectLayer(1),
        ["conv_s2_p0"] = () => new ConvS2P0Layer(1),
        ["conv_s2_p0_even_input"] = () => new ConvS2P0EvenInputLayer(1),
        ["conv_s2_p2_k5"] = () => new ConvS2P2K5Layer(1),
        ["conv_same_k3"] = () => new ConvSameK3Layer(1),
        ["conv_same_k5"] = () => new ConvSameK5Layer(1),
        ["conv_same_k4_even"] = () => new ConvSameK4EvenLayer(1),
        ["conv_same_k2_even"] = () => new ConvSameK2EvenLayer(1),
        ["conv_k1"] = () => new ConvK1Layer(1),
        ["conv_k1_s2"] = () => new ConvK1S2Layer(1),
        ["dense_n1_in3_out2"] = () => new DenseIn3Out2Layer(1),
        ["dense_n3_in7_out5"] = () => new DenseIn7Out5Layer(1),
        ["dense_n2_in16_out9"] = () => new DenseIn16Out9Layer(1),
        ["dense_n4_in33_out17"] = () => new DenseIn33Out17Layer(1),
        ["dense_n3_in10_out6_nobias"] = () => new DenseIn10Out6NoBiasLayer(1),
    };

    private static readonly string[] s_files = { "conv2d.json", "dense.json" };

    /// <summary>Every case of conv2d.json and dense.json, enumerated from the files (not from the table above).</summary>
    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string file in s_files)
                foreach (string name in JsonFixtures.CaseNames(file)) data.Add(name);
            Assert.True(data.Count > 0, "The fixture files have no cases.");
            return data;
        }
    }

    [Fact]
    public void EveryFixtureCaseHasANetworkAndEveryNetworkACase()
    {
        var cases = new HashSet<string>();
        foreach (string file in s_files) cases.UnionWith(JsonFixtures.CaseNames(file));
        Assert.True(cases.Count >= 17, $"Expected at least the 17 committed conv2d/dense cases, found {cases.Count}.");
        var missing = new List<string>(cases);
        missing.RemoveAll(s_networks.ContainsKey);
        Assert.True(missing.Count == 0, $"Fixture cases without a generated network in LayerNetworks.cs: {string.Join(", ", missing)}.");
        var stale = new List<string>(s_networks.Keys);
        stale.RemoveAll(cases.Contains);
        Assert.True(stale.Count == 0, $"Networks whose fixture case no longer exists: {string.Join(", ", stale)}.");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndWeightGradientsMatchPyTorch(string name)
    {
        bool conv = name.StartsWith("conv", StringComparison.Ordinal);
        JsonElement c = JsonFixtures.Case(conv ? "conv2d.json" : "dense.json", name);
        string layer = conv ? "conv1" : "fc1";
        Assert.True(s_networks.TryGetValue(name, out Func<ITrainableNetwork>? create),
            $"Fixture case '{name}' has no generated network: add one to LayerNetworks.cs and to the table above.");
        ITrainableNetwork network = create!();
        int batch = c.Shape("x")[0];
        float[] x = c.Floats("x");
        float[] expectedY = c.Floats("y");
        float[] dy = c.Floats("dy");
        Assert.Equal(x.Length, batch * network.InputLength);
        Assert.Equal(expectedY.Length, batch * network.OutputLength);

        // Parameters by PyTorch name: exactly <layer>.weight (+ <layer>.bias when the fixture has one).
        var expectedNames = new List<string> { layer + ".weight" };
        if (c.Has("bias")) expectedNames.Add(layer + ".bias");
        Assert.Equal(expectedNames, ParameterNames(network));
        Load(network, layer + ".weight", c.Shape("weight"), c.Floats("weight"));
        if (c.Has("bias")) Load(network, layer + ".bias", c.Shape("bias"), c.Floats("bias"));

        var y = new float[expectedY.Length];
        network.Forward(x, y, batch);
        Tolerance.AssertClose(expectedY, y, Abs, Rel, $"{name}: y");

        // t = y − dy·count/2 makes the MSE head's upstream gradient PyTorch's dy; the loss is then Σ (dy·count/2)² / count.
        int count = expectedY.Length;
        var targets = new float[count];
        double expectedLoss = 0;
        for (int i = 0; i < count; i++)
        {
            targets[i] = (float)(expectedY[i] - dy[i] * (count / 2.0));
            double r = y[i] - (double)targets[i];
            expectedLoss += r * r;
        }
        network.ZeroGradients();
        float loss = network.TrainStep(x, targets, batch);

        Tolerance.AssertClose(expectedLoss / count, loss, 1e-6, 1e-5, $"{name}: MSE loss");
        Tolerance.AssertClose(c.Floats("dweight"), Gradient(network, layer + ".weight"), Abs, Rel, $"{name}: dweight");
        if (c.Has("dbias")) Tolerance.AssertClose(c.Floats("dbias"), Gradient(network, layer + ".bias"), Abs, Rel, $"{name}: dbias");
    }

    private static List<string> ParameterNames(INetwork network)
    {
        var names = new List<string>();
        foreach (ParameterInfo info in network.ParameterTable) names.Add(info.Name);
        return names;
    }

    private static void Load(INetwork network, string name, int[] shape, float[] values)
    {
        foreach (ParameterInfo info in network.ParameterTable)
        {
            if (info.Name != name) continue;
            Assert.Equal(shape, info.Shape);
            values.AsSpan().CopyTo(network.Parameters.AsSpan(info.Offset, info.Length));
            return;
        }
        Assert.Fail($"No parameter {name}.");
    }

    private static float[] Gradient(ITrainableNetwork network, string name)
    {
        foreach (ParameterInfo info in network.ParameterTable)
            if (info.Name == name) return network.Gradients.AsSpan(info.Offset, info.Length).ToArray();
        throw new InvalidOperationException($"No parameter {name}.");
    }
}
