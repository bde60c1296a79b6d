using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Compiled.Optimizers;
using Compiled.Serialization;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary>WriteState/ReadState (the checkpoint contract): bit-exact continuation, and rejection that leaves the optimizer unchanged.</summary>
public class StateTests
{
    private static readonly ParameterInfo[] s_table =
    [
        new("fc1.weight", "fc1", 0, [4, 5]),
        new("fc1.bias", "fc1", 20, [4]),
        new("fc2.weight", "fc2", 24, [3, 4]),
        new("fc2.bias", "fc2", 36, [3]),
    ];

    private const int Length = 39;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (string name in OptimizerCatalog.Names) data.Add(name);
        return data;
    }

    // A run with groups, a schedule changing a group's rate, and a tensor frozen for a while (its own step count lags).
    private static Optimizer Configured(string name)
    {
        Optimizer o = OptimizerCatalog.Create(name);
        o.SetGroups(s_table, new ParameterGroupRule("fc1") { LearningRate = o.LearningRate / 2 }, new ParameterGroupRule("*.bias") { WeightDecay = 0f });
        return o;
    }

    private static void Steps(Optimizer o, float[] p, int from, int count)
    {
        var g = new float[p.Length];
        for (int t = from; t < from + count; t++)
        {
            var random = new SeededRandom((ulong)(1000 + t));
            for (int i = 0; i < p.Length; i++) g[i] = (i % 7 == t % 7) ? 0f : random.NextGaussian() + 0.2f * p[i];
            if (t == 2) o.Freeze("fc2.weight");
            if (t == 5) o.Freeze("fc2.weight", false);
            if (t == 4) o.Groups[0].LearningRate *= 0.5f;
            if (t == 6) o.LearningRate *= 0.9f;
            o.StepAndZeroGradients(p, g);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_restored_optimizer_continues_bit_for_bit(string name)
    {
        float[] p = Enumerable.Range(0, Length).Select(i => MathF.Sin(i)).ToArray();
        Optimizer original = Configured(name);
        Steps(original, p, 0, 7);
        var bag = new StateBag();
        original.WriteState(bag);

        Optimizer restored = Configured(name);
        restored.ReadState(bag);
        float[] q = (float[])p.Clone();
        Steps(original, p, 7, 6);
        Steps(restored, q, 7, 6);
        Assert.Equal(p, q);
        Assert.Equal(original.StepCount, restored.StepCount);
        Assert.Equal(original.Parameters.Select(x => x.StepCount), restored.Parameters.Select(x => x.StepCount));
        Assert.Equal(original.Groups.Select(x => x.LearningRate), restored.Groups.Select(x => x.LearningRate));
        foreach (string state in original.StateNames) Assert.Equal(original.StateBuffer(state), restored.StateBuffer(state));
    }

    [Fact]
    public void The_saved_state_is_a_copy_and_holds_every_entry()
    {
        Optimizer o = Configured("nadam");
        float[] p = new float[Length];
        Steps(o, p, 0, 3);
        var bag = new StateBag();
        o.WriteState(bag);
        Assert.Equal(3, bag.Integers["step"]);
        Assert.Equal(["exp_avg", "exp_avg_sq"], bag.Buffers.Keys);
        Assert.NotSame(o.StateBuffer("exp_avg"), bag.Buffers["exp_avg"]);
        Assert.Equal(4, bag.Integers["param_count"]);
        Assert.Equal(2, bag.Children["param.2"].Integers["step"]);   // fc2.weight is frozen from the third step: 2 of its own
        Assert.True(bag.Children["param.0"].Scalars.ContainsKey("mu_product"));
        Assert.Contains("kind.NAdam", bag.Children.Keys);
    }

    [Fact]
    public void A_state_read_before_the_first_step_sizes_the_optimizer()
    {
        var a = new Adam(0.01f);
        float[] p = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();
        a.Step(p, Enumerable.Repeat(0.5f, 10).ToArray());
        var bag = new StateBag();
        a.WriteState(bag);
        var b = new Adam(0.01f);
        b.ReadState(bag);
        Assert.Equal(10, b.ParameterCount);
        float[] q = (float[])p.Clone();
        float[] g = Enumerable.Range(0, 10).Select(i => 0.1f * i).ToArray();
        a.Step(p, g);
        b.Step(q, g);
        Assert.Equal(p, q);
    }

    [Fact]
    public void A_state_saved_before_the_first_step_resets_a_used_optimizer()
    {
        var fresh = new RmsProp(0.01f, momentum: 0.9f);
        var bag = new StateBag();
        fresh.WriteState(bag);
        var used = new RmsProp(0.01f, momentum: 0.9f);
        float[] p = [1f, 2f, 3f];
        used.Step(p, [0.5f, 0.5f, 0.5f]);
        used.LearningRate = 0.5f;
        used.ReadState(bag);
        Assert.Equal(0, used.StepCount);
        Assert.Equal(0, used.ParameterCount);
        Assert.Equal(0.01f, used.LearningRate);
        float[] q = [1f, 2f, 3f];
        float[] r = [1f, 2f, 3f];
        used.Step(q, [0.5f, -0.5f, 0.25f]);
        new RmsProp(0.01f, momentum: 0.9f).Step(r, [0.5f, -0.5f, 0.25f]);
        Assert.Equal(r, q);
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "kind", "a Sgd's" },
        { "missing buffer", "'exp_avg_sq' is missing" },
        { "short buffer", "'exp_avg' has 38 floats; expected 39" },
        { "extra buffer", "'momentum_buffer' is not one" },
        { "hyperparameter", "beta1" },
        { "group count", "parameter groups" },
        { "negative lr", "'group.1.lr'" },
        { "tensor step", "param.1: 'step'" },
        { "tensor range", "param.3 covers" },
        { "missing scalar", "'lr' is missing" },
        { "parameter count", "another network" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_bad_state_is_rejected_by_name_and_changes_nothing(string corruption, string expected)
    {
        Optimizer target = Configured("adam-amsgrad-wd-maximize");
        float[] p = Enumerable.Range(0, Length).Select(i => MathF.Cos(i)).ToArray();
        Steps(target, p, 0, 3);
        Optimizer source = Configured("adam-amsgrad-wd-maximize");
        float[] q = Enumerable.Range(0, Length).Select(i => MathF.Sin(i)).ToArray();
        Steps(source, q, 0, 5);
        var bag = new StateBag();
        source.WriteState(bag);
        switch (corruption)
        {
            case "kind":
                bag = new StateBag();
                Optimizer sgd = new Sgd(0.1f);
                sgd.SetGroups(s_table);
                sgd.Step(new float[Length], new float[Length]);
                sgd.WriteState(bag);
                break;
            case "missing buffer": bag.Buffers.Remove("exp_avg_sq"); break;
            case "short buffer": bag.Buffers["exp_avg"] = new float[Length - 1]; break;
            case "extra buffer": bag.Buffers["momentum_buffer"] = new float[Length]; break;
            case "hyperparameter": bag.Scalars["hyper.beta1"] = 0.8; break;
            case "group count": bag.Integers["group_count"] = 2; break;
            case "negative lr": bag.Children["group.1"].Scalars["lr"] = -1; break;
            case "tensor step": bag.Children["param.1"].Integers["step"] = 99; break;
            case "tensor range": bag.Children["param.3"].Integers["offset"] = 35; break;
            case "missing scalar": bag.Scalars.Remove("lr"); break;
            case "parameter count":
                foreach (string key in bag.Buffers.Keys.ToList()) bag.Buffers[key] = new float[40];
                bag.Integers["parameter_count"] = 40;
                break;
        }
        var before = new StateBag();
        target.WriteState(before);
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => target.ReadState(bag));
        Assert.Contains(expected, error.Message);
        var after = new StateBag();
        target.WriteState(after);
        AssertSameState(before, after);
    }

    [Fact]
    public void Lbfgs_state_round_trips_with_its_history()
    {
        static float Closure(float[] p, float[] g)
        {
            double loss = 0;
            for (int i = 0; i < p.Length; i++)
            {
                float u = p[i] - 0.1f * i;
                g[i] = (1 + i % 3) * u + 0.2f * (u * u * u);
                loss += 0.5 * (1 + i % 3) * u * u + 0.05 * u * u * u * u;
            }
            return (float)loss;
        }
        foreach (LineSearch search in new[] { LineSearch.None, LineSearch.StrongWolfe })
        {
            var a = new Lbfgs(0.5f, maxIter: 2, historySize: 3, lineSearch: search);
            float[] p = Enumerable.Range(0, 12).Select(i => MathF.Cos(i) * 2).ToArray();
            var g = new float[12];
            for (int t = 0; t < 4; t++) a.Step(p, g, () => Closure(p, g));
            var bag = new StateBag();
            a.WriteState(bag);
            Assert.True(a.HistoryCount > 0);
            var b = new Lbfgs(0.5f, maxIter: 2, historySize: 3, lineSearch: search);
            b.ReadState(bag);
            float[] q = (float[])p.Clone();
            var h = new float[12];
            for (int t = 0; t < 3; t++)
            {
                a.Step(p, g, () => Closure(p, g));
                b.Step(q, h, () => Closure(q, h));
            }
            Assert.Equal(p, q);
            Assert.Equal(a.FunctionEvaluations, b.FunctionEvaluations);
            bag.Buffers.Remove("old_dirs.0");
            Assert.Contains("old_dirs.0", Assert.Throws<InvalidDataException>(() => new Lbfgs(0.5f, maxIter: 2, historySize: 3, lineSearch: search).ReadState(bag)).Message);
        }
    }

    private static void AssertSameState(StateBag expected, StateBag actual)
    {
        Assert.Equal(expected.Integers.OrderBy(x => x.Key), actual.Integers.OrderBy(x => x.Key));
        Assert.Equal(expected.Scalars.OrderBy(x => x.Key), actual.Scalars.OrderBy(x => x.Key));
        Assert.Equal(expected.Buffers.Keys.Order(), actual.Buffers.Keys.Order());
        foreach (string key in expected.Buffers.Keys) Assert.Equal(expected.Buffers[key], actual.Buffers[key]);
        Assert.Equal(expected.Children.Keys.Order(), actual.Children.Keys.Order());
        foreach (string key in expected.Children.Keys) AssertSameState(expected.Children[key], actual.Children[key]);
    }
}
