using System;
using Compiled.Kernels;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Networks;

/// <summary>Tanh then Flatten as the last layer of an inference network.</summary>
[Network(Training = false)]
[Input(1, 2, 2)]
[Tanh, Flatten]
public partial class TanhThenFlatten;

/// <summary>A convolution whose output is flattened just before the loss head.</summary>
[Network]
[Input(2, 6, 6)]
[Conv2D(3), Flatten, MeanSquaredError]
public partial class ConvThenFlatten;

/// <summary><see cref="ConvThenFlatten"/> without the Flatten (the loss head flattens by itself): the same network.</summary>
[Network]
[Input(2, 6, 6)]
[Conv2D(3), MeanSquaredError]
public partial class ConvUnflattened;

/// <summary>ReLU, MaxPool (run in the other order) and a Flatten before the loss head.</summary>
[Network]
[Input(1, 4, 4)]
[ReLU, MaxPool(2), Flatten, MeanSquaredError]
public partial class ReluPoolThenFlatten;

/// <summary>A Flatten straight after the input, as the only layer before the loss head.</summary>
[Network]
[Input(3, 2, 2)]
[Flatten, Flatten, MeanSquaredError]
public partial class OnlyFlatten;

/// <summary>
/// A Flatten as the last layer (before the loss head, or without one) changes nothing: Forward and Predict write the
/// output, TrainStep runs, and the results equal the same network without the Flatten, bit for bit.
/// </summary>
public sealed class TrailingFlattenTests
{
    private const int Batch = 5;

    [Fact]
    public void Inference_network_ending_in_flatten_writes_its_output()
    {
        var network = new TanhThenFlatten(threads: 1);
        float[] input = TestData.Gaussian(Batch * 4, 3);
        var expected = new float[Batch * 4];
        ActivationKernels.Tanh(input, expected);

        foreach (bool predict in new[] { false, true })
        {
            float[] output = Sentinel(Batch * 4);
            if (predict) network.Predict(input, output, Batch);
            else network.Forward(input, output, Batch);
            Tolerance.AssertBitwiseEqual(expected, output, predict ? "Predict" : "Forward");
        }
    }

    [Fact]
    public void Convolution_then_flatten_trains_like_the_unflattened_network()
    {
        var flattened = new ConvThenFlatten(threads: 1);
        var reference = new ConvUnflattened(threads: 1);
        reference.Initialize(7);
        reference.Parameters.CopyTo(flattened.Parameters, 0);
        float[] input = TestData.Gaussian(Batch * ConvThenFlatten.InputLength, 4);
        float[] targets = TestData.Gaussian(Batch * ConvThenFlatten.OutputLength, 5);
        Assert.Equal(3 * 4 * 4, ConvThenFlatten.OutputLength);

        float[] expected = new float[Batch * ConvUnflattened.OutputLength], output = Sentinel(expected.Length);
        reference.Forward(input, expected, Batch);
        flattened.Forward(input, output, Batch);
        Tolerance.AssertBitwiseEqual(expected, output, "Forward");

        float expectedLoss = reference.TrainStep(input, targets, Batch);
        float loss = flattened.TrainStep(input, targets, Batch);
        Assert.Equal(expectedLoss, loss);
        Assert.True(loss > 0f);
        Tolerance.AssertBitwiseEqual(reference.LastOutputs, flattened.LastOutputs, "LastOutputs");
        Tolerance.AssertBitwiseEqual(reference.Gradients, flattened.Gradients, "Gradients");
        Assert.Contains(flattened.Gradients, g => g != 0f);
    }

    [Fact]
    public void Relu_pool_flatten_computes_the_pooled_rectified_input()
    {
        var network = new ReluPoolThenFlatten(threads: 1);
        float[] input = TestData.Gaussian(Batch * 16, 6);
        float[] targets = TestData.Gaussian(Batch * 4, 8);
        var expected = new float[Batch * 4];
        for (int s = 0; s < Batch; s++)
        {
            for (int oy = 0; oy < 2; oy++)
            {
                for (int ox = 0; ox < 2; ox++)
                {
                    float max = float.NegativeInfinity;
                    for (int dy = 0; dy < 2; dy++)
                    {
                        for (int dx = 0; dx < 2; dx++) max = Math.Max(max, input[s * 16 + (2 * oy + dy) * 4 + 2 * ox + dx]);
                    }
                    expected[s * 4 + oy * 2 + ox] = Math.Max(max, 0f);
                }
            }
        }

        float[] output = Sentinel(Batch * 4);
        network.Forward(input, output, Batch);
        Tolerance.AssertBitwiseEqual(expected, output, "Forward");

        double sum = 0;
        for (int i = 0; i < expected.Length; i++) sum += (double)(expected[i] - targets[i]) * (expected[i] - targets[i]);
        float loss = network.TrainStep(input, targets, Batch);
        Tolerance.AssertClose(sum / expected.Length, loss, 1e-6, 1e-5, "mean squared error");
        Tolerance.AssertBitwiseEqual(expected, network.LastOutputs, "LastOutputs");
    }

    [Fact]
    public void Network_of_flattens_copies_its_input()
    {
        var network = new OnlyFlatten(threads: 1);
        float[] input = TestData.Gaussian(Batch * 12, 9);
        float[] output = Sentinel(Batch * 12);
        network.Forward(input, output, Batch);
        Tolerance.AssertBitwiseEqual(input, output, "Forward");

        float[] targets = new float[Batch * 12];
        double sum = 0;
        foreach (float v in input) sum += (double)v * v;
        Tolerance.AssertClose(sum / input.Length, network.TrainStep(input, targets, Batch), 1e-6, 1e-5, "mean squared error");
    }

    private static float[] Sentinel(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);
        return values;
    }
}
