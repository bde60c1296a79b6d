using System;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Threads;

/// <summary>
/// conv1 (8·9 inputs → 32 channels on 16×16: 590k multiply-adds, with a batch norm folded into it in evaluation) and fc1
/// (2048 → 300: 614k) are large enough for a call on one sample to split them over the runner's idle threads; conv2
/// (pointwise, 262k) and fc2 are not.
/// </summary>
[Network]
[Input(8, 16, 16)]
[Conv2D(32, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
[Conv2D(32, Kernel = 1), ReLU, MaxPool(2)]
[Dense(300), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class SplitConvNet;

/// <summary>
/// VGG's first layers: conv1 (1 → 32 at 28×28, 226k multiply-adds) splits by rows of four (<c>FewChannels3x3</c>), conv2
/// (32 → 32, Winograd) by equal shares of its output tiles.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(32, Kernel = 3, Padding = 1), ReLU]
[Conv2D(32, Kernel = 3, Padding = 1), ReLU, MaxPool(2)]
[Dense(10), SoftmaxCrossEntropy]
public partial class RowSplitNet;

/// <summary>
/// LeNet-5's convolutions: conv1 (6 channels on the grid, 118k multiply-adds) splits by output rows, conv2 (16 channels on
/// channel vectors, 240k) by pixels above 128 bits.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]
[Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]
[Dense(120), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class PixelSplitNet;

/// <summary>
/// A call on one sample with idle threads beside it splits its large layers between them (Kernels/OneSampleSplit): the
/// outputs agree with one thread's to rounding, are the same every call for a fixed thread count, and batches larger than
/// one, which never split, keep one thread's values.
/// </summary>
public sealed class OneSampleSplitTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void One_sample_on_more_threads_agrees_with_one_thread(int threads)
    {
        using var one = Trained(1);
        using var many = Trained(threads);
        for (int sample = 0; sample < 4; sample++)
        {
            float[] x = TestData.Uniform(SplitConvNet.InputLength, seed: 80 + (ulong)sample);
            float[] expected = new float[10], actual = new float[10], again = new float[10];
            one.Forward(x, expected, 1);
            many.Forward(x, actual, 1);
            many.Forward(x, again, 1);
            Tolerance.AssertClose(expected, actual, 1e-5, 1e-5, $"Forward of sample {sample}, 1 vs {threads} threads");
            Tolerance.AssertBitwiseEqual(actual, again, $"Forward of sample {sample} twice on {threads} threads");

            one.Predict(x, expected, 1);
            many.Predict(x, actual, 1);
            Tolerance.AssertClose(expected, actual, 1e-6, 1e-5, $"Predict of sample {sample}, 1 vs {threads} threads");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Row_splits_on_more_threads_give_one_threads_bits(int threads)
    {
        // Every row of a row split is computed as in the whole call: conv1's and conv2's parts give one thread's bits.
        using var one = new RowSplitNet { Threads = 1 };
        using var many = new RowSplitNet { Threads = threads };
        one.Initialize(5);
        many.Initialize(5);
        for (int sample = 0; sample < 3; sample++)
        {
            float[] x = TestData.Uniform(RowSplitNet.InputLength, seed: 70 + (ulong)sample);
            float[] expected = new float[10], actual = new float[10];
            one.Forward(x, expected, 1);
            many.Forward(x, actual, 1);
            Tolerance.AssertBitwiseEqual(expected, actual, $"Forward of sample {sample}, 1 vs {threads} threads");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Pixel_and_grid_row_splits_on_more_threads_give_one_threads_bits(int threads)
    {
        // conv1's rows and conv2's pixels are computed as in the whole call, so every thread count gives one thread's bits.
        using var one = new PixelSplitNet { Threads = 1 };
        using var many = new PixelSplitNet { Threads = threads };
        one.Initialize(6);
        many.Initialize(6);
        for (int sample = 0; sample < 3; sample++)
        {
            float[] x = TestData.Uniform(PixelSplitNet.InputLength, seed: 60 + (ulong)sample);
            float[] expected = new float[10], actual = new float[10];
            one.Forward(x, expected, 1);
            many.Forward(x, actual, 1);
            Tolerance.AssertBitwiseEqual(expected, actual, $"Forward of sample {sample}, 1 vs {threads} threads");
            one.Predict(x, expected, 1);
            many.Predict(x, actual, 1);
            Tolerance.AssertBitwiseEqual(expected, actual, $"Predict of sample {sample}, 1 vs {threads} threads");
        }
    }

    // Two steps of SGD from seed 3, so the batch norm's running statistics and the weights are no longer their initial values.
    private static SplitConvNet Trained(int threads)
    {
        var network = new SplitConvNet { Threads = threads };
        network.Initialize(3);
        var sgd = new Optimizers.Sgd(0.05f);
        for (int step = 0; step < 2; step++)
        {
            float[] x = TestData.Uniform(6 * SplitConvNet.InputLength, seed: 90 + (ulong)step);
            int[] labels = TestData.Labels(6, 10, seed: 95 + (ulong)step);
            network.ZeroGradients();
            network.TrainStep(x, labels, 6);
            sgd.Step(network.Parameters, network.Gradients);
        }
        return network;
    }
}
