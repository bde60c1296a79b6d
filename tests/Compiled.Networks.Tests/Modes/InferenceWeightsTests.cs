using System;
using System.Linq;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Modes;

/// <summary>
/// conv1 and conv2 run Winograd (conv1 with bn1 folded into it; on one sample with two threads split by rows of tiles),
/// conv3 the direct 3×3 kernel with stride 2 and bn2 folded: every kind of packed filter inference keeps between calls.
/// </summary>
[Network]
[Input(16, 16, 16)]
[Conv2D(32, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
[Conv2D(32, Kernel = 3, Padding = 1), ReLU]
[Conv2D(16, Kernel = 3, Stride = 2, Padding = 1, Bias = false), BatchNorm, ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class KeptFiltersNet;

/// <summary>The same packed convolutions with no batch norm: nothing to fold, filters still kept.</summary>
[Network]
[Input(16, 16, 16)]
[Conv2D(32, Kernel = 3, Padding = 1), ReLU]
[Conv2D(16, Kernel = 3, Stride = 2, Padding = 1), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class KeptFiltersPlainNet;

/// <summary>LeNet-5's convolutions: at a few samples conv2 runs on channel vectors, whose packed filters are kept too.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]
[Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]
[Dense(10), SoftmaxCrossEntropy]
public partial class KeptChannelVectorNet;

/// <summary>A batch norm folded into a dense layer: the dense layer's weights feed the fold.</summary>
[Network]
[Input(12)]
[Dense(16, Bias = false), BatchNorm, ReLU]
[Dense(4), SoftmaxCrossEntropy]
public partial class FoldedDenseNet;

/// <summary>
/// Inference keeps packed filters and folded batch norms between calls and rederives them only when the weights or the
/// running statistics changed (Networks/InferenceWeights): after any change, however made, Forward and Predict give the
/// bits of a new network holding the same values, on one thread and two, for one sample and several.
/// </summary>
public sealed class InferenceWeightsTests
{
    public static TheoryData<int, int> ThreadsAndBatches => new() { { 1, 1 }, { 2, 1 }, { 2, 3 } };

    [Theory]
    [MemberData(nameof(ThreadsAndBatches))]
    public void Inference_follows_every_change_to_the_weights_and_statistics(int threads, int batch)
    {
        using var network = new KeptFiltersNet { Threads = threads };
        network.Initialize(4);
        RandomStatistics(network, seed: 21);
        float[] x = TestData.Uniform(batch * KeptFiltersNet.InputLength, seed: 22, low: -1f);
        int Offset(string name, int index) => network.ParameterTable.Single(p => p.Name == name).Offset + index;
        int StateOffset(string name, int index) => network.StateTable.Single(p => p.Name == name).Offset + index;

        AssertLikeNew(network, x, batch, "first call");
        AssertLikeNew(network, x, batch, "unchanged");
        var changes = new (string What, Action Change)[]
        {
            ("a folded convolution's weight", () => network.Parameters[Offset("conv1.weight", 1000)] += 0.5f),
            ("one ulp of it", () => network.Parameters[Offset("conv1.weight", 1000)] = MathF.BitIncrement(network.Parameters[Offset("conv1.weight", 1000)])),
            ("a kept convolution's last weight", () => network.Parameters[Offset("conv2.weight", 32 * 32 * 9 - 1)] -= 1f),
            ("its bias", () => network.Parameters[Offset("conv2.bias", 5)] += 1f),
            ("a batch norm's gamma", () => network.Parameters[Offset("bn1.weight", 3)] *= -2f),
            ("a batch norm's beta", () => network.Parameters[Offset("bn2.bias", 15)] += 1f),
            ("a running variance", () => network.StateBuffer[StateOffset("bn1.running_var", 7)] *= 4f),
            ("a running mean", () => network.StateBuffer[StateOffset("bn2.running_mean", 0)] += 1f),
            ("the stride-2 convolution's weight", () => network.Parameters[Offset("conv3.weight", 17)] += 1f),
            ("an optimizer step", () => Step(network)),
            ("a checkpoint's values copied in", () => Array.Copy(Fresh(network).Parameters, network.Parameters, network.Parameters.Length)),
        };
        foreach (var (what, change) in changes)
        {
            change();
            AssertLikeNew(network, x, batch, what);
        }
    }

    [Theory]
    [MemberData(nameof(ThreadsAndBatches))]
    public void Kept_filters_without_batch_norms_follow_every_change(int threads, int batch)
    {
        using var network = new KeptFiltersPlainNet { Threads = threads };
        network.Initialize(6);
        float[] x = TestData.Uniform(batch * KeptFiltersPlainNet.InputLength, seed: 23, low: -1f);
        int conv2 = network.ParameterTable.Single(p => p.Name == "conv2.weight").Offset;
        ForwardFollowsEveryChange(network, () => new KeptFiltersPlainNet { Threads = threads }, x, batch, [0, 4607, conv2, conv2 + 4607], $"{threads} threads, batch {batch}");
    }

    // Adds to each weight in turn and checks that the network's Forward gives the same bits as a new network with those
    // weights, and that the changes changed the outputs.
    private static void ForwardFollowsEveryChange(ITrainableNetwork network, Func<ITrainableNetwork> create, float[] x, int batch, int[] indices, string what)
    {
        int outputs = batch * network.OutputLength;
        float[] before = new float[outputs], after = new float[outputs];
        network.Forward(x, before, batch);
        foreach (int index in indices)
        {
            network.Parameters[index] += 0.75f;
            network.Forward(x, after, batch);
            using ITrainableNetwork fresh = create();
            network.Parameters.CopyTo(fresh.Parameters, 0);
            float[] expected = new float[outputs];
            fresh.Forward(x, expected, batch);
            Tolerance.AssertBitwiseEqual(expected, after, $"after weight {index} changed, {what}");
        }
        Assert.False(before.AsSpan().SequenceEqual(after), "the changes changed the outputs");
    }

    [Theory]
    [MemberData(nameof(ThreadsAndBatches))]
    public void Kept_channel_vector_filters_follow_every_change(int threads, int batch)
    {
        using var network = new KeptChannelVectorNet { Threads = threads };
        network.Initialize(7);
        float[] x = TestData.Uniform(batch * KeptChannelVectorNet.InputLength, seed: 24, low: -1f);
        using InferenceSession session = network.CreateInferenceSession();
        int conv2 = network.ParameterTable.Single(p => p.Name == "conv2.weight").Offset;
        ForwardFollowsEveryChange(network, () => new KeptChannelVectorNet { Threads = threads }, x, batch, [0, conv2, conv2 + 2399], $"{threads} threads, batch {batch}");

        // The session was made before the changes: it keeps the weights it copied.
        float[] fromSession = new float[batch * 10], probabilities = new float[batch * 10];
        session.Predict(x, fromSession, batch);
        using var original = new KeptChannelVectorNet { Threads = threads };
        original.Initialize(7);
        original.Predict(x, probabilities, batch);
        Tolerance.AssertBitwiseEqual(probabilities, fromSession, $"the session, {threads} threads, batch {batch}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_batch_norm_folded_into_a_dense_layer_follows_its_weights(int threads)
    {
        using var network = new FoldedDenseNet { Threads = threads };
        network.Initialize(8);
        float[] x = TestData.Uniform(3 * FoldedDenseNet.InputLength, seed: 26, low: -1f);
        float[] before = new float[3 * 4], after = new float[3 * 4], expected = new float[3 * 4];
        network.Forward(x, before, 3);
        int fc1 = network.ParameterTable.Single(p => p.Name == "fc1.weight").Offset;
        for (int i = 0; i < 12; i++) network.Parameters[fc1 + i] *= -3f;
        network.Forward(x, after, 3);
        using var fresh = new FoldedDenseNet { Threads = threads };
        network.Parameters.CopyTo(fresh.Parameters, 0);
        network.StateBuffer.CopyTo(fresh.StateBuffer, 0);
        fresh.Forward(x, expected, 3);
        Tolerance.AssertBitwiseEqual(expected, after, $"after fc1's weights changed, {threads} threads");
        Assert.False(before.AsSpan().SequenceEqual(after), "the change changed the outputs");
    }

    // Forward and Predict of the network against a new one holding its parameters and statistics.
    private static void AssertLikeNew(KeptFiltersNet network, float[] x, int batch, string what)
    {
        using var fresh = new KeptFiltersNet { Threads = network.Threads };
        network.Parameters.CopyTo(fresh.Parameters, 0);
        network.StateBuffer.CopyTo(fresh.StateBuffer, 0);
        float[] expected = new float[batch * 10], actual = new float[batch * 10];
        fresh.Forward(x, expected, batch);
        network.Forward(x, actual, batch);
        Tolerance.AssertBitwiseEqual(expected, actual, $"Forward after {what}, {network.Threads} threads, batch {batch}");
        fresh.Predict(x, expected, batch);
        network.Predict(x, actual, batch);
        Tolerance.AssertBitwiseEqual(expected, actual, $"Predict after {what}, {network.Threads} threads, batch {batch}");
    }

    /// <summary>Running means in [-0.5, 0.5) and variances in [0.5, 1.5), so folding them changes every output.</summary>
    internal static void RandomStatistics(INetwork network, ulong seed)
    {
        var random = new SeededRandom(seed);
        foreach (ParameterInfo info in network.StateTable)
        {
            bool variance = info.Name.EndsWith("running_var", StringComparison.Ordinal);
            for (int i = 0; i < info.Length; i++) network.StateBuffer[info.Offset + i] = variance ? 0.5f + random.NextFloat() : random.NextFloat() - 0.5f;
        }
    }

    private static void Step(KeptFiltersNet network)
    {
        float[] x = TestData.Uniform(4 * KeptFiltersNet.InputLength, seed: 24);
        network.ZeroGradients();
        network.TrainStep(x, TestData.Labels(4, 10, seed: 25), 4);
        new Optimizers.Sgd(0.1f).Step(network.Parameters, network.Gradients);
    }

    private static KeptFiltersNet Fresh(KeptFiltersNet like)
    {
        var other = new KeptFiltersNet { Threads = 1 };
        other.Initialize(9);
        return other;
    }
}
