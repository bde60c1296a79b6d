using System;
using Compiled.Networks;
using Compiled.Threading;

namespace Compiled.Runtime.Tests.Networks;

/// <summary>
/// InferenceWeights: a new stamp on the first call and after any change, in any bit, inside the ranges it watches; the same
/// stamp while they are unchanged, whatever happens outside them.
/// </summary>
public class InferenceWeightsTests
{
    [Fact]
    public void A_change_inside_the_ranges_takes_a_new_stamp_and_nothing_else_does()
    {
        var weights = new InferenceWeights([2, 3, 5, 4, 20, 1], [1, 2]);
        float[] parameters = new float[24], state = new float[4];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = i * 0.25f;
        Assert.Equal(0, weights.Stamp);

        Assert.True(weights.Refresh(parameters, state), "first call");
        long stamp = weights.Stamp;
        Assert.NotEqual(0, stamp);
        Assert.False(weights.Refresh(parameters, state), "unchanged");
        Assert.Equal(stamp, weights.Stamp);

        // Outside the ranges: parameters 0, 1, 9..19, 21..23 and state 0 and 3.
        foreach (int i in new[] { 0, 1, 9, 19, 21, 23 }) parameters[i] += 1f;
        state[0] = 5f;
        state[3] = 7f;
        Assert.False(weights.Refresh(parameters, state), "outside the ranges");
        Assert.Equal(stamp, weights.Stamp);

        // Inside: the first and last float of each range, one ulp, the sign of a zero, a NaN's payload; each a new stamp.
        void Changes(Action change, string what)
        {
            change();
            Assert.True(weights.Refresh(parameters, state), what);
            Assert.True(weights.Stamp > stamp, what);
            stamp = weights.Stamp;
            Assert.False(weights.Refresh(parameters, state), what + ", then unchanged");
            Assert.Equal(stamp, weights.Stamp);
        }
        Changes(() => parameters[2] = MathF.BitIncrement(parameters[2]), "first float of the first range");
        Changes(() => parameters[8] += 1f, "last float of the second range");
        Changes(() => parameters[20] = -parameters[20], "the one-float range");
        Changes(() => parameters[5] = 0f, "a zero");
        Changes(() => parameters[5] = -0f, "a zero's sign");
        Changes(() => parameters[6] = float.NaN, "a NaN");
        Changes(() => parameters[6] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(float.NaN) ^ 1), "a NaN's payload");
        Changes(() => state[2] = 1f, "the state");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void The_comparison_split_over_threads_sees_a_change_in_every_share(int threads)
    {
        // Large enough to split: ranges of parameters and state across the shares' boundaries, and a gap no share watches.
        int length = InferenceWeights.ParallelFloats * 2;
        var weights = new InferenceWeights([0, length / 2, length / 2 + 10, length / 2 - 10], [3, 1000]);
        float[] parameters = new float[length], state = new float[1003];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = i * 0.5f;
        using var group = new WorkerGroup(threads);
        Assert.True(weights.Refresh(parameters, state, group), "first call");
        long stamp = weights.Stamp;
        Assert.False(weights.Refresh(parameters, state, group), "unchanged");

        parameters[length / 2 + 5] += 1f;   // in the gap
        state[0] = 9f;                       // before the state's range
        Assert.False(weights.Refresh(parameters, state, group), "outside the ranges");
        Assert.Equal(stamp, weights.Stamp);

        int total = length - 10 + 1000;
        foreach (int at in new[] { 0, total / threads - 1, total / threads, total / 2, length - 11, length - 10, total - 1 })
        {
            // `at` counts watched floats in order: the first range, the second, then the state's.
            if (at < length / 2) parameters[at] = MathF.BitIncrement(parameters[at]);
            else if (at < length - 10) parameters[at + 10] = -parameters[at + 10] - 1f;
            else state[3 + at - (length - 10)] += 1f;
            Assert.True(weights.Refresh(parameters, state, group), $"watched float {at}");
            Assert.True(weights.Stamp > stamp, $"watched float {at}");
            stamp = weights.Stamp;
            Assert.False(weights.Refresh(parameters, state, group), $"watched float {at}, then unchanged");
            Assert.False(weights.Refresh(parameters, state), $"watched float {at}, then unchanged on one thread");
            Assert.Equal(stamp, weights.Stamp);
        }
        var error = Assert.Throws<ArgumentException>(() => weights.Refresh(parameters, new float[500], group));
        Assert.Contains("[3, 1003)", error.Message);
    }

    /// <summary>
    /// Sealed (an inference session's copy, which nothing else writes): the first refresh still stamps, on one thread or
    /// split over a group; after it no change is looked for, so the stamp stays whatever happens to the ranges. Unsealed,
    /// the same change takes a new stamp (the control).
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public void A_sealed_copy_is_stamped_once_and_never_compared_again(int threads, bool sealBeforeFirst)
    {
        int length = InferenceWeights.ParallelFloats * 2;   // large enough for a group to split the comparison
        using var group = new WorkerGroup(threads);
        float[] parameters = new float[length + 8], state = new float[4];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = i;
        InferenceWeights Make() => new([0, length], [0, 4]);

        var control = Make();
        var weights = Make();
        if (sealBeforeFirst) weights.Seal();
        Assert.True(weights.Refresh(parameters, state, group), "first call");
        Assert.True(control.Refresh(parameters, state, group));
        if (!sealBeforeFirst)
        {
            Assert.False(weights.IsSealed);
            weights.Seal();
        }
        Assert.True(weights.IsSealed);
        long stamp = weights.Stamp;
        Assert.NotEqual(0, stamp);

        parameters[3] += 1f;
        parameters[length - 1] = -parameters[length - 1];
        state[2] = 9f;
        Assert.True(control.Refresh(parameters, state, group), "the unsealed control sees the change");
        Assert.False(weights.Refresh(parameters, state, group), "sealed: split or not, no comparison");
        Assert.False(weights.Refresh(parameters, state), "sealed: no comparison on the calling thread either");
        Assert.Equal(stamp, weights.Stamp);
    }

    [Fact]
    public void Another_network_takes_other_stamps()
    {
        var a = new InferenceWeights([0, 2], []);
        var b = new InferenceWeights([0, 2], []);
        float[] parameters = [1f, 2f];
        a.Refresh(parameters, default);
        b.Refresh(parameters, default);
        Assert.NotEqual(a.Stamp, b.Stamp);
    }

    [Fact]
    public void Bad_ranges_and_short_buffers_are_rejected_with_the_range()
    {
        Assert.Throws<ArgumentException>(() => new InferenceWeights([0], []));
        Assert.Throws<ArgumentException>(() => new InferenceWeights([-1, 2], []));
        var weights = new InferenceWeights([4, 4], [0, 3]);
        var error = Assert.Throws<ArgumentException>(() => weights.Refresh(new float[6], new float[3]));
        Assert.Contains("[4, 8)", error.Message);
        error = Assert.Throws<ArgumentException>(() => weights.Refresh(new float[8], new float[2]));
        Assert.Contains("[0, 3)", error.Message);
    }
}
