using System;
using System.Linq;
using Compiled.Optimizers;

using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary><see cref="Optimizer.StepAndZeroGradients"/> (the trainer's fused pass) against <c>Step</c> then clearing the gradients.</summary>
public class StepAndZeroTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in OptimizerCatalog.Names)
            foreach (int length in new[] { 1, 7, 8, 37, 1003 })   // below one vector, exactly one, and vector bodies with tails
                data.Add(name, length);
        return data;
    }

    private static Optimizer Make(string name) => OptimizerCatalog.Create(name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gives_bitwise_the_parameters_and_state_of_Step_and_zeroes_every_gradient(string name, int length)
    {
        Optimizer fused = Make(name), plain = Make(name);
        var random = new SeededRandom(5);
        float[] p = Enumerable.Range(0, length).Select(_ => random.NextGaussian()).ToArray();
        float[] q = (float[])p.Clone();
        var g = new float[length];
        for (int step = 0; step < 6; step++)
        {
            for (int i = 0; i < length; i++) g[i] = random.NextGaussian() + 0.3f * p[i];
            plain.Step(q, g);
            fused.StepAndZeroGradients(p, g);
            Assert.Equal(q, p);
            Assert.All(g, v => Assert.Equal(0f, v));
        }
        Assert.Equal(plain.StepCount, fused.StepCount);
        Assert.Equal(plain.StateNames, fused.StateNames);
        foreach (string state in plain.StateNames)
            Assert.Equal(plain.StateBuffer(state), fused.StateBuffer(state));
    }

    [Fact]
    public void Mismatched_lengths_throw_before_any_gradient_is_cleared()
    {
        var sgd = new Sgd(0.1f);
        float[] g = [1f, 2f, 3f];
        Assert.Throws<ArgumentException>(() => sgd.StepAndZeroGradients(new float[2], g));
        Assert.Equal([1f, 2f, 3f], g);
    }

    [Fact]
    public void Fused_steps_after_the_first_allocate_nothing()
    {
        var adam = new Adam(0.01f, amsGrad: true);
        var sgd = new Sgd(0.01f, 0.9f, weightDecay: 1e-4f, nesterov: true);
        var p = new float[10_000];
        var g = new float[10_000];
        adam.StepAndZeroGradients(p, g);
        sgd.StepAndZeroGradients(p, g);
        Assert.Equal(0, Allocations.FewestBytesOverWindows(() =>
        {
            adam.StepAndZeroGradients(p, g);
            sgd.StepAndZeroGradients(p, g);
        }, steps: 50));
    }
}
