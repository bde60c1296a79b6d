using System;
using System.Linq;
using Compiled.Optimizers;

using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Optimizers;

public class SgdTests
{
    // p0 = 1, g = 1 every step, lr = 0.1, values worked out by hand from torch.optim.SGD's rule.
    [Theory]
    [InlineData(0f, 0f, false, new[] { 0.9, 0.8, 0.7 })]            // plain: p -= 0.1
    [InlineData(0.9f, 0f, false, new[] { 0.9, 0.71, 0.439 })]       // b = 1, 1.9, 2.71
    [InlineData(0.9f, 0f, true, new[] { 0.81, 0.539, 0.1951 })]     // d = 1 + 0.9 b = 1.9, 2.71, 3.439
    [InlineData(0.9f, 0.5f, false, new[] { 0.9, 0.76, 0.584 })]     // first b = d (no dampening), then 0.9 b + 0.5 = 1.4, 1.76
    public void Hand_computed_steps(float momentum, float dampening, bool nesterov, double[] expected)
    {
        var sgd = new Sgd(0.1f, momentum, dampening, nesterov: nesterov);
        float[] p = [1f];
        float[] g = [1f];
        foreach (double e in expected)
        {
            sgd.Step(p, g);
            Assert.Equal(e, p[0], 6);
        }
        Assert.Equal(expected.Length, sgd.StepCount);
    }

    [Fact]
    public void Weight_decay_adds_to_the_gradient()
    {
        // d = g + 0.5 p = 0 + 0.5·2 = 1 → p = 2 − 0.1 = 1.9; then d = 0.95 → p = 1.805
        var sgd = new Sgd(0.1f, weightDecay: 0.5f);
        float[] p = [2f];
        sgd.Step(p, [0f]);
        Assert.Equal(1.9, p[0], 6);
        sgd.Step(p, [0f]);
        Assert.Equal(1.805, p[0], 6);
    }

    [Theory]
    [InlineData(0f, 0f, 0f, false, 37)]
    [InlineData(0.9f, 0f, 0f, false, 37)]
    [InlineData(0.9f, 0f, 1e-2f, true, 1003)]
    [InlineData(0.5f, 0.3f, 5e-4f, false, 1003)]
    [InlineData(0f, 0f, 1e-3f, false, 5)]
    public void Trajectory_matches_the_double_reference_over_25_steps(float momentum, float dampening, float weightDecay, bool nesterov, int length)
    {
        var random = new SeededRandom(17);
        float[] p = Enumerable.Range(0, length).Select(_ => random.NextGaussian()).ToArray();
        double[] reference = p.Select(v => (double)v).ToArray();
        var sgd = new Sgd(0.05f, momentum, dampening, weightDecay, nesterov);
        var expected = new ReferenceOptimizers.Sgd(0.05f, momentum, dampening, weightDecay, nesterov);
        var g = new float[length];
        for (int step = 0; step < 25; step++)
        {
            for (int i = 0; i < length; i++) g[i] = random.NextGaussian() + 0.3f * p[i];
            sgd.Step(p, g);
            expected.Step(reference, g.Select(v => (double)v).ToArray());
        }
        for (int i = 0; i < length; i++)
            Assert.True(Math.Abs(p[i] - reference[i]) <= 1e-5 + 1e-5 * Math.Abs(reference[i]), $"p[{i}] = {p[i]}, reference {reference[i]}");
    }

    [Fact]
    public void State_is_the_momentum_buffer()
    {
        var a = new Sgd(0.1f, 0.9f);
        Assert.Null(a.StateBuffer("momentum_buffer"));
        float[] p = [1f, 2f, 3f];
        a.Step(p, [0.5f, -1f, 2f]);
        Assert.Equal("momentum_buffer", Assert.Single(a.StateNames));
        Assert.Equal([0.5f, -1f, 2f], a.StateBuffer("momentum_buffer")!);
        Assert.Empty(new Sgd(0.1f).StateNames);
    }

    [Fact]
    public void Maximize_climbs()
    {
        var sgd = new Sgd(0.1f, maximize: true);
        float[] p = [1f];
        sgd.Step(p, [2f]);
        Assert.Equal(1.2f, p[0], 6);
    }

    [Fact]
    public void Reset_makes_the_next_step_a_first_step()
    {
        var sgd = new Sgd(0.1f, 0.9f);
        float[] p = [1f];
        sgd.Step(p, [1f]);
        sgd.Step(p, [1f]);
        sgd.Reset();
        Assert.Equal(0, sgd.StepCount);
        p[0] = 1f;
        sgd.Step(p, [1f]);
        Assert.Equal(0.9f, p[0], 6);
    }

    [Fact]
    public void Lengths_are_validated()
    {
        var sgd = new Sgd(0.1f, 0.9f);
        Assert.Throws<ArgumentException>(() => sgd.Step(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => sgd.Step(Span<float>.Empty, ReadOnlySpan<float>.Empty));
        sgd.Step(new float[3], new float[3]);
        Assert.Throws<ArgumentException>(() => sgd.Step(new float[4], new float[4]));
    }

    [Fact]
    public void Hyperparameters_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f, 0.9f, dampening: 0.1f, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, weightDecay: -1f));
        var sgd = new Sgd(0.1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = float.PositiveInfinity);
        sgd.LearningRate = 0.01f;
        Assert.Equal(0.01f, sgd.LearningRate);
    }

    [Fact]
    public void Steps_after_the_first_allocate_nothing()
    {
        var sgd = new Sgd(0.01f, 0.9f, weightDecay: 1e-4f, nesterov: true);
        var p = new float[10_000];
        var g = new float[10_000];
        sgd.Step(p, g);
        Assert.Equal(0, Allocations.FewestBytesOverWindows(() => sgd.Step(p, g), steps: 100));
    }
}
