using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Data;

namespace Compiled.Runtime.Tests.Data;

public class BatchIteratorTests
{
    // 10 samples of 3 floats: sample i is [i, i + 0.25, i + 0.5], label i.
    private static Dataset Make(int count = 10)
    {
        var features = new float[count * 3];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < 3; j++)
                features[i * 3 + j] = i + 0.25f * j;
        return new Dataset(features, Enumerable.Range(0, count).ToArray(), [3]);
    }

    // The sample ids of every batch of one epoch, checking each batch's features agree with its labels.
    private static List<int[]> Epoch(BatchIterator iterator, int epoch)
    {
        var batches = new List<int[]>();
        foreach (Batch batch in iterator.Epoch(epoch))
        {
            Assert.Equal(batches.Count, batch.Index);
            Assert.Equal(batch.Size * 3, batch.Inputs.Length);
            Assert.Equal(batch.Size, batch.Labels.Length);
            for (int i = 0; i < batch.Size; i++)
                for (int j = 0; j < 3; j++)
                    Assert.Equal(batch.Labels[i] + 0.25f * j, batch.Inputs[i * 3 + j]);
            batches.Add(batch.Labels.ToArray());
        }
        return batches;
    }

    [Fact]
    public void Every_sample_once_per_epoch_with_a_partial_last_batch()
    {
        var iterator = new BatchIterator(Make(), batchSize: 4, shuffle: true, seed: 1);
        Assert.Equal(3, iterator.BatchCount);
        List<int[]> batches = Epoch(iterator, 0);
        Assert.Equal([4, 4, 2], batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void Shuffle_depends_on_seed_and_epoch_only()
    {
        var a = new BatchIterator(Make(), 4, seed: 7);
        var b = new BatchIterator(Make(), 4, seed: 7);
        int[] a0 = Epoch(a, 0).SelectMany(x => x).ToArray();
        int[] a1 = Epoch(a, 1).SelectMany(x => x).ToArray();
        int[] b1 = Epoch(b, 1).SelectMany(x => x).ToArray();   // epoch 1 without running epoch 0 first
        int[] b0 = Epoch(b, 0).SelectMany(x => x).ToArray();
        Assert.Equal(a0, b0);
        Assert.Equal(a1, b1);
        Assert.NotEqual(a0, a1);
        Assert.NotEqual(Enumerable.Range(0, 10), a0);

        var c = new BatchIterator(Make(), 4, seed: 8);
        Assert.NotEqual(a0, Epoch(c, 0).SelectMany(x => x).ToArray());
    }

    [Fact]
    public void Without_shuffle_the_order_is_kept_and_dropLast_drops_the_partial_batch()
    {
        var ordered = new BatchIterator(Make(), 3, shuffle: false);
        Assert.Equal(Enumerable.Range(0, 10), Epoch(ordered, 2).SelectMany(x => x));

        var dropping = new BatchIterator(Make(), 3, shuffle: false, dropLast: true);
        Assert.Equal(3, dropping.BatchCount);
        Assert.Equal(9, dropping.SamplesPerEpoch);
        Assert.Equal(Enumerable.Range(0, 9), Epoch(dropping, 0).SelectMany(x => x));

        var whole = new BatchIterator(Make(), 64);
        Assert.Equal(10, Assert.Single(Epoch(whole, 0)).Length);
    }

    [Fact]
    public void Without_shuffle_a_batch_is_a_view_of_the_dataset_rows()
    {
        Dataset data = Make();
        var ordered = new BatchIterator(data, 4, shuffle: false);
        int index = 0;
        foreach (Batch batch in ordered.Epoch(0))
        {
            int start = index * 4;
            Assert.True(batch.Inputs.Overlaps(data.Features));
            Assert.True(batch.Inputs.SequenceEqual(data.Features.AsSpan(start * 3, batch.Size * 3)));
            Assert.True(batch.Labels.SequenceEqual(data.Labels.AsSpan(start, batch.Size)));
            index++;
        }
        Assert.Equal(3, index);

        var shuffled = new BatchIterator(data, 4, seed: 1);
        foreach (Batch batch in shuffled.Epoch(0))
            Assert.False(batch.Inputs.Overlaps(data.Features));   // shuffled batches are copies
    }

    [Fact]
    public void Arguments_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(Make(), 0));
        Assert.Throws<ArgumentException>(() => new BatchIterator(Make(), 11, dropLast: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(Make(), 4).Epoch(-1));
    }

    [Fact]
    public void Batches_allocate_nothing()
    {
        foreach (bool shuffle in new[] { true, false })
        {
            var iterator = new BatchIterator(Make(1000), 32, shuffle, seed: 3);
            Sum(iterator, 0);
            long before = GC.GetAllocatedBytesForCurrentThread();
            float total = Sum(iterator, 1) + Sum(iterator, 2);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
            Assert.True(total > 0);
        }

        static float Sum(BatchIterator iterator, int epoch)
        {
            float sum = 0;
            foreach (Batch batch in iterator.Epoch(epoch))
                sum += batch.Inputs[0] + batch.Labels[^1];
            return sum;
        }
    }
}
