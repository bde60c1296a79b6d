using System;
using System.Linq;
using Compiled.Kernels;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Networks;

/// <summary>
/// The generated LeNet-5 runs each ReLU after its max-pool (on the pooled tensor, in place) and the dense ReLUs in place.
/// Its TrainStep must give bit for bit what the declared order gives: the same kernels called as declared (conv, ReLU
/// into its own buffer, max-pool of the rectified values; backward pool scatter, then ReLU backward on the full tensor).
/// </summary>
public sealed class ExecutionOrderTests
{
    private const int Batch = 7;

    private static readonly Conv2DGeometry Conv1 = new(InChannels: 1, InHeight: 28, InWidth: 28, OutChannels: 6, KernelHeight: 5, KernelWidth: 5,
        StrideHeight: 1, StrideWidth: 1, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2);

    private static readonly Pool2DGeometry Pool1 = new(Channels: 6, InHeight: 28, InWidth: 28, Window: 2, Stride: 2);

    private static readonly Conv2DGeometry Conv2 = new(InChannels: 6, InHeight: 14, InWidth: 14, OutChannels: 16, KernelHeight: 5, KernelWidth: 5,
        StrideHeight: 1, StrideWidth: 1, PadTop: 0, PadLeft: 0, PadBottom: 0, PadRight: 0);

    private static readonly Pool2DGeometry Pool2 = new(Channels: 16, InHeight: 10, InWidth: 10, Window: 2, Stride: 2);

    [Fact]
    public void Lenet5_train_step_equals_the_declared_order_bit_for_bit()
    {
        var network = new ReferenceLeNet5(threads: 1);
        network.Initialize(11);
        float[] input = TestData.Gaussian(Batch * ReferenceLeNet5.InputLength, 5);
        int[] labels = TestData.Labels(Batch, 10, 6);

        float loss = network.TrainStep(input, labels, Batch);

        (float expectedLoss, float[] expectedLogits, float[] expectedGradients, int tiedWindows) = DeclaredOrder(network.Parameters, input, labels);
        Assert.True(tiedWindows > 100, $"the input should leave many pool windows all ≤ 0 (the tie case), got {tiedWindows}");
        Assert.True(expectedGradients.Count(v => v != 0f) > 1000, "the gradients should not be trivially zero");
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(expectedLogits, network.LastOutputs.ToArray());
        for (int i = 0; i < expectedGradients.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expectedGradients[i]) == BitConverter.SingleToInt32Bits(network.Gradients[i]),
                $"gradient {i}: declared order {expectedGradients[i]:R}, generated {network.Gradients[i]:R}");
        }
    }

    // LeNet-5 in its declared order, straight from the kernels; the offsets are those of ReferenceLeNet5's parameter table.
    private static (float Loss, float[] Logits, float[] Gradients, int TiedWindows) DeclaredOrder(float[] parameters, float[] input, int[] labels)
    {
        const int n = Batch;
        ReadOnlySpan<float> p = parameters;
        var g = new float[parameters.Length];
        float[] conv1 = new float[4704 * n], relu1 = new float[4704 * n], pool1 = new float[1176 * n];
        float[] conv2 = new float[1600 * n], relu2 = new float[1600 * n], pool2 = new float[400 * n];
        float[] fc1 = new float[120 * n], relu3 = new float[120 * n], fc2 = new float[84 * n], relu4 = new float[84 * n], logits = new float[10 * n];
        int[] argmax1 = new int[1176 * n], argmax2 = new int[400 * n];
        var columns = new float[19600];

        Conv2DKernels.Forward(in Conv1, input, p.Slice(0, 150), p.Slice(150, 6), conv1, columns, n);
        ActivationKernels.Relu(conv1, relu1);
        PoolKernels.MaxForward(in Pool1, relu1, pool1, argmax1, n);
        Conv2DKernels.Forward(in Conv2, pool1, p.Slice(156, 2400), p.Slice(2556, 16), conv2, columns, n);
        ActivationKernels.Relu(conv2, relu2);
        PoolKernels.MaxForward(in Pool2, relu2, pool2, argmax2, n);
        DenseKernels.Forward(pool2, p.Slice(2572, 48000), p.Slice(50572, 120), fc1, n, 400, 120);
        ActivationKernels.Relu(fc1, relu3);
        DenseKernels.Forward(relu3, p.Slice(50692, 10080), p.Slice(60772, 84), fc2, n, 120, 84);
        ActivationKernels.Relu(fc2, relu4);
        DenseKernels.Forward(relu4, p.Slice(60856, 840), p.Slice(61696, 10), logits, n, 84, 10);

        float[] dLogits = new float[10 * n], d84 = new float[84 * n], d120 = new float[120 * n], d400 = new float[400 * n];
        float[] d1600 = new float[1600 * n], d1176 = new float[1176 * n], d4704 = new float[4704 * n];
        float loss = LossKernels.SoftmaxCrossEntropy(logits, labels, dLogits, n, 10, 1f / n);
        DenseKernels.Backward(relu4, p.Slice(60856, 840), dLogits, d84, g.AsSpan(60856, 840), g.AsSpan(61696, 10), n, 84, 10);
        ActivationKernels.ReluBackward(relu4, d84, d84);
        DenseKernels.Backward(relu3, p.Slice(50692, 10080), d84, d120, g.AsSpan(50692, 10080), g.AsSpan(60772, 84), n, 120, 84);
        ActivationKernels.ReluBackward(relu3, d120, d120);
        DenseKernels.Backward(pool2, p.Slice(2572, 48000), d120, d400, g.AsSpan(2572, 48000), g.AsSpan(50572, 120), n, 400, 120);
        PoolKernels.MaxBackward(in Pool2, d400, argmax2, d1600, n);
        ActivationKernels.ReluBackward(relu2, d1600, d1600);
        Conv2DKernels.Backward(in Conv2, pool1, p.Slice(156, 2400), d1600, d1176, g.AsSpan(156, 2400), g.AsSpan(2556, 16), columns, n);
        PoolKernels.MaxBackward(in Pool1, d1176, argmax1, d4704, n);
        ActivationKernels.ReluBackward(relu1, d4704, d4704);
        Conv2DKernels.Backward(in Conv1, input, p.Slice(0, 150), d4704, default, g.AsSpan(0, 150), g.AsSpan(150, 6), columns, n);

        // A pooled ReLU output of 0 is a window whose values were all ≤ 0: declared, the arg-max is one of its tied zeros.
        int tied = pool1.Count(v => v == 0f) + pool2.Count(v => v == 0f);
        return (loss / n, logits, g, tied);
    }
}
