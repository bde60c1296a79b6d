using System;
using System.Linq;
using Compiled.Optimizers;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary>Argument validation (PyTorch's checks, with messages naming the argument), parameter groups and freezing.</summary>
public class ValidationAndGroupTests
{
    public static TheoryData<string, string> BadArguments() => new()
    {
        { "lr", "sgd" }, { "lr", "adam" }, { "lr", "adagrad" }, { "lr", "lbfgs" },
        { "weightDecay", "adam" }, { "weightDecay", "adamw" }, { "weightDecay", "rmsprop" },
        { "momentum", "sgd" }, { "momentum", "rmsprop" },
        { "beta1", "adam" }, { "beta2", "adamw" }, { "beta1", "adamax" }, { "beta2", "nadam" }, { "beta1", "radam" }, { "beta2", "sparse_adam" },
        { "epsilon", "adagrad" }, { "epsilon", "adadelta" }, { "rho", "adadelta" }, { "alpha", "rmsprop" },
        { "learningRateDecay", "adagrad" }, { "initialAccumulatorValue", "adagrad" }, { "momentumDecay", "nadam" },
        { "lambda", "asgd" }, { "etaMinus", "rprop" }, { "stepSizeMin", "rprop" },
        { "maxIter", "lbfgs" }, { "historySize", "lbfgs" }, { "rowLength", "sparse_adam" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_hyperparameters_are_rejected_naming_the_argument(string argument, string kind)
    {
        Func<object> make = (argument, kind) switch
        {
            ("lr", "sgd") => () => new Sgd(-0.1f),
            ("lr", "adam") => () => new Adam(float.NaN),
            ("lr", "adagrad") => () => new Adagrad(float.PositiveInfinity),
            ("lr", "lbfgs") => () => new Lbfgs(-1f),
            ("weightDecay", "adam") => () => new Adam(weightDecay: -1e-4f),
            ("weightDecay", "adamw") => () => new AdamW(weightDecay: -1f),
            ("weightDecay", "rmsprop") => () => new RmsProp(weightDecay: float.NaN),
            ("momentum", "sgd") => () => new Sgd(0.1f, momentum: -0.9f),
            ("momentum", "rmsprop") => () => new RmsProp(momentum: -1f),
            ("beta1", "adam") => () => new Adam(beta1: 1f),
            ("beta2", "adamw") => () => new AdamW(beta2: -0.1f),
            ("beta1", "adamax") => () => new Adamax(beta1: 1.5f),
            ("beta2", "nadam") => () => new NAdam(beta2: 1f),
            ("beta1", "radam") => () => new RAdam(beta1: -0.5f),
            ("beta2", "sparse_adam") => () => new SparseAdam(beta2: 2f),
            ("epsilon", "adagrad") => () => new Adagrad(epsilon: -1e-10f),
            ("epsilon", "adadelta") => () => new Adadelta(epsilon: -1f),
            ("rho", "adadelta") => () => new Adadelta(rho: 1.5f),
            ("alpha", "rmsprop") => () => new RmsProp(alpha: -0.99f),
            ("learningRateDecay", "adagrad") => () => new Adagrad(learningRateDecay: -1f),
            ("initialAccumulatorValue", "adagrad") => () => new Adagrad(initialAccumulatorValue: -1f),
            ("momentumDecay", "nadam") => () => new NAdam(momentumDecay: -4e-3f),
            ("lambda", "asgd") => () => new Asgd(lambda: -1f),
            ("etaMinus", "rprop") => () => new Rprop(etaMinus: 1.5f),
            ("stepSizeMin", "rprop") => () => new Rprop(stepSizeMin: 60f),
            ("maxIter", "lbfgs") => () => new Lbfgs(maxIter: 0),
            ("historySize", "lbfgs") => () => new Lbfgs(historySize: 0),
            ("rowLength", "sparse_adam") => () => new SparseAdam(rowLength: 0),
            _ => throw new ArgumentOutOfRangeException(nameof(argument)),
        };
        ArgumentException error = Assert.ThrowsAny<ArgumentException>(() => make());
        Assert.Equal(argument == "lr" ? "learningRate" : argument, error.ParamName);
    }

    [Fact]
    public void Sgd_nesterov_needs_momentum_without_dampening()
    {
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => new Sgd(0.1f, nesterov: true)).Message);
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f, 0.9f, dampening: 0.1f, nesterov: true));
    }

    [Fact]
    public void Learning_rates_set_later_are_validated()
    {
        var adam = new Adam();
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Groups[0].LearningRate = float.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Groups[0].WeightDecay = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.SetGroups(s_table, new ParameterGroupRule("fc1") { LearningRate = -1f }));
    }

    private static readonly ParameterInfo[] s_table =
    [
        new("fc1.weight", "fc1", 0, [2, 3]),
        new("fc1.bias", "fc1", 6, [2]),
        new("fc2.weight", "fc2", 8, [1, 2]),
        new("fc2.bias", "fc2", 10, [1]),
    ];

    [Fact]
    public void Rules_group_by_layer_or_glob_first_match_wins()
    {
        var sgd = new Sgd(0.1f, weightDecay: 0.01f);
        sgd.SetGroups(s_table, new ParameterGroupRule("fc1") { LearningRate = 0.01f }, new ParameterGroupRule("*.bias") { WeightDecay = 0f });
        Assert.Equal(["fc1", "*.bias", "default"], sgd.Groups.Select(g => g.Name));
        Assert.Equal(["fc1", "fc1", "default", "*.bias"], sgd.Parameters.Select(p => p.Group.Name));
        Assert.Equal([3, 1, 2, 1], sgd.Parameters.Select(p => p.RowLength));
        Assert.Contains("matches no parameter", Assert.Throws<ArgumentException>(() => new Sgd(0.1f).SetGroups(s_table, new ParameterGroupRule("conv*"))).Message);
        Assert.Throws<NotSupportedException>(() => new Lbfgs().SetGroups(s_table, new ParameterGroupRule("fc1")));
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f).SetGroups([new ParameterInfo("a", "a", 0, [4]), new ParameterInfo("b", "b", 2, [4])]));
    }

    [Fact]
    public void Each_group_steps_with_its_own_settings_and_the_default_follows_the_optimizer()
    {
        var sgd = new Sgd(0.1f, weightDecay: 0.5f);
        sgd.SetGroups(s_table, new ParameterGroupRule("fc1") { LearningRate = 0.01f }, new ParameterGroupRule("*.bias") { WeightDecay = 0f });
        float[] p = Enumerable.Repeat(1f, 11).ToArray();
        float[] g = Enumerable.Repeat(1f, 11).ToArray();
        sgd.Step(p, g);
        Assert.Equal(1f - 0.01f * 1.5f, p[0], 6);   // fc1.weight: lr 0.01, default decay 0.5
        Assert.Equal(1f - 0.01f * 1.5f, p[6], 6);   // fc1.bias: first rule wins, so decay 0.5 too
        Assert.Equal(1f - 0.1f * 1.5f, p[8], 6);    // fc2.weight: default group
        Assert.Equal(1f - 0.1f * 1f, p[10], 6);     // fc2.bias: no decay
        sgd.LearningRate = 0.2f;                     // a schedule: the default group follows, fc1 keeps its own
        Assert.Equal([0.01f, 0.2f, 0.2f], sgd.Groups.Select(x => x.LearningRate));
    }

    [Fact]
    public void Frozen_tensors_keep_parameters_state_and_step_count_and_their_gradients_are_still_cleared()
    {
        var adam = new Adam(0.1f);
        adam.SetGroups(s_table, new ParameterGroupRule("fc2"));
        Assert.Equal(2, adam.Freeze("fc1"));
        float[] p = Enumerable.Range(0, 11).Select(i => (float)i).ToArray();
        float[] g = Enumerable.Repeat(1f, 11).ToArray();
        adam.StepAndZeroGradients(p, g);
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f], p[..8]);
        Assert.All(adam.StateBuffer("exp_avg")![..8], v => Assert.Equal(0f, v));
        Assert.All(g, v => Assert.Equal(0f, v));
        Assert.Equal([0L, 0L, 1L, 1L], adam.Parameters.Select(x => x.StepCount));
        adam.Freeze("fc1", false);
        adam.Groups[0].Frozen = true;                 // the whole fc2 group
        adam.Step(p, Enumerable.Repeat(1f, 11).ToArray());
        Assert.Equal([1L, 1L, 1L, 1L], adam.Parameters.Select(x => x.StepCount));
        Assert.Equal(-0.1f, p[0], 5);                  // fc1 took its first Adam step: lr · sign(g)
        Assert.Contains("matches no parameter", Assert.Throws<ArgumentException>(() => adam.Freeze("conv1")).Message);
        Assert.Throws<InvalidOperationException>(() => new Adam().Freeze("fc1"));
    }

    [Fact]
    public void A_table_that_is_not_the_networks_is_rejected_at_the_first_step()
    {
        var sgd = new Sgd(0.1f);
        sgd.SetGroups(s_table);
        Assert.Contains("not this network's", Assert.Throws<ArgumentException>(() => sgd.Step(new float[8], new float[8])).Message);
        sgd.Step(new float[11], new float[11]);
        Assert.Throws<InvalidOperationException>(() => sgd.SetGroups(s_table));
    }

    [Fact]
    public void A_run_without_a_table_can_name_its_tensors_later_and_freeze_one_without_changing_the_others()
    {
        float[] Run(bool nameAfterTwoSteps)
        {
            var nadam = new NAdam(0.05f, weightDecay: 0.01f);   // per-tensor scalar state (mu_product) must carry over
            float[] p = Enumerable.Range(0, 11).Select(i => MathF.Sin(i)).ToArray();
            for (int t = 0; t < 5; t++)
            {
                if (t == 2 && nameAfterTwoSteps)
                {
                    nadam.SetGroups(s_table);
                    nadam.Freeze("fc2.bias");
                    Assert.All(nadam.Parameters, x => Assert.Equal(2, x.StepCount));
                    Assert.Throws<InvalidOperationException>(() => nadam.SetGroups(s_table));
                }
                nadam.Step(p, p.Select(x => 0.5f * x + 0.1f).ToArray());
            }
            return p;
        }
        float[] plain = Run(false), named = Run(true);
        Assert.Equal(plain[..10], named[..10]);
        Assert.NotEqual(plain[10], named[10]);
        Assert.Throws<InvalidOperationException>(() =>
        {
            var adam = new Adam();
            adam.Step(new float[11], new float[11]);
            adam.SetGroups(s_table, new ParameterGroupRule("fc1"));
        });
    }

    [Fact]
    public void SparseAdam_leaves_rows_without_gradient_untouched()
    {
        var adam = new SparseAdam(0.1f);
        adam.SetGroups(s_table);
        float[] p = Enumerable.Range(0, 11).Select(i => (float)i).ToArray();
        float[] g = new float[11];
        g[0] = g[1] = g[2] = 1f;   // row 0 of fc1.weight (floats 0-2)
        g[10] = -1f;               // fc2.bias
        adam.Step(p, g);
        Assert.Equal(-0.1f, p[0], 5);
        Assert.Equal(10.1f, p[10], 5);
        Array.Clear(g);
        g[0] = 1f;                 // row 0 again, through one entry only: the whole row is updated, its other moments decay
        adam.Step(p, g);
        float[] m = adam.StateBuffer("exp_avg")!;
        Assert.Equal(0.19f, m[0], 6);
        Assert.Equal(0.09f, m[1], 6);
        Assert.Equal(-0.1f, m[10], 6);                 // fc2.bias had no gradient: no decay
        Assert.Equal(10.1f, p[10], 5);
        Assert.Equal([3f, 4f, 5f, 6f, 7f, 8f, 9f], p[3..10]);
        Assert.All(m[3..10], v => Assert.Equal(0f, v));
        Assert.Contains("not whole rows", Assert.Throws<ArgumentException>(() => new SparseAdam(rowLength: 4).Step(new float[10], new float[10])).Message);
    }

    [Fact]
    public void Lbfgs_needs_a_closure()
    {
        var lbfgs = new Lbfgs();
        Assert.Contains("closure", Assert.Throws<NotSupportedException>(() => lbfgs.Step(new float[3], new float[3])).Message);
        Assert.Throws<NotSupportedException>(() => lbfgs.StepAndZeroGradients(new float[3], new float[3]));
        // Minimizes a quadratic: one step of 20 iterations reaches the minimum.
        float[] p = [3f, -2f];
        float[] g = new float[2];
        lbfgs.Step(p, g, () =>
        {
            g[0] = 2 * (p[0] - 1);
            g[1] = 8 * (p[1] + 1);
            return (p[0] - 1) * (p[0] - 1) + 4 * (p[1] + 1) * (p[1] + 1);
        });
        Assert.Equal(1f, p[0], 4);
        Assert.Equal(-1f, p[1], 4);
    }
}
