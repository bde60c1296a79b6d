using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Modes;

/// <summary>
/// Dropout and Dropout2d in generated networks: PyTorch's outputs and input gradients with the fixture's masks (set
/// through the test hook <c>DropoutMaskOverride</c>), the identity in evaluation, masks that depend on the seed, the step
/// and the sample but not on the thread count, and the rate actually dropped.
/// </summary>
public sealed class DropoutTests
{
    private const double Abs = 1e-5, Rel = 1e-4;

    private static readonly Dictionary<string, Func<ITrainableNetwork>> s_networks = new()
    {
        ["dropout_p0.5_5x33"] = () => new DropoutP05Flat(1),
        ["dropout_p0.2_3x2x7x7"] = () => new DropoutP02Spatial(2),
        ["dropout_p0.7_4x70"] = () => new DropoutP07Flat(3),
        ["dropout2d_p0.5_5x3x7x7"] = () => new Dropout2dP05(2),
        ["dropout2d_p0.3_2x6x9x9"] = () => new Dropout2dP03(1),
    };

    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string name in JsonFixtures.CaseNames("dropout.json")) data.Add(name);
            return data;
        }
    }

    [Fact]
    public void EveryFixtureCaseHasANetwork()
        => Assert.True(JsonFixtures.CaseNames("dropout.json").ToHashSet().SetEquals(s_networks.Keys));

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainingMatchesPyTorchWithTheFixturesMask(string name)
    {
        JsonElement c = JsonFixtures.Case("dropout.json", name);
        JsonElement config = c.GetProperty("config");
        double p = config.GetProperty("p").GetDouble();
        bool channel = config.GetProperty("channel").GetBoolean();
        int batch = config.GetProperty("batch").GetInt32(), channels = config.GetProperty("channels").GetInt32(), spatial = config.GetProperty("spatial").GetInt32();
        float[] x = c.Floats("x"), keep = c.Floats("keep"), expectedY = c.Floats("y"), dy = c.Floats("dy"), dx = c.Floats("dx");
        int maskLength = channel ? channels : channels * spatial;

        using ITrainableNetwork network = s_networks[name]();
        ParameterInfo weight = Assert.Single(network.ParameterTable);
        int features = channels;
        for (int o = 0; o < features; o++) network.Parameters[weight.Offset + o * features + o] = 1f;
        var calls = new List<(long Step, int First, int Count)>();
        SetHook(network, (layer, step, first, count, mask) =>
        {
            Assert.Equal("dropout1", layer);
            lock (calls) calls.Add((step, first, count));
            for (int i = 0; i < count * maskLength; i++) mask[i] = (float)(keep[first * maskLength + i] / (1 - p));
        });

        // Training-mode inference: PyTorch's y.
        var y = new float[expectedY.Length];
        network.Forward(x, y, batch, NetworkMode.Training);
        Tolerance.AssertClose(expectedY, y, Abs, Rel, $"{name}: y");
        Assert.Equal(batch, calls.Sum(k => k.Count));
        Assert.All(calls, k => Assert.Equal(1L, k.Step));

        // Evaluation: the identity (the identity layer's output, exactly x).
        network.Forward(x, y, batch);
        Assert.Equal(x, y);

        // TrainStep with targets making the head's upstream gradient PyTorch's dy: the identity layer's weight gradient is
        // Σ dx·xᵀ with PyTorch's dx.
        int count = expectedY.Length;
        var targets = new float[count];
        for (int i = 0; i < count; i++) targets[i] = (float)(expectedY[i] - dy[i] * (count / 2.0));
        network.TrainStep(x, targets, batch);
        Tolerance.AssertClose(expectedY, ((ITrainingOutputs)network).LastOutputs.ToArray(), Abs, Rel, $"{name}: TrainStep outputs");
        var expectedDw = new float[features * features];
        for (int o = 0; o < features; o++)
            for (int i = 0; i < features; i++)
            {
                double sum = 0;
                for (int s = 0; s < batch; s++)
                    for (int q = 0; q < spatial; q++)
                        sum += (double)dx[(s * channels + o) * spatial + q] * x[(s * channels + i) * spatial + q];
                expectedDw[o * features + i] = (float)sum;
            }
        Tolerance.AssertClose(expectedDw, network.Gradients.AsSpan(weight.Offset, weight.Length).ToArray(), 1e-4, 1e-3, $"{name}: dW from PyTorch's dx");
    }

    [Fact]
    public void Evaluation_is_the_identity_and_training_mode_differs()
    {
        using var network = new DropoutMlp(2);
        network.Initialize(3);
        float[] x = Inputs(8, 20, 1);
        var evaluation = new float[8 * 4];
        var again = new float[8 * 4];
        network.Forward(x, evaluation, 8);
        network.Forward(x, again, 8, NetworkMode.Evaluation);
        Assert.Equal(evaluation, again);
        Assert.Equal(0, network.DropoutStep);

        var training = new float[8 * 4];
        network.Forward(x, training, 8, NetworkMode.Training);
        Assert.Equal(1, network.DropoutStep);
        Assert.NotEqual(evaluation, training);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward(x, training, 8, (NetworkMode)7));
    }

    [Fact]
    public void Masks_depend_on_seed_step_and_sample_not_on_the_thread_count()
    {
        float[] x = Inputs(11, 20, 2);
        int[] labels = Enumerable.Range(0, 11).Select(i => i % 4).ToArray();
        float[] Run(int threads, int seed, int steps, out float[] gradients)
        {
            using var network = new DropoutMlp(threads);
            network.Initialize(seed);
            for (int k = 0; k < steps; k++) network.TrainStep(x, labels, 11);
            gradients = network.Gradients.ToArray();
            Assert.Equal(steps, network.DropoutStep);
            var y = new float[11 * 4];
            network.Forward(x, y, 11, NetworkMode.Training);
            return y;
        }

        float[] one = Run(1, 5, 2, out float[] g1);
        float[] three = Run(3, 5, 2, out float[] g3);
        // Per-sample forward: the same masks whatever the split. Not bit for bit: a thread's slice of at most four samples
        // runs its dense layers as matrix-vector products (DenseGemv), whose rounding differs from the GEMM's in the last
        // bits; a different mask would change outputs by whole units.
        Tolerance.AssertClose(one, three, 1e-6, 1e-5, "training-mode outputs at 1 and 3 threads");
        Tolerance.AssertClose(g1, g3, 1e-6, 1e-5, "gradients at 1 and 3 threads");
        Assert.NotEqual(one, Run(1, 6, 2, out _));    // another seed, other masks
        Assert.NotEqual(one, Run(1, 5, 3, out _));    // another step, other masks

        // A sample's mask does not depend on the batch it is in: sample 0 alone gives the first row.
        using var network = new DropoutMlp(1);
        network.Initialize(5);
        network.DropoutStep = 2;
        var alone = new float[4];
        network.Forward(x.AsSpan(0, 20), alone, 1, NetworkMode.Training);
        Tolerance.AssertClose(one.AsSpan(0, 4), alone, 1e-6, 1e-5, "sample 0 alone and in the batch");
    }

    [Fact]
    public void The_dropped_fraction_is_the_rate_and_kept_values_are_scaled()
    {
        using var network = new Dropout2dCnn(2);
        network.Initialize(1);
        int batch = 400;
        var masks = new List<float>();
        // The hook sees what the kernel drew when it calls through: draw with the kernel, record, write.
        network.DropoutMaskOverride = (layer, step, first, count, mask) =>
        {
            Compiled.Kernels.DropoutKernels.ChannelMask(SeededRandom.DeriveSeed(network.DropoutSeed, 2), step, first, count, 4, 0.5, mask);
            lock (masks) masks.AddRange(mask.Slice(0, count * 4).ToArray());
        };
        network.Forward(Inputs(batch, 72, 3), new float[batch * 3], batch, NetworkMode.Training);
        Assert.Equal(batch * 4, masks.Count);
        Assert.All(masks, m => Assert.True(m == 0f || m == 2f));
        double dropped = masks.Count(m => m == 0f) / (double)masks.Count;
        Assert.InRange(dropped, 0.45, 0.55);         // 1600 channels: 5 standard deviations is ±0.0625
    }

    [Fact]
    public void Without_the_hook_the_network_draws_the_kernels_mask_for_its_seed()
    {
        using var network = new DropoutP05Flat(3);
        for (int o = 0; o < 33; o++) network.Parameters[o * 33 + o] = 1f;
        network.Initialize(9);
        for (int o = 0; o < 33; o++) { for (int i = 0; i < 33; i++) network.Parameters[o * 33 + i] = o == i ? 1f : 0f; }
        float[] x = Inputs(7, 33, 4);
        var y = new float[7 * 33];
        network.Forward(x, y, 7, NetworkMode.Training);
        var mask = new float[7 * 33];
        Compiled.Kernels.DropoutKernels.Mask(SeededRandom.DeriveSeed(network.DropoutSeed, 1), 1, 0, 7, 33, 0.5, mask);
        for (int i = 0; i < y.Length; i++) Assert.Equal(x[i] * mask[i], y[i]);
        Assert.Contains(mask, m => m == 0f);
        Assert.Contains(mask, m => m == 2f);
    }

    private static void SetHook(INetwork network, Compiled.Networks.DropoutMaskHook hook)
        => network.GetType().GetProperty("DropoutMaskOverride")!.SetValue(network, hook);

    private static float[] Inputs(int batch, int length, int seed)
    {
        var random = new SeededRandom((ulong)seed);
        var x = new float[batch * length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }
}

/// <summary>The dropout stream in checkpoints: a network with dropout saves DropoutSeed and DropoutStep and gets them back.</summary>
public sealed class DropoutCheckpointTests
{
    [Fact]
    public void A_checkpoint_restores_the_dropout_stream_so_the_masks_continue()
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "compiled-dropout-" + Guid.NewGuid().ToString("N") + ".ckpt");
        try
        {
            using var network = new DropoutMlp(2);
            network.Initialize(21);
            var x = new float[3 * 20];
            for (int i = 0; i < x.Length; i++) x[i] = (i % 7) - 3;
            network.TrainStep(x, new[] { 0, 1, 2 }, 3);
            network.TrainStep(x, new[] { 0, 1, 2 }, 3);
            Compiled.Serialization.Checkpoint.Save(path, network);

            using var restored = new DropoutMlp(1);
            restored.Initialize(5);
            Compiled.Serialization.Checkpoint.Load(path, restored);
            Assert.Equal(network.DropoutSeed, restored.DropoutSeed);
            Assert.Equal(2, restored.DropoutStep);
            var a = new float[3 * 4];
            var b = new float[3 * 4];
            network.Forward(x, a, 3, NetworkMode.Training);
            restored.Forward(x, b, 3, NetworkMode.Training);
            Assert.Equal(a, b);

            var bag = new Compiled.Serialization.StateBag();
            Assert.Throws<System.IO.InvalidDataException>(() => restored.ReadState(bag));
            Assert.Equal(3, restored.DropoutStep);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }
}
