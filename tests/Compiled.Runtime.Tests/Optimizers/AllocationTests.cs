using System;
using System.Linq;
using Compiled.Optimizers;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary>Steps after the first allocate nothing (every optimizer, with groups and a frozen tensor; L-BFGS once its history is full).</summary>
public class AllocationTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (string name in OptimizerCatalog.Names) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Steps_after_the_first_allocate_nothing(string name)
    {
        Optimizer o = OptimizerCatalog.Create(name);
        o.SetGroups([new ParameterInfo("w", "a", 0, [100, 90]), new ParameterInfo("b", "a", 9000, [100]), new ParameterInfo("w2", "b", 9100, [900])],
            new ParameterGroupRule("b") { WeightDecay = 0f });
        o.Freeze("w2");
        var p = new float[10_000];
        var g = Enumerable.Range(0, 10_000).Select(i => (float)Math.Sin(i)).ToArray();
        o.Step(p, g);
        o.StepAndZeroGradients(p, g);
        Assert.Equal(0, Allocations.FewestBytesOverWindows(() =>
        {
            o.Step(p, g);
            o.StepAndZeroGradients(p, g);
        }, steps: 20));
    }

    [Theory]
    [InlineData(LineSearch.None)]
    [InlineData(LineSearch.StrongWolfe)]
    public void Lbfgs_allocates_nothing_once_its_history_is_full(LineSearch search)
    {
        var lbfgs = new Lbfgs(0.1f, maxIter: 3, historySize: 2, lineSearch: search);
        var p = Enumerable.Range(0, 1000).Select(i => (float)Math.Cos(i)).ToArray();
        var g = new float[1000];
        Func<float> closure = () =>
        {
            float loss = 0;
            for (int i = 0; i < p.Length; i++)
            {
                float u = p[i] - 0.5f;
                g[i] = (1 + i % 4) * u + u * u * u;
                loss += 0.5f * (1 + i % 4) * u * u + 0.25f * u * u * u * u;
            }
            return loss;
        };
        for (int i = 0; i < 4; i++) lbfgs.Step(p, g, closure);
        Assert.Equal(2, lbfgs.HistoryCount);
        Assert.Equal(0, Allocations.FewestBytesOverWindows(() => lbfgs.Step(p, g, closure), steps: 5));
    }
}
