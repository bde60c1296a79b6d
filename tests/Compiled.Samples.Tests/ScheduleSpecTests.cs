using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using Compiled.Optimizers;
using Compiled.Samples.Mnist;
using Compiled.Schedules;

namespace Compiled.Samples.Tests;

/// <summary>--schedule: each name builds the runtime schedule it names, with its arguments and torch's defaults.</summary>
public sealed class ScheduleSpecTests
{
    private static ScheduleSpec Spec(string text)
    {
        var command = new SampleCommand(MnistSample.Definition);
        ParseResult result = command.Parse(["--schedule", text]);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return command.Bind(result).Schedule!;
    }

    private static string Error(string text)
    {
        ParseResult result = new SampleCommand(MnistSample.Definition).Parse(["--schedule", text]);
        return Assert.Single(result.Errors).Message;
    }

    // The learning rates of epochs 0..count-1 (what each epoch trains with), stepping after each.
    private static double[] Rates(LearningRateScheduler schedule, int count)
    {
        var rates = new double[count];
        for (int e = 0; e < count; e++)
        {
            rates[e] = schedule.Optimizer.LearningRate;
            schedule.Step();
        }
        return rates;
    }

    private static void Near(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"epoch {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Default_is_none_so_the_run_uses_exponential_lr_decay()
    {
        var command = new SampleCommand(MnistSample.Definition);
        Assert.Null(command.Bind(command.Parse([])).Schedule);
    }

    [Fact]
    public void Step_multistep_and_exponential_follow_their_formulas()
    {
        Near([0.1, 0.1, 0.05, 0.05, 0.025], Rates(Spec("step:step_size=2,gamma=0.5").Create(new Sgd(0.1f), 5, 10, 0.8f)!, 5));
        Near([0.1, 0.01, 0.01, 0.001], Rates(Spec("multistep:milestones=1/3").Create(new Sgd(0.1f), 4, 10, 0.8f)!, 4));
        Near([0.1, 0.08, 0.064], Rates(Spec("exponential").Create(new Sgd(0.1f), 3, 10, 0.8f)!, 3));      // gamma from --lr-decay
        Near([0.1, 0.05, 0.025], Rates(Spec("EXPONENTIAL:Gamma=0.5").Create(new Sgd(0.1f), 3, 10, 0.8f)!, 3));
    }

    [Fact]
    public void Inverse_time_cosine_restarts_and_warmup_follow_their_formulas()
    {
        Near([0.1, 0.1 / 1.5, 0.1 / 2], Rates(Spec("inverse-time:rate=0.5").Create(new Sgd(0.1f), 3, 10, 0.8f)!, 3));
        // cosine over T_max = the epochs (4): 0.1 · (1 + cos(π e / 4)) / 2
        Near([0.1, 0.1 * (1 + Math.Cos(Math.PI / 4)) / 2, 0.05, 0.1 * (1 + Math.Cos(3 * Math.PI / 4)) / 2], Rates(Spec("cosine").Create(new Sgd(0.1f), 4, 10, 0.8f)!, 4));
        Near([0.1, 0.05, 0.1, 0.05], Rates(Spec("cosine-restarts:T_0=2").Create(new Sgd(0.1f), 4, 10, 0.8f)!, 4));
        Near([0.05, 0.075, 0.1, 0.1], Rates(Spec("warmup:start_factor=0.5,total_iters=2").Create(new Sgd(0.1f), 4, 10, 0.8f)!, 4));
    }

    [Fact]
    public void Onecycle_runs_per_batch_over_epochs_times_batches_and_peaks_at_max_lr()
    {
        ScheduleSpec spec = Spec("onecycle:max_lr=0.4");
        Assert.True(spec.PerBatch);
        var schedule = Assert.IsType<OneCycleLR>(spec.Create(new Sgd(0.1f, momentum: 0.9f), epochs: 2, stepsPerEpoch: 5, 0.8f));
        Assert.Equal(10, schedule.TotalSteps);
        double[] rates = Rates(schedule, 10);
        Assert.Equal(0.4 / 25, rates[0], 1e-7);
        Assert.Equal(0.4, rates.Max(), 1e-6);
        Assert.False(Spec("constant").PerBatch);
        Assert.Null(Spec("constant").Create(new Sgd(0.1f), 3, 10, 0.8f));
    }

    [Fact]
    public void Onecycle_cycles_the_momentum_of_optimizers_that_have_one()
    {
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        var schedule = Assert.IsType<OneCycleLR>(Spec("onecycle:max_lr=0.4").Create(sgd, epochs: 2, stepsPerEpoch: 5, 0.8f));
        Assert.True(schedule.CycleMomentum);
        Assert.Equal(0.95f, sgd.Momentum);   // maxMomentum at the start, as torch
        for (int i = 0; i < 3; i++) schedule.Step();
        Assert.True(sgd.Momentum < 0.95f);
        var adam = new Adam();
        Assert.True(Assert.IsType<OneCycleLR>(Spec("onecycle:max_lr=0.4").Create(adam, 2, 5, 0.8f)).CycleMomentum);
        Assert.Equal(0.95f, adam.Beta1);
        Assert.False(Assert.IsType<OneCycleLR>(Spec("onecycle:max_lr=0.4").Create(new Adagrad(), 2, 5, 0.8f)).CycleMomentum);
    }

    [Fact]
    public void Plateau_reduces_after_patience_bad_epochs()
    {
        var plateau = Assert.IsType<ReduceLROnPlateau>(Spec("plateau:patience=1,factor=0.5").Create(new Sgd(0.1f), 3, 10, 0.8f));
        plateau.Step(1.0);
        plateau.Step(1.0);
        Assert.Equal(0.1f, plateau.Optimizer.LearningRate);
        plateau.Step(1.0);
        Assert.Equal(0.05f, plateau.Optimizer.LearningRate);
        Assert.Equal(MetricMode.Max, Assert.IsType<ReduceLROnPlateau>(Spec("plateau:mode=max").Create(new Sgd(0.1f), 3, 10, 0.8f)).Mode);
    }

    [Theory]
    [InlineData("foo", "--schedule: unknown schedule 'foo'; use one of constant, step, multistep, exponential, inverse-time, cosine, cosine-restarts, warmup, onecycle, plateau.")]
    [InlineData("step", "--schedule step needs step_size=..., e.g. step:step_size=3,gamma=0.5.")]
    [InlineData("step:step_size=0", "--schedule step: step_size needs a whole number >= 1; got '0'.")]
    [InlineData("cosine:tmax=3", "--schedule cosine: unknown key 'tmax'; it takes T_max, eta_min.")]
    [InlineData("constant:x=1", "--schedule constant takes no arguments; got 'x'.")]
    [InlineData("step:step_size", "--schedule step: 'step_size' is not key=value.")]
    [InlineData("step:step_size=2,step_size=3", "--schedule step: 'step_size' is given twice.")]
    [InlineData("multistep:milestones=3/x", "--schedule multistep: milestones needs epochs >= 1 separated by '/', e.g. 3/6/8; got '3/x'.")]
    [InlineData("plateau:factor=1", "--schedule plateau: factor needs a number in [0, 1); got '1'.")]
    [InlineData("plateau:mode=up", "--schedule plateau: mode needs min or max; got 'up'.")]
    [InlineData("exponential:gamma=-1", "--schedule exponential: gamma needs a number > 0; got '-1'.")]
    public void Malformed_specs_are_rejected_naming_the_problem(string text, string message) => Assert.Equal(message, Error(text));

    [Fact]
    public void Every_kind_in_the_help_builds()
    {
        foreach ((string kind, string[] _, string _) in ScheduleSpec.Kinds)
        {
            string text = kind switch
            {
                "step" => "step:step_size=2",
                "multistep" => "multistep:milestones=2",
                "inverse-time" => "inverse-time:rate=1",
                "cosine-restarts" => "cosine-restarts:T_0=2",
                _ => kind,
            };
            LearningRateScheduler? schedule = Spec(text).Create(new Sgd(0.1f, momentum: 0.9f), 3, 4, 0.8f);
            Assert.Equal(kind == "constant", schedule is null);
        }
    }
}
