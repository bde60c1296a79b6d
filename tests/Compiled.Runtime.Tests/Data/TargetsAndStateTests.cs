using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Compiled.Data;
using Compiled.Serialization;

namespace Compiled.Runtime.Tests.Data;

/// <summary>Float-target datasets through subsets and batches; the batch iterator's and the generator's state.</summary>
public sealed class TargetsAndStateTests
{
    // Sample i: features [i, -i], targets [10i, 10i + 1, 10i + 2].
    private static Dataset Regression(int count) => new(
        Enumerable.Range(0, count).SelectMany(i => new float[] { i, -i }).ToArray(),
        Enumerable.Range(0, count).SelectMany(i => new float[] { 10 * i, 10 * i + 1, 10 * i + 2 }).ToArray(),
        [2], targetLength: 3);

    [Fact]
    public void Subsets_keep_each_sample_with_its_targets()
    {
        Dataset data = Regression(50);
        Assert.True(data.HasTargets);
        Assert.Equal(50, data.Count);
        Assert.Empty(data.Labels);
        Dataset picked = data.Select([7, 3]);
        Assert.Equal(new float[] { 70, 71, 72, 30, 31, 32 }, picked.Targets);
        Assert.Equal(new float[] { 7, -7, 3, -3 }, picked.Features);
        Assert.Equal(new float[] { 0, 1, 2, 10, 11, 12 }, data.Take(2).Targets);
        (Dataset train, Dataset validation) = data.Split(10, seed: 4);
        foreach (Dataset part in new[] { train, validation })
            for (int i = 0; i < part.Count; i++)
                Assert.Equal(10 * part.Sample(i)[0], part.Target(i)[0]);
    }

    [Fact]
    public void Bad_targets_are_rejected_by_name()
    {
        Assert.Contains("targets", Assert.Throws<ArgumentException>(() => new Dataset(new float[4], new float[5], [2], 3)).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => new Dataset(new float[4], [0, float.NaN], [2], 1)).Message);
        Assert.Throws<InvalidOperationException>(() => new Dataset(new float[4], [0, 1], [2]).Target(0));
    }

    [Fact]
    public void OneHot_turns_labels_into_target_rows()
    {
        var labelled = new Dataset(new float[6], [2, 0, 1], [2]);
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 }, labelled.OneHot(3).Targets);
        var binary = new Dataset(new float[6], [1, 0, 1], [2]);
        Assert.Equal(new float[] { 1, 0, 1 }, binary.OneHot(1).Targets);
        Assert.Throws<ArgumentException>(() => labelled.OneHot(2));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Batches_carry_the_targets_of_their_samples(bool shuffle)
    {
        Dataset data = Regression(37);
        var batches = new BatchIterator(data, 8, shuffle, seed: 3);
        var seen = new List<float>();
        foreach (Batch batch in batches.Epoch(2))
        {
            Assert.True(batch.Labels.IsEmpty);
            Assert.Equal(batch.Size * 3, batch.Targets.Length);
            for (int i = 0; i < batch.Size; i++)
            {
                Assert.Equal(10 * batch.Inputs[2 * i], batch.Targets[3 * i]);
                Assert.Equal(10 * batch.Inputs[2 * i] + 2, batch.Targets[3 * i + 2]);
                seen.Add(batch.Inputs[2 * i]);
            }
        }
        Assert.Equal(Enumerable.Range(0, 37).Select(i => (float)i), seen.Order());
    }

    [Fact]
    public void A_restored_iterator_resumes_mid_epoch_with_the_same_batches()
    {
        Dataset data = Regression(40);
        var straight = new BatchIterator(data, 6, shuffle: true, seed: 9);
        var expected = new List<float>();
        foreach (Batch b in straight.Epoch(1)) expected.AddRange(b.Inputs.ToArray());

        var first = new BatchIterator(data, 6, shuffle: true, seed: 9);
        var got = new List<float>();
        foreach (Batch b in first.Epoch(1))
        {
            got.AddRange(b.Inputs.ToArray());
            if (b.Index == 2) break;
        }
        var state = new StateBag();
        first.WriteState(state);
        Assert.Equal(3, state.Integers["next_batch"]);

        var resumed = new BatchIterator(data, 6, shuffle: true, seed: 9);
        resumed.ReadState(state);
        foreach (Batch b in resumed.Resume()) got.AddRange(b.Inputs.ToArray());
        Assert.Equal(expected, got);
        Assert.Equal(1, resumed.CurrentEpoch);

        // Finished epoch → the next one.
        resumed.WriteState(state);
        var next = new BatchIterator(data, 6, shuffle: true, seed: 9);
        next.ReadState(state);
        next.Resume();
        Assert.Equal(2, next.CurrentEpoch);

        Assert.Throws<InvalidDataException>(() => new BatchIterator(data, 6, shuffle: true, seed: 8).ReadState(state));
        Assert.Throws<InvalidDataException>(() => new BatchIterator(data, 5, shuffle: true, seed: 9).ReadState(state));
    }

    [Fact]
    public void A_restored_generator_continues_the_same_sequence()
    {
        var random = new SeededRandom(77);
        for (int i = 0; i < 5; i++) random.NextUInt64();
        random.NextGaussian();   // leaves a spare Gaussian
        var state = new StateBag();
        random.WriteState(state);
        var copy = new SeededRandom(1);
        copy.ReadState(state);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(random.NextGaussian(), copy.NextGaussian());
            Assert.Equal(random.NextUInt64(), copy.NextUInt64());
        }
        state.Integers["s0"] = state.Integers["s1"] = state.Integers["s2"] = state.Integers["s3"] = 0;
        Assert.Throws<InvalidDataException>(() => copy.ReadState(state));
    }
}
