using System;
using System.Linq;
using System.Text.Json;
using Compiled.Regularization;
using Compiled.Runtime.Tests.PyTorch;

namespace Compiled.Runtime.Tests.Regularization;

/// <summary>
/// Gradient clipping and weight penalties against regularization.json (tests/fixtures/make_regularization_fixtures.py):
/// torch.nn.utils.clip_grad_norm_ (total norm returned, gradients scaled) for norm types 1, 2, 3 and ∞, above and below the
/// maximum; clip_grad_value_; and Keras-style l1·Σ|w| + l2·Σw² with autograd's gradient.
/// </summary>
public sealed class RegularizationFixtureTests
{
    private static JsonElement Root => Fixtures.Root("regularization.json");

    public static TheoryData<string> ClipNormCases => Names("clip_norm");
    public static TheoryData<string> ClipValueCases => Names("clip_value");
    public static TheoryData<string> PenaltyCases => Names("penalty");

    [Theory]
    [MemberData(nameof(ClipNormCases))]
    public void ClipGradNormMatchesPyTorch(string name)
    {
        JsonElement c = Find("clip_norm", name);
        float[] g = Floats(c, "grads");
        float[] expected = Floats(c, "clipped");
        JsonElement type = c.GetProperty("norm_type");
        float normType = type.ValueKind == JsonValueKind.String ? float.PositiveInfinity : type.GetSingle();
        float total = GradientClipping.ClipGradNorm(g, c.GetProperty("max_norm").GetSingle(), normType);
        // torch sums in float32 per tensor, then over the tensors; both sums round differently from ours: 1e-6 relative.
        float want = c.GetProperty("total_norm").GetSingle();
        Assert.True(Math.Abs(total - want) <= 1e-6 * want, $"{name}: total norm {total:R}, torch {want:R}.");
        for (int i = 0; i < g.Length; i++)
            Assert.True(Math.Abs(g[i] - expected[i]) <= 2e-6 * Math.Abs(expected[i]) + 1e-30, $"{name}: gradient {i} is {g[i]:R}, torch {expected[i]:R}.");
    }

    [Theory]
    [MemberData(nameof(ClipValueCases))]
    public void ClipGradValueMatchesPyTorch(string name)
    {
        JsonElement c = Find("clip_value", name);
        float[] g = Floats(c, "grads");
        GradientClipping.ClipGradValue(g, c.GetProperty("clip_value").GetSingle());
        Assert.Equal(Floats(c, "clipped"), g);
    }

    [Theory]
    [MemberData(nameof(PenaltyCases))]
    public void PenaltyAndItsGradientMatchPyTorch(string name)
    {
        JsonElement c = Find("penalty", name);
        float[] w = Floats(c, "weight"), b = Floats(c, "bias");
        float[] parameters = [.. w, .. b];
        ParameterInfo[] table = [new("fc.weight", "fc", 0, [6, 5]), new("fc.bias", "fc", 30, [6])];
        var penalty = new WeightPenalty(c.GetProperty("l1").GetSingle(), c.GetProperty("l2").GetSingle());
        var gradients = new float[parameters.Length];
        gradients[^1] = 0.25f;   // existing gradients are added to, biases untouched
        double value = penalty.Apply(parameters, gradients, table);
        double want = c.GetProperty("penalty").GetDouble();
        Assert.True(Math.Abs(value - want) <= 1e-6 * want, $"{name}: penalty {value:R}, torch {want:R}.");
        Assert.Equal(value, penalty.Value(parameters, table));
        float[] dw = Floats(c, "dweight");
        for (int i = 0; i < dw.Length; i++)
            Assert.True(Math.Abs(gradients[i] - dw[i]) <= 1e-6 * Math.Abs(dw[i]) + 1e-9, $"{name}: dweight {i} is {gradients[i]:R}, torch {dw[i]:R}.");
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0.25f }, gradients[30..]);
    }

    [Fact]
    public void PenaltySelectsLayersByName()
    {
        ParameterInfo[] table = [new("fc1.weight", "fc1", 0, [2, 2]), new("fc1.bias", "fc1", 4, [2]), new("fc2.weight", "fc2", 6, [1, 2]), new("fc2.bias", "fc2", 8, [1])];
        float[] p = [1, -2, 3, 0, 5, 6, 7, -8, 9];
        Assert.Equal(["fc1.weight", "fc2.weight"], new WeightPenalty(l1: 1).Selected(table));
        Assert.Equal(["fc2.weight"], new WeightPenalty(l1: 1, appliesTo: WeightPenalty.Layers("fc2")).Selected(table));
        Assert.Equal(15.0, new WeightPenalty(l1: 1, appliesTo: WeightPenalty.Layers("fc2")).Value(p, table));
        Assert.Equal(1 + 2 + 3 + 5 + 6 + 7 + 8 + 9, new WeightPenalty(l1: 1, appliesTo: WeightPenalty.AllParameters).Value(p, table));
        Assert.Throws<ArgumentException>(() => new WeightPenalty(l2: 1, appliesTo: WeightPenalty.Layers("conv9")).Value(p, table));
    }

    [Fact]
    public void ClippingMatchesAScalarDoubleReferenceAtEveryLength()
    {
        var random = new SeededRandom(5);
        for (int n = 0; n <= 300; n++)
        {
            float[] g = Enumerable.Range(0, n).Select(_ => random.NextGaussian()).ToArray();
            foreach (float p in new[] { 1f, 2f, float.PositiveInfinity })
            {
                double reference = p == 1f ? g.Sum(v => Math.Abs((double)v))
                    : p == 2f ? Math.Sqrt(g.Sum(v => (double)v * v))
                    : g.Length == 0 ? 0 : g.Max(v => Math.Abs(v));
                Assert.True(Math.Abs(GradientClipping.Norm(g, p) - reference) <= 1e-6 * reference + 1e-30, $"n={n}, p={p}");
            }
            float[] clipped = (float[])g.Clone();
            GradientClipping.ClipGradValue(clipped, 0.5f);
            for (int i = 0; i < n; i++) Assert.Equal(Math.Clamp(g[i], -0.5f, 0.5f), clipped[i]);
        }
    }

    [Fact]
    public void NonFiniteNormsPoisonTheGradientsOrThrowWhenAsked()
    {
        float[] g = [1, float.NaN, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.True(float.IsNaN(GradientClipping.ClipGradNorm((float[])g.Clone(), 1f, float.PositiveInfinity)));
        float[] copy = (float[])g.Clone();
        Assert.True(float.IsNaN(GradientClipping.ClipGradNorm(copy, 1f)));
        Assert.All(copy, v => Assert.True(float.IsNaN(v)));   // as torch: NaN · everything
        Assert.Throws<ArithmeticException>(() => GradientClipping.ClipGradNorm((float[])g.Clone(), 1f, errorIfNonfinite: true));
        float[] withNaN = [float.NaN, 2, -3, 0.1f, float.NaN, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9];
        GradientClipping.ClipGradValue(withNaN, 1f);
        Assert.True(float.IsNaN(withNaN[0]) && float.IsNaN(withNaN[4]));
        Assert.Equal(1f, withNaN[1]);
        Assert.Equal(-1f, withNaN[2]);
    }

    private static TheoryData<string> Names(string group)
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Root.GetProperty(group).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    private static JsonElement Find(string group, string name) =>
        Root.GetProperty(group).EnumerateArray().First(c => c.GetProperty("name").GetString() == name);

    private static float[] Floats(JsonElement c, string name) => c.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
}
