using System;
using System.Linq;
using System.Threading.Tasks;
using Compiled.Kernels;
using Compiled.Networks;

namespace Compiled.Runtime.Tests.Networks;

/// <summary>
/// Batch norm's training forward as a <see cref="StepRunner"/> schedule: per-slice statistics into the partial sums, a
/// barrier, the merge (in thread order) on every thread, then each thread normalizes its rows. The merge gives the same bits
/// on every thread, repeats exactly, and matches the whole-batch statistics.
/// </summary>
public class BatchNormScheduleTests
{
    private const int Batch = 13, Channels = 3, Spatial = 5, Length = Channels * Spatial;
    private const float Eps = 1e-5f;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(16)]   // more threads than samples: empty slices
    public async Task Every_thread_merges_the_same_statistics_and_the_output_matches_the_whole_batch(int threads)
    {
        await Task.Run(() =>
        {
            var random = new SeededRandom(17);
            float[] x = Enumerable.Range(0, Batch * Length).Select(_ => 2f * random.NextGaussian() + 0.5f).ToArray();
            float[] gamma = [1.5f, -0.5f, 2f], beta = [0.1f, 0.2f, -0.3f];
            var mean = new float[threads][];
            var invStd = new float[threads][];
            var runningMean = new float[threads][];
            var runningVar = new float[threads][];
            using var runner = new StepRunner(threads);
            runner.Reserve(0, 0, 2 * Channels, 2 * Channels);
            float[] Run()
            {
                var output = new float[Batch * Length];
                runner.Infer((in StepContext ctx) =>
                {
                    int t = ctx.Thread;
                    BatchNormKernels.SliceStatistics(ctx.Input, ctx.Partials(t, Channels, 0), ctx.Partials(t, Channels, 1), ctx.Count, Channels, Spatial);
                    ctx.Barrier();
                    mean[t] = new float[Channels];
                    invStd[t] = new float[Channels];
                    runningMean[t] = new float[Channels];
                    runningVar[t] = Enumerable.Repeat(1f, Channels).ToArray();
                    long tracked = 0;
                    BatchNormKernels.MergeStatistics(ctx.AllPartials(Channels, 0), ctx.AllPartials(Channels, 1), ctx.SliceSizes, Channels, Spatial, Eps,
                        mean[t], invStd[t], runningMean[t], runningVar[t], 0.1f, ref tracked);
                    Span<float> scale = ctx.Scratch(0, Channels), shift = ctx.Scratch(Channels, Channels);
                    BatchNormKernels.TrainingCoefficients(gamma, beta, mean[t], invStd[t], scale, shift);
                    BatchNormKernels.Normalize(ctx.Input, scale, shift, ctx.Output, ctx.Count, Channels, Spatial);
                }, x, Length, output, Length, Batch);
                return output;
            }

            float[] first = Run();
            for (int t = 1; t < threads; t++)
            {
                Assert.Equal(mean[0], mean[t]);
                Assert.Equal(invStd[0], invStd[t]);
                Assert.Equal(runningMean[0], runningMean[t]);
                Assert.Equal(runningVar[0], runningVar[t]);
            }
            Assert.Equal(first, Run());

            // The whole batch's statistics, in double: y = γ(x − μ)/√(σ² + eps) + β with the biased variance.
            for (int c = 0; c < Channels; c++)
            {
                double sum = 0, squares = 0;
                for (int s = 0; s < Batch; s++)
                    for (int k = 0; k < Spatial; k++) sum += x[s * Length + c * Spatial + k];
                double mu = sum / (Batch * Spatial);
                for (int s = 0; s < Batch; s++)
                    for (int k = 0; k < Spatial; k++) squares += Math.Pow(x[s * Length + c * Spatial + k] - mu, 2);
                double variance = squares / (Batch * Spatial);
                Assert.Equal(mu, mean[0][c], 5);
                for (int s = 0; s < Batch; s++)
                    for (int k = 0; k < Spatial; k++)
                    {
                        int i = s * Length + c * Spatial + k;
                        double expected = gamma[c] * (x[i] - mu) / Math.Sqrt(variance + Eps) + beta[c];
                        Assert.True(Math.Abs(first[i] - expected) < 1e-5, $"y[{i}] = {first[i]}, expected {expected}");
                    }
            }
        }).WaitAsync(TimeSpan.FromSeconds(60));
    }
}
