using System;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Networks;

/// <summary>
/// VGG's block ends, smaller: 3×3 convolutions whose 2×2 max-pools (and the ReLUs moved after them) inference runs in the
/// convolutions' epilogues (Winograd F(4×4) on the 28×28 and 14×14 planes, pooling each tile as it is written; the 7×7
/// plane's odd last row and column left out as the pool leaves them).
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(16, Kernel = 3, Padding = 1), ReLU]
[Conv2D(16, Kernel = 3, Padding = 1), ReLU, MaxPool(2)]   // [16,28,28] → [16,14,14]
[Conv2D(24, Kernel = 3, Padding = 1), ReLU, MaxPool(2)]   // → [24,14,14] → [24,7,7]
[Conv2D(8, Kernel = 3, Padding = 1), MaxPool(2)]          // → [8,7,7] → [8,3,3], no ReLU
[Dense(10), SoftmaxCrossEntropy]
public partial class PooledBlocksNet;

/// <summary>
/// Inference with the pools fused into the convolutions gives, bit for bit, the outputs of the training pass, which runs
/// the convolution and the pool (with its arg-max indices) as separate kernels; on one and two threads, on one sample
/// (split by tiles over two threads) and on a batch, through the network and through an inference session.
/// </summary>
public sealed class ConvPoolFusionTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 5)]
    [InlineData(2, 5)]
    public void Fused_inference_gives_the_training_pass_s_outputs(int threads, int batch)
    {
        using var network = new PooledBlocksNet { Threads = threads };
        network.Initialize(71);
        AssertInferenceEqualsTraining(network, threads, batch, seed: 72, "VGG-style");
    }

    /// <summary>
    /// LeNet-5's conv2 (6 → 16, 5×5) runs on channel vectors on up to four samples on one thread, where inference pools each
    /// plane before it is transposed; on two threads a call on one sample splits it by pixels and pools apart. Either way
    /// the training pass's outputs, bit for bit.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 3)]
    [InlineData(2, 1)]
    [InlineData(2, 5)]
    public void Lenet5_fused_inference_gives_the_training_pass_s_outputs(int threads, int batch)
    {
        using var network = new ReferenceLeNet5(threads);
        network.Initialize(74);
        AssertInferenceEqualsTraining(network, threads, batch, seed: 75, "LeNet-5");
    }

    // Forward and an inference session (the fused pools) against TrainStep's outputs (the separate kernels), bit for bit.
    private static void AssertInferenceEqualsTraining<TNetwork>(TNetwork network, int threads, int batch, ulong seed, string name)
        where TNetwork : ITrainableNetwork, ITrainingOutputs
    {
        float[] x = TestData.Uniform(batch * network.InputLength, seed, low: -1f);
        float[] forward = new float[batch * 10], session = new float[batch * 10];
        network.Forward(x, forward, batch);
        network.TrainStep(x, TestData.Labels(batch, 10, seed + 1), batch);
        float[] training = network.LastOutputs.ToArray();
        Assert.Contains(training, v => v != 0f);
        AssertBits(training, forward, $"{name} Forward on {threads} threads, batch {batch}");
        using InferenceSession inference = network.CreateInferenceSession();
        inference.Forward(x, session, batch);
        AssertBits(training, session, $"{name} session on {threads} threads, batch {batch}");
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}: output {i} is {actual[i]:R}, the training pass's {expected[i]:R}");
        }
    }
}
