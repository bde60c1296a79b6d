using System;
using System.Linq;

namespace Compiled.Runtime.Tests.Random;

public class SeededRandomTests
{
    // xoshiro256** seeded through SplitMix64, computed by an independent Python implementation of the published algorithms.
    [Theory]
    [InlineData(0UL, new[] { 0x99ec5f36cb75f2b4UL, 0xbf6e1f784956452aUL, 0x1a5f849d4933e6e0UL, 0x6aa594f1262d2d2cUL, 0xbba5ad4a1f842e59UL })]
    [InlineData(42UL, new[] { 0x15780b2e0c2ec716UL, 0x6104d9866d113a7eUL, 0xae17533239e499a1UL, 0xecb8ad4703b360a1UL, 0xfde6dc7fe2ec5e64UL })]
    public void NextUInt64_matches_the_reference_algorithm(ulong seed, ulong[] expected)
    {
        var random = new SeededRandom(seed);
        foreach (ulong value in expected)
            Assert.Equal(value, random.NextUInt64());
    }

    [Fact]
    public void Same_seed_gives_the_same_sequence_and_reseed_restarts_it()
    {
        var a = new SeededRandom(7);
        var b = new SeededRandom(7);
        float[] first = Enumerable.Range(0, 100).Select(_ => a.NextGaussian()).ToArray();
        float[] second = Enumerable.Range(0, 100).Select(_ => b.NextGaussian()).ToArray();
        Assert.Equal(first, second);

        a.Reseed(7);
        Assert.Equal(first, Enumerable.Range(0, 100).Select(_ => a.NextGaussian()).ToArray());

        var c = new SeededRandom(8);
        Assert.NotEqual(first, Enumerable.Range(0, 100).Select(_ => c.NextGaussian()).ToArray());
    }

    [Fact]
    public void NextInt_stays_in_range_and_is_roughly_uniform()
    {
        var random = new SeededRandom(1);
        const int buckets = 10, draws = 200_000;
        var counts = new int[buckets];
        for (int i = 0; i < draws; i++)
        {
            int v = random.NextInt(buckets);
            Assert.InRange(v, 0, buckets - 1);
            counts[v]++;
        }
        // Chi-square with 9 degrees of freedom: 27.9 is the 0.999 quantile.
        double expected = draws / (double)buckets;
        double chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chi2 < 27.9, $"chi-square {chi2}");

        Assert.Equal(0, random.NextInt(1));
        for (int i = 0; i < 1000; i++)
            Assert.InRange(random.NextInt(int.MaxValue), 0, int.MaxValue - 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(-3));
    }

    [Fact]
    public void NextInt_is_unbiased_for_a_range_that_does_not_divide_two_to_the_32()
    {
        // range = 3·2^29: a plain 32-bit modulo maps three inputs to each value below 2^30 and two to the rest,
        // so P(v < 2^30) would be 0.75 instead of 2/3.
        var random = new SeededRandom(3);
        const int range = 3 << 29, draws = 60_000;
        int low = 0;
        for (int i = 0; i < draws; i++)
            if (random.NextInt(range) < (1 << 30)) low++;
        Assert.InRange(low / (double)draws, 0.657, 0.677);
    }

    [Fact]
    public void NextFloat_and_NextDouble_are_in_the_unit_interval_with_mean_one_half()
    {
        var random = new SeededRandom(2);
        double sum = 0, sumDouble = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            float f = random.NextFloat();
            Assert.True(f >= 0f && f < 1f);
            sum += f;
            double d = random.NextDouble();
            Assert.True(d >= 0 && d < 1);
            sumDouble += d;
        }
        Assert.InRange(sum / n, 0.495, 0.505);
        Assert.InRange(sumDouble / n, 0.495, 0.505);
    }

    [Fact]
    public void NextGaussian_has_mean_zero_and_variance_one()
    {
        var random = new SeededRandom(5);
        const int n = 200_000;
        double sum = 0, sumSq = 0, beyondTwo = 0;
        for (int i = 0; i < n; i++)
        {
            double v = random.NextGaussian();
            Assert.True(double.IsFinite(v));
            sum += v;
            sumSq += v * v;
            if (Math.Abs(v) > 2) beyondTwo++;
        }
        double mean = sum / n;
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(sumSq / n - mean * mean, 0.98, 1.02);
        Assert.InRange(beyondTwo / n, 0.0435, 0.0475); // P(|z| > 2) = 0.0455
    }

    [Fact]
    public void Shuffle_is_a_deterministic_permutation()
    {
        int[] Shuffled(ulong seed)
        {
            int[] values = Enumerable.Range(0, 1000).ToArray();
            new SeededRandom(seed).Shuffle(values);
            return values;
        }
        int[] a = Shuffled(11);
        Assert.Equal(Enumerable.Range(0, 1000), a.Order());
        Assert.Equal(a, Shuffled(11));
        Assert.NotEqual(a, Shuffled(12));
        Assert.NotEqual(Enumerable.Range(0, 1000), a);
        int fixedPoints = a.Where((v, i) => v == i).Count();
        Assert.InRange(fixedPoints, 0, 8); // about 1 expected for a uniform permutation

        var empty = Array.Empty<int>();
        new SeededRandom(1).Shuffle(empty);
        var one = new[] { 5 };
        new SeededRandom(1).Shuffle(one);
        Assert.Equal(5, one[0]);
    }

    [Fact]
    public void Every_position_is_equally_likely_after_a_shuffle()
    {
        var random = new SeededRandom(9);
        var counts = new int[4, 4];
        Span<int> values = stackalloc int[4];
        const int trials = 40_000;
        for (int t = 0; t < trials; t++)
        {
            for (int i = 0; i < 4; i++) values[i] = i;
            random.Shuffle(values);
            for (int i = 0; i < 4; i++) counts[values[i], i]++;
        }
        foreach (int c in counts)
            Assert.InRange(c / (double)trials, 0.24, 0.26);
    }

    [Fact]
    public void Derived_seeds_differ_per_stream_and_are_stable()
    {
        Assert.Equal(SeededRandom.DeriveSeed(1, 2), SeededRandom.DeriveSeed(1, 2));
        Assert.NotEqual(SeededRandom.DeriveSeed(1, 2), SeededRandom.DeriveSeed(1, 3));
        Assert.NotEqual(SeededRandom.DeriveSeed(1, 2), SeededRandom.DeriveSeed(2, 2));
    }
}
