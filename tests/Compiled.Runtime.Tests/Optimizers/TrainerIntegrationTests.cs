using System;
using System.Linq;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Optimizers;
using Compiled.Runtime.Tests.Training;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary>Every optimizer drives the <see cref="Trainer"/> (the fused StepAndZeroGradients pass) to a working classifier.</summary>
public class TrainerIntegrationTests
{
    private const int Features = 6, Classes = 4;


    // Rates that suit a 6-feature softmax regression in 8 epochs of batch 32 (PyTorch's defaults are for larger models).
    private static Optimizer Make(string name) => name switch
    {
        "sgd" => new Sgd(0.1f, 0.9f, weightDecay: 1e-3f),
        "adagrad" => new Adagrad(0.3f),
        "adadelta" => new Adadelta(5f),
        "rmsprop" => new RmsProp(0.01f, momentum: 0.5f, centered: true),
        "adam" => new Adam(0.02f, amsGrad: true),
        "adamw" => new AdamW(0.02f),
        "adamax" => new Adamax(0.05f),
        "nadam" => new NAdam(0.02f),
        "radam" => new RAdam(0.05f),
        "asgd" => new Asgd(0.1f, t0: 50f),
        "rprop" => new Rprop(0.001f),
        "sparse-adam" => new SparseAdam(0.02f),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static TheoryData<string> Kinds() =>
        new() { "sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "adamax", "nadam", "radam", "asgd", "rprop", "sparse-adam" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Trains_a_classifier_with_groups_and_a_frozen_bias(string name)
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        Optimizer optimizer = Make(name);
        optimizer.SetGroups(net.ParameterTable, new ParameterGroupRule("*.bias") { WeightDecay = 0f });
        optimizer.Freeze("fc1.bias");
        Dataset validation = Blobs.Make(500, Features, Classes, seed: 11);
        double before = Evaluator.Run(net, validation).Loss;
        var trainer = new Trainer(net, optimizer, new TrainerOptions { Epochs = 8, BatchSize = 32, Seed = 1, Output = null });
        TrainingHistory history = trainer.Fit(Blobs.Make(1000, Features, Classes, seed: 10), validation);
        Assert.True(history.Last!.ValidationLoss < 0.7 * before, $"{name}: validation loss {before} → {history.Last.ValidationLoss}");
        Assert.True(history.Last.ValidationAccuracy > 0.8, $"{name}: validation accuracy {history.Last.ValidationAccuracy}");
        Assert.All(net.Parameters[(Features * Classes)..], b => Assert.Equal(0f, b));   // frozen: never updated
        Assert.All(net.Gradients, g => Assert.Equal(0f, g));
        Assert.Equal(0, optimizer.Parameters.Single(p => p.Name == "fc1.bias").StepCount);
    }

    [Fact]
    public void Lbfgs_trains_full_batch_through_a_closure()
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        Dataset train = Blobs.Make(1000, Features, Classes, seed: 10), validation = Blobs.Make(500, Features, Classes, seed: 11);
        double before = Evaluator.Run(net, validation).Loss;
        var lbfgs = new Lbfgs(1f, maxIter: 10, lineSearch: LineSearch.StrongWolfe);
        for (int step = 0; step < 3; step++)
        {
            lbfgs.Step(net.Parameters, net.Gradients, () =>
            {
                net.ZeroGradients();
                return net.TrainStep(train.Features, train.Labels, train.Count);
            });
        }
        EvaluationResult after = Evaluator.Run(net, validation);
        Assert.True(after.Loss < 0.5 * before, $"validation loss {before} → {after.Loss}");
        Assert.True(after.Accuracy > 0.85, $"validation accuracy {after.Accuracy}");
        Assert.True(lbfgs.FunctionEvaluations > 3);
    }
}
