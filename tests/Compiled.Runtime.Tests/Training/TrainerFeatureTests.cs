using System;
using System.Linq;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Optimizers;
using Compiled.Regularization;
using Compiled.Schedules;
using Compiled.Serialization;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Training;

/// <summary>The trainer's schedule, clipping, penalty, early stopping and resume options, each held to a hand-written loop.</summary>
public sealed class TrainerFeatureTests
{
    private const int Features = 6, Classes = 4, Batch = 32;
    private static readonly Dataset Train = Blobs.Make(1000, Features, Classes, seed: 10);

    private static SoftmaxRegression NewNet()
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        return net;
    }

    private static TrainerOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = Batch, Seed = 7, Output = null };

    [Fact]
    public void Penalty_clipping_and_a_per_step_schedule_are_bitwise_the_hand_written_loop()
    {
        const int epochs = 3;
        int batchesPerEpoch = (Train.Count + Batch - 1) / Batch;
        var net = NewNet();
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        var penalty = new WeightPenalty(l1: 1e-3f, l2: 1e-2f);
        TrainingHistory history = new Trainer(net, sgd, Options(epochs) with
        {
            Penalty = penalty,
            ClipGradNorm = 0.5f,
            ClipGradValue = 0.05f,
            Schedule = new OneCycleLR(sgd, maxLr: 0.5, totalSteps: epochs * batchesPerEpoch, cycleMomentum: false),
            ScheduleInterval = ScheduleInterval.Step,
        }).Fit(Train);

        var manual = NewNet();
        var manualSgd = new Sgd(0.1f, momentum: 0.9f);
        var schedule = new OneCycleLR(manualSgd, maxLr: 0.5, totalSteps: epochs * batchesPerEpoch, cycleMomentum: false);
        var batches = new BatchIterator(Train, Batch, shuffle: true, seed: 7);
        double firstEpochLoss = 0, firstEpochNorm = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            foreach (Batch batch in batches.Epoch(epoch))
            {
                float loss = manual.TrainStep(batch.Inputs, batch.Labels, batch.Size);
                loss += (float)penalty.Apply(manual.Parameters, manual.Gradients, manual.ParameterTable);
                float norm = GradientClipping.ClipGradNorm(manual.Gradients, 0.5f);
                GradientClipping.ClipGradValue(manual.Gradients, 0.05f);
                manualSgd.Step(manual.Parameters, manual.Gradients);
                manual.ZeroGradients();
                schedule.Step();
                if (epoch == 0)
                {
                    firstEpochLoss += (double)loss * batch.Size;
                    firstEpochNorm += norm;
                }
            }
        }
        Assert.Equal(manual.Parameters, net.Parameters);
        Assert.Equal(firstEpochLoss / Train.Count, history.Epochs[0].TrainLoss, 12);
        Assert.Equal(firstEpochNorm / batchesPerEpoch, history.Epochs[0].GradientNorm!.Value, 12);
        Assert.Equal(manualSgd.LearningRate, sgd.LearningRate);
        Assert.Equal((float)schedule.RateAt(batchesPerEpoch, schedule.BaseLearningRates[0]), history.Epochs[1].LearningRate);
    }

    [Fact]
    public void The_reported_loss_includes_the_penalty()
    {
        var plain = new Trainer(NewNet(), new Sgd(0f), Options(1)).Fit(Train, Train).Epochs[0];
        var penalty = new WeightPenalty(l2: 0.5f);
        var net = NewNet();
        double expected = penalty.Value(net.Parameters, net.ParameterTable);
        var penalized = new Trainer(net, new Sgd(0f), Options(1) with { Penalty = penalty }).Fit(Train, Train).Epochs[0];
        // A zero learning rate keeps the weights still, so the penalty is the same at every step.
        Assert.True(expected > 0.1);
        Assert.Equal(plain.TrainLoss + expected, penalized.TrainLoss, 5);
        Assert.Equal(plain.ValidationLoss!.Value + expected, penalized.ValidationLoss!.Value, 9);
    }

    [Fact]
    public void A_per_epoch_schedule_steps_after_each_epoch()
    {
        var sgd = new Sgd(0.2f);
        var history = new Trainer(NewNet(), sgd, Options(4) with { Schedule = new StepLR(sgd, stepSize: 1, gamma: 0.5) }).Fit(Train);
        Assert.Equal([0.2f, 0.1f, 0.05f, 0.025f], history.Epochs.Select(r => r.LearningRate));
        Assert.Equal(0.0125f, sgd.LearningRate);
    }

    [Fact]
    public void ReduceLROnPlateau_steps_on_the_monitored_metric()
    {
        var sgd = new Sgd(0.1f);
        var plateau = new ReduceLROnPlateau(sgd, patience: 0, threshold: 10, factor: 0.5);   // nothing is ever 10x better
        var history = new Trainer(NewNet(), sgd, Options(3) with { Schedule = plateau, ScheduleMetric = TrainingMetric.TrainLoss }).Fit(Train);
        Assert.Equal(3, plateau.LastEpoch);
        Assert.Equal([0.1f, 0.05f, 0.025f], history.Epochs.Select(r => r.LearningRate));
        Assert.Throws<ArgumentException>(() => new Trainer(NewNet(), sgd, Options(3) with { Schedule = plateau, ScheduleInterval = ScheduleInterval.Step }));
        Assert.Throws<ArgumentException>(() => new Trainer(NewNet(), sgd, Options(3) with { Schedule = new ReduceLROnPlateau(sgd) }).Fit(Train));
    }

    [Fact]
    public void Early_stopping_stops_after_patience_and_restores_the_best_weights()
    {
        // Validation labels rotated by one class: the better the network learns, the worse the validation loss,
        // so the best validation loss is after epoch 1.
        Dataset wrong = new(Train.Features, Train.Labels.Select(l => (l + 1) % Classes).ToArray(), [Features]);
        var stopping = new EarlyStopping(patience: 2);
        var net = NewNet();
        var printed = new System.IO.StringWriter();
        TrainingHistory history = new Trainer(net, new Sgd(0.1f), Options(20) with { EarlyStopping = stopping, Output = printed }).Fit(Train, wrong);
        Assert.Contains("early stopping: val_loss did not improve for 2 epochs", printed.ToString());
        Assert.Contains("restored the weights of epoch 1", printed.ToString());
        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal(1, stopping.BestEpoch);
        Assert.Equal(3, stopping.StoppedEpoch);
        Assert.True(stopping.RestoredBestWeights);
        Assert.Contains("val_loss did not improve for 2 epochs", history.StopReason);

        var afterOneEpoch = NewNet();
        new Trainer(afterOneEpoch, new Sgd(0.1f), Options(1)).Fit(Train);
        Assert.Equal(afterOneEpoch.Parameters, net.Parameters);
    }

    [Fact]
    public void Early_stopping_min_delta_and_max_mode()
    {
        var stopping = new EarlyStopping(TrainingMetric.TrainAccuracy, patience: 1, minDelta: 0.5);
        Assert.Equal(MetricMode.Max, stopping.Mode);
        var history = new Trainer(NewNet(), new Sgd(0.1f), Options(10) with { EarlyStopping = stopping }).Fit(Train);
        // Accuracy never rises by 0.5 after the first epoch.
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(history.Epochs[0].TrainAccuracy, stopping.Best);
    }

    [Fact]
    public void Early_stopping_state_round_trips()
    {
        var stopping = new EarlyStopping(patience: 5);
        new Trainer(NewNet(), new Sgd(0.1f), Options(3) with { EarlyStopping = stopping }).Fit(Train, Train);
        var bag = new StateBag();
        stopping.WriteState(bag);
        var copy = new EarlyStopping(patience: 5);
        copy.ReadState(bag);
        Assert.Equal(stopping.Best, copy.Best);
        Assert.Equal(stopping.BestEpoch, copy.BestEpoch);
        Assert.Equal(stopping.Wait, copy.Wait);
        Assert.Equal(bag.Buffers["best_weights"], ReadBack(copy).Buffers["best_weights"]);
        bag.Integers.Remove("wait");
        Assert.Throws<System.IO.InvalidDataException>(() => new EarlyStopping().ReadState(bag));

        static StateBag ReadBack(EarlyStopping e)
        {
            var b = new StateBag();
            e.WriteState(b);
            return b;
        }
    }

    [Fact]
    public void Resuming_at_InitialEpoch_with_restored_state_is_bitwise_the_uninterrupted_run()
    {
        var straightNet = NewNet();
        var straightAdam = new Adam(0.05f);
        var straightStop = new EarlyStopping(TrainingMetric.TrainLoss, patience: 50);
        new Trainer(straightNet, straightAdam, Options(4) with
        {
            Schedule = new CosineAnnealingLR(straightAdam, tMax: 4),
            EarlyStopping = straightStop,
        }).Fit(Train);

        // First half, then everything a checkpoint holds, into fresh objects.
        var firstNet = NewNet();
        var firstAdam = new Adam(0.05f);
        var firstSchedule = new CosineAnnealingLR(firstAdam, tMax: 4);
        var firstStop = new EarlyStopping(TrainingMetric.TrainLoss, patience: 50);
        new Trainer(firstNet, firstAdam, Options(2) with { Schedule = firstSchedule, EarlyStopping = firstStop }).Fit(Train);
        var scheduleState = new StateBag();
        firstSchedule.WriteState(scheduleState);
        var stopState = new StateBag();
        firstStop.WriteState(stopState);

        var net = NewNet();
        firstNet.Parameters.AsSpan().CopyTo(net.Parameters);
        var adamState = new StateBag();
        firstAdam.WriteState(adamState);
        var adam = new Adam(0.05f);
        adam.ReadState(adamState);
        var schedule = new CosineAnnealingLR(adam, tMax: 4);
        schedule.ReadState(scheduleState);
        var stop = new EarlyStopping(TrainingMetric.TrainLoss, patience: 50);
        stop.ReadState(stopState);
        TrainingHistory resumed = new Trainer(net, adam, Options(4) with { Schedule = schedule, EarlyStopping = stop, InitialEpoch = 2 }).Fit(Train);

        Assert.Equal([3, 4], resumed.Epochs.Select(r => r.Epoch));
        Assert.Equal(straightNet.Parameters, net.Parameters);
        Assert.Equal(straightAdam.LearningRate, adam.LearningRate);
        Assert.Equal(straightStop.Best, stop.Best);
    }

    [Fact]
    public void PredictClasses_is_the_argmax_of_the_outputs()
    {
        var net = NewNet();
        new Trainer(net, new Sgd(0.1f), Options(2)).Fit(Train);
        int[] predicted = net.PredictClasses(Train, chunk: 100);
        var outputs = new float[Train.Count * Classes];
        net.Forward(Train.Features, outputs, Train.Count);
        for (int i = 0; i < Train.Count; i++)
            Assert.Equal(Accuracy.ArgMax(outputs.AsSpan(i * Classes, Classes)), predicted[i]);
        Assert.Equal(Evaluator.Run(net, Train).Accuracy, predicted.Zip(Train.Labels).Count(p => p.First == p.Second) / (double)Train.Count);
        Assert.Throws<ArgumentException>(() => net.PredictClasses(Train.Features.AsSpan(1), new int[Train.Count], Train.Count));
    }
}
