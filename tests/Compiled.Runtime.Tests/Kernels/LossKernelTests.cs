using System;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// LossKernels at every width against the reference in double, over class counts around every vector size.
/// Tolerances: losses 1e-5 relative to the summed magnitude (plus 1e-6); gradients 1e-6 absolute + 1e-5 relative.
/// </summary>
public class LossKernelTests
{
    private const float GradScale = 0.25f;

    private static readonly (int N, int Classes)[] Shapes = [(1, 1), (3, 2), (2, 3), (5, 10), (2, 16), (3, 17), (2, 33), (1, 70)];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Softmax_cross_entropy_with_labels_matches_reference(VectorWidth width)
    {
        var random = new TestValues(51);
        foreach (var (n, classes) in Shapes)
        {
            float[] logits = random.Floats(n * classes, -5, 5), d = random.Floats(n * classes);
            int[] labels = Labels(random, n, classes);
            float loss = LossKernels.SoftmaxCrossEntropy(logits, labels, d, n, classes, GradScale, width);
            double[] expected = new double[d.Length];
            double expectedLoss = LossReference.SoftmaxCrossEntropy(TestValues.Wide(logits), labels, expected, n, classes, (double)GradScale);
            AssertLoss(expectedLoss, loss, $"CE {width} {n}×{classes}");
            KernelAssert.Close(expected, d, 1e-6, 1e-5, $"dCE {width} {n}×{classes}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Softmax_cross_entropy_with_soft_and_one_hot_targets_matches_reference(VectorWidth width)
    {
        var random = new TestValues(52);
        foreach (var (n, classes) in Shapes)
        {
            foreach (bool oneHot in new[] { true, false })
            {
                float[] logits = random.Floats(n * classes, -5, 5), d = new float[n * classes];
                float[] targets = oneHot ? OneHot(Labels(random, n, classes), classes) : random.Floats(n * classes, 0, 1);
                float loss = LossKernels.SoftmaxCrossEntropy(logits, targets, d, n, classes, GradScale, width);
                double[] expected = new double[d.Length];
                double expectedLoss = LossReference.SoftmaxCrossEntropy(TestValues.Wide(logits), TestValues.Wide(targets), expected, n, classes, (double)GradScale);
                AssertLoss(expectedLoss, loss, $"soft CE {width} {n}×{classes} oneHot={oneHot}");
                KernelAssert.Close(expected, d, 1e-6, 1e-5, $"d soft CE {width} {n}×{classes} oneHot={oneHot}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void One_hot_targets_agree_with_labels(VectorWidth width)
    {
        var random = new TestValues(53);
        int n = 6, classes = 10;
        float[] logits = random.Floats(n * classes, -3, 3), d1 = new float[n * classes], d2 = new float[n * classes];
        int[] labels = Labels(random, n, classes);
        float l1 = LossKernels.SoftmaxCrossEntropy(logits, labels, d1, n, classes, 1f, width);
        float l2 = LossKernels.SoftmaxCrossEntropy(logits, OneHot(labels, classes), d2, n, classes, 1f, width);
        Assert.Equal(l1, l2, 4);
        KernelAssert.Close(TestValues.Wide(d1), d2, 1e-6, 0, "gradients");
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Cross_entropy_is_stable_for_huge_logits(VectorWidth width)
    {
        // logsumexp must subtract the maximum: exp(1000) overflows float and double alike.
        // Row 1: [1000, −1000, 999], label 2: loss log(1 + e), gradient softmax − onehot = [e/(1+e), 0, 1/(1+e) − 1].
        // Row 2: [0, −1e30, 1e30], label 1: loss 2e30, gradient [0, −1, 1].
        float[] logits = [1000f, -1000f, 999f, 0f, -1e30f, 1e30f], d = new float[6];
        float loss = LossKernels.SoftmaxCrossEntropy(logits, [2, 1], d, 2, 3, 1f, width);
        Assert.True(Math.Abs(loss - 2e30) <= 1e-6 * 2e30, $"loss {loss}");
        float row1 = LossKernels.SoftmaxCrossEntropy(logits.AsSpan(0, 3), [2], d, 1, 3, 1f, width);
        Assert.Equal(Math.Log(1 + Math.E), row1, 5);
        Assert.Equal(MathF.E / (1 + MathF.E), d[0], 6);
        Assert.Equal(0f, d[1]);
        Assert.Equal(-MathF.E / (1 + MathF.E), d[2], 6);
        LossKernels.SoftmaxCrossEntropy(logits, [2, 1], d, 2, 3, 1f, width);
        Assert.Equal([0f, -1f, 1f], d[3..]);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Binary_cross_entropy_and_mse_match_reference_for_every_length(VectorWidth width)
    {
        var random = new TestValues(54);
        for (int count = 0; count <= 100; count++)
        {
            float[] logits = random.Floats(count, -30, 30), targets = random.Floats(count, 0, 1), d = new float[count];
            float loss = LossKernels.SigmoidBinaryCrossEntropy(logits, targets, d, count, GradScale, width);
            double[] expected = new double[count];
            double expectedLoss = LossReference.SigmoidBinaryCrossEntropy(TestValues.Wide(logits), TestValues.Wide(targets), expected, count, (double)GradScale);
            AssertLoss(expectedLoss, loss, $"BCE {width} count {count}");
            KernelAssert.Close(expected, d, 1e-7, 1e-5, $"dBCE {width} count {count}");

            float[] predictions = random.Floats(count, -2, 2);
            loss = LossKernels.MeanSquaredError(predictions, targets, d, count, GradScale, width);
            expectedLoss = LossReference.MeanSquaredError(TestValues.Wide(predictions), TestValues.Wide(targets), expected, count, (double)GradScale);
            AssertLoss(expectedLoss, loss, $"MSE {width} count {count}");
            KernelAssert.Close(expected, d, 1e-7, 1e-6, $"dMSE {width} count {count}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Losses_over_a_million_terms_keep_float_precision(VectorWidth width)
    {
        // A chunk's loss sums samples × outputs terms: here 2^20 + 3 (a 17×32×30 convolution output at 2 samples is 32,640).
        // Logits of 0 make every BCE term log 2 whatever the target (seed 1's N2669), and a constant error every MSE term
        // equal (N2502): one float sum of them drifted by 0.05% to 0.65% of the total at every width (measured here); blocks of
        // 1024 added in double leave 1.03e-5 at the scalar width (element by element within a block), less at the others.
        const int count = (1 << 20) + 3;
        float[] zeros = new float[count], targets = new float[count], d = new float[count];
        Array.Fill(targets, 0.3f);
        float loss = LossKernels.SigmoidBinaryCrossEntropy(zeros, targets, d, count, 1f, width);
        Assert.True(Math.Abs(loss - count * Math.Log(2)) <= 2e-5 * count * Math.Log(2), $"BCE {width}: {loss}, expected {count * Math.Log(2)}");
        float[] predictions = new float[count];
        Array.Fill(predictions, 0.4f);
        double term = (double)(0.4f - 0.3f) * (0.4f - 0.3f);
        loss = LossKernels.MeanSquaredError(predictions, targets, d, count, 1f, width);
        Assert.True(Math.Abs(loss - count * term) <= 2e-5 * count * term, $"MSE {width}: {loss}, expected {count * term}");
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Binary_cross_entropy_is_stable_for_huge_logits(VectorWidth width)
    {
        float[] logits = [-1e4f, -100f, 100f, 1e4f, 0f], targets = [0f, 1f, 0f, 1f, 0.5f], d = new float[5];
        float loss = LossKernels.SigmoidBinaryCrossEntropy(logits, targets, d, 5, 1f, width);
        // Terms: 0, 100, 100, 0, log 2.
        Assert.Equal(200 + Math.Log(2), loss, 3);
        Assert.Equal([0f, -1f, 1f, 0f, 0f], d);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Multi_class_hinge_matches_reference(VectorWidth width)
    {
        var random = new TestValues(55);
        foreach (var (n, classes) in Shapes)
        {
            foreach (float margin in new[] { 1f, 0.5f })
            {
                float[] scores = random.Floats(n * classes, -1.5, 1.5), d = random.Floats(n * classes);
                int[] labels = Labels(random, n, classes);
                float loss = LossKernels.MultiClassHinge(scores, labels, d, n, classes, margin, GradScale, width);
                double[] expected = new double[d.Length];
                double expectedLoss = LossReference.MultiClassHinge(TestValues.Wide(scores), labels, expected, n, classes, (double)margin, (double)GradScale);
                AssertLoss(expectedLoss, loss, $"hinge {width} {n}×{classes} margin {margin}");
                KernelAssert.Close(expected, d, 1e-7, 1e-5, $"dhinge {width} {n}×{classes} margin {margin}");
            }
        }
    }

    [Fact]
    public void Hinge_hand_computed()
    {
        // scores [1, 2, 0.5], label 0, margin 1: j=1: 1 − 1 + 2 = 2; j=2: 1 − 1 + 0.5 = 0.5 → (2 + 0.5) / 3.
        float[] d = new float[3];
        float loss = LossKernels.MultiClassHinge([1f, 2f, 0.5f], [0], d, 1, 3, 1f, 1f);
        Assert.Equal(2.5f / 3, loss, 6);
        Assert.Equal(-2f / 3, d[0], 6);
        Assert.Equal(1f / 3, d[1], 6);
        Assert.Equal(1f / 3, d[2], 6);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Softmax_matches_reference_and_works_in_place(VectorWidth width)
    {
        var random = new TestValues(56);
        foreach (var (n, classes) in Shapes)
        {
            float[] logits = random.Floats(n * classes, -20, 20), p = new float[n * classes];
            LossKernels.Softmax(logits, p, n, classes, width);
            double[] expected = new double[p.Length];
            LossReference.Softmax(TestValues.Wide(logits), expected, n, classes);
            // Relative down to float32's smallest normal number: with logits in ±20 many probabilities are far below 1e-7,
            // where an absolute floor would accept anything.
            KernelAssert.Close(expected, p, 1.1754943508222875e-38, 1e-5, $"softmax {width} {n}×{classes}");
            LossKernels.Softmax(logits, logits, n, classes, width);
            KernelAssert.Identical(p, logits, "in place");
        }
    }

    [Fact]
    public void Labels_out_of_range_name_the_sample_and_label()
    {
        float[] logits = new float[6], d = new float[6];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => LossKernels.SoftmaxCrossEntropy(logits, [0, 3], d, 2, 3, 1f));
        Assert.Equal("labels", ex.ParamName);
        Assert.Contains("labels[1] = 3", ex.Message);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => LossKernels.MultiClassHinge(logits, [-1, 0], d, 2, 3, 1f, 1f));
        Assert.Contains("labels[0] = -1", ex.Message);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => LossReference.SoftmaxCrossEntropy<double>(new double[6], [0, 7], new double[6], 2, 3, 1.0));
        Assert.Contains("labels[1] = 7", ex.Message);
    }

    [Fact]
    public void Wrong_lengths_throw_naming_the_span()
    {
        float[] six = new float[6], five = new float[5];
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => LossKernels.SoftmaxCrossEntropy(five, [0, 0], six, 2, 3, 1f)).ParamName);
        Assert.Equal("dlogits", Assert.Throws<ArgumentException>(() => LossKernels.SoftmaxCrossEntropy(six, [0, 0], five, 2, 3, 1f)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => LossKernels.SoftmaxCrossEntropy(six, [0], six, 2, 3, 1f)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => LossKernels.SoftmaxCrossEntropy(six, five, six, 2, 3, 1f)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => LossKernels.SigmoidBinaryCrossEntropy(six, five, six, 6, 1f)).ParamName);
        Assert.Equal("dpredictions", Assert.Throws<ArgumentException>(() => LossKernels.MeanSquaredError(six, six, five, 6, 1f)).ParamName);
        Assert.Equal("dscores", Assert.Throws<ArgumentException>(() => LossKernels.MultiClassHinge(six, [0, 0], five, 2, 3, 1f, 1f)).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => LossKernels.Softmax(six, five, 2, 3)).ParamName);
    }

    private static void AssertLoss(double expected, float actual, string what)
        => Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected) + 1e-6, $"{what}: loss {actual}, expected {expected}");

    private static int[] Labels(TestValues random, int n, int classes)
    {
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = random.NextInt(classes);
        return labels;
    }

    private static float[] OneHot(int[] labels, int classes)
    {
        var targets = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) targets[i * classes + labels[i]] = 1f;
        return targets;
    }
}
