using System;
using Compiled.Networks.Tests.Networks;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Threads;

/// <summary>
/// The batch split across threads: for a fixed seed and thread count a training step is bitwise reproducible;
/// different thread counts sum the same per-sample gradients in a different order, so they agree within rounding.
/// </summary>
public sealed class ThreadTests
{
    // 1 vs T threads: the per-thread gradient buffers are summed in thread order, a different association of the
    // same float32 terms: 1e-6·max|g| + 1e-4·|g| element-wise; loss 1e-6 + 1e-6·|loss|.
    private const double GradientScaledAbs = 1e-6, GradientRel = 1e-4;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SameSeedAndThreadCountIsBitwiseIdentical(int threads)
    {
        (float loss1, float[] gradients1, float[] logits1) = Step(new ReferenceLeNet5(threads), batch: 8);
        (float loss2, float[] gradients2, float[] logits2) = Step(new ReferenceLeNet5(threads), batch: 8);

        Assert.Equal(BitConverter.SingleToInt32Bits(loss1), BitConverter.SingleToInt32Bits(loss2));
        Tolerance.AssertBitwiseEqual(gradients1, gradients2, $"gradients, two networks, {threads} threads");
        Tolerance.AssertBitwiseEqual(logits1, logits2, $"Forward, two networks, {threads} threads");

        // And the same network stepping again after ZeroGradients.
        var network = new ReferenceLeNet5(threads);
        (float loss3, float[] gradients3, _) = Step(network, batch: 8);
        (float loss4, float[] gradients4, _) = Step(network, batch: 8);
        Assert.Equal(BitConverter.SingleToInt32Bits(loss3), BitConverter.SingleToInt32Bits(loss4));
        Tolerance.AssertBitwiseEqual(gradients3, gradients4, $"gradients, one network stepped twice, {threads} threads");
        Tolerance.AssertBitwiseEqual(gradients1, gradients3, $"gradients, {threads} threads");
    }

    [Theory]
    [InlineData(2, 8)]
    [InlineData(2, 5)]   // uneven split: 2 + 3 samples
    [InlineData(3, 4)]   // 1 + 1 + 2
    [InlineData(2, 1)]   // fewer samples than threads: one slice is empty
    public void MoreThreadsAgreeWithOneThread(int threads, int batch)
    {
        (float loss1, float[] gradients1, float[] logits1) = Step(new ReferenceLeNet5(1), batch);
        (float lossT, float[] gradientsT, float[] logitsT) = Step(new ReferenceLeNet5(threads), batch);

        Tolerance.AssertClose(loss1, lossT, 1e-6, 1e-6, $"loss, 1 vs {threads} threads, batch {batch}");
        Tolerance.AssertClose(logits1, logitsT, 1e-6, 1e-5, $"Forward, 1 vs {threads} threads, batch {batch}");
        double scale = 0;
        foreach (float g in gradients1) scale = Math.Max(scale, Math.Abs(g));
        Tolerance.AssertClose(gradients1, gradientsT, GradientScaledAbs * scale, GradientRel, $"gradients, 1 vs {threads} threads, batch {batch}");
    }

    [Fact]
    public void ThreadsPropertyPinsTheCount()
    {
        var network = new ReferenceLeNet5(2);
        Assert.Equal(2, network.Threads);
        (float loss2, float[] gradients2, _) = Step(network, batch: 6);
        network.Threads = 1;
        Assert.Equal(1, network.Threads);
        (float loss1, float[] gradients1, _) = Step(network, batch: 6);
        (float fresh, float[] freshGradients, _) = Step(new ReferenceLeNet5(1), batch: 6);

        Assert.Equal(BitConverter.SingleToInt32Bits(fresh), BitConverter.SingleToInt32Bits(loss1));
        Tolerance.AssertBitwiseEqual(freshGradients, gradients1, "after Threads = 1, as a 1-thread network");
        Tolerance.AssertClose(loss1, loss2, 1e-6, 1e-6, "loss, 2 then 1 threads");
    }

    /// <summary>Seed 5, a fixed MNIST-like batch, one TrainStep from zeroed gradients, then Forward.</summary>
    private static (float Loss, float[] Gradients, float[] Logits) Step(ReferenceLeNet5 network, int batch)
    {
        network.Initialize(5);
        float[] x = TestData.Uniform(batch * 784, seed: 70);
        int[] labels = TestData.Labels(batch, 10, seed: 71);
        network.ZeroGradients();
        float loss = network.TrainStep(x, labels, batch);
        var logits = new float[batch * 10];
        network.Forward(x, logits, batch);
        return (loss, (float[])network.Gradients.Clone(), logits);
    }
}
