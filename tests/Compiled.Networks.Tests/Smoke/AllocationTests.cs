using System;
using System.Threading;
using Compiled.Threading;

namespace Compiled.Networks.Tests.Smoke;

/// <summary>
/// Once a batch size has been seen, steps allocate nothing: workspaces grow on demand, the worker threads are
/// persistent and the batch runner pins spans instead of capturing them. Counted per thread (the process-wide count
/// includes the test runner's own allocations): on the calling thread for the network, inside the worker for the group.
/// </summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Network_steps_after_warm_up_allocate_nothing_on_the_calling_thread(int threads)
    {
        const int batch = 8;
        var network = new SmokeLeNet5(threads);
        network.Initialize(1);
        float[] input = SmokeData.Inputs(batch * SmokeLeNet5.InputLength, seed: 20);
        int[] labels = SmokeData.Labels(batch, 10, seed: 21);
        var output = new float[batch * SmokeLeNet5.OutputLength];
        for (int i = 0; i < 2; i++)
        {
            network.TrainStep(input, labels, batch);
            network.Predict(input, output, batch);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            network.TrainStep(input, labels, batch);
            network.Forward(input, output, batch);
            network.Predict(input, output, batch);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Worker_group_runs_allocate_nothing_on_either_side()
    {
        using var group = new WorkerGroup(2);
        var workerCounts = new long[40];
        int run = 0;
        Action<int> body = i =>
        {
            if (i == 1) workerCounts[run] = GC.GetAllocatedBytesForCurrentThread();
        };
        for (; run < 10; run++) group.Run(body);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (; run < workerCounts.Length; run++) group.Run(body);
        long callerAllocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, callerAllocated);
        Assert.Equal(workerCounts[10], workerCounts[^1]); // the worker's own count did not move between runs
    }
}
