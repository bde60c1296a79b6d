using System;
using System.Text.Json;
using Compiled.Optimizers;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// Sgd and Adam against 25-step torch.optim trajectories (optimizers.json) on f(p) = ½·Σ a·(p − c)², whose gradient
/// a·(p − c) the test computes in float32 exactly as the script did: SGD with momentum 0/0.9, dampening 0, Nesterov on/off,
/// weight decay 0/1e-2; Adam default, with weight decay 1e-2, with AMSGrad.
/// </summary>
public sealed class OptimizerFixtureTests
{
    // PyTorch ran in float32 too; the update rules may round differently (fused multiply-adds, operation order),
    // and 25 steps feed each difference back through the gradient: 1e-6 + 1e-5·|expected| per parameter per step
    // (SGD agrees to the last bit or so; Adam's largest difference, ~1.3e-7 near a zero crossing, is 7x inside).
    private const double Abs = 1e-6;
    private const double Rel = 1e-5;

    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string name in Fixtures.CaseNames("optimizers.json")) data.Add(name);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrajectoryMatchesPyTorch(string name)
    {
        JsonElement root = Fixtures.Root("optimizers.json");
        JsonElement c = Fixtures.Case("optimizers.json", name);
        float[] a = root.Floats("a");
        float[] target = root.Floats("c");
        float[] p = root.Floats("initial");
        float[] trajectory = c.Floats("params");
        int steps = c.Int("steps");
        Assert.Equal(steps * p.Length, trajectory.Length);
        Optimizer optimizer = Create(c);
        var g = new float[p.Length];

        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < p.Length; i++) g[i] = a[i] * (p[i] - target[i]);
            optimizer.Step(p, g);
            Tolerance.AssertClose(trajectory.AsSpan(t * p.Length, p.Length), p, Abs, Rel, $"{name} after step {t + 1}");
        }
        Assert.Equal(steps, optimizer.StepCount);
    }

    private static Optimizer Create(JsonElement c)
    {
        JsonElement k = c.Config();
        return c.GetProperty("kind").GetString() switch
        {
            "sgd" => new Sgd(k.Float("lr"), momentum: k.Float("momentum"), dampening: k.Float("dampening"),
                weightDecay: k.Float("weight_decay"), nesterov: k.GetProperty("nesterov").GetBoolean()),
            "adam" => new Adam(k.Float("lr"), beta1: k.Float("beta1"), beta2: k.Float("beta2"), epsilon: k.Float("eps"),
                weightDecay: k.Float("weight_decay"), amsGrad: k.GetProperty("amsgrad").GetBoolean()),
            _ => throw new InvalidOperationException($"Unknown optimizer in {c.GetProperty("name").GetString()}."),
        };
    }
}
