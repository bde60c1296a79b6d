using System;
using System.IO;
using System.Linq;
using Compiled.Data;
using Compiled.Optimizers;
using Compiled.Schedules;
using Compiled.Serialization;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Training;

/// <summary>The trainer's checkpoint every N epochs and <see cref="Trainer.Resume"/>: bit for bit the uninterrupted run.</summary>
public sealed class TrainerCheckpointTests : IDisposable
{
    private const int Features = 6, Classes = 4;
    private static readonly Dataset Train = Blobs.Make(600, Features, Classes, seed: 10);
    private static readonly Dataset Validation = Blobs.Make(200, Features, Classes, seed: 11);
    private readonly string _dir = Directory.CreateTempSubdirectory("compiled-trainer-ckpt").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (SoftmaxRegression Net, Trainer Trainer) Make(int epochs, string? path, int every = 1)
    {
        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        var adam = new Adam(0.05f);
        var trainer = new Trainer(net, adam, new TrainerOptions
        {
            Epochs = epochs,
            BatchSize = 32,
            Seed = 5,
            Output = null,
            Schedule = new CosineAnnealingLR(adam, tMax: 6),
            EarlyStopping = new EarlyStopping(patience: 50, restoreBestWeights: false),
            CheckpointPath = path,
            CheckpointEvery = every,
        });
        return (net, trainer);
    }

    [Fact]
    public void Resuming_from_the_checkpoint_gives_the_uninterrupted_parameters_bit_for_bit()
    {
        var (straight, straightTrainer) = Make(6, null);
        TrainingHistory full = straightTrainer.Fit(Train, Validation);

        string path = Path.Combine(_dir, "run.ckpt");
        var (_, first) = Make(3, path, every: 2);   // saves after epoch 2 and after the last, 3
        first.Fit(Train, Validation);
        var (resumedNet, resumed) = Make(6, path);
        TrainingHistory rest = resumed.Resume(path, Train, Validation);

        Assert.Equal([4, 5, 6], rest.Epochs.Select(r => r.Epoch));
        Assert.Equal(straight.Parameters, resumedNet.Parameters);
        Assert.Equal(full.Epochs.Skip(3).Select(r => r.LearningRate), rest.Epochs.Select(r => r.LearningRate));
        Assert.Equal(full.Epochs.Skip(3).Select(r => r.ValidationLoss), rest.Epochs.Select(r => r.ValidationLoss));
        Assert.Equal(full.Epochs.Skip(3).Select(r => r.TrainLoss), rest.Epochs.Select(r => r.TrainLoss));
    }

    [Fact]
    public void Checkpoints_are_written_every_N_epochs_and_a_wrong_seed_is_refused()
    {
        string path = Path.Combine(_dir, "every.ckpt");
        var (_, trainer) = Make(5, path, every: 2);
        Assert.Contains("validation set", Assert.Throws<ArgumentException>(() => trainer.Fit(Train)).Message);
        trainer.Fit(Train, Validation);
        Assert.Equal(5, Checkpoint.Read(path).Epoch);   // the last epoch is always saved
        Assert.Equal(["batches", "early_stopping", "optimizer", "schedule"], Checkpoint.Read(path).States.Keys.Order());

        var (_, done) = Make(5, null);
        Assert.Throws<InvalidDataException>(() => done.Resume(path, Train, Validation));   // nothing left to train

        var net = new SoftmaxRegression(Features, Classes);
        net.Initialize(3);
        float[] before = (float[])net.Parameters.Clone();
        var otherSeed = new Trainer(net, new Adam(0.05f), new TrainerOptions { Epochs = 9, Seed = 6, Output = null });
        var error = Assert.Throws<InvalidDataException>(() => otherSeed.Resume(path, Train));
        Assert.Contains("seeded", error.Message);
        Assert.Equal(before, net.Parameters);   // untouched
    }
}
