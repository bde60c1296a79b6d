using System;
using System.Linq;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Networks.Tests.Networks;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Optimizers;
using Compiled.Training;

namespace Compiled.Networks.Tests.Training;

/// <summary>A single-output binary classifier (sigmoid + BCE).</summary>
[Network]
[Input(4)]
[Dense(6), Tanh]
[Dense(1), SigmoidBinaryCrossEntropy]
public partial class BinaryClassifier;

/// <summary>The trainer on float-target heads (MSE regression, multi-label and binary BCE), their evaluation and class predictions.</summary>
public sealed class FloatTargetTrainingTests
{
    private static TrainerOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 16, Seed = 3, Output = null };

    // y = tanh(x · A) with a fixed random A [10, 4]: learnable by the MSE net.
    private static Dataset Regression(int count, ulong seed)
    {
        float[] x = TestData.Gaussian(count * 10, seed);
        float[] a = TestData.Gaussian(40, seed: 99, scale: 0.4f);
        var y = new float[count * 4];
        for (int n = 0; n < count; n++)
            for (int o = 0; o < 4; o++)
            {
                float s = 0;
                for (int f = 0; f < 10; f++) s += x[n * 10 + f] * a[f * 4 + o];
                y[n * 4 + o] = MathF.Tanh(s);
            }
        return new Dataset(x, y, [10], targetLength: 4);
    }

    [Fact]
    public void Trains_an_MSE_regressor_and_reports_a_finite_falling_validation_loss()
    {
        var net = new MeanSquaredErrorNet(1);
        net.Initialize(4);
        Dataset train = Regression(400, seed: 1), validation = Regression(100, seed: 2);
        double before = Evaluator.Run(net, validation).Loss;
        TrainingHistory history = new Trainer(net, new Adam(0.01f), Options(8)).Fit(train, validation);
        Assert.All(history.Epochs, r => Assert.True(double.IsFinite(r.ValidationLoss!.Value)));
        Assert.True(history.Last!.ValidationLoss < 0.3 * before, $"validation MSE {before} → {history.Last.ValidationLoss}");
        Assert.Null(history.Last.TrainAccuracy);        // MSE has no accuracy
        Assert.Null(history.Last.ValidationAccuracy);
    }

    [Fact]
    public void Evaluation_loss_is_the_loss_TrainStep_computes()
    {
        var mse = new MeanSquaredErrorNet(1);
        mse.Initialize(4);
        Dataset data = Regression(20, seed: 5);
        float trainLoss = mse.TrainStep(data.Features, data.Targets, data.Count);
        Assert.Equal(trainLoss, Evaluator.Run(mse, data, batchSize: 7).Loss, 5);

        var bce = new BinaryCrossEntropyNet(1);
        bce.Initialize(4);
        var targets = new Dataset(TestData.Gaussian(20 * 10, seed: 6), TestData.Uniform(20 * 3, seed: 7), [10], targetLength: 3);
        Assert.Equal(bce.TrainStep(targets.Features, targets.Targets, 20), Evaluator.Run(bce, targets, batchSize: 6).Loss, 5);

        var ce = new SmoothMlp(1);
        ce.Initialize(4);
        var soft = new Dataset(TestData.Gaussian(12 * 20, seed: 8), TestData.ProbabilityRows(12, 5, seed: 9), [20], targetLength: 5);
        Assert.Equal(ce.TrainStep(soft.Features, soft.Targets, 12), Evaluator.Run(ce, soft, batchSize: 5).Loss, 5);
    }

    [Fact]
    public void Trains_a_binary_classifier_on_labels_made_targets_and_predicts_classes()
    {
        // Label 1 when x0 + x1 > 0.
        float[] x = TestData.Gaussian(600 * 4, seed: 11);
        int[] labels = Enumerable.Range(0, 600).Select(i => x[i * 4] + x[i * 4 + 1] > 0 ? 1 : 0).ToArray();
        var labelled = new Dataset(x, labels, [4]);
        var net = new BinaryClassifier(1);
        net.Initialize(2);
        var refused = Assert.Throws<ArgumentException>(() => new Trainer(net, new Sgd(0.5f), Options(1)).Fit(labelled));
        Assert.Contains("OneHot(1)", refused.Message);

        (Dataset train, Dataset validation) = labelled.OneHot(1).Split(100, seed: 1);
        TrainingHistory history = new Trainer(net, new Sgd(0.5f, momentum: 0.9f), Options(10)).Fit(train, validation);
        Assert.True(history.Last!.ValidationAccuracy > 0.95, $"validation accuracy {history.Last.ValidationAccuracy}");
        Assert.True(history.Last.TrainAccuracy > 0.9);
        Assert.True(double.IsFinite(history.Last.ValidationLoss!.Value) && history.Last.ValidationLoss < 0.3);

        int[] predicted = net.PredictClasses(labelled);
        var probabilities = new float[600];
        net.Predict(x, probabilities, 600);
        for (int i = 0; i < 600; i++) Assert.Equal(probabilities[i] > 0.5f ? 1 : 0, predicted[i]);
        Assert.True(predicted.Zip(labels).Count(p => p.First == p.Second) > 570);
    }

    [Fact]
    public void Multi_label_BCE_reports_binary_accuracy()
    {
        float[] x = TestData.Gaussian(300 * 10, seed: 21);
        var y = new float[300 * 3];
        for (int i = 0; i < 300; i++)
            for (int o = 0; o < 3; o++) y[i * 3 + o] = x[i * 10 + o] > 0 ? 1f : 0f;
        var data = new Dataset(x, y, [10], targetLength: 3);
        var net = new BinaryCrossEntropyNet(1);
        net.Initialize(1);
        TrainingHistory history = new Trainer(net, new Adam(0.02f), Options(10)).Fit(data, data);
        Assert.True(history.Last!.ValidationAccuracy > 0.9, $"binary accuracy {history.Last.ValidationAccuracy}");
        Assert.True(history.Last.ValidationLoss < history.Epochs[0].ValidationLoss);
    }
}
