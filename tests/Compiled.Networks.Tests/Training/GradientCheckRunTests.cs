using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Networks.Tests.Networks;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Training;

namespace Compiled.Networks.Tests.Training;

/// <summary>The user-facing <see cref="Compiled.Training.GradientCheck"/> passes on correct generated networks and names the layer of a wrong gradient.</summary>
public sealed class GradientCheckRunTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Passes_on_a_generated_conv_net_with_labels()
    {
        const int batch = 3;
        var network = new SmoothConvNet(1);
        network.Initialize(3);
        float[] before = (float[])network.Parameters.Clone();
        GradientCheckResult result = Compiled.Training.GradientCheck.Run(network, TestData.Uniform(batch * 144, seed: 1), TestData.Labels(batch, 4, seed: 2), batch);
        Assert.True(result.Passed, result.ToString());
        Assert.Equal(["conv1", "conv2", "fc1", "fc2"], result.Layers.Select(l => l.Layer));
        Assert.All(result.Parameters, p => Assert.True(p.Checked >= Math.Min(11, 4)));
        Assert.Equal(before, network.Parameters);           // restored
        Assert.All(network.Gradients, g => Assert.Equal(0f, g));
        Assert.Contains("passed", result.ToString());
    }

    [Fact]
    public void Passes_on_a_generated_regression_net_with_targets()
    {
        const int batch = 4;
        var network = new MeanSquaredErrorNet(1);
        network.Initialize(5);
        GradientCheckResult result = Compiled.Training.GradientCheck.Run(network, TestData.Gaussian(batch * 10, seed: 6), TestData.Gaussian(batch * 4, seed: 7), batch);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Catches_one_wrong_gradient_entry_and_names_its_layer()
    {
        const int batch = 4;
        var inner = new SmoothMlp(1);
        inner.Initialize(6);
        ParameterInfo fc2 = inner.ParameterTable.First(p => p.Name == "fc2.weight");
        // One entry of fc2.weight off by 0.05, the size of the larger gradient entries here. It need not be among the sampled
        // entries: the derivative along fc2.weight's whole gradient shows it.
        var wrong = new PerturbedNetwork(inner, g => g[fc2.Offset + 17] += 0.05f);
        GradientCheckResult result = Compiled.Training.GradientCheck.Run(wrong, TestData.Gaussian(batch * 20, seed: 4), TestData.Labels(batch, 5, seed: 5), batch);
        output.WriteLine(result.ToString());
        Assert.False(result.Passed, result.ToString());
        Assert.Equal(["fc2"], result.FailedLayers);
        Assert.Contains("FAILED", result.ToString());
        Assert.Contains("fc2", result.ToString().Split('\n')[^1]);
    }

    [Fact]
    public void Catches_a_wrongly_scaled_tensor()
    {
        const int batch = 4;
        var inner = new SmoothMlp(1);
        inner.Initialize(6);
        ParameterInfo bias = inner.ParameterTable.First(p => p.Name == "fc1.bias");
        var wrong = new PerturbedNetwork(inner, g => { foreach (ref float v in g.AsSpan(bias.Offset, bias.Length)) v *= 1.1f; });
        GradientCheckResult result = Compiled.Training.GradientCheck.Run(wrong, TestData.Gaussian(batch * 20, seed: 4), TestData.Labels(batch, 5, seed: 5), batch);
        Assert.Equal(["fc1"], result.FailedLayers);
        ParameterGradientCheck row = result.Parameters.First(p => p.Parameter == "fc1.bias");
        Assert.InRange(row.DirectionalRelativeError, 0.05, 0.15);   // a 10% scale error shows as ~9%
    }

    /// <summary>A generated network whose gradients are altered after every TrainStep: a stand-in for a wrong backward pass.</summary>
    private sealed class PerturbedNetwork(ITrainableNetwork inner, Action<float[]> perturb) : ITrainableNetwork
    {
        public int InputLength => inner.InputLength;
        public int OutputLength => inner.OutputLength;
        public IReadOnlyList<int> InputShape => inner.InputShape;
        public LossKind Loss => inner.Loss;
        public float[] Parameters => inner.Parameters;
        public IReadOnlyList<ParameterInfo> ParameterTable => inner.ParameterTable;
        public int Threads { get => inner.Threads; set => inner.Threads = value; }
        public string Summary => inner.Summary;
        public string Architecture => inner.Architecture;
        public float[] Gradients => inner.Gradients;
        public void Initialize(int seed) => inner.Initialize(seed);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => inner.Forward(input, output, batch);
        public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch) => inner.Predict(input, output, batch);
        public void ZeroGradients() => inner.ZeroGradients();

        public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch)
        {
            float loss = inner.TrainStep(input, labels, batch);
            perturb(inner.Gradients);
            return loss;
        }

        public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch)
        {
            float loss = inner.TrainStep(input, targets, batch);
            perturb(inner.Gradients);
            return loss;
        }
    }
}
