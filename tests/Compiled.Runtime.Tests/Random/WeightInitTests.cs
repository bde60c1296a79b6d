using System;
using System.Linq;
using Compiled.Initialization;

namespace Compiled.Runtime.Tests.Random;

public class WeightInitTests
{
    private const int N = 120_000;

    private static (double Mean, double Std, float Min, float Max) Stats(Init kind, int fanIn, int fanOut, ulong seed = 1)
    {
        var w = new float[N];
        WeightInit.FillWeights(kind, w, fanIn, fanOut, new SeededRandom(seed));
        double mean = w.Average(v => (double)v);
        double std = Math.Sqrt(w.Average(v => (v - mean) * (v - mean)));
        return (mean, std, w.Min(), w.Max());
    }

    [Theory]
    [InlineData(Init.HeNormal, 150, 16)]          // conv2 of LeNet-5: 6·5·5 in
    [InlineData(Init.HeNormal, 784, 128)]
    [InlineData(Init.XavierNormal, 400, 120)]
    public void Normal_inits_have_the_right_standard_deviation(Init kind, int fanIn, int fanOut)
    {
        double expected = kind == Init.HeNormal ? Math.Sqrt(2.0 / fanIn) : Math.Sqrt(2.0 / (fanIn + fanOut));
        var (mean, std, _, _) = Stats(kind, fanIn, fanOut);
        Assert.InRange(std / expected, 0.98, 1.02);
        Assert.InRange(mean / expected, -0.02, 0.02);
    }

    [Theory]
    [InlineData(Init.HeUniform, 150, 16)]
    [InlineData(Init.XavierUniform, 84, 10)]
    [InlineData(Init.PyTorchDefault, 25, 6)]
    public void Uniform_inits_stay_in_their_bound_and_fill_it(Init kind, int fanIn, int fanOut)
    {
        double bound = kind switch
        {
            Init.HeUniform => Math.Sqrt(6.0 / fanIn),
            Init.XavierUniform => Math.Sqrt(6.0 / (fanIn + fanOut)),
            _ => 1 / Math.Sqrt(fanIn),
        };
        var (mean, std, min, max) = Stats(kind, fanIn, fanOut);
        Assert.True(min >= -bound - 1e-6 && max <= bound + 1e-6, $"[{min}, {max}] outside ±{bound}");
        Assert.True(min < -0.99 * bound && max > 0.99 * bound, $"[{min}, {max}] does not fill ±{bound}");
        Assert.InRange(std / (bound / Math.Sqrt(3)), 0.98, 1.02); // U(-b, b) has std b/√3
        Assert.InRange(mean / bound, -0.02, 0.02);
    }

    [Fact]
    public void Zeros_and_biases()
    {
        var random = new SeededRandom(3);
        float[] w = Enumerable.Repeat(1f, 50).ToArray();
        WeightInit.FillWeights(Init.Zeros, w, 5, 10, random);
        Assert.All(w, v => Assert.Equal(0f, v));

        foreach (Init kind in new[] { Init.Default, Init.HeNormal, Init.HeUniform, Init.XavierNormal, Init.XavierUniform, Init.Zeros })
        {
            float[] b = Enumerable.Repeat(1f, 20).ToArray();
            WeightInit.FillBias(kind, b, 100, random);
            Assert.All(b, v => Assert.Equal(0f, v));
        }

        var bias = new float[N];
        WeightInit.FillBias(Init.PyTorchDefault, bias, 16, random);
        Assert.True(bias.Min() >= -0.25f && bias.Max() <= 0.25f);
        Assert.True(bias.Min() < -0.24f && bias.Max() > 0.24f);
    }

    [Fact]
    public void Same_seed_same_weights_and_the_stream_advances()
    {
        var a = new float[300];
        var b = new float[300];
        WeightInit.FillWeights(Init.HeNormal, a, 30, 10, new SeededRandom(4));
        WeightInit.FillWeights(Init.HeNormal, b, 30, 10, new SeededRandom(4));
        Assert.Equal(a, b);

        var random = new SeededRandom(4);
        var first = new float[300];
        var second = new float[300];
        WeightInit.FillWeights(Init.XavierUniform, first, 30, 10, random);
        WeightInit.FillWeights(Init.XavierUniform, second, 30, 10, random);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Invalid_arguments_throw()
    {
        var random = new SeededRandom(1);
        var w = new float[4];
        Assert.Throws<ArgumentException>(() => WeightInit.FillWeights(Init.Default, w, 2, 2, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.FillWeights(Init.HeNormal, w, 0, 2, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.FillWeights(Init.XavierUniform, w, 2, -1, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.FillWeights((Init)99, w, 2, 2, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.FillBias(Init.PyTorchDefault, w, 0, random));
        Assert.Throws<ArgumentNullException>(() => WeightInit.FillWeights(Init.HeNormal, w, 2, 2, null!));
    }
}
