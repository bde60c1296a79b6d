using System;
using Compiled.Networks;
using Compiled.Networks.Tests.Networks;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Optimizers;

namespace Compiled.Networks.Tests.Threads;

// Networks whose Dense weights reach the owned-gradient rule (Planning/CostModel.OwnsWeightGradient: in·out >= 65,536 floats)
// in each place a layer's x and dy can come from: x the network's input (OwnedMlp.fc1, whose training forward is owned by
// output features too: OwnedGradients.OwnsForward), x a pooled activation after an
// in-place ReLU and dy an activation's in-place gradient (OwnedConvNet.fc1), dy the loss's gradient (OwnedConvNet.fc2).

/// <summary>fc1 784·256 = 200,704 floats (owned), fc2 256·64 (per-thread copies), fc3.</summary>
[Network]
[Input(784)]
[Dense(256), ReLU]
[Dense(64), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class OwnedMlp;

/// <summary>conv1 (per-thread copies), fc1 256·300 = 76,800 floats (owned, reading the pooled tensor), fc2 300·240 = 72,000 (owned, the last layer).</summary>
[Network]
[Input(1, 16, 16)]
[Conv2D(4, Kernel = 3, Padding = 1), ReLU, MaxPool(2)]   // → [4, 8, 8] = 256
[Dense(300), ReLU]
[Dense(240), SoftmaxCrossEntropy]
public partial class OwnedConvNet;

/// <summary>fc 600·120 = 72,000 floats (owned): the first layer and the last, whose outputs are the runner's rows, so its forward stays per slice.</summary>
[Network]
[Input(600)]
[Dense(120, Name = "fc"), SoftmaxCrossEntropy]
public partial class OwnedOnlyLayer;

/// <summary>
/// Weight gradients owned by output features: on 2 and 3 threads each thread computes its range of an owned layer's output
/// features over the whole batch straight into <c>Gradients</c>, while the other layers' per-thread copies are summed in
/// thread order. The result equals the one-thread step (where every gradient is one per-slice sum) within rounding, is
/// bitwise reproducible for a fixed thread count, and is what the fused step's finite check and optimizer see.
/// </summary>
public sealed class OwnedGradientTests
{
    // Same tolerances as ThreadTests (1 vs T threads sum the same float32 terms in another association).
    private const double GradientScaledAbs = 1e-6, GradientRel = 1e-4;

    public static TheoryData<string, int, int> Cases()
    {
        var cases = new TheoryData<string, int, int>();
        foreach (string network in new[] { "mlp", "lenet5", "owned-mlp", "owned-conv", "owned-only" })
        {
            cases.Add(network, 2, 8);
            cases.Add(network, 2, 5);   // uneven: 2 + 3 samples
            cases.Add(network, 3, 7);   // 2 + 2 + 3
            cases.Add(network, 3, 2);   // fewer samples than threads: one slice is empty
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_on_several_threads_match_one_thread(string name, int threads, int batch)
    {
        using ITrainableNetwork one = Create(name, 1), many = Create(name, threads);
        (float loss1, float[] gradients1) = Step(one, batch);
        (float lossT, float[] gradientsT) = Step(many, batch);

        Tolerance.AssertClose(loss1, lossT, 1e-6, 1e-6, $"{name} loss, 1 vs {threads} threads, batch {batch}");
        double scale = 0;
        foreach (float g in gradients1) scale = Math.Max(scale, Math.Abs(g));
        Assert.True(scale > 0, "the gradients are not all zero");
        Tolerance.AssertClose(gradients1, gradientsT, GradientScaledAbs * scale, GradientRel, $"{name} gradients, 1 vs {threads} threads, batch {batch}");
    }

    [Theory]
    [InlineData("owned-mlp", 2)]
    [InlineData("owned-mlp", 3)]
    [InlineData("owned-conv", 2)]
    [InlineData("owned-conv", 3)]
    [InlineData("mlp", 2)]
    [InlineData("lenet5", 3)]
    public void Same_thread_count_is_bitwise_identical_and_steps_repeat(string name, int threads)
    {
        using ITrainableNetwork first = Create(name, threads), second = Create(name, threads);
        (float loss1, float[] gradients1) = Step(first, 9);
        (float loss2, float[] gradients2) = Step(second, 9);
        Assert.Equal(BitConverter.SingleToInt32Bits(loss1), BitConverter.SingleToInt32Bits(loss2));
        Tolerance.AssertBitwiseEqual(gradients1, gradients2, $"{name}, two networks, {threads} threads");

        // The same network again after ZeroGradients: the owned ranges were written once, the per-thread copies re-zeroed.
        (float loss3, float[] gradients3) = Step(first, 9);
        Assert.Equal(BitConverter.SingleToInt32Bits(loss1), BitConverter.SingleToInt32Bits(loss3));
        Tolerance.AssertBitwiseEqual(gradients1, gradients3, $"{name}, one network stepped twice, {threads} threads");
    }

    [Fact]
    public void Train_step_adds_into_the_gradients_it_is_given()
    {
        // Two steps without ZeroGradients accumulate (+=) in the owned ranges as in the per-thread ones.
        using ITrainableNetwork net = Create("owned-conv", 2);
        (_, float[] once) = Step(net, 6);
        net.TrainStep(Input(net, 6), Labels(net, 6), 6);
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], net.Gradients[i], 2 * Math.Abs(once[i]) * 1e-5 + 1e-9);
    }

    [Theory]
    [InlineData("owned-mlp", 2)]
    [InlineData("owned-conv", 3)]
    public void The_fused_step_sees_the_complete_gradient(string name, int threads)
    {
        // Fused: the finite check and SGD over each thread's range inside the step's dispatch; unfused: TrainStep, then SGD.
        using ITrainableNetwork fused = Create(name, threads), plain = Create(name, threads);
        fused.Initialize(5);
        plain.Initialize(5);
        var fusedSgd = new Sgd(0.05f, momentum: 0.9f);
        var plainSgd = new Sgd(0.05f, momentum: 0.9f);
        var options = new StepOptions(fused.Parameters, fused.ParameterTable) { Optimizer = fusedSgd, CheckFinite = true };
        for (int step = 0; step < 3; step++)
        {
            int batch = 7 + step;
            float[] x = Input(fused, batch);
            int[] labels = Labels(fused, batch);
            float fusedLoss = ((IFusedTrainStep)fused).TrainStep(x, labels, batch, options);
            float plainLoss = plain.TrainStep(x, labels, batch);
            plainSgd.StepAndZeroGradients(plain.Parameters, plain.Gradients);
            Assert.Equal(BitConverter.SingleToInt32Bits(plainLoss), BitConverter.SingleToInt32Bits(fusedLoss));
            Tolerance.AssertBitwiseEqual(plain.Parameters, fused.Parameters, $"{name} parameters after step {step}, {threads} threads");
            Assert.All(fused.Gradients, g => Assert.Equal(0f, g));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_frozen_owned_layer_gets_no_gradient_and_the_others_are_unchanged(int threads)
    {
        using ITrainableNetwork frozen = Create("owned-conv", threads), trained = Create("owned-conv", threads);
        frozen.Freeze("fc1");
        (_, float[] withFrozen) = Step(frozen, 6);
        (_, float[] all) = Step(trained, 6);
        foreach (ParameterInfo parameter in frozen.ParameterTable)
        {
            for (int i = parameter.Offset; i < parameter.Offset + parameter.Length; i++)
            {
                if (parameter.Layer == "fc1") Assert.Equal(0f, withFrozen[i]);
                else Assert.Equal(all[i], withFrozen[i]);
            }
        }
    }

    private static ITrainableNetwork Create(string name, int threads) => name switch
    {
        "mlp" => new ReferenceMlp(threads),
        "lenet5" => new ReferenceLeNet5(threads),
        "owned-mlp" => new OwnedMlp(threads),
        "owned-conv" => new OwnedConvNet(threads),
        "owned-only" => new OwnedOnlyLayer(threads),
        _ => throw new ArgumentException(name),
    };

    private static float[] Input(ITrainableNetwork net, int batch) => TestData.Uniform(batch * net.InputLength, seed: 70, low: -1f, high: 1f);

    private static int[] Labels(ITrainableNetwork net, int batch) => TestData.Labels(batch, Math.Min(net.OutputLength, 10), seed: 71);

    /// <summary>Seed 5, a fixed batch, one TrainStep from zeroed gradients.</summary>
    private static (float Loss, float[] Gradients) Step(ITrainableNetwork net, int batch)
    {
        net.Initialize(5);
        net.ZeroGradients();
        float loss = net.TrainStep(Input(net, batch), Labels(net, batch), batch);
        return (loss, (float[])net.Gradients.Clone());
    }
}
