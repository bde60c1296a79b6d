using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Compiled.Data;
using Compiled.Networks;

namespace Compiled.Runtime.Tests.Data;

/// <summary>
/// A <see cref="BatchIterator"/> epoch started with <c>deferGather: true</c>: the rows of each batch are copied by
/// <see cref="IBatchGather.Gather"/> (each thread of a step its own), and the batches are those gathered when fetched.
/// </summary>
public class DeferredGatherTests
{
    // count samples [1, 4, 4]: sample i's pixel p is i + p / 16; label i % 5.
    private static Dataset Images(int count, bool targets)
    {
        var features = new float[count * 16];
        for (int i = 0; i < count; i++)
            for (int p = 0; p < 16; p++)
                features[i * 16 + p] = i + p / 16f;
        var data = new Dataset(features, Enumerable.Range(0, count).Select(i => i % 5).ToArray(), [1, 4, 4]);
        return targets ? data.OneHot(5) : data;
    }

    private static BatchIterator Iterator(Dataset data, bool shuffle, bool augment) =>
        new(data, 7, shuffle, seed: 11, augmentation: augment ? new ImageAugmentation(1, 0.5, [0.5f]) : null);

    private static (float[] Inputs, int[] Labels, float[] Targets) Copy(Batch batch) =>
        (batch.Inputs.ToArray(), batch.Labels.ToArray(), batch.Targets.ToArray());

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(false, false, false)]
    public void Batches_gathered_in_parts_are_those_gathered_when_fetched(bool shuffle, bool augment, bool targets)
    {
        Dataset data = Images(40, targets);
        var expected = new List<(float[], int[], float[])>();
        foreach (Batch batch in Iterator(data, shuffle, augment).Epoch(2)) expected.Add(Copy(batch));

        BatchIterator deferred = Iterator(data, shuffle, augment);
        IBatchGather gather = deferred;
        var got = new List<(float[], int[], float[])>();
        foreach (Batch batch in deferred.Epoch(2, deferGather: true))
        {
            // Three uneven parts, the last first: each thread's rows are filled independently of the others'.
            int a = batch.Size / 3, b = batch.Size - 1;
            gather.Gather(b, batch.Size - b);
            gather.Gather(a, b - a);
            gather.Gather(0, a);
            got.Add(Copy(batch));
        }
        Assert.Equal(expected.Count, got.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Item1, got[i].Item1);
            Assert.Equal(expected[i].Item2, got[i].Item2);
            Assert.Equal(expected[i].Item3, got[i].Item3);
        }
    }

    [Fact]
    public void A_deferred_batch_holds_nothing_of_its_rows_until_they_are_gathered()
    {
        BatchIterator deferred = Iterator(Images(40, false), shuffle: true, augment: false);
        IBatchGather gather = deferred;
        foreach (Batch batch in deferred.Epoch(0, deferGather: true))
        {
            Assert.All(batch.Inputs.ToArray(), v => Assert.Equal(0f, v));
            gather.Gather(0, 3);
            Assert.All(batch.Inputs[..(3 * 16)].ToArray(), v => Assert.NotEqual(0f, v));
            Assert.All(batch.Inputs[(3 * 16)..].ToArray(), v => Assert.Equal(0f, v));
            break;
        }
    }

    [Fact]
    public void Gathering_outside_a_deferred_batch_is_refused_with_a_message()
    {
        BatchIterator iterator = Iterator(Images(40, false), shuffle: true, augment: false);
        IBatchGather gather = iterator;
        var error = Assert.Throws<InvalidOperationException>(() => gather.Gather(0, 1));
        Assert.Contains("deferGather: true", error.Message);
        foreach (Batch batch in iterator.Epoch(0)) break;
        Assert.Throws<InvalidOperationException>(() => gather.Gather(0, 1));
        _ = iterator.Epoch(1, deferGather: true);
        Assert.Contains("No batch", Assert.Throws<InvalidOperationException>(() => gather.Gather(0, 1)).Message);
        foreach (Batch batch in iterator.Epoch(1, deferGather: true))
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => gather.Gather(5, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => gather.Gather(-1, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => gather.Gather(0, -1));
            gather.Gather(0, 7);
            gather.Gather(7, 0);
            break;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_step_gathers_every_slice_before_any_body_reads_the_batch(int threads)
    {
        await Task.Run(() =>
        {
            Dataset data = Images(40, false);
            var reference = new List<(float Sum, int[] Labels)>();
            foreach (Batch batch in Iterator(data, true, true).Epoch(0)) reference.Add((Fingerprint(batch.Inputs), batch.Labels.ToArray()));

            using var runner = new StepRunner(threads);
            BatchIterator deferred = Iterator(data, true, true);
            var options = new StepOptions([0f], [new ParameterInfo("w", "l", 0, [1])]) { Gather = deferred };
            var sums = new float[threads];
            int index = 0;
            foreach (Batch batch in deferred.Epoch(0, deferGather: true))
            {
                int[] labels = reference[index].Labels;
                // Every thread reads the whole batch's input at once (as a layer computed by output features does), and its labels.
                runner.Train((in StepContext ctx) =>
                {
                    sums[ctx.Thread] = Fingerprint(ctx.BatchInput);
                    Assert.Equal(labels.AsSpan(ctx.Start, ctx.Count).ToArray(), ctx.Labels.ToArray());
                }, batch.Inputs, 16, batch.Labels, default, 1, batch.Size, [0f], options);
                Assert.All(sums, s => Assert.Equal(reference[index].Sum, s));
                index++;
            }
            Assert.Equal(reference.Count, index);
        }).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static float Fingerprint(ReadOnlySpan<float> inputs)
    {
        float sum = 0;
        for (int i = 0; i < inputs.Length; i++) sum += inputs[i] * (1 + i % 7);
        return sum;
    }
}
