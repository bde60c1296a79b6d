using System;
using System.IO;
using Compiled.Optimizers;
using Compiled.Schedules;
using Compiled.Serialization;

namespace Compiled.Runtime.Tests.Schedules;

/// <summary>What the fixtures cannot show: errors, state validation, and schedules sharing an optimizer.</summary>
public sealed class ScheduleBehaviourTests
{
    [Fact]
    public void OneCycleRefusesAnOptimizerWithoutSettableMomentumUnlessToldNotToCycleIt()
    {
        var adagrad = new Adagrad(0.1f);   // no momentum and no betas: torch refuses it too
        var error = Assert.Throws<ArgumentException>(() => new OneCycleLR(adagrad, maxLr: 1.0, totalSteps: 10));
        Assert.Contains("cycleMomentum: false", error.Message);
        // The refused schedule left nothing behind: a later schedule still starts from the optimizer's own rate.
        Assert.Equal(0.1, new StepLR(adagrad, stepSize: 5).BaseLearningRates[0], 7);
        var schedule = new OneCycleLR(adagrad, maxLr: 1.0, totalSteps: 10, cycleMomentum: false);
        Assert.Equal(0.04f, adagrad.LearningRate);
    }

    [Fact]
    public void OneCycleStopsAfterItsTotalSteps()
    {
        var schedule = new OneCycleLR(new Sgd(0.1f), maxLr: 1.0, totalSteps: 5, cycleMomentum: false);
        for (int i = 0; i < 5; i++) schedule.Step();
        Assert.Throws<InvalidOperationException>(schedule.Step);
    }

    [Fact]
    public void PlateauNeedsTheMetric()
    {
        var plateau = new ReduceLROnPlateau(new Sgd(0.1f));
        Assert.Throws<InvalidOperationException>(plateau.Step);
        Assert.Throws<ArgumentException>(() => plateau.Step(double.NaN));
    }

    [Fact]
    public void PlateauReducesFromARateSetByHand()
    {
        var sgd = new Sgd(0.1f);
        var plateau = new ReduceLROnPlateau(sgd, patience: 0);
        plateau.Step(1.0);
        sgd.LearningRate = 0.5f;
        plateau.Step(2.0);   // worse: 0.5 → 0.05
        Assert.Equal(0.05f, sgd.LearningRate);
    }

    [Fact]
    public void ASecondScheduleOnTheSameOptimizerStartsFromTheInitialRate()
    {
        var sgd = new Sgd(0.5f);
        _ = new LinearLR(sgd, startFactor: 0.1, totalIters: 4);
        Assert.Equal(0.05f, sgd.LearningRate);
        var cosine = new CosineAnnealingLR(sgd, tMax: 10);
        Assert.Equal(0.5, cosine.BaseLearningRates[0]);
    }

    [Fact]
    public void ReadStateRejectsMissingEntriesAndLeavesTheScheduleUnchanged()
    {
        var sgd = new Sgd(0.125f);
        var schedule = new StepLR(sgd, stepSize: 2, gamma: 0.5);
        schedule.Step();
        schedule.Step();
        var bag = new StateBag();
        schedule.WriteState(bag);
        bag.Scalars.Remove("last_lr/0");

        var other = new StepLR(new Sgd(0.125f), stepSize: 2, gamma: 0.5);
        var error = Assert.Throws<InvalidDataException>(() => other.ReadState(bag));
        Assert.Contains("last_lr/0", error.Message);
        Assert.Equal(0, other.LastEpoch);
        Assert.Equal(0.125, other.LearningRate);

        var plateau = new ReduceLROnPlateau(new Sgd(0.125f));
        var plateauBag = new StateBag();
        plateau.WriteState(plateauBag);
        plateauBag.Integers["num_bad_epochs"] = -3;
        Assert.Throws<InvalidDataException>(() => new ReduceLROnPlateau(new Sgd(0.125f)).ReadState(plateauBag));
    }

    [Fact]
    public void ArgumentsOutsideTorchsRangesAreRejected()
    {
        var sgd = new Sgd(0.1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(sgd, stepSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(sgd, startFactor: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(sgd, factor: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingWarmRestarts(sgd, t0: 2, tMult: 0));
        Assert.Throws<ArgumentException>(() => new OneCycleLR(sgd, maxLr: 1.0, cycleMomentum: false));
        Assert.Throws<ArgumentException>(() => new SequentialLR(sgd, [new ConstantLR(sgd), new ConstantLR(sgd)], [0]));
    }
}
