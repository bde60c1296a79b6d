using System;
using System.Collections.Generic;
using Compiled.Networks;

namespace Compiled.Networks.Tests.Smoke;

/// <summary>How the runtime splits a batch for generated networks: inference units the threads take in turn, or contiguous slices per thread with chunks within a slice; gradients summed in thread order.</summary>
public sealed class BatchRunnerTests
{
    [Fact]
    public void Inference_splits_the_batch_into_units_or_contiguous_thread_slices_and_chunks()
    {
        var runner = new BatchRunner(3);
        var seen = new List<(int Start, int Count, float FirstInput)>();
        float[] input = new float[10 * 2];
        for (int i = 0; i < input.Length; i++) input[i] = i;
        var output = new float[10];

        runner.Infer((in BatchChunk chunk, NetworkWorkspace _) =>
        {
            lock (seen) seen.Add((chunk.Start, chunk.Count, chunk.Input[0]));
            Assert.Equal(2 * chunk.Count, chunk.Input.Length);
            Assert.Equal(chunk.Count, chunk.Output.Length);
            Assert.Equal(10, chunk.Batch);
            for (int s = 0; s < chunk.Count; s++) chunk.Output[s] = chunk.Start + s;
            return 0f;
        }, input, 2, output, 1, batch: 10, chunkSamples: 2);

        // inference cuts the batch into units of at most a chunk that the threads take in turn: five units of 2
        seen.Sort();
        Assert.Equal(new[] { (0, 2, 0f), (2, 2, 4f), (4, 2, 8f), (6, 2, 12f), (8, 2, 16f) }, seen);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, output);

        // 11 samples cannot be cut evenly into units of at most 2: threads take [0,3), [3,7), [7,11), in chunks of 2
        seen.Clear();
        runner.Infer((in BatchChunk chunk, NetworkWorkspace _) =>
        {
            lock (seen) seen.Add((chunk.Start, chunk.Count, chunk.Input[0]));
            return 0f;
        }, new float[11 * 2], 2, new float[11], 1, batch: 11, chunkSamples: 2);
        seen.Sort();
        Assert.Equal(new[] { (0, 2, 0f), (2, 1, 0f), (3, 2, 0f), (5, 2, 0f), (7, 2, 0f), (9, 2, 0f) }, seen);
    }

    [Fact]
    public void Training_zeroes_each_thread_buffer_and_adds_them_in_thread_order()
    {
        var runner = new BatchRunner(2);
        var gradients = new float[] { 100f, 200f };
        int[] labels = { 0, 1, 2, 3, 4 };

        float loss = runner.Train((in BatchChunk chunk, NetworkWorkspace workspace) =>
        {
            Span<float> g = workspace.Gradients;
            Assert.Equal(2, g.Length);
            for (int s = 0; s < chunk.Count; s++)
            {
                g[0] += 1f;                   // counts samples
                g[1] += chunk.Labels[s];      // sums labels
            }
            return chunk.Count * 0.5f;
        }, new float[5], 1, labels, default, 1, batch: 5, chunkSamples: 64, gradients);

        Assert.Equal(2.5f, loss);
        Assert.Equal(new[] { 105f, 210f }, gradients);

        // a second step starts from zeroed thread buffers again
        runner.Train((in BatchChunk chunk, NetworkWorkspace workspace) => 0f, new float[5], 1, labels, default, 1, 5, 64, gradients);
        Assert.Equal(new[] { 105f, 210f }, gradients);
    }
}
