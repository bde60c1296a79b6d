using System;
using Compiled.Optimizers;
using Compiled.Runtime.Tests.Optimizers;
using Compiled.Runtime.Tests.Training;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Networks;

/// <summary>The <see cref="Trainer"/> on a network that fuses the end of its step (<see cref="IFusedTrainStep"/>) against the unfused loop.</summary>
public class FusedTrainerTests
{
    [Theory]
    [InlineData(1, "sgd-momentum", true, true)]
    [InlineData(2, "sgd-momentum", true, true)]
    [InlineData(3, "sgd-momentum", false, true)]
    [InlineData(2, "sgd-momentum", true, false)]
    [InlineData(2, "adamw-amsgrad", true, true)]
    [InlineData(3, "adagrad", true, false)]
    [InlineData(2, "nadam", true, true)]
    public void Training_with_the_fused_step_gives_bitwise_the_unfused_trajectory(int threads, string optimizer, bool ownedWeights, bool checkFinite)
    {
        var data = Blobs.Make(150, 6, 4, 21);
        TrainingHistory Fit(bool fused, out float[] parameters)
        {
            using var net = new SlicedMlp(6, 10, 4, threads, ownedWeights);
            net.Initialize(4);
            var options = new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 8, Output = null, CheckFinite = checkFinite };
            var trainer = fused
                ? new Trainer(net, OptimizerCatalog.Create(optimizer), options)
                : new Trainer(new UnfusedView(net), OptimizerCatalog.Create(optimizer), options);
            TrainingHistory history = trainer.Fit(data, data);
            parameters = (float[])net.Parameters.Clone();
            return history;
        }
        TrainingHistory fusedHistory = Fit(true, out float[] fusedParameters);
        TrainingHistory plainHistory = Fit(false, out float[] plainParameters);
        Assert.Equal(plainParameters, fusedParameters);
        for (int e = 0; e < plainHistory.Epochs.Count; e++)
        {
            Assert.Equal(plainHistory.Epochs[e].TrainLoss, fusedHistory.Epochs[e].TrainLoss);
            Assert.Equal(plainHistory.Epochs[e].TrainAccuracy, fusedHistory.Epochs[e].TrainAccuracy);
            Assert.Equal(plainHistory.Epochs[e].ValidationLoss, fusedHistory.Epochs[e].ValidationLoss);
        }
        Assert.True(plainHistory.Epochs[^1].TrainLoss < plainHistory.Epochs[0].TrainLoss);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Divergence_is_reported_the_same_way_and_leaves_the_last_finite_parameters(int threads)
    {
        var data = Blobs.Make(96, 6, 4, 3);
        NonFiniteException Diverge(bool fused, out float[] parameters, out float[] atFailure)
        {
            using var net = new SlicedMlp(6, 10, 4, threads, ownedWeights: true);
            net.Initialize(4);
            var options = new TrainerOptions { Epochs = 50, BatchSize = 32, Seed = 8, Output = null, Shuffle = false };
            var sgd = new Sgd(1e30f);
            var trainer = fused ? new Trainer(net, sgd, options) : new Trainer(new UnfusedView(net), sgd, options);
            var error = Assert.Throws<NonFiniteException>(() => trainer.Fit(data));
            parameters = (float[])net.Parameters.Clone();
            atFailure = (float[])net.Gradients.Clone();
            return error;
        }
        NonFiniteException fusedError = Diverge(true, out float[] fusedParameters, out float[] fusedGradients);
        NonFiniteException plainError = Diverge(false, out float[] plainParameters, out _);
        Assert.Equal(plainError.Message, fusedError.Message);
        Assert.Equal(plainError.Epoch, fusedError.Epoch);
        Assert.Equal(plainError.Batch, fusedError.Batch);
        Assert.Equal(plainError.Index, fusedError.Index);
        Assert.Equal(plainParameters, fusedParameters);
        Assert.All(fusedGradients, g => Assert.Equal(0f, g));   // the fused step's documented state after a failure
    }
}
