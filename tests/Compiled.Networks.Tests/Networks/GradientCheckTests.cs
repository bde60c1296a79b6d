using System;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Networks;

/// <summary>
/// Generated backward passes against central finite differences of the generated forward pass (in float, through TrainStep):
/// every loss head (softmax cross-entropy with labels, one-hot and probability targets; sigmoid BCE; MSE; multi-class hinge),
/// every activation, both pools, stride 2, 'same' (odd and even kernels), 1×1, and the ReLU MLP of the sample.
/// LeNet-5 itself is held against PyTorch's gradients instead (PyTorch/LeNet5FixtureTests): with ReLU zeros tied in its
/// max-pool windows, a float32 finite difference of a first-layer weight crosses kinks at any step that beats the
/// rounding noise (e.g. conv1.weight[111]: 0.0310 at eps 1e-3, 0.0346 at 3e-4, gradient 0.0346).
/// </summary>
public sealed class GradientCheckTests
{
    // Smooth nets (Tanh, Sigmoid, ELU(1), AvgPool): eps 1e-2; the truncation error is ~eps² relative, the float32 loss
    // noise (~1e-7) / 2eps ≈ 1e-5 absolute: accept 2e-2 relative + 1e-4 absolute.
    private static readonly GradientCheckOptions s_smooth = new(Epsilon: 1e-2, Relative: 2e-2, Absolute: 1e-4);

    // Nets with kinks (ReLU, LeakyReLU, ELU(0.5), hinge, max pooling): a smaller step rarely crosses one; the loss noise
    // divided by 2eps grows to ~1e-4: accept 2e-2 relative + 5e-4 absolute.
    private static readonly GradientCheckOptions s_kinked = new(Epsilon: 1e-3, Relative: 2e-2, Absolute: 5e-4);

    [Fact]
    public void SmoothConvNet()
    {
        const int batch = 3;
        float[] x = TestData.Uniform(batch * 144, seed: 1);
        int[] labels = TestData.Labels(batch, 4, seed: 2);
        var network = new SmoothConvNet(1);
        network.Initialize(3);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_smooth);
    }

    [Fact]
    public void SmoothMlpWithLabels()
    {
        const int batch = 4;
        float[] x = TestData.Gaussian(batch * 20, seed: 4);
        int[] labels = TestData.Labels(batch, 5, seed: 5);
        var network = new SmoothMlp(1);
        network.Initialize(6);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_smooth);
    }

    [Fact]
    public void SmoothMlpWithOneHotTargets()
    {
        const int batch = 4;
        float[] x = TestData.Gaussian(batch * 20, seed: 7);
        float[] targets = TestData.OneHot(TestData.Labels(batch, 5, seed: 8), 5);
        var network = new SmoothMlp(1);
        network.Initialize(9);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, targets, batch), s_smooth);
    }

    [Fact]
    public void SmoothMlpWithProbabilityTargets()
    {
        const int batch = 3;
        float[] x = TestData.Gaussian(batch * 20, seed: 10);
        float[] targets = TestData.ProbabilityRows(batch, 5, seed: 11);
        var network = new SmoothMlp(1);
        network.Initialize(12);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, targets, batch), s_smooth);
    }

    [Fact]
    public void SigmoidBinaryCrossEntropyHeadAfterLeakyRelu()
    {
        const int batch = 4;
        float[] x = TestData.Gaussian(batch * 10, seed: 13);
        float[] targets = TestData.Uniform(batch * 3, seed: 14);
        for (int i = 0; i < targets.Length; i += 2) targets[i] = targets[i] < 0.5f ? 0f : 1f;   // hard and soft targets
        var network = new BinaryCrossEntropyNet(1);
        network.Initialize(15);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, targets, batch), s_kinked);
    }

    [Fact]
    public void MeanSquaredErrorHeadAfterElu()
    {
        const int batch = 4;
        float[] x = TestData.Gaussian(batch * 10, seed: 16);
        float[] targets = TestData.Gaussian(batch * 4, seed: 17);
        var network = new MeanSquaredErrorNet(1);
        network.Initialize(18);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, targets, batch), s_smooth);
    }

    [Fact]
    public void MultiClassHingeHeadAfterSigmoid()
    {
        const int batch = 4;
        float[] x = TestData.Gaussian(batch * 10, seed: 19, scale: 2f);
        int[] labels = TestData.Labels(batch, 5, seed: 20);
        var network = new HingeNet(1);
        network.Initialize(21);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_kinked);
    }

    [Fact]
    public void ConvFormsStrideTwoSamePaddingPointwiseAndAvgPools()
    {
        const int batch = 2;
        float[] x = TestData.Gaussian(batch * 2 * 11 * 11, seed: 22);
        int[] labels = TestData.Labels(batch, 3, seed: 23);
        var network = new ConvFormsNet(1);
        network.Initialize(24);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_smooth);
    }

    [Fact]
    public void KinkedConvNetLeakyReluEluAndOverlappingMaxPool()
    {
        const int batch = 2;
        float[] x = TestData.Gaussian(batch * 81, seed: 31);
        int[] labels = TestData.Labels(batch, 3, seed: 32);
        var network = new KinkedConvNet(1);
        network.Initialize(33);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_kinked);
    }

    [Fact]
    public void Mlp()
    {
        const int batch = 2;
        float[] x = TestData.Uniform(batch * 784, seed: 28);
        int[] labels = TestData.Labels(batch, 10, seed: 29);
        var network = new ReferenceMlp(1);
        network.Initialize(30);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_kinked with { RandomSamplesPerTensor = 2 });
    }
}
