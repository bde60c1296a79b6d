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
/// OneCycleLR cycling the momentum of the real optimizers (torch's <c>cycle_momentum</c>: <c>momentum</c> for SGD and
/// RMSprop, <c>betas[0]</c> for the Adam family): the sequences of schedules.json's OneCycleLR cases, and a resume from
/// saved state that continues bit for bit. That each step uses the cycled value is checked against torch trajectories
/// in <see cref="OptimizerFixtureTests"/> (the <c>onecycle-*</c> cases).
/// </summary>
public sealed class OneCycleMomentumTests
{
    public static TheoryData<string> CyclingCases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string name in Fixtures.CaseNames("schedules.json"))
                if (Fixtures.Case("schedules.json", name).TryGetProperty("momentum", out _)) data.Add(name);
            return data;
        }
    }

    [Fact]
    public void The_fixture_cycles_both_SGD_momentum_and_Adam_beta1()
    {
        var optimizers = Fixtures.CaseNames("schedules.json").Select(n => Fixtures.Case("schedules.json", n))
            .Where(c => c.TryGetProperty("momentum", out _)).Select(c => c.GetProperty("optimizer").GetString()).Distinct().ToArray();
        Assert.Contains("SGD", optimizers);
        Assert.Contains("Adam", optimizers);
    }

    [Theory]
    [MemberData(nameof(CyclingCases))]
    public void A_real_optimizer_follows_torchs_momentum_sequence(string name)
    {
        JsonElement c = Fixtures.Case("schedules.json", name);
        (Optimizer optimizer, OneCycleLR schedule) = Build(c);
        double[][] lrs = Rows(c.GetProperty("lrs"));
        double[][] momentum = Rows(c.GetProperty("momentum"));
        int steps = c.GetProperty("steps").GetInt32();
        for (int k = 0; k <= steps; k++)
        {
            if (k > 0) schedule.Step();
            float live = Live(optimizer);
            Assert.Equal((float)schedule.Momentum, live);
            for (int g = 0; g < 2; g++)
            {
                Assert.True(Math.Abs(momentum[k][g] - live) <= 6e-8 * momentum[k][g], $"{name}: momentum of group {g} at step {k}: torch {momentum[k][g]:R}, here {live:R}.");
                Assert.Equal((float)lrs[k][g], optimizer.Groups[g].LearningRate);
            }
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd-no-momentum")]
    [InlineData("rmsprop")]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("adamax")]
    [InlineData("nadam")]
    [InlineData("radam")]
    [InlineData("sparse-adam")]
    public void The_cycled_momentum_is_saved_with_the_optimizer_and_a_resumed_run_is_bit_exact(string kind)
    {
        const int Steps = 20, Half = 9;
        float[] start = Enumerable.Range(0, 10).Select(i => MathF.Sin(i + 1f)).ToArray();

        (Optimizer straight, OneCycleLR straightSchedule) = Make(kind, Steps);
        float[] p = (float[])start.Clone();
        for (int t = 0; t < Steps; t++) Step(straight, straightSchedule, p);

        (Optimizer first, OneCycleLR firstSchedule) = Make(kind, Steps);
        float[] q = (float[])start.Clone();
        for (int t = 0; t < Half; t++) Step(first, firstSchedule, q);
        var optimizerState = new StateBag();
        var scheduleState = new StateBag();
        first.WriteState(optimizerState);
        firstSchedule.WriteState(scheduleState);
        float saved = Live(first);
        Assert.NotEqual(saved, Live(Make(kind, Steps).Optimizer));   // mid-cycle: not the momentum a fresh schedule sets

        (Optimizer resumed, OneCycleLR resumedSchedule) = Make(kind, Steps);
        resumed.ReadState(optimizerState);
        resumedSchedule.ReadState(scheduleState);
        Assert.Equal(saved, Live(resumed));
        for (int t = Half; t < Steps; t++) Step(resumed, resumedSchedule, q);
        Assert.Equal(p, q);
        Assert.Equal(Live(straight), Live(resumed));
    }

    [Fact]
    public void The_saved_momentum_is_read_back_even_without_a_schedule()
    {
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        sgd.Momentum = 0.875f;
        sgd.Step(new float[3], [1f, 2f, 3f]);
        var state = new StateBag();
        sgd.WriteState(state);
        Assert.Equal(0.875, state.Scalars["momentum"]);
        var other = new Sgd(0.1f, momentum: 0.9f);
        other.ReadState(state);
        Assert.Equal(0.875f, other.Momentum);

        state.Scalars["momentum"] = -0.5;
        var bad = new Sgd(0.1f, momentum: 0.9f);
        var error = Assert.Throws<System.IO.InvalidDataException>(() => bad.ReadState(state));
        Assert.Contains("momentum", error.Message);
        Assert.Equal(0.9f, bad.Momentum);   // left unchanged
    }

    [Fact]
    public void Momentum_from_zero_is_possible_only_before_the_first_step()
    {
        var before = new Sgd(0.1f);
        Assert.Empty(before.StateNames);
        before.Momentum = 0.9f;
        Assert.Equal(["momentum_buffer"], before.StateNames);

        var after = new Sgd(0.1f);
        after.Step(new float[2], [1f, 1f]);
        after.Momentum = 0f;   // still none: fine
        var error = Assert.Throws<InvalidOperationException>(() => after.Momentum = 0.9f);
        Assert.Contains("momentum_buffer", error.Message);

        var rms = new RmsProp(centered: true);
        rms.Momentum = 0.5f;
        Assert.Equal(["square_avg", "momentum_buffer", "grad_avg"], rms.StateNames);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam().Beta1 = 1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f).Momentum = -0.1f);
    }

    [Fact]
    public void Optimizers_without_a_momentum_are_refused_as_torch_refuses_them()
    {
        var error = Assert.Throws<ArgumentException>(() => new OneCycleLR(new Adagrad(), 0.1, totalSteps: 10));
        Assert.Contains("cycleMomentum: false", error.Message);
        _ = new OneCycleLR(new Adagrad(), 0.1, totalSteps: 10, cycleMomentum: false);
        Assert.IsAssignableFrom<IScheduledMomentum>(new Sgd(0.1f));
        Assert.IsAssignableFrom<IScheduledMomentum>(new SparseAdam());
        Assert.False((Optimizer)new Rprop() is IScheduledMomentum);
    }

    private static float Live(Optimizer o) => ((IScheduledMomentum)o).ScheduledMomentum;

    private static void Step(Optimizer o, OneCycleLR schedule, float[] p)
    {
        var g = new float[p.Length];
        for (int i = 0; i < p.Length; i++) g[i] = p[i] * (1f + 0.1f * i) - 0.25f;
        o.Step(p, g);
        schedule.Step();
    }

    private static (Optimizer Optimizer, OneCycleLR Schedule) Make(string kind, int steps)
    {
        Optimizer o = kind switch
        {
            "sgd" => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
            "sgd-no-momentum" => new Sgd(0.05f),
            "rmsprop" => new RmsProp(momentum: 0.5f, centered: true),
            "adam" => new Adam(amsGrad: true),
            "adamw" => new AdamW(),
            "adamax" => new Adamax(),
            "nadam" => new NAdam(),
            "radam" => new RAdam(),
            "sparse-adam" => new SparseAdam(),
            _ => throw new ArgumentException(kind),
        };
        return (o, new OneCycleLR(o, 0.1, totalSteps: steps));
    }

    private static (Optimizer, OneCycleLR) Build(JsonElement c)
    {
        JsonElement groups = Fixtures.Root("schedules.json").GetProperty("groups");
        float defaultRate = (float)groups[1].GetDouble();
        Optimizer optimizer = c.GetProperty("optimizer").GetString() == "Adam"
            ? new Adam(defaultRate)
            : new Sgd(defaultRate, momentum: (float)c.GetProperty("momentum0").GetDouble());
        optimizer.SetGroups([new ParameterInfo("a.weight", "a", 0, [2]), new ParameterInfo("b.weight", "b", 2, [3])],
            new ParameterGroupRule("a") { LearningRate = (float)groups[0].GetDouble() });
        return (optimizer, (OneCycleLR)ScheduleFixtureTests.Make(optimizer, "OneCycleLR", c.GetProperty("args")));
    }

    private static double[][] Rows(JsonElement rows) =>
        rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
}
