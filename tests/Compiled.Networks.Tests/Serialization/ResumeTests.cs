using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Data;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Optimizers;
using Compiled.Schedules;
using Compiled.Serialization;

namespace Compiled.Networks.Tests.Serialization;

/// <summary>
/// Training interrupted by a checkpoint and resumed in fresh objects ends with bit-for-bit the parameters of an
/// uninterrupted run with the same seeds and thread count.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private const int Epochs = 4;
    private const int BatchSize = 8;
    private const int Threads = 2;
    private const ulong ShuffleSeed = 123;
    private const ulong NoiseSeed = 456;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // One training run's objects: the network, Adam, a StepLR schedule over it, the batch order and an input-noise generator.
    private sealed class Run
    {
        public Run(int initSeed)
        {
            Network = new CheckpointMlp(Threads);
            Network.Initialize(initSeed);
            Adam = new Adam(0.02f, weightDecay: 1e-3f);
            Schedule = new StepLR(Adam, stepSize: 2, gamma: 0.5);
            Batches = new BatchIterator(Data, BatchSize, shuffle: true, seed: ShuffleSeed);
        }

        public CheckpointMlp Network { get; }
        public Adam Adam { get; }
        public StepLR Schedule { get; }
        public BatchIterator Batches { get; }

        public Dictionary<string, IStateful> States => CheckpointAssert.States(("optimizer", Adam), ("schedule", Schedule));

        /// <summary>Trains from batch <paramref name="from"/> (epoch, index) up to, not including, <paramref name="to"/>.</summary>
        public void Train((int Epoch, int Batch) from, (int Epoch, int Batch) to)
        {
            var inputs = new float[BatchSize * CheckpointMlp.InputLength];
            for (int epoch = from.Epoch; epoch < Epochs && (epoch, 0).CompareTo(to) < 0; epoch++)
            {
                foreach (Batch batch in Batches.Epoch(epoch))
                {
                    if ((epoch, batch.Index).CompareTo(from) < 0) continue;
                    if ((epoch, batch.Index).CompareTo(to) >= 0) return;
                    // Input noise from a generator seeded per (epoch, batch): reproducible wherever a run resumes.
                    var noise = new SeededRandom(SeededRandom.DeriveSeed(NoiseSeed, (ulong)(epoch * 1000 + batch.Index)));
                    Span<float> x = inputs.AsSpan(0, batch.Inputs.Length);
                    for (int i = 0; i < x.Length; i++) x[i] = batch.Inputs[i] + 0.05f * noise.NextGaussian();
                    Network.TrainStep(x, batch.Labels, batch.Size);
                    Adam.StepAndZeroGradients(Network.Parameters, Network.Gradients);
                }
                Schedule.Step();
            }
        }
    }

    private static readonly Dataset Data = new(TestData.Gaussian(50 * 8, seed: 900), TestData.Labels(50, 4, seed: 901), [8]);

    [Theory]
    [InlineData(2, 0)]     // at an epoch boundary, after the schedule's step
    [InlineData(2, 3)]     // in the middle of an epoch
    [InlineData(0, 1)]     // after the first batch
    [InlineData(3, 6)]     // before the last batch (7 batches per epoch: 6 of 8 and one of 2)
    public void ResumingGivesTheUninterruptedRunsParametersBitForBit(int epoch, int batch)
    {
        var uninterrupted = new Run(initSeed: 17);
        uninterrupted.Train((0, 0), (Epochs, 0));

        var first = new Run(initSeed: 17);
        first.Train((0, 0), (epoch, batch));
        string path = _dir.File("resume.ckpt");
        Checkpoint.Save(path, first.Network, first.States, epoch: epoch, step: batch);

        // Fresh objects, initialized differently: everything that matters must come from the checkpoint.
        var resumed = new Run(initSeed: 999);
        CheckpointContents contents = Checkpoint.Load(path, resumed.Network, resumed.States);
        resumed.Train(((int)contents.Epoch, (int)contents.Step), (Epochs, 0));

        CheckpointAssert.BitwiseEqual(uninterrupted.Network.Parameters, resumed.Network.Parameters, "parameters");
        foreach (string name in uninterrupted.Adam.StateNames)
            CheckpointAssert.BitwiseEqual(uninterrupted.Adam.StateBuffer(name), resumed.Adam.StateBuffer(name), name);
        Assert.Equal(uninterrupted.Adam.StepCount, resumed.Adam.StepCount);
        Assert.Equal(uninterrupted.Adam.LearningRate, resumed.Adam.LearningRate);
        Assert.Equal(uninterrupted.Schedule.LastEpoch, resumed.Schedule.LastEpoch);
        Assert.NotEqual(0.02f, resumed.Adam.LearningRate);   // the schedule did decay it
    }

    [Fact]
    public void WithoutTheOptimizerStateTheResumedRunDiffers()
    {
        // The control: restoring only the parameters is not enough, so the test above is sensitive to the optimizer state.
        var uninterrupted = new Run(initSeed: 17);
        uninterrupted.Train((0, 0), (Epochs, 0));
        var first = new Run(initSeed: 17);
        first.Train((0, 0), (2, 3));
        string path = _dir.File("partial.ckpt");
        Checkpoint.Save(path, first.Network, first.States, epoch: 2, step: 3);

        var resumed = new Run(initSeed: 999);
        Checkpoint.Load(path, resumed.Network, CheckpointAssert.States(("schedule", resumed.Schedule)));
        resumed.Train((2, 3), (Epochs, 0));
        Assert.NotEqual(uninterrupted.Network.Parameters, resumed.Network.Parameters);
    }
}
