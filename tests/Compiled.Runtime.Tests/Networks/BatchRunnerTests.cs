using System;
using System.Threading.Tasks;
using Compiled.Networks;

namespace Compiled.Runtime.Tests.Networks;

/// <summary><see cref="BatchRunner"/> (today's generated code): faults and lifetime.</summary>
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
}
