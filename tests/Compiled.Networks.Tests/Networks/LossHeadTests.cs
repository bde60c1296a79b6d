using System;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Networks;

/// <summary>
/// Each loss head's TrainStep value equals PyTorch's definition (computed here in double) applied to the network's own
/// Forward outputs, and Predict applies the head's link (softmax, sigmoid, identity). This pins the mean conventions:
/// cross-entropy and hinge average over the batch, BCE and MSE over all outputs, hinge divides by the class count.
/// </summary>
public sealed class LossHeadTests
{
    // The loss from Forward's float32 outputs in double vs TrainStep's float32 loss: 1e-6 + 1e-5·|loss|.
    private const double Abs = 1e-6, Rel = 1e-5;

    [Fact]
    public void SoftmaxCrossEntropyWithLabelsOneHotAndProbabilities()
    {
        const int batch = 4, classes = 5;
        float[] x = TestData.Gaussian(batch * 20, seed: 40);
        int[] labels = TestData.Labels(batch, classes, seed: 41);
        float[] soft = TestData.ProbabilityRows(batch, classes, seed: 42);
        var network = new SmoothMlp(1);
        network.Initialize(43);
        Assert.Equal(LossKind.SoftmaxCrossEntropy, network.Loss);
        float[] logits = Outputs(network, x, batch);

        double expectedLabels = 0, expectedSoft = 0;
        for (int n = 0; n < batch; n++)
        {
            double[] logProbabilities = LogSoftmax(logits.AsSpan(n * classes, classes));
            expectedLabels -= logProbabilities[labels[n]];
            for (int j = 0; j < classes; j++) expectedSoft -= soft[n * classes + j] * logProbabilities[j];
        }
        network.ZeroGradients();
        Tolerance.AssertClose(expectedLabels / batch, network.TrainStep(x, labels, batch), Abs, Rel, "cross-entropy, labels");
        float[] labelGradients = (float[])network.Gradients.Clone();
        network.ZeroGradients();
        Tolerance.AssertClose(expectedLabels / batch, network.TrainStep(x, TestData.OneHot(labels, classes), batch), Abs, Rel, "cross-entropy, one-hot");
        Tolerance.AssertClose(labelGradients, network.Gradients, 1e-7, 1e-5, "gradients: one-hot rows vs the same labels");
        network.ZeroGradients();
        Tolerance.AssertClose(expectedSoft / batch, network.TrainStep(x, soft, batch), Abs, Rel, "cross-entropy, probability targets");

        var probabilities = new float[batch * classes];
        network.Predict(x, probabilities, batch);
        for (int n = 0; n < batch; n++)
        {
            double[] logProbabilities = LogSoftmax(logits.AsSpan(n * classes, classes));
            for (int j = 0; j < classes; j++)
                Tolerance.AssertClose(Math.Exp(logProbabilities[j]), probabilities[n * classes + j], 0, 1e-5, $"Predict softmax [{n},{j}] (relative: probabilities can be tiny)");
        }
    }

    [Fact]
    public void SigmoidBinaryCrossEntropyAveragesOverAllOutputs()
    {
        const int batch = 3, outputs = 3;
        float[] x = TestData.Gaussian(batch * 10, seed: 44, scale: 3f);
        float[] targets = TestData.Uniform(batch * outputs, seed: 45);
        var network = new BinaryCrossEntropyNet(1);
        network.Initialize(46);
        Assert.Equal(LossKind.SigmoidBinaryCrossEntropy, network.Loss);
        float[] logits = Outputs(network, x, batch);

        double expected = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double z = logits[i], t = targets[i];
            expected += Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z)));   // BCEWithLogitsLoss, stable form
        }
        network.ZeroGradients();
        Tolerance.AssertClose(expected / logits.Length, network.TrainStep(x, targets, batch), Abs, Rel, "BCE with logits");

        var probabilities = new float[logits.Length];
        network.Predict(x, probabilities, batch);
        for (int i = 0; i < logits.Length; i++)
            Tolerance.AssertClose(1 / (1 + Math.Exp(-logits[i])), probabilities[i], 0, 1e-5, $"Predict sigmoid [{i}] (relative: sigmoid's tail is tiny)");
    }

    [Fact]
    public void MeanSquaredErrorAveragesOverAllOutputs()
    {
        const int batch = 3;
        float[] x = TestData.Gaussian(batch * 10, seed: 47);
        float[] targets = TestData.Gaussian(batch * 4, seed: 48);
        var network = new MeanSquaredErrorNet(1);
        network.Initialize(49);
        Assert.Equal(LossKind.MeanSquaredError, network.Loss);
        float[] predictions = Outputs(network, x, batch);

        double expected = 0;
        for (int i = 0; i < predictions.Length; i++) expected += ((double)predictions[i] - targets[i]) * ((double)predictions[i] - targets[i]);
        network.ZeroGradients();
        Tolerance.AssertClose(expected / predictions.Length, network.TrainStep(x, targets, batch), Abs, Rel, "MSE");

        var predicted = new float[predictions.Length];
        network.Predict(x, predicted, batch);
        Assert.Equal(predictions, predicted);
    }

    [Fact]
    public void MultiClassHingeIsPyTorchMultiMarginLoss()
    {
        const int batch = 4, classes = 5;
        float[] x = TestData.Gaussian(batch * 10, seed: 50, scale: 3f);
        int[] labels = TestData.Labels(batch, classes, seed: 51);
        var network = new HingeNet(1);
        network.Initialize(52);
        Assert.Equal(LossKind.MultiClassHinge, network.Loss);
        float[] scores = Outputs(network, x, batch);

        double expected = 0;
        for (int n = 0; n < batch; n++)
        {
            double sample = 0;
            for (int j = 0; j < classes; j++)
                if (j != labels[n]) sample += Math.Max(0, 1 - (double)scores[n * classes + labels[n]] + scores[n * classes + j]);
            expected += sample / classes;
        }
        network.ZeroGradients();
        Tolerance.AssertClose(expected / batch, network.TrainStep(x, labels, batch), Abs, Rel, "multi-class hinge");

        var predicted = new float[scores.Length];
        network.Predict(x, predicted, batch);
        Assert.Equal(scores, predicted);
    }

    private static float[] Outputs(ITrainableNetwork network, float[] x, int batch)
    {
        var outputs = new float[batch * network.OutputLength];
        network.Forward(x, outputs, batch);
        return outputs;
    }

    private static double[] LogSoftmax(ReadOnlySpan<float> row)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (float v in row) max = Math.Max(max, v);
        foreach (float v in row) sum += Math.Exp(v - max);
        var result = new double[row.Length];
        for (int j = 0; j < row.Length; j++) result[j] = row[j] - max - Math.Log(sum);
        return result;
    }
}
