using System;
using System.Collections.Generic;
using System.Text.Json;
using Compiled.Kernels;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Networks.Tests.Widths;

namespace Compiled.Networks.Tests.PyTorch;

/// <summary>
/// Small whole generated networks against PyTorch (tests/fixtures/pytorch/networks.json, FixtureNetworks.cs): Tanh, Sigmoid,
/// ELU, LeakyReLU, average pooling, Conv2D's and the pools' whole geometry (1x7 and 7x1 kernels, pair strides, padding and
/// dilation, groups and a depthwise layer, pool padding, ceil mode, CountIncludePad, rectangular pool windows, strides and
/// padding) and the hinge, BCE and MSE heads inside a network, with PyTorch's parameters loaded by
/// name. Forward's output, Predict's (sigmoid for BCE, compared relatively down to sigmoid's tail at 1e-10), the mean loss
/// and every parameter gradient, at every vector width and 1 and 3 threads (odd batches, so the threads' slices differ).
/// The cases are read from the file: one without a network here fails.
/// </summary>
[Collection(SimdWidthCollection.Name)]
public sealed class NetworkFixtureTests
{
    private const string File = "networks.json";

    // PyTorch evaluated in float64 and rounded once; the network runs in float32.
    // Outputs: 1e-6·max(1, max|expected|) + 1e-5·|expected| (the BCE case's logits reach 23).
    // Predict with the BCE head (sigmoid): relative 1e-4, no absolute floor, which would hide sigmoid's tail (a logit error
    // e moves sigmoid by a factor of about e^e). Otherwise Predict is Forward and compared as it.
    // Measured: every check here also passes at a tenth of these tolerances (the hinge scores' relative error reaches 2e-5
    // where a score cancels to 0.002, which is why raw scores are not compared relatively).
    // Loss: 1e-6 + 1e-5·|expected|. Gradients, per tensor: 1e-5·max|expected| + 1e-4·|expected| and relative L2 ≤ 1e-5.
    private const double OutputAbs = 1e-6, OutputRel = 1e-5;
    private const double PredictionRel = 1e-4;
    private const double LossAbs = 1e-6, LossRel = 1e-5;
    private const double GradientScaledAbs = 1e-5, GradientRel = 1e-4, GradientNorm = 1e-5;

    private static readonly Dictionary<string, Func<int, ITrainableNetwork>> s_networks = new()
    {
        ["mlp_tanh_sigmoid_hinge"] = threads => new MlpTanhSigmoidHinge(threads),
        ["mlp_elu_leaky_sigmoid_mse"] = threads => new MlpEluLeakySigmoidMse(threads),
        ["conv_tanh_avgpool_elu_bce"] = threads => new ConvTanhAvgPoolEluBce(threads),
        ["conv_leaky_avgpool_sigmoid_mse"] = threads => new ConvLeakyAvgPoolSigmoidMse(threads),
        ["conv_factorized_depthwise_dilated_maxpool_hinge"] = threads => new ConvFactorizedDepthwiseDilatedMaxPoolHinge(threads),
        ["conv_grouped_avgpool_ceil_pad_mse"] = threads => new ConvGroupedAvgPoolCeilPadMse(threads),
        ["conv_rectangular_pools_hinge"] = threads => new ConvRectangularPoolsHinge(threads),
    };

    private static readonly VectorWidth[] s_widths = { VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 };

    /// <summary>Every case of networks.json × every width × 1 and 3 threads.</summary>
    public static TheoryData<string, VectorWidth, int> Cases
    {
        get
        {
            var data = new TheoryData<string, VectorWidth, int>();
            foreach (string name in JsonFixtures.CaseNames(File))
                foreach (VectorWidth width in s_widths)
                    foreach (int threads in new[] { 1, 3 })
                        data.Add(name, width, threads);
            Assert.True(data.Count > 0, $"{File} has no cases.");
            return data;
        }
    }

    [Fact]
    public void EveryFixtureCaseHasANetworkAndEveryNetworkACase()
    {
        var cases = new HashSet<string>(JsonFixtures.CaseNames(File));
        Assert.True(cases.Count >= 7, $"Expected at least the 7 committed network cases, found {cases.Count}.");
        var missing = new List<string>(cases);
        missing.RemoveAll(s_networks.ContainsKey);
        Assert.True(missing.Count == 0, $"{File} cases without a network in FixtureNetworks.cs: {string.Join(", ", missing)}.");
        var stale = new List<string>(s_networks.Keys);
        stale.RemoveAll(cases.Contains);
        Assert.True(stale.Count == 0, $"Networks whose fixture case no longer exists: {string.Join(", ", stale)}.");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardPredictLossAndEveryGradientMatchPyTorch(string name, VectorWidth width, int threads)
    {
        JsonElement c = JsonFixtures.Case(File, name);
        Assert.True(s_networks.TryGetValue(name, out Func<int, ITrainableNetwork>? create),
            $"{File} case '{name}' has no network: declare it in FixtureNetworks.cs and add it to the table above.");
        string where = $"{name} at {width}, {threads} thread(s)";
        VectorWidth saved = Simd.Width;
        try
        {
            Simd.Width = width;
            ITrainableNetwork network = create!(threads);
            int batch = c.GetProperty("batch").GetInt32();
            float[] input = c.Floats("input");
            Assert.Equal(c.Shape("input")[1..], ToArray(network.InputShape));
            Assert.Equal(batch * network.InputLength, input.Length);
            LoadParameters(network, c.GetProperty("parameters"));
            float[] before = (float[])network.Parameters.Clone();

            float[] expectedOutput = c.Floats("output");
            var output = new float[expectedOutput.Length];
            Assert.Equal(batch * network.OutputLength, output.Length);
            network.Forward(input, output, batch);
            Tolerance.AssertClose(expectedOutput, output, OutputAbs * Math.Max(1, MaxAbs(expectedOutput)), OutputRel, $"{where}: Forward");

            float[] expectedPrediction = c.Floats("prediction");
            var prediction = new float[expectedPrediction.Length];
            network.Predict(input, prediction, batch);
            if (c.GetProperty("loss_head").GetString() == "bce")
                Tolerance.AssertRelative(expectedPrediction, prediction, PredictionRel, $"{where}: Predict (sigmoid)");
            else   // Predict is Forward: raw scores, which may cancel to near zero, so not relative
                Tolerance.AssertClose(expectedPrediction, prediction, OutputAbs * Math.Max(1, MaxAbs(expectedPrediction)), OutputRel, $"{where}: Predict");

            network.ZeroGradients();
            float loss = c.Has("labels")
                ? network.TrainStep(input, Ints(c.GetProperty("labels").GetProperty("data")), batch)
                : network.TrainStep(input, c.Floats("targets"), batch);
            Tolerance.AssertClose(c.GetProperty("loss").GetSingle(), loss, LossAbs, LossRel, $"{where}: loss");

            JsonElement gradients = c.GetProperty("gradients");
            foreach (ParameterInfo info in network.ParameterTable)
            {
                float[] expected = gradients.Floats(info.Name);
                ReadOnlySpan<float> actual = network.Gradients.AsSpan(info.Offset, info.Length);
                double scale = MaxAbs(expected);
                Assert.True(scale > 0, $"{where}: PyTorch's gradient of {info.Name} is all zero; the comparison would be vacuous.");
                Tolerance.AssertClose(expected, actual, GradientScaledAbs * scale, GradientRel, $"{where}: d{info.Name}");
                Tolerance.AssertRelativeNorm(expected, actual, GradientNorm, $"{where}: d{info.Name}");
            }
            Tolerance.AssertBitwiseEqual(before, network.Parameters, $"{where}: parameters after TrainStep (it must not update them)");
        }
        finally
        {
            Simd.Width = saved;
        }
    }

    /// <summary>Copies every fixture parameter into the network by name, checking that names, shapes and count agree.</summary>
    private static void LoadParameters(INetwork network, JsonElement parameters)
    {
        int count = 0;
        foreach (JsonProperty _ in parameters.EnumerateObject()) count++;
        Assert.Equal(count, network.ParameterTable.Count);
        int covered = 0;
        foreach (ParameterInfo info in network.ParameterTable)
        {
            Assert.True(parameters.TryGetProperty(info.Name, out _), $"The fixture has no parameter '{info.Name}'.");
            Assert.Equal(parameters.Shape(info.Name), ToArray(info.Shape));
            parameters.Floats(info.Name).AsSpan().CopyTo(network.Parameters.AsSpan(info.Offset, info.Length));
            covered += info.Length;
        }
        Assert.Equal(network.Parameters.Length, covered);
    }

    private static int[] ToArray(IReadOnlyList<int> values)
    {
        var array = new int[values.Count];
        for (int i = 0; i < array.Length; i++) array[i] = values[i];
        return array;
    }

    private static int[] Ints(JsonElement array)
    {
        var values = new int[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray()) values[i++] = v.GetInt32();
        return values;
    }

    private static double MaxAbs(ReadOnlySpan<float> values)
    {
        double max = 0;
        foreach (float v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
