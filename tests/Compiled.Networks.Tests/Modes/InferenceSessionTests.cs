using System;
using System.Linq;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Modes;

/// <summary>An abstract network: generated code cannot copy it, so its sessions are refused with the reason.</summary>
[Network]
[Input(6)]
[Dense(3), SoftmaxCrossEntropy]
public abstract partial class AbstractSessionNet;

/// <summary>A class a user derives from the abstract network (not itself a network).</summary>
public sealed class ConcreteSessionNet : AbstractSessionNet;

/// <summary>A network with a required member, which the copy a session makes (<c>new X(threads)</c>) would not set.</summary>
[Network]
[Input(6)]
[Dense(3), SoftmaxCrossEntropy]
public partial class RequiredMemberNet
{
    public required string Tag { get; init; }
}

/// <summary>
/// <see cref="InferenceSession"/>: the network's outputs, bit for bit, on the weights and statistics it had when the session
/// was made, whatever happens to the network afterwards (training, a write into its parameters or statistics), and on as
/// many threads; for networks with packed filters, folded batch norms and state (Winograd, the stride-2 direct kernel), with
/// a batch norm folded into a dense layer, and with neither.
/// </summary>
public sealed class InferenceSessionTests
{
    public static TheoryData<int, int> ThreadsAndBatches => new() { { 1, 1 }, { 2, 1 }, { 1, 5 }, { 2, 5 } };

    [Theory]
    [MemberData(nameof(ThreadsAndBatches))]
    public void A_session_gives_the_networks_bits_and_keeps_them_whatever_happens_to_the_network(int threads, int batch)
    {
        using var network = new KeptFiltersNet { Threads = threads };
        network.Initialize(31);
        InferenceWeightsTests.RandomStatistics(network, seed: 32);
        float[] x = TestData.Uniform(batch * KeptFiltersNet.InputLength, seed: 33, low: -1f);
        float[] forward = new float[batch * 10], predict = new float[batch * 10];
        network.Forward(x, forward, batch);
        network.Predict(x, predict, batch);

        using InferenceSession session = network.CreateInferenceSession();
        Assert.Equal(threads, session.Threads);
        Assert.Equal(KeptFiltersNet.InputLength, session.InputLength);
        Assert.Equal(10, session.OutputLength);
        Assert.Equal(network.InputShape, session.InputShape);
        Assert.Equal(network.Architecture, session.Architecture);
        Assert.Equal(LossKind.SoftmaxCrossEntropy, session.Loss);
        AssertSession(session, x, batch, forward, predict, "new");

        // Every kind of change to the network: its own outputs move, the session's stay.
        int Offset(string name, int index) => network.ParameterTable.Single(p => p.Name == name).Offset + index;
        int StateOffset(string name, int index) => network.StateTable.Single(p => p.Name == name).Offset + index;
        var changes = new (string What, Action Change)[]
        {
            ("a folded convolution's weight", () => network.Parameters[Offset("conv1.weight", 1000)] += 0.5f),
            ("a kept convolution's bias", () => network.Parameters[Offset("conv2.bias", 5)] += 1f),
            ("a running variance", () => network.StateBuffer[StateOffset("bn1.running_var", 7)] *= 4f),
            ("an optimizer step", () =>
            {
                float[] batchX = TestData.Uniform(4 * KeptFiltersNet.InputLength, seed: 34);
                network.ZeroGradients();
                network.TrainStep(batchX, TestData.Labels(4, 10, seed: 35), 4);
                new Optimizers.Sgd(0.1f).Step(network.Parameters, network.Gradients);
            }),
        };
        float[] moved = new float[batch * 10];
        foreach (var (what, change) in changes)
        {
            change();
            network.Forward(x, moved, batch);
            Assert.False(moved.AsSpan().SequenceEqual(forward), $"{what} changed the network's own outputs");
            AssertSession(session, x, batch, forward, predict, $"after {what}");
        }

        // A session made now runs the changed weights, as the network does.
        using InferenceSession later = network.CreateInferenceSession();
        float[] laterPredict = new float[batch * 10];
        network.Predict(x, laterPredict, batch);
        AssertSession(later, x, batch, moved, laterPredict, "made after the changes");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Sessions_of_networks_without_batch_norms_or_packed_filters_match_them_too(int threads)
    {
        using var plain = new KeptFiltersPlainNet { Threads = threads };
        plain.Initialize(41);
        AssertMatches(plain, plain.CreateInferenceSession(), TestData.Uniform(3 * KeptFiltersPlainNet.InputLength, seed: 42, low: -1f), 3);

        using var folded = new FoldedDenseNet { Threads = threads };
        folded.Initialize(43);
        for (int i = 0; i < folded.StateBuffer.Length; i++) folded.StateBuffer[i] = 0.25f + 0.01f * i;
        AssertMatches(folded, folded.CreateInferenceSession(), TestData.Uniform(3 * FoldedDenseNet.InputLength, seed: 44, low: -1f), 3);

        using var mlp = new Networks.ReferenceMlp { Threads = threads };
        mlp.Initialize(45);
        AssertMatches(mlp, mlp.CreateInferenceSession(), TestData.Uniform(2 * 784, seed: 46), 2);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(1, 64)]
    [InlineData(2, 64)]
    [InlineData(2, 75)]
    public void A_session_packs_its_dense_weights_once_and_gives_the_networks_bits(int threads, int batch)
    {
        // Batches past the matrix-vector path: the session's dense layers read their weights packed once (its stamp covers
        // every weight), the network's pack per call; the same bits, call after call, also after the network changes.
        using var mlp = new Networks.ReferenceMlp { Threads = threads };
        mlp.Initialize(47);
        float[] x = TestData.Uniform(batch * 784, seed: 48);
        using InferenceSession session = mlp.CreateInferenceSession();
        float[] forward = new float[batch * Networks.ReferenceMlp.OutputLength], predict = new float[batch * Networks.ReferenceMlp.OutputLength];
        mlp.Forward(x, forward, batch);
        mlp.Predict(x, predict, batch);
        for (int call = 0; call < 3; call++) AssertSession(session, x, batch, forward, predict, $"ReferenceMlp, call {call}");
        mlp.Parameters[0] += 1f;
        AssertSession(session, x, batch, forward, predict, "ReferenceMlp after its first weight changed");

        using var folded = new FoldedDenseNet { Threads = threads };
        folded.Initialize(49);
        for (int i = 0; i < folded.StateBuffer.Length; i++) folded.StateBuffer[i] = 0.25f + 0.01f * i;
        AssertMatches(folded, folded.CreateInferenceSession(), TestData.Uniform(batch * FoldedDenseNet.InputLength, seed: 50, low: -1f), batch);
    }

    [Fact]
    public void A_sessions_threads_are_its_own_and_it_ends_them_when_disposed()
    {
        using var network = new KeptFiltersPlainNet { Threads = 2 };
        network.Initialize(51);
        InferenceSession session = network.CreateInferenceSession();
        session.Threads = 1;
        Assert.Equal(1, session.Threads);
        Assert.Equal(2, network.Threads);
        float[] x = TestData.Uniform(KeptFiltersPlainNet.InputLength, seed: 52), y = new float[10];
        session.Forward(x, y, 1);
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Forward(x, y, 1));
        network.Forward(x, y, 1);   // the network's own threads are untouched
    }

    [Fact]
    public void Classes_that_generated_code_cannot_copy_and_networks_that_are_not_generated_say_why()
    {
        using var concrete = new ConcreteSessionNet();
        var error = Assert.Throws<NotSupportedException>(() => concrete.CreateInferenceSession());
        Assert.Contains("AbstractSessionNet is abstract", error.Message);

        using var required = new RequiredMemberNet { Tag = "x" };
        error = Assert.Throws<NotSupportedException>(() => required.CreateInferenceSession());
        Assert.Contains("RequiredMemberNet has required members", error.Message);

        INetwork handWritten = new HandWritten();
        error = Assert.Throws<NotSupportedException>(() => handWritten.CreateInferenceSession());
        Assert.Contains("HandWritten cannot create an inference session", error.Message);
    }

    [Fact]
    public void A_session_over_a_network_that_others_still_change_follows_them()
    {
        // The public constructor takes any network; it does not seal it, so its calls keep the network's own checks.
        using var network = new KeptFiltersPlainNet { Threads = 1 };
        network.Initialize(61);
        var session = new InferenceSession(network);
        float[] x = TestData.Uniform(KeptFiltersPlainNet.InputLength, seed: 62, low: -1f), before = new float[10], after = new float[10], expected = new float[10];
        session.Forward(x, before, 1);
        network.Parameters[0] += 1f;
        session.Forward(x, after, 1);
        network.Forward(x, expected, 1);
        Tolerance.AssertBitwiseEqual(expected, after, "the session follows the network it wraps");
        Assert.False(before.AsSpan().SequenceEqual(after), "the change changed the outputs");
    }

    private static void AssertMatches(INetwork network, InferenceSession session, float[] x, int batch)
    {
        using (session)
        {
            float[] forward = new float[batch * network.OutputLength], predict = new float[batch * network.OutputLength];
            network.Forward(x, forward, batch);
            network.Predict(x, predict, batch);
            AssertSession(session, x, batch, forward, predict, $"{network.GetType().Name} on {network.Threads} threads");
            network.Parameters[^1] += 1f;
            AssertSession(session, x, batch, forward, predict, $"{network.GetType().Name} after its last parameter changed");
        }
    }

    private static void AssertSession(InferenceSession session, float[] x, int batch, float[] forward, float[] predict, string what)
    {
        float[] actual = new float[forward.Length];
        session.Forward(x, actual, batch);
        Tolerance.AssertBitwiseEqual(forward, actual, $"Forward, session {what}, {session.Threads} threads, batch {batch}");
        session.Predict(x, actual, batch);
        Tolerance.AssertBitwiseEqual(predict, actual, $"Predict, session {what}, {session.Threads} threads, batch {batch}");
    }

    private sealed class HandWritten : INetwork
    {
        public int InputLength => 1;
        public int OutputLength => 1;
        public System.Collections.Generic.IReadOnlyList<int> InputShape => [1];
        public LossKind Loss => LossKind.None;
        public float[] Parameters { get; } = [];
        public System.Collections.Generic.IReadOnlyList<ParameterInfo> ParameterTable => [];
        public int Threads { get; set; } = 1;
        public string Summary => "";
        public string Architecture => "";
        public void Initialize(int seed) { }
        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => input.CopyTo(output);
        public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch) => input.CopyTo(output);
    }
}
