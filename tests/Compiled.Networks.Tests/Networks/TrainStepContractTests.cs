using System;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Networks;

/// <summary>What ITrainableNetwork promises about its buffers: TrainStep adds to Gradients, ZeroGradients clears them, Initialize is seeded.</summary>
public sealed class TrainStepContractTests
{
    [Fact]
    public void TrainStepAccumulatesIntoGradients()
    {
        const int batch = 3;
        float[] x = TestData.Uniform(batch * 144, seed: 60);
        int[] labels = TestData.Labels(batch, 4, seed: 61);
        var network = new SmoothConvNet(1);
        network.Initialize(62);
        network.ZeroGradients();
        float first = network.TrainStep(x, labels, batch);
        float[] once = (float[])network.Gradients.Clone();
        Assert.Contains(once, g => g != 0f);

        float second = network.TrainStep(x, labels, batch);

        Assert.Equal(first, second);
        var twice = new float[once.Length];
        for (int i = 0; i < once.Length; i++) twice[i] = 2f * once[i];
        Tolerance.AssertClose(twice, network.Gradients, 1e-7, 1e-6, "gradients after two identical steps");

        network.ZeroGradients();
        Assert.All(network.Gradients, g => Assert.Equal(0f, g));
        network.TrainStep(x, labels, batch);
        Tolerance.AssertBitwiseEqual(once, network.Gradients, "gradients after ZeroGradients and the same step again");
    }

    [Fact]
    public void InitializeIsSeeded()
    {
        var a = new ReferenceLeNet5(1);
        var b = new ReferenceLeNet5(1);
        a.Initialize(7);
        b.Initialize(7);
        Tolerance.AssertBitwiseEqual(a.Parameters, b.Parameters, "parameters from the same seed");
        b.Initialize(8);
        Assert.NotEqual(a.Parameters, b.Parameters);

        foreach (ParameterInfo info in a.ParameterTable)
        {
            Span<float> values = a.Parameters.AsSpan(info.Offset, info.Length);
            if (info.Name.EndsWith(".bias", StringComparison.Ordinal))
                Assert.All(values.ToArray(), v => Assert.Equal(0f, v));        // default: zero biases
            else
                Assert.Contains(values.ToArray(), v => v != 0f);
        }
    }

    [Fact]
    public void DefaultInitializationIsHeBeforeReluAndXavierBeforeTheHead()
    {
        var network = new ReferenceLeNet5(1);
        network.Initialize(11);

        // fc1 (before ReLU): He normal, std sqrt(2 / 400); 48,000 draws put the sample std within 3%.
        double fc1 = StandardDeviation(Tensor(network, "fc1.weight"));
        Assert.InRange(fc1, 0.97 * Math.Sqrt(2.0 / 400), 1.03 * Math.Sqrt(2.0 / 400));

        // fc3 (before the loss head): Xavier uniform on ±sqrt(6 / (84 + 10)), std limit / sqrt(3); 840 draws: within 10%.
        float[] fc3 = Tensor(network, "fc3.weight");
        double limit = Math.Sqrt(6.0 / (84 + 10));
        Assert.All(fc3, v => Assert.InRange(v, -limit, limit));
        Assert.InRange(StandardDeviation(fc3), 0.9 * limit / Math.Sqrt(3), 1.1 * limit / Math.Sqrt(3));
    }

    private static float[] Tensor(INetwork network, string name)
    {
        foreach (ParameterInfo info in network.ParameterTable)
            if (info.Name == name) return network.Parameters.AsSpan(info.Offset, info.Length).ToArray();
        throw new InvalidOperationException($"No parameter {name}.");
    }

    private static double StandardDeviation(float[] values)
    {
        double mean = 0, square = 0;
        foreach (float v in values) mean += v;
        mean /= values.Length;
        foreach (float v in values) square += (v - mean) * (v - mean);
        return Math.Sqrt(square / values.Length);
    }
}
