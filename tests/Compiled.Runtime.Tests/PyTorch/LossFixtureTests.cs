using System;
using System.Text.Json;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// LossKernels against PyTorch's losses with reduction='mean' (losses.json): CrossEntropyLoss with integer labels and with
/// one-hot and soft probability targets, BCEWithLogitsLoss (hard, soft, |logits| up to ~100), MSELoss, MultiMarginLoss(margin=1).
/// The kernels return the sum of the terms PyTorch averages and scale the gradient by gradScale, so the test passes the
/// network's gradScale (1/batch for cross-entropy and hinge, 1/(batch·outputs) for BCE and MSE) and divides the sum alike.
/// </summary>
public sealed class LossFixtureTests
{
    // Fixture: float64 rounded to float32. Losses sum ≤ 67 log/exp terms in float32: 1e-6 + 1e-5·|expected|.
    private const double Abs = 1e-6;
    private const double Rel = 1e-5;

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth("losses.json");

    public static TheoryData<string, VectorWidth> CrossEntropyCases =>
        Fixtures.CasesAtEveryWidth("losses.json", c => c.GetProperty("kind").GetString()!.StartsWith("cross_entropy", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossAndGradientMatchPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("losses.json", name);
        JsonElement config = c.Config();
        float[] input = c.Floats("input");
        var dinput = new float[input.Length];
        double mean;

        // input [n, classes] (or [n, outputs]); labels [n]; targets like input
        switch (c.GetProperty("kind").GetString())
        {
            case "cross_entropy_labels":
            {
                int n = config.Int("batch");
                float sum = LossKernels.SoftmaxCrossEntropy(input, c.Ints("labels"), dinput, n, config.Int("classes"), 1f / n, width);
                mean = sum / (double)n;
                break;
            }
            case "cross_entropy_targets":
            {
                int n = config.Int("batch");
                float sum = LossKernels.SoftmaxCrossEntropy(input, c.Floats("targets"), dinput, n, config.Int("classes"), 1f / n, width);
                mean = sum / (double)n;
                break;
            }
            case "bce_with_logits":
            {
                int count = input.Length;
                float sum = LossKernels.SigmoidBinaryCrossEntropy(input, c.Floats("targets"), dinput, count, 1f / count, width);
                mean = sum / (double)count;
                break;
            }
            case "mse":
            {
                int count = input.Length;
                float sum = LossKernels.MeanSquaredError(input, c.Floats("targets"), dinput, count, 1f / count, width);
                mean = sum / (double)count;
                break;
            }
            case "multi_margin":
            {
                int n = config.Int("batch");
                float sum = LossKernels.MultiClassHinge(input, c.Ints("labels"), dinput, n, config.Int("classes"), config.Float("margin"), 1f / n, width);
                mean = sum / (double)n;
                break;
            }
            default:
                throw new InvalidOperationException($"Unknown loss kind in {name}.");
        }

        Tolerance.AssertClose(c.Float("loss"), mean, Abs, Rel, $"{name} loss at {width}");
        Tolerance.AssertClose(c.Floats("dinput"), dinput, Abs, Rel, $"{name} dinput at {width}");
    }

    [Theory]
    [InlineData("cross_entropy_labels")]
    [InlineData("cross_entropy_targets")]
    [InlineData("bce_with_logits")]
    [InlineData("mse")]
    [InlineData("multi_margin")]
    public void FixtureHasCasesWideEnoughForEveryVectorWidth(string kind)
    {
        // Cross-entropy and hinge vectorize along a row of classes (cross-entropy rows of at most 16 classes run as plain
        // loops), BCE and MSE along all elements: only more than 16 (a 512-bit vector), not a multiple of it, runs the
        // 512-bit path with its tail.
        int widest = 0;
        foreach (string name in Fixtures.CaseNames("losses.json"))
        {
            JsonElement c = Fixtures.Case("losses.json", name);
            if (c.GetProperty("kind").GetString() != kind) continue;
            int length = kind is "bce_with_logits" or "mse" ? c.Floats("input").Length : c.Config().Int("classes");
            if (length > 32 && length % 16 != 0) widest = Math.Max(widest, length);
        }
        Assert.True(widest > 0, $"losses.json has no {kind} case with more than 32 classes or elements (not a multiple of 16).");
    }

    [Theory]
    [MemberData(nameof(CrossEntropyCases))]
    public void SoftmaxMatchesPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("losses.json", name);
        float[] logits = c.Floats("input");
        var probabilities = new float[logits.Length];

        LossKernels.Softmax(logits, probabilities, c.Config().Int("batch"), c.Config().Int("classes"), width);

        // Probabilities of large logits reach 1e-30 and below: relative, not above an absolute floor.
        Tolerance.AssertRelative(c.Floats("softmax"), probabilities, Rel, $"{name} softmax at {width}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientScalesWithGradScale(string name, VectorWidth width)
    {
        // gradScale = 1 gives the gradient of the sum: batch (or batch·outputs) times PyTorch's mean gradient.
        JsonElement c = Fixtures.Case("losses.json", name);
        JsonElement config = c.Config();
        float[] input = c.Floats("input");
        var dinput = new float[input.Length];
        int n = config.Int("batch");
        string kind = c.GetProperty("kind").GetString()!;
        float factor = kind is "bce_with_logits" or "mse" ? input.Length : n;
        float sum = kind switch
        {
            "cross_entropy_labels" => LossKernels.SoftmaxCrossEntropy(input, c.Ints("labels"), dinput, n, config.Int("classes"), 1f, width),
            "cross_entropy_targets" => LossKernels.SoftmaxCrossEntropy(input, c.Floats("targets"), dinput, n, config.Int("classes"), 1f, width),
            "bce_with_logits" => LossKernels.SigmoidBinaryCrossEntropy(input, c.Floats("targets"), dinput, input.Length, 1f, width),
            "mse" => LossKernels.MeanSquaredError(input, c.Floats("targets"), dinput, input.Length, 1f, width),
            "multi_margin" => LossKernels.MultiClassHinge(input, c.Ints("labels"), dinput, n, config.Int("classes"), config.Float("margin"), 1f, width),
            _ => throw new InvalidOperationException($"Unknown loss kind in {name}."),
        };

        float[] expected = c.Floats("dinput");
        for (int i = 0; i < expected.Length; i++) expected[i] *= factor;
        Tolerance.AssertClose(c.Float("loss") * (double)factor, sum, Abs * factor, Rel, $"{name} summed loss at {width}");
        Tolerance.AssertClose(expected, dinput, Abs * factor, Rel, $"{name} dinput with gradScale 1 at {width}");
    }
}
