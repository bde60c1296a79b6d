using System;
using System.Linq;
using Compiled.Data;
using Compiled.Networks.Tests.Networks;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Optimizers;
using Compiled.Training;

namespace Compiled.Networks.Tests.Freezing;

/// <summary>
/// Freezing layers of a generated network: the backward pass leaves a frozen layer's gradients untouched (a sentinel
/// written before TrainStep survives it) while every trained layer's gradient is bit for bit the unfrozen network's, the
/// input gradient still flowing through frozen layers to trained ones below; the trainer does not move frozen layers.
/// </summary>
public sealed class FreezingTests
{
    private const int Batch = 5;
    private const float Sentinel = 12345.5f;
    private static readonly float[] X = TestData.Uniform(Batch * 144, seed: 1);
    private static readonly int[] Labels = TestData.Labels(Batch, 4, seed: 2);

    private static SmoothConvNet Net(int threads)
    {
        var net = new SmoothConvNet(threads);
        net.Initialize(3);
        return net;
    }

    private static float[] FullGradients(int threads)
    {
        var net = Net(threads);
        net.TrainStep(X, Labels, Batch);
        return (float[])net.Gradients.Clone();
    }

    [Theory]
    [InlineData(1, new[] { "conv2" })]            // a middle layer: conv1 below still needs the input gradient through it
    [InlineData(1, new[] { "conv1" })]            // the first layer
    [InlineData(1, new[] { "conv1", "conv2", "fc1" })]   // all but the last: the pass ends after fc2
    [InlineData(2, new[] { "conv2", "fc2" })]
    [InlineData(2, new[] { "conv1", "conv2", "fc1", "fc2" })]
    public void Frozen_layers_gradients_stay_untouched_and_the_others_are_exact(int threads, string[] frozen)
    {
        float[] full = FullGradients(threads);
        var net = Net(threads);
        foreach (string layer in frozen) net.Freeze(layer);
        Assert.All(frozen, layer => Assert.True(net.IsFrozen(layer)));
        foreach (ParameterInfo p in net.ParameterTable.Where(p => frozen.Contains(p.Layer)))
            net.Gradients.AsSpan(p.Offset, p.Length).Fill(Sentinel);

        net.TrainStep(X, Labels, Batch);

        foreach (ParameterInfo p in net.ParameterTable)
        {
            float[] got = net.Gradients.AsSpan(p.Offset, p.Length).ToArray();
            if (frozen.Contains(p.Layer)) Assert.All(got, g => Assert.Equal(Sentinel, g));
            else Assert.Equal(full.AsSpan(p.Offset, p.Length).ToArray(), got);
        }

        // Unfrozen again: the full gradients.
        foreach (string layer in frozen) net.Unfreeze(layer);
        net.ZeroGradients();
        net.TrainStep(X, Labels, Batch);
        Assert.Equal(full, net.Gradients);
    }

    [Fact]
    public void Only_layers_with_parameters_can_be_frozen_by_name()
    {
        var net = Net(1);
        var error = Assert.Throws<ArgumentException>(() => net.Freeze("tanh1"));
        Assert.Contains("conv1, conv2, fc1, fc2", error.Message);
        Assert.Throws<ArgumentException>(() => net.IsFrozen("nope"));
        Assert.False(net.IsFrozen("fc1"));
    }

    [Fact]
    public void The_trainer_does_not_move_a_frozen_layer_even_with_momentum_and_weight_decay()
    {
        float[] x = TestData.Uniform(64 * 144, seed: 5);
        var data = new Dataset(x, TestData.Labels(64, 4, seed: 6), [1, 12, 12]);
        var net = Net(1);
        float[] before = (float[])net.Parameters.Clone();
        net.Freeze("conv1");
        var sgd = new Sgd(0.1f, momentum: 0.9f, weightDecay: 0.01f);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, Output = null };
        new Trainer(net, sgd, options).Fit(data);

        foreach (ParameterInfo p in net.ParameterTable)
        {
            bool same = net.Parameters.AsSpan(p.Offset, p.Length).SequenceEqual(before.AsSpan(p.Offset, p.Length));
            Assert.True(p.Layer == "conv1" ? same : !same, $"{p.Name} {(same ? "did not move" : "moved")}");
        }

        // Unfrozen in the network, the trainer unfreezes it in the optimizer too.
        net.Unfreeze("conv1");
        float[] conv1 = net.Parameters.AsSpan(0, 36).ToArray();
        new Trainer(net, sgd, options with { Seed = 1 }).Fit(data);
        Assert.False(net.Parameters.AsSpan(0, 36).SequenceEqual(conv1));
    }

    [Fact]
    public void A_layer_frozen_mid_run_stops_moving_with_an_optimizer_that_already_stepped()
    {
        float[] x = TestData.Uniform(64 * 144, seed: 7);
        var data = new Dataset(x, TestData.Labels(64, 4, seed: 8), [1, 12, 12]);
        var net = Net(1);
        var adam = new Adam(0.01f);
        var options = new TrainerOptions { Epochs = 1, BatchSize = 16, Output = null };
        new Trainer(net, adam, options).Fit(data);       // steps without a parameter table
        Assert.True(adam.StepCount > 0);
        net.Freeze("fc1");
        ParameterInfo fc1 = net.ParameterTable.First(p => p.Name == "fc1.weight");
        float[] before = net.Parameters.AsSpan(fc1.Offset, fc1.Length).ToArray();
        new Trainer(net, adam, options with { Seed = 2 }).Fit(data);
        Assert.Equal(before, net.Parameters.AsSpan(fc1.Offset, fc1.Length).ToArray());
    }
}
