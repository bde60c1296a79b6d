using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Compiled.Networks;
using Compiled.Optimizers;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Networks;

/// <summary>
/// <see cref="StepRunner"/>: slices, barriers with empty slices, the gradient reduction in thread order, cross-thread partial
/// sums, the fused end of step (finite check, ranged optimizer step) and faults on any thread.
/// </summary>
public class StepRunnerTests
{
    // Every test that could hang on a broken barrier runs under this limit.
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    // A TimeoutException if a barrier deadlocked.
    private static Task WithinLimit(Action action) => Task.Run(action).WaitAsync(s_limit);

    public static TheoryData<int, int> ThreadsAndBatches()
    {
        var data = new TheoryData<int, int>();
        foreach (int threads in new[] { 1, 2, 3 })
            foreach (int batch in new[] { 1, 2, 3, 5, 64 })
                data.Add(threads, batch);
        return data;
    }

    [Theory]
    [MemberData(nameof(ThreadsAndBatches))]
    public async Task Every_thread_runs_its_slice_and_passes_every_barrier_even_when_empty(int threads, int batch)
    {
        await WithinLimit(() =>
        {
            using var runner = new StepRunner(threads);
            runner.Reserve(1, 0, 0, 1);
            float[] input = Enumerable.Range(0, batch * 2).Select(i => (float)i).ToArray();
            var output = new float[batch];
            runner.Infer((in StepContext ctx) =>
            {
                Assert.Equal((int)((long)ctx.Thread * ctx.Batch / ctx.Threads), ctx.Start);
                Assert.Equal((int)((long)(ctx.Thread + 1) * ctx.Batch / ctx.Threads) - ctx.Start, ctx.Count);
                Assert.Equal(2 * ctx.Count, ctx.Input.Length);
                Assert.Equal(ctx.Threads, ctx.SliceSizes.Length);
                Assert.Equal(ctx.Count, ctx.SliceSizes[ctx.Thread]);
                ctx.Partials(ctx.Thread, 1)[0] = ctx.Count;
                ctx.Barrier();
                // After the barrier every slot is written: the counts add up to the batch on every thread.
                float total = 0;
                for (int t = 0; t < ctx.Threads; t++) total += ctx.Partials(t, 1)[0];
                Assert.Equal(ctx.Batch, total);
                ctx.Barrier();
                for (int i = 0; i < ctx.Count; i++) ctx.Output[i] = ctx.Input[2 * i] + 1000 * ctx.Thread;
            }, input, 2, output, 1, batch);
            for (int s = 0; s < batch; s++)
            {
                int owner = Enumerable.Range(0, threads).Last(t => (long)t * batch / threads <= s);
                Assert.Equal(2 * s + 1000 * owner, output[s]);
            }
        });
    }

    // Each sample adds f(s, j) into every gradient j of its thread's buffer; the expectation replays the runner's order:
    // thread 0 into the destination, the others into zeroed buffers, then added in thread order.
    private static float Contribution(int sample, int j) => MathF.Sin(0.37f * sample + 0.11f * j) * (1 + sample % 3);

    private static void AddSlices(in StepContext ctx)
    {
        Span<float> g = ctx.Gradients;
        for (int s = ctx.Start; s < ctx.Start + ctx.Count; s++)
            for (int j = 0; j < g.Length; j++) g[j] += Contribution(s, j);
        ctx.AddLoss(0.1f * ctx.Count + ctx.Thread);
    }

    private static float[] Expected(float[] initial, int threads, int batch)
    {
        float[] destination = (float[])initial.Clone();
        var own = new float[threads][];
        for (int t = 0; t < threads; t++)
        {
            own[t] = t == 0 ? destination : new float[initial.Length];
            int start = (int)((long)t * batch / threads), end = (int)((long)(t + 1) * batch / threads);
            for (int s = start; s < end; s++)
                for (int j = 0; j < initial.Length; j++) own[t][j] += Contribution(s, j);
        }
        for (int t = 1; t < threads; t++)
            for (int j = 0; j < initial.Length; j++) destination[j] += own[t][j];
        return destination;
    }

    [Theory]
    [MemberData(nameof(ThreadsAndBatches))]
    public async Task Gradients_are_added_in_thread_order_bitwise_and_repeat_exactly(int threads, int batch)
    {
        await WithinLimit(() =>
        {
            const int parameters = 1003;   // not a multiple of the vector width or of the 16-float share boundaries
            float[] initial = Enumerable.Range(0, parameters).Select(j => 0.01f * j).ToArray();
            float[] expected = Expected(initial, threads, batch);
            float expectedLoss = 0f;
            for (int t = 0; t < threads; t++)
                expectedLoss += 0.1f * ((int)((long)(t + 1) * batch / threads) - (int)((long)t * batch / threads)) + t;
            using var runner = new StepRunner(threads);
            var input = new float[batch];
            for (int repeat = 0; repeat < 3; repeat++)
            {
                float[] gradients = (float[])initial.Clone();
                float loss = runner.Train(AddSlices, input, 1, default, default, 1, batch, gradients);
                Assert.Equal(expected, gradients);
                Assert.Equal(expectedLoss, loss);
            }
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Partials_merge_to_the_same_bits_on_every_thread(int threads)
    {
        await WithinLimit(() =>
        {
            const int batch = 37, channels = 5;
            using var runner = new StepRunner(threads);
            runner.Reserve(channels, 0, 0, channels);
            float[] input = Enumerable.Range(0, batch * channels).Select(i => MathF.Cos(i * 0.7f) * 3).ToArray();
            var merged = new float[threads * channels];
            var output = new float[batch];
            runner.Infer((in StepContext ctx) =>
            {
                Span<float> mine = ctx.Partials(ctx.Thread, channels);
                mine.Clear();
                for (int s = 0; s < ctx.Count; s++)
                    for (int c = 0; c < channels; c++) mine[c] += ctx.Input[s * channels + c];
                ctx.Barrier();
                for (int t = 0; t < ctx.Threads; t++)
                    for (int c = 0; c < channels; c++) merged[ctx.Thread * channels + c] += ctx.Partials(t, channels)[c];
            }, input, channels, output, 1, batch);
            var expected = new float[channels];
            for (int t = 0; t < threads; t++)
            {
                var partial = new float[channels];
                for (int s = (int)((long)t * batch / threads); s < (int)((long)(t + 1) * batch / threads); s++)
                    for (int c = 0; c < channels; c++) partial[c] += input[s * channels + c];
                for (int c = 0; c < channels; c++) expected[c] += partial[c];
            }
            for (int t = 0; t < threads; t++) Assert.Equal(expected, merged.AsSpan(t * channels, channels).ToArray());
        });
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public async Task A_failure_on_a_thread_stops_every_thread_rethrows_and_leaves_the_runner_usable(int threads, bool afterBarrier)
    {
        await WithinLimit(() =>
        {
            int failing = Math.Min(1, threads - 1);
            var (input, labels) = Batch(10, 6, 4, 3);
            using var net = new SlicedMlp(6, 8, 4, threads, ownedWeights: true);
            using var reference = new SlicedMlp(6, 8, 4, threads, ownedWeights: true);
            net.Initialize(7);
            reference.Initialize(7);
            var sgd = new Sgd(0.1f, momentum: 0.9f);
            var options = new StepOptions(net.Parameters, net.ParameterTable) { Optimizer = sgd, CheckFinite = true };
            float[] before = (float[])net.Parameters.Clone();

            net.FailOn = (failing, afterBarrier);
            var error = Assert.Throws<InvalidOperationException>(() => net.TrainStep(input, labels, 10, options));
            Assert.Equal($"failure on thread {failing}", error.Message);
            Assert.Equal(before, net.Parameters);
            Assert.All(net.Gradients, g => Assert.Equal(0f, g));
            Assert.Equal(0, sgd.StepCount);

            // The next steps work and match a network that never failed.
            net.FailOn = null;
            var referenceSgd = new Sgd(0.1f, momentum: 0.9f);
            var referenceOptions = new StepOptions(reference.Parameters, reference.ParameterTable) { Optimizer = referenceSgd, CheckFinite = true };
            for (int step = 0; step < 3; step++)
            {
                Assert.Equal(reference.TrainStep(input, labels, 10, referenceOptions), net.TrainStep(input, labels, 10, options));
                Assert.Equal(reference.Parameters, net.Parameters);
            }
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_kernel_argument_error_inside_the_body_is_rethrown_and_the_runner_recovers(int threads)
    {
        await WithinLimit(() =>
        {
            using var runner = new StepRunner(threads);
            runner.Reserve(4, 0, 0, 0);
            var input = new float[9];
            var gradients = new float[40];
            gradients[3] = 5f;
            Assert.Throws<ArgumentOutOfRangeException>(() => runner.Train((in StepContext ctx) =>
            {
                ctx.Gradients[ctx.Thread] += 1f;
                ctx.Barrier();
                _ = ctx.Workspace(0, 1000);   // beyond the workspace: an argument error on every thread
            }, input, 1, default, default, 1, 9, gradients));
            Assert.All(gradients, g => Assert.Equal(0f, g));

            // The next call starts from clean per-thread buffers.
            float[] fresh = new float[40];
            runner.Train(AddSlices, input, 1, default, default, 1, 9, fresh);
            Assert.Equal(Expected(new float[40], threads, 9), fresh);
        });
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task With_owned_tensors_the_first_non_finite_gradient_of_the_step_is_named(int threads)
    {
        await WithinLimit(() =>
        {
            // a.weight [12, 5] is owned (each thread checks its rows), the rest pooled and sliced: NaNs in the last thread's
            // rows of a.weight and in b.weight (pooled, checked by some thread): the lower index is reported, whichever
            // thread found it, and nothing is stepped.
            float[] parameters = Enumerable.Range(0, 100).Select(i => 0.25f * i).ToArray();
            float[] before = (float[])parameters.Clone();
            ParameterInfo[] table = [new("a.weight", "a", 0, [12, 5]), new("a.bias", "a", 60, [12]), new("b.weight", "b", 72, [4, 7])];
            var sgd = new Sgd(0.1f, momentum: 0.9f);
            var options = new StepOptions(parameters, table) { Optimizer = sgd, CheckFinite = true };
            var gradients = new float[100];
            using var runner = new StepRunner(threads) { SlicedGradients = [new ParameterRange(60, 40)], OwnedParameters = [new OwnedParameterRows(0, 12, 5)] };
            var input = new float[6];
            foreach ((int owned, int pooled, int expected) in new[] { (57, 90, 57), (58, 61, 58), (-1, 80, 80) })
            {
                var error = Assert.Throws<NonFiniteException>(() => runner.Train((in StepContext ctx) =>
                {
                    (int start, int count) = ctx.OwnedRange(12);
                    for (int j = start * 5; j < (start + count) * 5; j++) ctx.SharedGradients[j] = 1f;
                    for (int j = 60; j < 100; j++) ctx.Gradients[j] += 1f;
                    if (ctx.Thread == ctx.Threads - 1)
                    {
                        if (owned >= 0) ctx.SharedGradients[owned] = float.NaN;
                        ctx.Gradients[pooled] = float.PositiveInfinity;
                    }
                    ctx.AddLoss(1f);
                }, input, 1, default, default, 1, 6, gradients, options));
                Assert.Equal(expected, error.Index);
                Assert.Equal(before, parameters);
                Assert.All(gradients, g => Assert.Equal(0f, g));
            }
        });
    }

    [Fact]
    public void Pooled_shares_cover_all_but_the_owned_tensors_once_in_even_parts()
    {
        // The optimizer step's shares on several threads: every parameter outside the owned tensors in exactly one share,
        // in order, and each share's size within 16 elements of an even part (an owned tensor counts for nobody here:
        // its rows are split by the owners).
        var random = new System.Random(5);
        for (int trial = 0; trial < 300; trial++)
        {
            int length = random.Next(1, 5000);
            var owned = new List<OwnedParameterRows>();
            int at = 0;
            while (random.Next(3) > 0)
            {
                int offset = at + random.Next(0, 300), rows = random.Next(1, 20), rowLength = random.Next(1, 60);
                if (offset + rows * rowLength > length) break;
                owned.Add(new OwnedParameterRows(offset, rows, rowLength));
                at = offset + rows * rowLength;
            }
            var isOwned = new bool[length];
            foreach (OwnedParameterRows o in owned)
                for (int j = o.Offset; j < o.Offset + o.Rows * o.RowLength; j++) isOwned[j] = true;
            int pooled = isOwned.Count(x => !x);
            foreach (int threads in new[] { 1, 2, 3, 4 })
            {
                var seen = new int[length];
                var sizes = new int[threads];
                int last = -1;
                for (int t = 0; t < threads; t++)
                {
                    var share = new StepRunner.PooledShare(owned.ToArray(), length, t, threads);
                    while (share.Next(out int a, out int b))
                    {
                        Assert.True(a >= last && a < b && b <= length, $"trial {trial}, {threads} threads: [{a}, {b}) after {last}");
                        last = b;
                        for (int j = a; j < b; j++) seen[j]++;
                        sizes[t] += b - a;
                    }
                }
                for (int j = 0; j < length; j++) Assert.True(seen[j] == (isOwned[j] ? 0 : 1), $"trial {trial}, {threads} threads: parameter {j} in {seen[j]} shares");
                Assert.True(sizes.All(size => Math.Abs(size - (double)pooled / threads) < 16),
                    $"trial {trial}, {threads} threads: shares {string.Join(", ", sizes)} of {pooled}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_non_finite_gradient_names_its_parameter_and_nothing_is_stepped(int threads)
    {
        await WithinLimit(() =>
        {
            float[] parameters = Enumerable.Range(0, 100).Select(i => 0.5f * i).ToArray();
            float[] before = (float[])parameters.Clone();
            ParameterInfo[] table = [new("a.weight", "a", 0, [10, 6]), new("a.bias", "a", 60, [10]), new("b.weight", "b", 70, [3, 10])];
            var adam = new Adam(0.01f);
            var options = new StepOptions(parameters, table) { Optimizer = adam, CheckFinite = true, Epoch = 2, Batch = 5 };
            var gradients = new float[100];
            using var runner = new StepRunner(threads);
            var input = new float[6];
            var error = Assert.Throws<NonFiniteException>(() => runner.Train((in StepContext ctx) =>
            {
                for (int j = 0; j < ctx.Gradients.Length; j++) ctx.Gradients[j] += 1f;
                if (ctx.Thread == ctx.Threads - 1) ctx.Gradients[93] = float.NaN;   // b.weight[2, 3]
                ctx.AddLoss(1f);
            }, input, 1, default, default, 1, 6, gradients, options));
            Assert.Equal("b.weight", error.Parameter);
            Assert.Equal("b", error.Layer);
            Assert.Equal(93, error.Index);
            Assert.Equal(2, error.Epoch);
            Assert.Contains("at epoch 2, batch 5", error.Message);
            Assert.Contains("gradient is in layer 'b', b.weight[2, 3] = NaN", error.Message);
            Assert.Equal(before, parameters);
            Assert.All(gradients, g => Assert.Equal(0f, g));
            Assert.Equal(0, adam.StepCount);
        });
    }

    [Theory]
    [InlineData(1, "sgd-momentum", 23, true)]
    [InlineData(2, "sgd-momentum", 23, true)]
    [InlineData(3, "sgd-momentum", 23, true)]
    [InlineData(2, "sgd-momentum", 23, false)]   // no check: the optimizer's step opens right after the bodies
    [InlineData(3, "adagrad", 2, false)]          // an empty slice
    [InlineData(3, "adadelta", 2, true)]
    [InlineData(2, "adam-amsgrad-wd-maximize", 23, true)]
    [InlineData(3, "rprop", 23, true)]
    [InlineData(2, "nadam", 23, true)]        // per-tensor scalars advanced once, then ranges
    [InlineData(3, "asgd", 23, true)]
    [InlineData(3, "sparse-adam", 23, false)] // not ranged: steps after the dispatch
    public async Task The_fused_end_of_step_is_bitwise_the_unfused_sequence(int threads, string optimizer, int batch, bool check)
    {
        await WithinLimit(() =>
        {
            // Per-slice gradients; owned weight gradients; owned weights updated by rows on their owners (OwnedParameters).
            foreach ((bool owned, bool rows) in new[] { (false, false), (true, false), (true, true) })
            {
                var (input, labels) = Batch(batch, 6, 4, 11);
                using var fused = new SlicedMlp(6, 9, 4, threads, owned, rows);
                using var plain = new SlicedMlp(6, 9, 4, threads, owned);
                fused.Initialize(3);
                plain.Initialize(3);
                Optimizer a = Compiled.Runtime.Tests.Optimizers.OptimizerCatalog.Create(optimizer), b = Optimizers.OptimizerCatalog.Create(optimizer);
                a.SetGroups(fused.ParameterTable, new ParameterGroupRule("*.bias") { LearningRate = 0.003f });
                b.SetGroups(plain.ParameterTable, new ParameterGroupRule("*.bias") { LearningRate = 0.003f });
                var options = new StepOptions(fused.Parameters, fused.ParameterTable) { Optimizer = a, CheckFinite = check };
                for (int step = 0; step < 5; step++)
                {
                    float lossFused = fused.TrainStep(input, labels, batch, options);
                    float lossPlain = plain.TrainStep(input, labels, batch);
                    Assert.True(FiniteCheck.IndexOfNonFinite(plain.Gradients) < 0);
                    b.StepAndZeroGradients(plain.Parameters, plain.Gradients);
                    Assert.Equal(lossPlain, lossFused);
                    Assert.Equal(plain.Parameters, fused.Parameters);
                    Assert.All(fused.Gradients, g => Assert.Equal(0f, g));
                }
                foreach (string state in b.StateNames) Assert.Equal(b.StateBuffer(state), a.StateBuffer(state));
            }
        });
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Owned_weight_gradients_match_per_slice_ones_and_repeat_bitwise(int threads)
    {
        await WithinLimit(() =>
        {
            var (input, labels) = Batch(29, 7, 5, 2);
            using var owned = new SlicedMlp(7, 10, 5, threads, ownedWeights: true);
            using var sliced = new SlicedMlp(7, 10, 5, 1, ownedWeights: false);
            owned.Initialize(9);
            sliced.Initialize(9);
            owned.TrainStep(input, labels, 29);
            sliced.TrainStep(input, labels, 29);
            for (int j = 0; j < owned.Gradients.Length; j++)
                Assert.True(Math.Abs(owned.Gradients[j] - sliced.Gradients[j]) <= 1e-5f + 1e-4f * Math.Abs(sliced.Gradients[j]), $"gradient {j}: {owned.Gradients[j]} vs {sliced.Gradients[j]}");
            float[] first = (float[])owned.Gradients.Clone();
            for (int repeat = 0; repeat < 3; repeat++)
            {
                owned.ZeroGradients();
                owned.TrainStep(input, labels, 29);
                Assert.Equal(first, owned.Gradients);
            }
        });
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public async Task With_every_gradient_owned_nothing_is_reduced_and_the_step_still_completes(int threads, bool step)
    {
        await WithinLimit(() =>
        {
            const int parameters = 301;
            using var runner = new StepRunner(threads) { SlicedGradients = [] };
            float[] p = Enumerable.Range(0, parameters).Select(i => 0.1f * i).ToArray();
            var sgd = new Sgd(0.5f);
            StepOptions? options = step ? new StepOptions(p, [new ParameterInfo("w", "w", 0, [parameters])]) { Optimizer = sgd } : null;
            var gradients = new float[parameters];
            var input = new float[5];
            runner.Train((in StepContext ctx) =>
            {
                (int start, int count) = ctx.OwnedRange(parameters);
                for (int j = start; j < start + count; j++) ctx.SharedGradients[j] += j;
            }, input, 1, default, default, 1, 5, gradients, options);
            for (int j = 0; j < parameters; j++)
            {
                if (step) Assert.Equal(0.1f * j - 0.5f * j, p[j], 5);
                else Assert.Equal(j, gradients[j]);
            }
        });
    }

    [Fact]
    public void Inference_can_chunk_in_private_scratch_without_growing_the_batch_wide_workspace()
    {
        using var runner = new StepRunner(2);
        runner.Reserve(100, 10, 8, 0, intScratch: 4);
        runner.ReserveInference(0, 0);
        var input = new float[1000];
        var output = new float[1000];
        runner.Infer((in StepContext ctx) =>
        {
            Span<float> chunk = ctx.Scratch(4, 4);
            Span<int> ints = ctx.IntScratch(0, 4);
            for (int first = 0; first < ctx.Count; first += 4)
            {
                int n = Math.Min(4, ctx.Count - first);
                for (int i = 0; i < n; i++)
                {
                    chunk[i] = ctx.Input[first + i] + 1f;
                    ints[i] = ctx.Thread;
                }
                for (int i = 0; i < n; i++) ctx.Output[first + i] = chunk[i] + 10 * ints[i];
            }
        }, input, 1, output, 1, 1000);
        for (int s = 0; s < 1000; s++) Assert.Equal(s < 500 ? 1f : 11f, output[s]);
        // The batch-wide workspace was not grown for inference...
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Infer((in StepContext ctx) => ctx.Workspace(0, 1), input, 1, output, 1, 1000));
        // ...but is for training, to batch × 100 floats.
        runner.Train((in StepContext ctx) => ctx.Workspace(0, 400).Fill(1f), input, 1, default, default, 1, 4, new float[3]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task An_inference_failure_is_rethrown_and_the_next_inference_works(int threads)
    {
        await WithinLimit(() =>
        {
            using var runner = new StepRunner(threads);
            var input = new float[7];
            var output = new float[7];
            var error = Assert.Throws<InvalidOperationException>(() => runner.Infer((in StepContext ctx) =>
            {
                ctx.Barrier();
                if (ctx.Thread == ctx.Threads - 1) throw new InvalidOperationException("inference failed");
                ctx.Barrier();
            }, input, 1, output, 1, 7));
            Assert.Equal("inference failed", error.Message);
            runner.Infer((in StepContext ctx) =>
            {
                ctx.Barrier();
                for (int i = 0; i < ctx.Count; i++) ctx.Output[i] = ctx.Start + i;
            }, input, 1, output, 1, 7);
            Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f, 6f], output);
        });
    }

    [Fact]
    public void A_body_that_calls_its_own_runner_again_fails_clearly()
    {
        using var runner = new StepRunner(2);
        var input = new float[4];
        var output = new float[4];
        StepRunner inner = runner;
        var error = Assert.Throws<InvalidOperationException>(() => runner.Infer((in StepContext ctx) =>
        {
            if (ctx.Thread == 0) inner.Infer((in StepContext _) => { }, new float[1], 1, new float[1], 1, 1);
        }, input, 1, output, 1, 4));
        Assert.Contains("already running", error.Message);
        runner.Infer((in StepContext _) => { }, input, 1, output, 1, 4);   // still usable
    }

    [Fact]
    public void A_disposed_runner_throws_ObjectDisposedException()
    {
        var runner = new StepRunner(2);
        runner.Dispose();
        runner.Dispose();   // twice is fine
        Assert.Throws<ObjectDisposedException>(() => runner.Infer((in StepContext _) => { }, new float[1], 1, new float[1], 1, 1));
        Assert.Throws<ObjectDisposedException>(() => runner.Train((in StepContext _) => { }, new float[1], 1, default, default, 1, 1, new float[1]));
        Assert.Throws<ObjectDisposedException>(() => runner.Threads = 3);
        var batchRunner = new BatchRunner(2);
        batchRunner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => batchRunner.Infer((in BatchChunk _, NetworkWorkspace _) => 0f, new float[1], 1, new float[1], 1, 1, 1));
        var net = new SlicedMlp(2, 2, 2, 2, true);
        ((IDisposable)net).Dispose();
        Assert.Throws<ObjectDisposedException>(() => net.TrainStep(new float[2], [0], 1));
    }

    [Fact]
    public void Sliced_gradient_ranges_must_be_ordered_and_disjoint()
    {
        using var runner = new StepRunner(1);
        Assert.Throws<ArgumentException>(() => runner.SlicedGradients = [new ParameterRange(10, 5), new ParameterRange(12, 3)]);
        Assert.Throws<ArgumentException>(() => runner.SlicedGradients = [new ParameterRange(-1, 5)]);
        runner.SlicedGradients = [new ParameterRange(0, 5), new ParameterRange(5, 3)];
        Assert.Equal([new ParameterRange(0, 5), new ParameterRange(5, 3)], runner.SlicedGradients);
    }

    [Fact]
    public void Owned_parameters_must_be_ordered_disjoint_and_left_out_of_the_sliced_ranges()
    {
        using var runner = new StepRunner(2);
        Assert.Throws<ArgumentException>(() => runner.OwnedParameters = [new OwnedParameterRows(0, 4, 3)]);   // every gradient sliced
        runner.SlicedGradients = [new ParameterRange(12, 4)];
        Assert.Throws<ArgumentException>(() => runner.OwnedParameters = [new OwnedParameterRows(0, 4, 4)]);   // [0, 16) meets [12, 16)
        Assert.Throws<ArgumentException>(() => runner.OwnedParameters = [new OwnedParameterRows(0, 0, 4)]);
        Assert.Throws<ArgumentException>(() => runner.OwnedParameters = [new OwnedParameterRows(-1, 1, 1)]);
        Assert.Throws<ArgumentException>(() => runner.OwnedParameters = [new OwnedParameterRows(6, 2, 3), new OwnedParameterRows(0, 2, 3)]);
        runner.OwnedParameters = [new OwnedParameterRows(0, 2, 3), new OwnedParameterRows(6, 2, 3), new OwnedParameterRows(16, 5, 1)];
        Assert.Equal(3, runner.OwnedParameters!.Count);
        Assert.Throws<ArgumentException>(() => runner.SlicedGradients = [new ParameterRange(4, 4)]);   // now the sliced range meets them
        Assert.Throws<ArgumentException>(() => runner.Train((in StepContext _) => { }, new float[1], 1, default, default, 1, 1, new float[20]));   // they end at 21
        runner.OwnedParameters = null;
        Assert.Null(runner.OwnedParameters);
    }

    [Fact]
    public void A_fused_step_after_warm_up_allocates_nothing_on_the_caller()
    {
        var (input, labels) = Batch(16, 6, 4, 5);
        using var net = new SlicedMlp(6, 8, 4, 2, ownedWeights: true);
        net.Initialize(1);
        var options = new StepOptions(net.Parameters, net.ParameterTable) { Optimizer = new Sgd(0.01f, 0.9f), CheckFinite = true };
        net.TrainStep(input, labels, 16, options);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) net.TrainStep(input, labels, 16, options);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    internal static (float[] Input, int[] Labels) Batch(int batch, int features, int classes, ulong seed)
    {
        var random = new SeededRandom(seed);
        float[] input = Enumerable.Range(0, batch * features).Select(_ => random.NextGaussian()).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.NextInt(classes)).ToArray();
        return (input, labels);
    }
}
