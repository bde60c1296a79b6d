using System;
using System.Linq;
using Compiled.Optimizers;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary><see cref="Optimizer.StepAndZeroGradients"/> (the trainer's fused pass) against <c>Step</c> then clearing the gradients.</summary>
public class StepAndZeroTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "sgd", "sgd-momentum", "sgd-nesterov-wd", "sgd-dampening", "adam", "adam-amsgrad-wd" })
            foreach (int length in new[] { 1, 7, 8, 37, 1003 })   // below one vector, exactly one, and vector bodies with tails
                data.Add(name, length);
        return data;
    }

    private static Optimizer Make(string name) => name switch
    {
        "sgd" => new Sgd(0.05f),
        "sgd-momentum" => new Sgd(0.05f, 0.9f),
        "sgd-nesterov-wd" => new Sgd(0.05f, 0.9f, weightDecay: 1e-2f, nesterov: true),
        "sgd-dampening" => new Sgd(0.05f, 0.5f, dampening: 0.3f, weightDecay: 5e-4f),
        "adam" => new Adam(0.01f),
        "adam-amsgrad-wd" => new Adam(0.01f, weightDecay: 1e-2f, amsGrad: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

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
        Assert.Equal(plain.State.Select(s => s.Name), fused.State.Select(s => s.Name));
        for (int s = 0; s < plain.State.Count; s++)
            Assert.Equal(plain.State[s].Buffer, fused.State[s].Buffer);
    }

    [Fact]
    public void The_base_implementation_steps_then_clears()
    {
        var optimizer = new HalfStep();
        float[] p = [1f, 2f];
        float[] g = [4f, -2f];
        optimizer.StepAndZeroGradients(p, g);
        Assert.Equal([-1f, 3f], p);
        Assert.Equal([0f, 0f], g);
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
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            adam.StepAndZeroGradients(p, g);
            sgd.StepAndZeroGradients(p, g);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    // p = p − lr·g with lr 0.5, through the default (unfused) StepAndZeroGradients.
    private sealed class HalfStep() : Optimizer(0.5f)
    {
        public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            BeginStep(parameters.Length, gradients.Length);
            for (int i = 0; i < parameters.Length; i++) parameters[i] -= LearningRate * gradients[i];
        }
    }
}
