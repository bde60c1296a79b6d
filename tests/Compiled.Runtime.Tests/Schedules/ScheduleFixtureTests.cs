using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Compiled.Optimizers;
using Compiled.Runtime.Tests.PyTorch;
using Compiled.Schedules;
using Compiled.Serialization;

namespace Compiled.Runtime.Tests.Schedules;

/// <summary>
/// Every case of schedules.json (tests/fixtures/make_schedule_fixtures.py, torch.optim.lr_scheduler): the learning rate
/// after construction and after each step, and OneCycleLR's momentum, match torch's; a schedule saved halfway and restored
/// into a fresh one continues bit for bit.
/// </summary>
public sealed class ScheduleFixtureTests
{
    // The base rates are binary fractions (0.125, 0.03125), exact in the optimizer's float, so the schedule's doubles can be
    // held tight: torch steps several schedules by recursive forms equal to the closed forms up to double rounding
    // (a few ulps per step, ~1e-14 after 40 steps). The optimizer's float rate is that rounded to float (2^-24 relative).
    private const double Rel = 1e-12;
    private const double Abs = 1e-15;

    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string name in Fixtures.CaseNames("schedules.json")) data.Add(name);
            return data;
        }
    }

    [Fact]
    public void FixtureCoversEverySchedule()
    {
        var kinds = new HashSet<string>();
        foreach (JsonElement c in Fixtures.Root("schedules.json").GetProperty("cases").EnumerateArray())
            kinds.Add(c.GetProperty("kind").GetString()!);
        string[] expected = ["StepLR", "MultiStepLR", "ExponentialLR", "InverseTimeDecay", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
            "LinearLR", "ConstantLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR"];
        Assert.Empty(expected.Except(kinds));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        JsonElement c = Fixtures.Case("schedules.json", name);
        (ScheduleTestOptimizer optimizer, LearningRateScheduler schedule) = Build(c);
        double[][] expected = Rates(c.GetProperty("lrs"));
        double[][]? momentum = c.TryGetProperty("momentum", out JsonElement m) ? Rates(m) : null;
        int steps = c.GetProperty("steps").GetInt32();
        Assert.Equal(steps + 1, expected.Length);
        for (int k = 0; k <= steps; k++)
        {
            if (k > 0) Advance(c, schedule, k);
            Assert.Equal(2, schedule.GroupCount);
            for (int g = 0; g < schedule.GroupCount; g++)
            {
                double want = expected[k][g];
                Close(want, schedule.LastLearningRates[g], $"{name}: lr of group {g} at step {k}");
                Close(want, optimizer.Groups[g].LearningRate, $"{name}: the optimizer's rate of group {g} at step {k}", floatRel: 6e-8);
            }
            if (momentum is not null)
            {
                Close(momentum[k][0], ((OneCycleLR)schedule).Momentum, $"{name}: momentum at step {k}");
                Assert.Equal((float)((OneCycleLR)schedule).Momentum, optimizer.ScheduledMomentum);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResumesExactlyFromSavedState(string name)
    {
        JsonElement c = Fixtures.Case("schedules.json", name);
        int steps = c.GetProperty("steps").GetInt32();
        int half = steps / 2;
        (ScheduleTestOptimizer straight, LearningRateScheduler uninterrupted) = Build(c);
        (_, LearningRateScheduler first) = Build(c);
        for (int k = 1; k <= half; k++)
        {
            Advance(c, uninterrupted, k);
            Advance(c, first, k);
        }
        var state = new StateBag();
        first.WriteState(state);
        Assert.Equal(first.StateKind, uninterrupted.StateKind);

        (ScheduleTestOptimizer resumedOptimizer, LearningRateScheduler resumed) = Build(c);
        resumed.ReadState(state);
        Assert.Equal(first.LastEpoch, resumed.LastEpoch);
        Assert.Equal(straight.Groups.Select(g => g.LearningRate), resumedOptimizer.Groups.Select(g => g.LearningRate));
        for (int k = half + 1; k <= steps; k++)
        {
            Advance(c, uninterrupted, k);
            Advance(c, resumed, k);
            Assert.Equal(uninterrupted.LastLearningRates, resumed.LastLearningRates);
            Assert.Equal(straight.Groups.Select(g => g.LearningRate), resumedOptimizer.Groups.Select(g => g.LearningRate));
        }
    }

    private static void Advance(JsonElement c, LearningRateScheduler schedule, int k)
    {
        if (c.TryGetProperty("metrics", out JsonElement metrics))
            ((ReduceLROnPlateau)schedule).Step(metrics[k - 1].GetDouble());
        else if (c.TryGetProperty("epochs", out JsonElement epochs))
            ((CosineAnnealingWarmRestarts)schedule).Step(epochs[k - 1].GetDouble());
        else
            schedule.Step();
    }

    private static void Close(double expected, double actual, string what, double floatRel = Rel) =>
        Assert.True(Math.Abs(expected - actual) <= Abs + floatRel * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}.");

    private static double[][] Rates(JsonElement rows) =>
        rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();

    /// <summary>Two groups as in the script: "a" with its own rate (group 0), then the default group following the optimizer's rate.</summary>
    internal static (ScheduleTestOptimizer, LearningRateScheduler) Build(JsonElement c)
    {
        JsonElement groups = Fixtures.Root("schedules.json").GetProperty("groups");
        var optimizer = new ScheduleTestOptimizer((float)groups[1].GetDouble(), (float)c.GetProperty("momentum0").GetDouble());
        optimizer.SetGroups([new ParameterInfo("a.weight", "a", 0, [2]), new ParameterInfo("b.weight", "b", 2, [3])],
            new ParameterGroupRule("a") { LearningRate = (float)groups[0].GetDouble() });
        string kind = c.GetProperty("kind").GetString()!;
        LearningRateScheduler schedule = kind == "SequentialLR"
            ? new SequentialLR(optimizer,
                c.GetProperty("schedulers").EnumerateArray().Select(s => (EpochSchedule)Make(optimizer, s.GetProperty("kind").GetString()!, s.GetProperty("args"))).ToArray(),
                c.GetProperty("args").GetProperty("milestones").EnumerateArray().Select(v => v.GetInt32()).ToArray())
            : Make(optimizer, kind, c.GetProperty("args"));
        return (optimizer, schedule);
    }

    internal static LearningRateScheduler Make(Optimizer o, string kind, JsonElement a)
    {
        double D(string n, double d) => a.TryGetProperty(n, out JsonElement v) ? v.GetDouble() : d;
        double[] L(string n, double d) => a.TryGetProperty(n, out JsonElement v)
            ? v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetDouble()).ToArray() : [v.GetDouble(), v.GetDouble()]
            : [d, d];
        int I(string n, int d) => a.TryGetProperty(n, out JsonElement v) ? v.GetInt32() : d;
        int? N(string n) => a.TryGetProperty(n, out JsonElement v) ? v.GetInt32() : null;
        bool B(string n, bool d) => a.TryGetProperty(n, out JsonElement v) ? v.GetBoolean() : d;
        string S(string n, string d) => a.TryGetProperty(n, out JsonElement v) ? v.GetString()! : d;
        return kind switch
        {
            "StepLR" => new StepLR(o, I("step_size", 0), D("gamma", 0.1)),
            "MultiStepLR" => new MultiStepLR(o, a.GetProperty("milestones").EnumerateArray().Select(v => v.GetInt32()), D("gamma", 0.1)),
            "ExponentialLR" => new ExponentialLR(o, D("gamma", double.NaN)),
            "InverseTimeDecay" => new InverseTimeDecay(o, D("rate", double.NaN), I("decay_steps", 1), B("staircase", false)),
            "CosineAnnealingLR" => new CosineAnnealingLR(o, I("T_max", 0), D("eta_min", 0)),
            "CosineAnnealingWarmRestarts" => new CosineAnnealingWarmRestarts(o, I("T_0", 0), I("T_mult", 1), D("eta_min", 0)),
            "LinearLR" => new LinearLR(o, D("start_factor", 1.0 / 3), D("end_factor", 1.0), I("total_iters", 5)),
            "ConstantLR" => new ConstantLR(o, D("factor", 1.0 / 3), I("total_iters", 5)),
            "OneCycleLR" => new OneCycleLR(o, L("max_lr", double.NaN), N("total_steps"), N("epochs"), N("steps_per_epoch"),
                D("pct_start", 0.3), S("anneal_strategy", "cos") == "cos" ? AnnealStrategy.Cos : AnnealStrategy.Linear,
                B("cycle_momentum", true), D("base_momentum", 0.85), D("max_momentum", 0.95),
                D("div_factor", 25), D("final_div_factor", 1e4), B("three_phase", false)),
            "ReduceLROnPlateau" => new ReduceLROnPlateau(o, S("mode", "min") == "min" ? MetricMode.Min : MetricMode.Max,
                D("factor", 0.1), I("patience", 10), D("threshold", 1e-4),
                S("threshold_mode", "rel") == "rel" ? ThresholdMode.Relative : ThresholdMode.Absolute,
                I("cooldown", 0), L("min_lr", 0), D("eps", 1e-8)),
            _ => throw new ArgumentException($"Unknown schedule kind '{kind}' in schedules.json."),
        };
    }
}
