using System;
using System.Linq;
using Compiled.Optimizers;

using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Optimizers;

public class AdamTests
{
    [Fact]
    public void First_step_moves_each_parameter_by_about_the_learning_rate()
    {
        // Step 1: m̂ = g, v̂ = g², so p −= lr · g / (|g| + ε), whatever the size of g.
        var adam = new Adam(0.01f);
        float[] p = [1f, 1f, 1f, 0f];
        float[] g = [1000f, -0.001f, 3f, 0f];
        adam.Step(p, g);
        Assert.Equal(0.99, p[0], 6);
        Assert.Equal(1.01, p[1], 5);   // ε = 1e-8 against |g| = 1e-3 changes the 5th digit of the step only
        Assert.Equal(0.99, p[2], 6);
        Assert.Equal(0.0, p[3], 6);    // zero gradient: no move
    }

    [Fact]
    public void Second_step_by_hand()
    {
        // g = 1 then 0, lr = 0.1, β = (0.9, 0.999):
        // t=2: m = 0.09, v = 0.000999; m̂ = 0.09/0.19, v̂ = 0.000999/0.001999; step = 0.1·m̂/(√v̂ + 1e-8)
        var adam = new Adam(0.1f);
        float[] p = [0f];
        adam.Step(p, [1f]);
        adam.Step(p, [0f]);
        double mHat = 0.09 / (1 - 0.9 * 0.9);
        double vHat = 0.000999 / (1 - 0.999 * 0.999);
        double expected = -0.1 - 0.1 * mHat / (Math.Sqrt(vHat) + 1e-8);
        Assert.Equal(expected, p[0], 5);
    }

    [Theory]
    [InlineData(0f, false, 37)]
    [InlineData(1e-2f, false, 1003)]
    [InlineData(0f, true, 1003)]
    [InlineData(5e-3f, true, 9)]
    public void Trajectory_matches_the_double_reference_over_25_steps(float weightDecay, bool amsGrad, int length)
    {
        var random = new SeededRandom(23);
        float[] p = Enumerable.Range(0, length).Select(_ => random.NextGaussian()).ToArray();
        double[] reference = p.Select(v => (double)v).ToArray();
        var adam = new Adam(0.01f, 0.9f, 0.999f, 1e-8f, weightDecay, amsGrad);
        var expected = new ReferenceOptimizers.Adam(0.01f, 0.9f, 0.999f, 1e-8f, weightDecay, amsGrad);
        var g = new float[length];
        for (int step = 0; step < 25; step++)
        {
            // Shrinking gradients make AMSGrad's running maximum differ from v.
            float scale = 2f / (1 + step);
            for (int i = 0; i < length; i++) g[i] = scale * random.NextGaussian() + 0.1f * p[i];
            adam.Step(p, g);
            expected.Step(reference, g.Select(v => (double)v).ToArray());
        }
        for (int i = 0; i < length; i++)
            Assert.True(Math.Abs(p[i] - reference[i]) <= 2e-5 + 1e-5 * Math.Abs(reference[i]), $"p[{i}] = {p[i]}, reference {reference[i]}");
    }

    [Fact]
    public void AmsGrad_changes_the_trajectory_when_gradients_shrink()
    {
        float[] Run(bool amsGrad)
        {
            var adam = new Adam(0.1f, beta2: 0.9f, amsGrad: amsGrad); // a short memory, so v falls well below its maximum
            float[] p = [0f];
            foreach (float g in new[] { 10f, 0.1f, 0.1f, 0.1f })
                adam.Step(p, [g]);
            return p;
        }
        float[] plain = Run(false), ams = Run(true);
        // With the maximum of v, later small gradients take smaller steps.
        Assert.True(Math.Abs(ams[0]) < Math.Abs(plain[0]) - 1e-3, $"ams {ams[0]}, plain {plain[0]}");
    }

    [Fact]
    public void State_names_are_PyTorchs()
    {
        var a = new Adam(0.01f, amsGrad: true);
        Assert.Null(a.StateBuffer("exp_avg"));
        a.Step(new float[3], [0.1f, 0.2f, -0.3f]);
        Assert.Equal(["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], a.StateNames);
        Assert.Equal(3, a.StateBuffer("exp_avg")!.Length);
        Assert.Equal(["exp_avg", "exp_avg_sq"], new Adam().StateNames);
        Assert.Throws<ArgumentException>(() => a.StateBuffer("momentum_buffer"));
    }

    [Fact]
    public void Validation()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta2: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(epsilon: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(weightDecay: float.NaN));
        var adam = new Adam();
        Assert.Throws<ArgumentException>(() => adam.Step(new float[5], new float[4]));
        adam.Step(new float[5], new float[5]);
        Assert.Throws<ArgumentException>(() => adam.Step(new float[6], new float[6]));
    }

    [Fact]
    public void Steps_after_the_first_allocate_nothing()
    {
        var adam = new Adam(1e-3f, amsGrad: true, weightDecay: 1e-4f);
        var p = new float[10_000];
        var g = Enumerable.Range(0, 10_000).Select(i => (float)Math.Sin(i)).ToArray();
        adam.Step(p, g);
        Assert.Equal(0, Allocations.FewestBytesOverWindows(() => adam.Step(p, g), steps: 100));
    }
}

internal static class OptimizerTestExtensions
{
    public static T Apply<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
