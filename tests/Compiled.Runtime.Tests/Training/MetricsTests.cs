using System;
using System.Linq;
using Compiled.Metrics;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Training;

public class MetricsTests
{
    [Fact]
    public void ArgMax_takes_the_first_of_ties_and_skips_NaN()
    {
        Assert.Equal(1, Accuracy.ArgMax([0f, 3f, 3f, -1f]));
        Assert.Equal(2, Accuracy.ArgMax([float.NaN, 1f, 2f]));
        Assert.Equal(0, Accuracy.ArgMax([5f]));
        Assert.Throws<ArgumentException>(() => Accuracy.ArgMax([]));
    }

    [Fact]
    public void Accuracy_counts_matching_rows()
    {
        float[] outputs = [0.1f, 0.9f, 0.8f, 0.2f, 0.3f, 0.7f];   // [3, 2]: predictions 1, 0, 1
        Assert.Equal(2, Accuracy.CountCorrect(outputs, [1, 0, 0], 3, 2));
        Assert.Equal(2 / 3.0, Accuracy.Compute(outputs, [1, 0, 0], 3, 2), 12);
        Assert.Throws<ArgumentException>(() => Accuracy.CountCorrect(outputs, [1, 0], 3, 2));
    }

    [Fact]
    public void Cross_entropy_and_hinge_by_hand()
    {
        float[] logits = [1f, 2f, 3f];
        double ce = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 1;
        Assert.Equal(ce, ClassificationLoss.Sum(LossKind.SoftmaxCrossEntropy, logits, [0], 1, 3), 10);
        // label 2: margins max(0, 1 − 3 + 1) + max(0, 1 − 3 + 2) = 0 + 0 → 0; label 0: (1 − 1 + 2) + (1 − 1 + 3) = 5 → 5/3
        Assert.Equal(0, ClassificationLoss.Sum(LossKind.MultiClassHinge, logits, [2], 1, 3), 10);
        Assert.Equal(5 / 3.0, ClassificationLoss.Sum(LossKind.MultiClassHinge, logits, [0], 1, 3), 10);
        Assert.True(double.IsNaN(ClassificationLoss.Sum(LossKind.MeanSquaredError, logits, [0], 1, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationLoss.Sum(LossKind.SoftmaxCrossEntropy, logits, [3], 1, 3));
        // Large logits stay finite (log-sum-exp).
        Assert.Equal(0, ClassificationLoss.Sum(LossKind.SoftmaxCrossEntropy, [1000f, 0f], [0], 1, 2), 10);
    }

    [Fact]
    public void Evaluator_agrees_with_a_direct_computation_for_any_batch_size()
    {
        var net = new SoftmaxRegression(6, 4);
        net.Initialize(9);
        var data = Blobs.Make(103, 6, 4, seed: 4);
        var outputs = new float[103 * 4];
        net.Forward(data.Features, outputs, 103);
        double accuracy = Accuracy.Compute(outputs, data.Labels, 103, 4);
        double loss = ClassificationLoss.Sum(LossKind.SoftmaxCrossEntropy, outputs, data.Labels, 103, 4) / 103;
        foreach (int batch in new[] { 1, 10, 64, 103, 500 })
        {
            EvaluationResult r = Evaluator.Run(net, data, batch);
            Assert.Equal(103, r.Count);
            Assert.Equal(accuracy, r.Accuracy, 12);
            Assert.Equal(loss, r.Loss, 6);
        }
        Assert.Throws<ArgumentException>(() => Evaluator.Run(net, Blobs.Make(5, 7, 4, 1)));
    }

    [Fact]
    public void Evaluator_gives_the_predicted_classes_from_the_same_pass()
    {
        var net = new SoftmaxRegression(6, 4);
        net.Initialize(9);
        var data = Blobs.Make(103, 6, 4, seed: 4);
        int[] expected = net.PredictClasses(data);
        Assert.True(expected.Distinct().Count() > 1, "the blobs get more than one class");
        foreach (int batch in new[] { 1, 10, 64, 103, 500 })
        {
            var predicted = new int[103];
            Array.Fill(predicted, -1);
            EvaluationResult r = new Evaluator(batch).Evaluate(net, data, predicted);
            Assert.Equal(Evaluator.Run(net, data, batch), r);
            Assert.Equal(expected, predicted);
            Assert.Equal(r.Accuracy, predicted.Where((c, i) => c == data.Labels[i]).Count() / 103.0, 12);
        }
        var error = Assert.Throws<ArgumentException>(() => new Evaluator().Evaluate(net, data, new int[102]));
        Assert.Contains("102", error.Message);
    }

    [Fact]
    public void FiniteCheck_finds_the_first_bad_value_at_every_position()
    {
        for (int length = 0; length <= 70; length++)
        {
            var values = Enumerable.Range(0, length).Select(i => (float)i).ToArray();
            Assert.Equal(-1, FiniteCheck.IndexOfNonFinite(values));
            for (int at = 0; at < length; at++)
            {
                foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    float keep = values[at];
                    values[at] = bad;
                    if (at + 3 < length) values[at + 3] = float.NaN;
                    Assert.Equal(at, FiniteCheck.IndexOfNonFinite(values));
                    values[at] = keep;
                    if (at + 3 < length) values[at + 3] = at + 3;
                }
            }
        }
        Assert.Equal(-1, FiniteCheck.IndexOfNonFinite([float.MaxValue, float.MinValue, float.Epsilon]));
    }

    [Fact]
    public void FiniteCheck_names_coordinates()
    {
        ParameterInfo[] table =
        [
            new("conv1.weight", "conv1", 0, [6, 1, 5, 5]),
            new("conv1.bias", "conv1", 150, [6]),
            new("conv2.weight", "conv2", 156, [16, 6, 5, 5]),
        ];
        int index = 156 + ((3 * 6 + 1) * 5 + 0) * 5 + 4;
        ParameterInfo p = FiniteCheck.FindParameter(table, index)!;
        Assert.Equal("conv2", p.Layer);
        Assert.Equal("conv2.weight[3, 1, 0, 4]", FiniteCheck.Describe(p, index));
        Assert.Equal("conv1.bias[5]", FiniteCheck.Describe(FiniteCheck.FindParameter(table, 155)!, 155));
        Assert.Null(FiniteCheck.FindParameter(table, 156 + 2400));
    }
}
