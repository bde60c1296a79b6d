using System;
using System.Collections.Generic;
using System.Text.Json;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.PyTorch;

/// <summary>
/// Every lrn.json and globalavgpool.json case through a generated network (NormalizationLayerNetworks.cs): an identity
/// 1x1 convolution, the layer, an MSE head. Forward must give PyTorch's y; TrainStep with targets t = y − dy·count/2
/// (so the head's upstream gradient is PyTorch's dy) must give the convolution weight gradient that PyTorch's dx implies,
/// dW[o, i] = Σ over samples and positions of dx[o]·x[i] (computed here in double from the fixture).
/// </summary>
public sealed class NormalizationLayerFixtureTests
{
    private const double Abs = 1e-5, Rel = 1e-4;

    private static readonly Dictionary<string, Func<ITrainableNetwork>> s_networks = new()
    {
        ["lrn_alexnet_size5_2x7x5x5"] = () => new LrnAlexNetLayer(1),
        ["lrn_size5_strong_2x7x5x5"] = () => new LrnStrongLayer(1),
        ["lrn_size4_even_3x6x3x3"] = () => new LrnEvenSizeLayer(1),
        ["lrn_size3_wide_1x4x9x9"] = () => new LrnWideLayer(1),
        ["lrn_size9_more_than_channels_2x3x4x4"] = () => new LrnWindowBeyondChannelsLayer(3),
        ["gap_5x3x7x7"] = () => new Gap3x7x7Layer(1),
        ["gap_2x4x9x11"] = () => new Gap4x9x11Layer(2),
        ["gap_3x70x1x1"] = () => new Gap70x1x1Layer(1),
        ["gap_2x17x2x3"] = () => new Gap17x2x3Layer(1),
        ["gap_1x2x10x10"] = () => new Gap2x10x10Layer(1),
    };

    private static readonly string[] s_files = { "lrn.json", "globalavgpool.json" };

    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string file in s_files)
                foreach (string name in JsonFixtures.CaseNames(file)) data.Add(name);
            return data;
        }
    }

    [Fact]
    public void EveryFixtureCaseHasANetworkAndEveryNetworkACase()
    {
        var cases = new HashSet<string>();
        foreach (string file in s_files) cases.UnionWith(JsonFixtures.CaseNames(file));
        Assert.Equal(10, cases.Count);
        Assert.True(cases.SetEquals(s_networks.Keys), "lrn.json/globalavgpool.json cases and the networks here differ.");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndInputGradientMatchPyTorch(string name)
    {
        JsonElement c = JsonFixtures.Case(name.StartsWith("lrn", StringComparison.Ordinal) ? "lrn.json" : "globalavgpool.json", name);
        using ITrainableNetwork network = s_networks[name]();
        int[] shape = c.Shape("x");
        int batch = shape[0], channels = shape[1], spatial = shape[2] * shape[3];
        float[] x = c.Floats("x"), expectedY = c.Floats("y"), dy = c.Floats("dy"), dx = c.Floats("dx");
        Assert.Equal(x.Length, batch * network.InputLength);
        Assert.Equal(expectedY.Length, batch * network.OutputLength);

        // The identity convolution.
        ParameterInfo weight = Assert.Single(network.ParameterTable);
        Assert.Equal("conv1.weight", weight.Name);
        for (int o = 0; o < channels; o++) network.Parameters[weight.Offset + o * channels + o] = 1f;

        var y = new float[expectedY.Length];
        network.Forward(x, y, batch);
        Tolerance.AssertClose(expectedY, y, Abs, Rel, $"{name}: y");

        int count = expectedY.Length;
        var targets = new float[count];
        for (int i = 0; i < count; i++) targets[i] = (float)(expectedY[i] - dy[i] * (count / 2.0));
        network.ZeroGradients();
        network.TrainStep(x, targets, batch);

        var expectedDw = new float[channels * channels];
        for (int o = 0; o < channels; o++)
        {
            for (int i = 0; i < channels; i++)
            {
                double sum = 0;
                for (int s = 0; s < batch; s++)
                    for (int p = 0; p < spatial; p++)
                        sum += (double)dx[(s * channels + o) * spatial + p] * x[(s * channels + i) * spatial + p];
                expectedDw[o * channels + i] = (float)sum;
            }
        }
        Tolerance.AssertClose(expectedDw, network.Gradients.AsSpan(weight.Offset, weight.Length).ToArray(), 1e-4, 1e-3, $"{name}: dW from PyTorch's dx");
    }
}
