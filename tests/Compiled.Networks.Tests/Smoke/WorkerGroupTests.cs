using System;
using System.Collections.Generic;
using System.Threading;
using Compiled.Threading;

namespace Compiled.Networks.Tests.Smoke;

/// <summary>The persistent worker threads every generated network splits its batches over.</summary>
public sealed class WorkerGroupTests
{
    [Fact]
    public void Runs_every_index_once_with_index_0_on_the_caller()
    {
        using var group = new WorkerGroup(3);
        var counts = new int[3];
        var threadIds = new int[3];

        group.Run(i =>
        {
            Interlocked.Increment(ref counts[i]);
            threadIds[i] = Environment.CurrentManagedThreadId;
        });

        Assert.Equal(new[] { 1, 1, 1 }, counts);
        Assert.Equal(Environment.CurrentManagedThreadId, threadIds[0]);
        Assert.Equal(3, new HashSet<int>(threadIds).Count);
    }

    [Fact]
    public void Reuses_the_same_threads_across_runs()
    {
        using var group = new WorkerGroup(2);
        var seen = new HashSet<int>();
        for (int run = 0; run < 200; run++)
        {
            int id = 0;
            group.Run(i =>
            {
                if (i == 1) id = Environment.CurrentManagedThreadId;
            });
            seen.Add(id);
        }
        Assert.Single(seen);
    }

    [Fact]
    public void Wakes_workers_that_stopped_spinning_and_a_caller_that_blocked()
    {
        // Pauses longer than the 0.5 ms spin put the workers to sleep before a run (they must be woken) and the caller
        // to sleep before a slow worker finishes (it must be woken); short runs in between take the spinning hand-over.
        // A lost wake-up hangs a run, which the timeout turns into a failure.
        using var group = new WorkerGroup(3);
        var done = new ManualResetEventSlim();
        long total = 0;
        var runner = new Thread(() =>
        {
            for (int run = 0; run < 400; run++)
            {
                if (run % 40 == 0) Thread.Sleep(3);
                bool slowWorker = run % 40 == 20;
                group.Run(i =>
                {
                    if (slowWorker && i == 2) Thread.Sleep(3);
                    Interlocked.Add(ref total, i + 1);
                });
            }
            done.Set();
        }) { IsBackground = true };
        runner.Start();

        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), "a run never finished: a worker or the caller was not woken");
        Assert.Equal(400L * (1 + 2 + 3), Interlocked.Read(ref total));
    }

    [Fact]
    public void Hand_overs_around_the_end_of_the_spin_lose_no_wake_up()
    {
        // Forks and joins that come while the other side is between spinning and blocking (pauses of 0.3 to 0.8 ms, around
        // the 0.5 ms spin, before a run on the caller and inside a run on a worker) take the lock-free hand-over or the
        // blocking one depending on the interleaving; a lost wake-up hangs a run, which the timeout turns into a failure.
        using var group = new WorkerGroup(2);
        var done = new ManualResetEventSlim();
        long total = 0;
        var runner = new Thread(() =>
        {
            var random = new Random(5);
            for (int run = 0; run < 1500; run++)
            {
                double pause = 0.3 + 0.5 * random.NextDouble();
                bool workerPauses = run % 2 == 1;
                if (!workerPauses) BusyWait(pause);
                group.Run(i =>
                {
                    if (workerPauses && i == 1) BusyWait(pause);
                    Interlocked.Add(ref total, i + 1);
                });
            }
            done.Set();
        }) { IsBackground = true };
        runner.Start();

        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), "a run never finished: a worker or the caller was not woken");
        Assert.Equal(1500L * (1 + 2), Interlocked.Read(ref total));
    }

    private static void BusyWait(double milliseconds)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(milliseconds * System.Diagnostics.Stopwatch.Frequency / 1000);
        while (System.Diagnostics.Stopwatch.GetTimestamp() < end) Thread.SpinWait(10);
    }

    [Fact]
    public void Zero_or_negative_means_all_cores()
    {
        using var zero = new WorkerGroup(0);
        using var negative = new WorkerGroup(-4);
        Assert.Equal(Environment.ProcessorCount, zero.Threads);
        Assert.Equal(Environment.ProcessorCount, negative.Threads);
    }

    [Fact]
    public void Rethrows_the_exception_of_a_worker_and_stays_usable()
    {
        using var group = new WorkerGroup(2);
        var finished = new int[2];

        var error = Assert.Throws<InvalidOperationException>(() => group.Run(i =>
        {
            if (i == 1) throw new InvalidOperationException("worker failed");
            Thread.Sleep(20);
            finished[i] = 1; // the caller's index still completes before Run returns
        }));

        Assert.Equal("worker failed", error.Message);
        Assert.Equal(1, finished[0]);
        int sum = 0;
        group.Run(i => Interlocked.Add(ref sum, i + 1));
        Assert.Equal(3, sum);
    }

    [Fact]
    public void Rethrows_the_exception_of_the_caller_index()
    {
        using var group = new WorkerGroup(2);
        Assert.Throws<ArithmeticException>(() => group.Run(i =>
        {
            if (i == 0) throw new ArithmeticException();
        }));
    }

    [Fact]
    public void Is_not_reentrant_and_not_usable_after_dispose()
    {
        var group = new WorkerGroup(2);
        Assert.Throws<InvalidOperationException>(() => group.Run(i =>
        {
            if (i == 0) group.Run(_ => { });
        }));

        group.Dispose();
        Assert.Throws<ObjectDisposedException>(() => group.Run(_ => { }));
    }
}
