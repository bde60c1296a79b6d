using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Compiled.Kernels;
using Compiled.Optimizers;
using Compiled.Schedules;
using Xunit.Abstractions;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// Every optimizer against 30-step <c>torch.optim</c> trajectories (optimizers-all.json, made by
/// tests/fixtures/make_optimizer_fixtures.py): every case in the file, at every vector width. The objective
/// f(p) = Σ ½·a·u² + ¼·q·u⁴ (u = p − c) has the element-wise float32 gradient a·u + q·((u·u)·u), computed here in the
/// script's order, so gradients agree bit for bit whenever the parameters do; the update rules follow ATen's operation
/// order, and any rounding difference is fed back through 30 steps.
/// </summary>
public sealed class OptimizerFixtureTests(ITestOutputHelper output)
{
    private const string File = "optimizers-all.json";

    // Tolerance per parameter per step, |actual − expected| ≤ Abs + Rel·|expected| (measured worst, as a fraction of it:
    // SGD, ASGD, Adamax, Rprop, SparseAdam 0 (bit-identical trajectories); Adadelta 0.08, Adagrad 0.10, RMSprop 0.09,
    // Adam 0.17, AdamW 0.09, NAdam 0.09, RAdam 0.04, L-BFGS 0.27). The element-wise rules follow ATen's order of
    // operations; what can still differ is where ATen's compiled loops fuse a multiply-add. L-BFGS sums its dot products
    // in double where PyTorch uses float32 BLAS.
    private static (double Abs, double Rel) ToleranceFor(string kind) => kind switch
    {
        _ => (1e-6, 1e-6),
    };

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth(File);

    [Fact]
    public void The_fixture_holds_cases_for_every_optimizer()
    {
        string[] kinds = Fixtures.Root(File).GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("kind").GetString()!).Distinct().ToArray();
        Assert.True(kinds.Length > 0);
        Assert.Equal(
            new[] { "adadelta", "adagrad", "adam", "adamax", "adamw", "asgd", "lbfgs", "nadam", "radam", "rmsprop", "rprop", "sgd", "sparse_adam" },
            kinds.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trajectory_matches_PyTorch(string name, VectorWidth width)
    {
        JsonElement root = Fixtures.Root(File);
        JsonElement c = Fixtures.Case(File, name);
        string kind = c.GetProperty("kind").GetString()!;
        var problem = new Problem(root, c);
        float[] trajectory = c.GetProperty("trajectory").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        int steps = root.GetProperty("steps").GetInt32();
        int n = problem.Initial.Length;
        Assert.Equal(steps * n, trajectory.Length);

        Optimizer optimizer = Create(kind, c.Config());
        optimizer.Width = width;
        IReadOnlyList<ParameterInfo> table = problem.Table;
        bool useTable = c.TryGetProperty("groups", out JsonElement groups) | c.TryGetProperty("frozen", out JsonElement frozen) | kind == "sparse_adam";
        if (useTable)
        {
            var rules = new List<ParameterGroupRule>();
            if (groups.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement group in groups.EnumerateArray())
                {
                    string[] names = group.GetProperty("params").EnumerateArray().Select(x => x.GetString()!).ToArray();
                    Assert.Single(names);
                    rules.Add(new ParameterGroupRule(names[0])
                    {
                        LearningRate = group.TryGetProperty("lr", out JsonElement lr) ? lr.GetSingle() : null,
                        WeightDecay = group.TryGetProperty("weight_decay", out JsonElement wd) ? wd.GetSingle() : null,
                    });
                }
            }
            optimizer.SetGroups(table, rules.ToArray());
        }
        string[] frozenNames = frozen.ValueKind == JsonValueKind.Object ? frozen.GetProperty("params").EnumerateArray().Select(x => x.GetString()!).ToArray() : [];
        int frozenUntil = frozen.ValueKind == JsonValueKind.Object ? frozen.GetProperty("until").GetInt32() : 0;
        foreach (string f in frozenNames) optimizer.Freeze(f);
        var changes = new Dictionary<int, float[]>();
        if (c.TryGetProperty("lr_changes", out JsonElement lrChanges))
            foreach (JsonElement change in lrChanges.EnumerateArray())
                changes[change.GetProperty("step").GetInt32()] = change.GetProperty("lr").EnumerateArray().Select(x => x.GetSingle()).ToArray();

        // OneCycleLR stepped after every step: it sets the rates and cycles the momentum (or β1) the next step uses.
        OneCycleLR? onecycle = c.TryGetProperty("onecycle", out JsonElement cycle) ? OneCycle(optimizer, cycle) : null;
        float[] p = (float[])problem.Initial.Clone();
        var g = new float[n];
        (double abs, double rel) = ToleranceFor(kind);
        double worst = 0;
        for (int t = 0; t < steps; t++)
        {
            if (t == frozenUntil) foreach (string f in frozenNames) optimizer.Freeze(f, false);
            if (changes.TryGetValue(t, out float[]? rates))
                for (int i = 0; i < rates.Length; i++) optimizer.Groups[i].LearningRate = rates[i];
            if (optimizer is Lbfgs lbfgs)
            {
                lbfgs.Step(p, g, () =>
                {
                    problem.Gradient(p, g, t);
                    return problem.Loss(p);
                });
            }
            else
            {
                problem.Gradient(p, g, t);
                optimizer.Step(p, g);
            }
            onecycle?.Step();
            ReadOnlySpan<float> expected = trajectory.AsSpan(t * n, n);
            for (int i = 0; i < n; i++) worst = Math.Max(worst, Math.Abs(p[i] - expected[i]) / (abs + rel * Math.Abs(expected[i])));
            Tolerance.AssertClose(expected, p, abs, rel, $"{name} at {width} after step {t + 1}");
        }
        output.WriteLine($"{name} {width}: worst error {worst:F3} of the tolerance (abs {abs:G2} + rel {rel:G2})");
        Assert.Equal(steps, optimizer.StepCount);
    }

    /// <summary>torch.optim.lr_scheduler.OneCycleLR(optimizer, **args) with the fixture's keyword arguments.</summary>
    internal static OneCycleLR OneCycle(Optimizer optimizer, JsonElement a)
    {
        double D(string key, double fallback) => a.TryGetProperty(key, out JsonElement v) ? v.GetDouble() : fallback;
        return new OneCycleLR(optimizer, a.GetProperty("max_lr").GetDouble(), totalSteps: a.GetProperty("total_steps").GetInt32(),
            pctStart: D("pct_start", 0.3),
            annealStrategy: a.TryGetProperty("anneal_strategy", out JsonElement s) && s.GetString() == "linear" ? AnnealStrategy.Linear : AnnealStrategy.Cos,
            baseMomentum: D("base_momentum", 0.85), maxMomentum: D("max_momentum", 0.95),
            threePhase: a.TryGetProperty("three_phase", out JsonElement t) && t.GetBoolean());
    }

    internal static Optimizer Create(string kind, JsonElement k)
    {
        float F(string key, float fallback) => k.TryGetProperty(key, out JsonElement v) ? v.GetSingle() : fallback;
        bool B(string key) => k.TryGetProperty(key, out JsonElement v) && v.GetBoolean();
        int I(string key, int fallback) => k.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;
        return kind switch
        {
            "sgd" => new Sgd(F("lr", float.NaN), F("momentum", 0f), F("dampening", 0f), F("weight_decay", 0f), B("nesterov"), B("maximize")),
            "adagrad" => new Adagrad(F("lr", 1e-2f), F("lr_decay", 0f), F("weight_decay", 0f), F("initial_accumulator_value", 0f), F("eps", 1e-10f), B("maximize")),
            "adadelta" => new Adadelta(F("lr", 1f), F("rho", 0.9f), F("eps", 1e-6f), F("weight_decay", 0f), B("maximize")),
            "rmsprop" => new RmsProp(F("lr", 1e-2f), F("alpha", 0.99f), F("eps", 1e-8f), F("weight_decay", 0f), F("momentum", 0f), B("centered"), B("maximize")),
            "adam" => new Adam(F("lr", 1e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("eps", 1e-8f), F("weight_decay", 0f), B("amsgrad"), B("maximize")),
            "adamw" => new AdamW(F("lr", 1e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("eps", 1e-8f), F("weight_decay", 1e-2f), B("amsgrad"), B("maximize")),
            "adamax" => new Adamax(F("lr", 2e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("eps", 1e-8f), F("weight_decay", 0f), B("maximize")),
            "nadam" => new NAdam(F("lr", 2e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("eps", 1e-8f), F("weight_decay", 0f), F("momentum_decay", 4e-3f)),
            "radam" => new RAdam(F("lr", 1e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("eps", 1e-8f), F("weight_decay", 0f)),
            "asgd" => new Asgd(F("lr", 1e-2f), F("lambd", 1e-4f), F("alpha", 0.75f), F("t0", 1e6f), F("weight_decay", 0f), B("maximize")),
            "rprop" => new Rprop(F("lr", 1e-2f), F("eta_minus", 0.5f), F("eta_plus", 1.2f), F("step_size_min", 1e-6f), F("step_size_max", 50f), B("maximize")),
            "sparse_adam" => new SparseAdam(F("lr", 1e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("eps", 1e-8f), B("maximize")),
            "lbfgs" => new Lbfgs(F("lr", 1f), I("max_iter", 20), k.TryGetProperty("max_eval", out JsonElement me) && me.ValueKind == JsonValueKind.Number ? me.GetInt32() : null,
                F("tolerance_grad", 1e-7f), F("tolerance_change", 1e-9f), I("history_size", 100),
                k.TryGetProperty("line_search_fn", out JsonElement ls) && ls.ValueKind == JsonValueKind.String ? LineSearch.StrongWolfe : LineSearch.None),
            _ => throw new InvalidOperationException($"Unknown optimizer kind '{kind}'."),
        };
    }

    /// <summary>The fixture's objective and its gradient, in the script's float32 order.</summary>
    internal sealed class Problem
    {
        private readonly float[] _a, _q, _c;
        private readonly int _sign, _salt;
        private readonly bool _sparse;

        public Problem(JsonElement root, JsonElement c)
        {
            _a = Read(root, "a");
            _q = Read(root, "q");
            _c = Read(root, "c");
            Initial = Read(root, "initial");
            _sign = c.TryGetProperty("sign", out JsonElement s) ? s.GetInt32() : 1;
            _salt = c.TryGetProperty("salt", out JsonElement salt) ? salt.GetInt32() : 0;
            _sparse = c.GetProperty("kind").GetString() == "sparse_adam";
            var table = new List<ParameterInfo>();
            int offset = 0;
            foreach (JsonElement p in root.GetProperty("parameters").EnumerateArray())
            {
                int[] shape = p.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
                var info = new ParameterInfo(p.GetProperty("name").GetString()!, p.GetProperty("layer").GetString()!, offset, shape);
                table.Add(info);
                offset += info.Length;
            }
            Table = table;
        }

        public float[] Initial { get; }
        public IReadOnlyList<ParameterInfo> Table { get; }

        public void Gradient(float[] p, float[] g, int step)
        {
            for (int i = 0; i < p.Length; i++)
            {
                float u = p[i] - _c[i];
                float cube = u * u * u;
                float gi = _a[i] * u + _q[i] * cube;
                g[i] = _sign < 0 ? -gi : gi;
            }
            if (!_sparse) return;
            foreach (ParameterInfo info in Table)
            {
                int rows = info.Shape[0], rowLength = info.Length / rows;
                for (int r = 0; r < rows; r++)
                    if ((r * 7 + step * 3 + _salt) % 5 == 0)
                        g.AsSpan(info.Offset + r * rowLength, rowLength).Clear();
            }
        }

        public float Loss(float[] p)
        {
            double sum = 0;
            for (int i = 0; i < p.Length; i++)
            {
                double u = (double)p[i] - _c[i];
                sum += 0.5 * _a[i] * u * u + 0.25 * _q[i] * (u * u * u * u);
            }
            return (float)sum;
        }

        private static float[] Read(JsonElement owner, string name) => owner.GetProperty(name).EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }
}
