using System;
using System.IO;
using System.Linq;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Optimizers;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Training;

public class TrainerTests
{
    private const int Features = 6, Classes = 4;

    private static (SoftmaxRegression Net, TrainingHistory History) Train(ulong shuffleSeed = 1, int epochs = 5, Optimizer? optimizer = null,
        TextWriter? output = null, ProgressDisplay progress = ProgressDisplay.EpochLines, ITrainingCallback[]? callbacks = null, Dataset? validation = null)
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        var trainer = new Trainer(net, optimizer ?? new Sgd(0.1f, 0.9f), new TrainerOptions
        {
            Epochs = epochs,
            BatchSize = 32,
            Seed = shuffleSeed,
            Output = output,
            Progress = progress,
            Callbacks = callbacks ?? [],
        });
        return (net, trainer.Fit(Blobs.Make(1000, Features, Classes, seed: 10), validation));
    }

    [Fact]
    public void Training_reduces_the_loss_and_learns()
    {
        Dataset validation = Blobs.Make(500, Features, Classes, seed: 11);
        var untrained = new SoftmaxRegression(Features, Classes);
        untrained.Initialize(3);
        double initialLoss = Evaluator.Run(untrained, validation).Loss;
        var (net, history) = Train(validation: validation);
        Assert.Equal(5, history.Epochs.Count);
        EpochRecord first = history.Epochs[0], last = history.Last!;
        Assert.True(last.TrainLoss < first.TrainLoss, $"loss {first.TrainLoss} → {last.TrainLoss}");
        Assert.True(last.ValidationLoss < 0.5 * initialLoss, $"validation loss {initialLoss} → {last.ValidationLoss}");
        Assert.True(last.TrainAccuracy > 0.85, $"train accuracy {last.TrainAccuracy}");
        Assert.True(last.ValidationAccuracy > 0.85, $"validation accuracy {last.ValidationAccuracy}");
        Assert.InRange(last.ValidationLoss!.Value, 0.05, 0.6);
        Assert.Equal(1000, last.Samples);
        Assert.All(history.Epochs, r => Assert.True(r.TrainSeconds >= 0 && r.Seconds >= r.TrainSeconds));
        Assert.Equal([1, 2, 3, 4, 5], history.Epochs.Select(r => r.Epoch));
        Assert.Null(history.StopReason);
        Assert.All(net.Gradients, g => Assert.Equal(0f, g)); // zeroed after every step
    }

    [Fact]
    public void Fit_is_bitwise_the_plain_loop_of_TrainStep_Step_and_ZeroGradients()
    {
        var (fitted, _) = Train(shuffleSeed: 2, epochs: 3, optimizer: new Adam(0.05f));

        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        var adam = new Adam(0.05f);
        var batches = new BatchIterator(Blobs.Make(1000, Features, Classes, seed: 10), 32, shuffle: true, seed: 2);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            foreach (Batch batch in batches.Epoch(epoch))
            {
                net.TrainStep(batch.Inputs, batch.Labels, batch.Size);
                adam.Step(net.Parameters, net.Gradients);
                net.ZeroGradients();
            }
        }
        Assert.Equal(net.Parameters, fitted.Parameters);
    }

    [Fact]
    public void Same_seeds_same_result_and_the_shuffle_seed_matters()
    {
        var (a, historyA) = Train(shuffleSeed: 4);
        var (b, historyB) = Train(shuffleSeed: 4);
        var (c, _) = Train(shuffleSeed: 5);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(historyA.Epochs.Select(r => r.TrainLoss), historyB.Epochs.Select(r => r.TrainLoss));
        Assert.NotEqual(a.Parameters, c.Parameters);
    }

    [Fact]
    public void Works_with_Adam()
    {
        var (_, history) = Train(optimizer: new Adam(0.05f));
        Assert.True(history.Last!.TrainLoss < history.Epochs[0].TrainLoss);
        Assert.True(history.Last!.TrainAccuracy > 0.85);
    }

    [Fact]
    public void A_NaN_gradient_stops_training_naming_the_layer_parameter_epoch_and_batch()
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        // 1000 samples / 32 = 32 batches per epoch; step 32 + 4 = epoch 2, batch 3 (0-based).
        int biasIndex = Classes * Features + 1;
        net.Poison = (36, biasIndex, float.NaN);
        var trainer = new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 3, BatchSize = 32, Output = null });
        float[] before = null!;
        var e = Assert.Throws<NonFiniteException>(() =>
        {
            try { trainer.Fit(Blobs.Make(1000, Features, Classes, seed: 10)); }
            finally { before = (float[])net.Parameters.Clone(); }
        });
        Assert.Equal("fc1", e.Layer);
        Assert.Equal("fc1.bias", e.Parameter);
        Assert.Equal(biasIndex, e.Index);
        Assert.Equal(2, e.Epoch);
        Assert.Equal(3, e.Batch);
        Assert.Contains("layer 'fc1'", e.Message);
        Assert.Contains("fc1.bias[1] = NaN", e.Message);
        Assert.Contains("epoch 2, batch 3", e.Message);
        Assert.All(before, v => Assert.True(float.IsFinite(v)));   // the poisoned step was not applied
    }

    [Fact]
    public void An_infinite_weight_gradient_is_located_by_its_coordinates()
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        net.Poison = (1, 2 * Features + 5, float.NegativeInfinity);   // fc1.weight[2, 5]
        var trainer = new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 1, BatchSize = 100, Output = null });
        var e = Assert.Throws<NonFiniteException>(() => trainer.Fit(Blobs.Make(200, Features, Classes, seed: 1)));
        Assert.Contains("fc1.weight[2, 5] = -Inf", e.Message);
        Assert.Equal("fc1.weight", e.Parameter);
        Assert.Equal(1, e.Epoch);
        Assert.Equal(0, e.Batch);
    }

    [Fact]
    public void Divergence_from_a_huge_learning_rate_is_caught()
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        var trainer = new Trainer(net, new Sgd(1e38f), new TrainerOptions { Epochs = 5, BatchSize = 32, Output = null });
        var e = Assert.Throws<NonFiniteException>(() => trainer.Fit(Blobs.Make(1000, Features, Classes, seed: 10)));
        Assert.Contains("fc1", e.Message);
        Assert.Equal("fc1", e.Layer);
    }

    [Fact]
    public void The_guard_can_be_turned_off()
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        net.Poison = (2, 0, float.NaN);
        var trainer = new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 1, BatchSize = 500, Output = null, CheckFinite = false });
        trainer.Fit(Blobs.Make(1000, Features, Classes, seed: 10));
        Assert.True(float.IsNaN(net.Parameters[0]));
    }

    private sealed class StopAfter(int epochs) : ITrainingCallback
    {
        public void OnEpochEnd(TrainingContext context, EpochRecord record)
        {
            if (record.Epoch == epochs) context.RequestStop($"stopped after {epochs}");
        }
    }

    private sealed class HalveEachEpoch : ITrainingCallback
    {
        public void OnEpochStart(TrainingContext context)
        {
            if (context.Epoch > 1) context.Optimizer.LearningRate /= 2;
        }
    }

    [Fact]
    public void Callbacks_can_schedule_the_learning_rate_and_stop_early()
    {
        var (_, history) = Train(epochs: 10, callbacks: [new HalveEachEpoch(), new StopAfter(3)]);
        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal("stopped after 3", history.StopReason);
        Assert.Equal([0.1f, 0.05f, 0.025f], history.Epochs.Select(r => r.LearningRate));
    }

    [Fact]
    public void Prints_one_line_per_epoch_and_a_bar_when_asked()
    {
        var lines = new StringWriter();
        Train(epochs: 3, output: lines, validation: Blobs.Make(100, Features, Classes, seed: 2));
        string[] printed = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, printed.Length);
        Assert.StartsWith("epoch 1/3  loss ", printed[0]);
        Assert.Contains("  acc ", printed[2]);
        Assert.Contains("  val loss ", printed[2]);
        Assert.Contains("  val acc ", printed[2]);
        Assert.DoesNotContain("\r", lines.ToString());

        var bar = new StringWriter();
        Train(epochs: 2, output: bar, progress: ProgressDisplay.Bar);
        Assert.Contains("\repoch 1/2 [", bar.ToString());
        Assert.Contains("] 32/32", bar.ToString());
        Assert.Contains("\nepoch 2/2  loss", bar.ToString().Replace("\r", "\n"));
    }

    [Fact]
    public void Rejects_data_that_does_not_fit_the_network()
    {
        var net = new SoftmaxRegression(Features, Classes);
        var trainer = new Trainer(net, new Sgd(0.1f), new TrainerOptions { Output = null });
        Assert.Throws<ArgumentException>(() => trainer.Fit(Blobs.Make(10, Features + 1, Classes, 1)));
        Assert.Throws<ArgumentException>(() => trainer.Fit(Blobs.Make(50, Features, Classes, 1), Blobs.Make(50, Features, Classes + 2, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(net, new Sgd(0.1f), new TrainerOptions { Epochs = 0 }));
    }

    [Fact]
    public void History_writes_csv()
    {
        var (_, history) = Train(epochs: 2);
        var csv = new StringWriter();
        history.WriteCsv(csv);
        string[] rows = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length);
        Assert.StartsWith("epoch,train_loss,train_accuracy,validation_loss", rows[0]);
        Assert.StartsWith("2,", rows[2]);
        Assert.EndsWith(",samples,gradient_norm", rows[0]);
        Assert.Equal(10, rows[1].Split(',').Length);
        Assert.Contains(",,", rows[1]); // no validation: empty cells
    }
}
