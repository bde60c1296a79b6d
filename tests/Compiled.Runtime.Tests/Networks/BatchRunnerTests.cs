using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Compiled.Networks;

namespace Compiled.Runtime.Tests.Networks;

/// <summary><see cref="BatchRunner"/> (today's generated code): faults, lifetime and how inference cuts a batch.</summary>
public class BatchRunnerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_failing_chunk_is_rethrown_with_the_gradients_zeroed_and_the_next_step_works(int threads)
    {
        Task task = Task.Run(() =>
        {
            using var runner = new BatchRunner(threads);
            var input = new float[12];
            var gradients = new float[1 << 16];   // above the size where the reduction runs inside the dispatch
            gradients[5] = 3f;
            int failing = threads - 1;
            var error = Assert.Throws<InvalidOperationException>(() => runner.Train((in BatchChunk chunk, NetworkWorkspace workspace) =>
            {
                workspace.Gradients[chunk.Start] += 1f;
                if (chunk.Start == (int)((long)failing * chunk.Batch / threads)) throw new InvalidOperationException("chunk failed");
                return 1f;
            }, input, 1, default, default, 1, 12, 4, gradients));
            Assert.Equal("chunk failed", error.Message);
            Assert.All(gradients, g => Assert.Equal(0f, g));

            float loss = runner.Train((in BatchChunk chunk, NetworkWorkspace workspace) =>
            {
                for (int s = chunk.Start; s < chunk.Start + chunk.Count; s++) workspace.Gradients[s] += s;
                return chunk.Count;
            }, input, 1, default, default, 1, 12, 4, gradients);
            Assert.Equal(12f, loss);
            for (int s = 0; s < 12; s++) Assert.Equal(s, gradients[s]);
        });
        await task.WaitAsync(TimeSpan.FromSeconds(60));   // a TimeoutException if a thread hung
    }
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Inference_writes_every_sample_once_in_units_of_the_planned_size(int threads)
    {
        Task task = Task.Run(() =>
        {
            using var runner = new BatchRunner(threads);
            foreach (int chunkSamples in new[] { 4, 160 })
            foreach (int batch in new[] { 1, 7, 8, 9, 64, 100, 333 })
            {
                var input = new float[batch * 2];
                for (int i = 0; i < input.Length; i++) input[i] = i;
                var output = new float[batch];
                var counts = new ConcurrentBag<int>();
                runner.Infer((in BatchChunk chunk, NetworkWorkspace workspace) =>
                {
                    counts.Add(chunk.Count);
                    for (int s = 0; s < chunk.Count; s++)
                    {
                        Assert.Equal(2 * (chunk.Start + s), chunk.Input[2 * s]);   // the chunk's own rows
                        chunk.Output[s] += 1f + chunk.Start + s;
                    }
                    return 0f;
                }, input, 2, output, 1, batch, chunkSamples);
                for (int s = 0; s < batch; s++) Assert.Equal(1f + s, output[s]);   // every sample once
                Assert.Equal(batch, counts.Sum());
                Assert.All(counts, c => Assert.InRange(c, 1, chunkSamples));
                int units = BatchRunner.InferenceUnits(batch, chunkSamples, threads);
                if (units > 0)
                {
                    Assert.Equal(units, counts.Count);
                    Assert.InRange(counts.Max() - counts.Min(), 0, 1);   // as even as the batch allows
                }
                else Assert.InRange(counts.Count, Math.Min(batch, threads), Math.Min(batch, threads) + batch / chunkSamples);
            }
        });
        await task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Inference_units_are_cut_only_past_the_threads_never_above_a_chunk_and_the_larger_first()
    {
        Assert.Equal(0, BatchRunner.InferenceUnits(64, 160, 1));   // one thread: fixed chunks
        Assert.Equal(0, BatchRunner.InferenceUnits(9, 160, 2));    // two units of four at most: one a thread
        Assert.Equal(4, BatchRunner.InferenceUnits(64, 160, 2));   // two a thread
        Assert.Equal(6, BatchRunner.InferenceUnits(64, 160, 3));
        Assert.Equal(13, BatchRunner.InferenceUnits(64, 5, 2));    // none above a chunk (12 of 5, one of 4)
        Assert.Equal(5, BatchRunner.InferenceUnits(10, 2, 3));     // below four samples only when all are equal
        Assert.Equal(0, BatchRunner.InferenceUnits(11, 2, 3));
        int[] starts = Enumerable.Range(0, 9).Select(u => BatchRunner.UnitStart(u, 100, 8)).ToArray();
        Assert.Equal([0, 13, 26, 39, 52, 64, 76, 88, 100], starts);   // 100 samples: four units of 13, then four of 12
    }

    [Fact]
    public async Task In_inference_a_thread_held_up_takes_fewer_samples()
    {
        // Two threads, four units of 16: the thread that takes the first unit is held up a second there; the other takes the
        // remaining three meanwhile (fixed halves would leave it idle after 32 samples).
        Task task = Task.Run(() =>
        {
            using var runner = new BatchRunner(2);
            var input = new float[64];
            var output = new float[64];
            var taken = new ConcurrentDictionary<int, int>();
            int first = 0;
            runner.Infer((in BatchChunk chunk, NetworkWorkspace workspace) =>
            {
                taken.AddOrUpdate(Environment.CurrentManagedThreadId, 1, (_, n) => n + 1);
                if (Interlocked.Exchange(ref first, 1) == 0) Thread.Sleep(1000);
                return 0f;
            }, input, 1, output, 1, 64, 160);
            Assert.Equal(4, taken.Values.Sum());
            Assert.Equal([1, 3], taken.Values.Order().ToArray());
        });
        await task.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
