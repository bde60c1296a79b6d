using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using Compiled.Optimizers;
using Compiled.Regularization;
using Compiled.Samples.Mnist;
using Compiled.Schedules;
using Compiled.Training;

namespace Compiled.Samples.Tests;

/// <summary>Each option reaches the trainer as the runtime object it names, with the values given.</summary>
public sealed class TrainingSetupTests
{
    private static TrainingSetup Setup(int trainCount, bool validation, params string[] args)
    {
        var command = new SampleCommand(MnistSample.Definition);
        ParseResult result = command.Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return TrainingSetup.Create(command.Bind(result), trainCount, validation, output: null);
    }

    [Fact]
    public void Defaults_are_sgd_momentum_and_exponential_decay_per_epoch()
    {
        TrainingSetup s = Setup(1000, false);
        var sgd = Assert.IsType<Sgd>(s.Optimizer);
        Assert.Equal(0.02f, sgd.LearningRate);
        Assert.Equal(0.9f, sgd.Momentum);
        Assert.Equal(5e-4f, sgd.WeightDecay);
        var exponential = Assert.IsType<ExponentialLR>(s.Scheduler);
        Assert.Equal(0.8, exponential.Gamma, 1e-7);
        Assert.Equal(ScheduleInterval.Epoch, s.TrainerOptions.ScheduleInterval);
        Assert.Equal(10, s.TrainerOptions.Epochs);
        Assert.Equal(32, s.TrainerOptions.BatchSize);
        Assert.Equal(1UL, s.TrainerOptions.Seed);
        Assert.Null(s.TrainerOptions.ClipGradNorm);
        Assert.Null(s.TrainerOptions.Penalty);
        Assert.Null(s.TrainerOptions.EarlyStopping);
        Assert.Empty(s.TrainerOptions.Callbacks);
        Assert.Null(s.TrainerOptions.CheckpointPath);
    }

    [Theory]
    [InlineData("sgd", typeof(Sgd), 0.02f)]
    [InlineData("adagrad", typeof(Adagrad), 1e-2f)]
    [InlineData("adadelta", typeof(Adadelta), 1.0f)]
    [InlineData("rmsprop", typeof(RmsProp), 1e-2f)]
    [InlineData("adam", typeof(Adam), 1e-3f)]
    [InlineData("adamw", typeof(AdamW), 1e-3f)]
    [InlineData("adamax", typeof(Adamax), 2e-3f)]
    [InlineData("nadam", typeof(NAdam), 2e-3f)]
    [InlineData("radam", typeof(RAdam), 1e-3f)]
    [InlineData("asgd", typeof(Asgd), 1e-2f)]
    [InlineData("rprop", typeof(Rprop), 1e-2f)]
    public void Every_optimizer_is_built_with_its_default_rate_and_steps(string name, Type type, float learningRate)
    {
        TrainingSetup s = Setup(1000, false, "--optimizer", name, "--schedule", "constant");
        Assert.IsType(type, s.Optimizer);
        Assert.Equal(learningRate, s.Optimizer.LearningRate);
        var parameters = new float[] { 1f, -2f, 3f };
        s.Optimizer.Step(parameters, new float[] { 0.5f, -0.5f, 1f });
        Assert.NotEqual(new float[] { 1f, -2f, 3f }, parameters);   // it moved
        Assert.Equal(0.05f, Setup(1000, false, "--optimizer", name, "--lr", "0.05").Optimizer.LearningRate);
    }

    [Fact]
    public void Onecycle_steps_per_batch_over_the_runs_batches()
    {
        TrainingSetup s = Setup(1000, false, "--schedule", "onecycle:max_lr=0.1", "--epochs", "3", "--batch", "64");
        Assert.Equal(ScheduleInterval.Step, s.TrainerOptions.ScheduleInterval);
        Assert.Equal(3 * 16, Assert.IsType<OneCycleLR>(s.Scheduler).TotalSteps);   // ceil(1000 / 64) = 16 batches
    }

    [Fact]
    public void Plateau_watches_the_validation_loss_or_the_training_loss_without_validation()
    {
        Assert.Equal(TrainingMetric.ValidationLoss, Setup(1000, true, "--schedule", "plateau").TrainerOptions.ScheduleMetric);
        Assert.Equal(TrainingMetric.TrainLoss, Setup(1000, false, "--schedule", "plateau").TrainerOptions.ScheduleMetric);
        Assert.Null(Setup(1000, false, "--schedule", "constant").Scheduler);
    }

    [Fact]
    public void Clipping_penalty_early_stopping_and_save_reach_the_trainer()
    {
        TrainingSetup s = Setup(1000, true, "--clip-norm", "2", "--l1", "1e-5", "--l2", "1e-4", "--validation", "100", "--early-stopping", "3",
            "--save", "run.ckpt", "--save-every", "2");
        Assert.Equal(2f, s.TrainerOptions.ClipGradNorm);
        WeightPenalty penalty = s.TrainerOptions.Penalty!;
        Assert.Equal(1e-5f, penalty.L1);
        Assert.Equal(1e-4f, penalty.L2);
        EarlyStopping stopping = s.TrainerOptions.EarlyStopping!;
        Assert.Equal(3, stopping.Patience);
        Assert.Equal(TrainingMetric.ValidationLoss, stopping.Monitor);
        Assert.True(stopping.RestoreBestWeights);
        Assert.Equal("run.ckpt", s.TrainerOptions.CheckpointPath);
        Assert.Equal(2, s.TrainerOptions.CheckpointEvery);
        Assert.Equal(0.01f, Setup(1000, false, "--l2", "0.01").TrainerOptions.Penalty!.L2);
        Assert.Equal(0f, Setup(1000, false, "--l2", "0.01").TrainerOptions.Penalty!.L1);
    }
}
