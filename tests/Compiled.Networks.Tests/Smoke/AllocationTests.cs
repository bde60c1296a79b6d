using System;
using System.Reflection;
using System.Threading;
using Compiled.Threading;

namespace Compiled.Networks.Tests.Smoke;

/// <summary>
/// Once a batch size has been seen, steps allocate nothing, on the calling thread or on the workers: workspaces grow on
/// demand, the worker threads are persistent and the batch runner pins spans instead of capturing them.
/// </summary>
/// <remarks>
/// Counted per thread: the process-wide count (<see cref="GC.GetTotalAllocatedBytes(bool)"/>) also sees the test host,
/// which allocates a few hundred bytes now and then in the background (measured: 168-2,400 bytes per 20 rounds of steps
/// even with one thread, i.e. with no worker at all), so it cannot assert zero. Instead the test reads each thread's own
/// counter: it finds the network's <see cref="BatchRunner"/> and its <see cref="WorkerGroup"/> (by type, through
/// reflection) and runs a probe on every index of that group before and after the steps; the workers are persistent
/// threads, one per index, so the difference is exactly what each worker allocated in between.
/// </remarks>
public sealed class AllocationTests
{
    private const int Rounds = 20;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Network_steps_after_warm_up_allocate_nothing_on_any_thread(int threads)
    {
        const int batch = 8, smaller = 5, larger = 48;   // inference over 48 samples is cut into units the threads take in turn
        var network = new SmokeLeNet5(threads);
        network.Initialize(1);
        float[] input = SmokeData.Inputs(larger * SmokeLeNet5.InputLength, seed: 20);
        var largerOutput = new float[larger * SmokeLeNet5.OutputLength];
        int[] labels = SmokeData.Labels(batch, 10, seed: 21);
        float[] targets = new float[batch * SmokeLeNet5.OutputLength];
        for (int n = 0; n < batch; n++) targets[n * SmokeLeNet5.OutputLength + labels[n]] = 1f;
        var output = new float[batch * SmokeLeNet5.OutputLength];
        void RunSteps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                network.TrainStep(input.AsSpan(0, batch * SmokeLeNet5.InputLength), labels, batch);
                network.TrainStep(input.AsSpan(0, batch * SmokeLeNet5.InputLength), targets, batch);
                network.TrainStep(input.AsSpan(0, smaller * SmokeLeNet5.InputLength), labels.AsSpan(0, smaller), smaller);
                network.ZeroGradients();
                network.Forward(input.AsSpan(0, batch * SmokeLeNet5.InputLength), output, batch);
                network.Predict(input.AsSpan(0, batch * SmokeLeNet5.InputLength), output, batch);
                network.Predict(input, largerOutput, larger);
                _ = network.LastOutputs;
            }
        }
        RunSteps(3);
        AssertStepsAllocateNothing(network, threads, () => RunSteps(Rounds), "TrainStep (labels, targets, a smaller batch), Forward and Predict (and Predict over 48 samples)");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Other_layer_kinds_allocate_nothing_after_warm_up(int threads)
    {
        // Strided 'same' convolution, LeakyReLU, average pooling, a 1×1 convolution without bias, ELU and MSE.
        const int batch = 7;
        var network = new TinyConvRegressor(threads);
        network.Initialize(2);
        float[] input = SmokeData.Inputs(batch * TinyConvRegressor.InputLength, seed: 30);
        float[] targets = SmokeData.Inputs(batch * TinyConvRegressor.OutputLength, seed: 31);
        var output = new float[batch * TinyConvRegressor.OutputLength];
        void RunSteps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                network.TrainStep(input, targets, batch);
                network.Forward(input, output, batch);
                network.Predict(input, output, batch);
            }
        }
        RunSteps(3);
        AssertStepsAllocateNothing(network, threads, () => RunSteps(Rounds), "TrainStep, Forward and Predict of TinyConvRegressor");
    }

    private static void AssertStepsAllocateNothing(object network, int threads, Action steps, string what)
    {
        WorkerGroup group = GroupOf(network);
        Assert.Equal(threads, group.Threads);
        var before = new long[threads];
        var after = new long[threads];
        long[] target = before;
        Action<int> probe = i => target[i] = GC.GetAllocatedBytesForCurrentThread();
        group.Run(probe);      // warm the probe itself up
        group.Run(probe);
        steps();
        target = after;
        group.Run(probe);

        var allocated = new long[threads];
        for (int i = 0; i < threads; i++) allocated[i] = after[i] - before[i];
        Assert.True(Array.TrueForAll(allocated, a => a == 0),
            $"{Rounds} rounds of {what} with {threads} thread(s) allocated [{string.Join(", ", allocated)}] bytes on threads [caller, workers...].");

        // The probe does see what a worker allocates, so the zeros above are not vacuous.
        var check = new long[threads];
        target = check;
        group.Run(static i => s_sink = new byte[64 * (i + 1)]);
        group.Run(probe);
        for (int i = 0; i < threads; i++)
            Assert.True(check[i] - after[i] >= 64, $"The probe missed an allocation of thread {i}: {check[i] - after[i]} bytes.");
    }

    private static object? s_sink;

    /// <summary>The network's batch runner's worker group, found by field type so a renamed field does not hide it.</summary>
    private static WorkerGroup GroupOf(object network)
    {
        object runner = FieldOfType(network, typeof(BatchRunner));
        return (WorkerGroup)FieldOfType(runner, typeof(WorkerGroup));
    }

    private static object FieldOfType(object owner, Type type)
    {
        foreach (FieldInfo field in owner.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
        {
            if (field.FieldType == type) return field.GetValue(owner) ?? throw new InvalidOperationException($"{owner.GetType().Name}.{field.Name} is null.");
        }
        throw new InvalidOperationException($"{owner.GetType().Name} has no field of type {type.Name}: update this test to reach the worker threads.");
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
