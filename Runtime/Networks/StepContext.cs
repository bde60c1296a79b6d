using System;
using System.ComponentModel;

namespace Compiled.Networks;

/// <summary>
/// One thread's view of a step that <see cref="StepRunner"/> runs: its slice of the batch (samples
/// <c>[Start, Start + Count)</c>, possibly empty), the batch-wide workspace all threads share, its private scratch, its
/// gradient buffer and the barrier that separates the phases of the schedule.
/// </summary>
/// <remarks>
/// <para>
/// A body runs the network as phases: every thread does layer L on its own rows, then layer L + 1, with
/// <see cref="Barrier"/> only where a phase reads what other threads wrote (batch norm's statistics, a weight gradient
/// computed over the whole batch). Every thread runs the body, also with an empty slice (<c>Count == 0</c>, when the
/// batch is smaller than <see cref="Threads"/>), so that every thread reaches every barrier; kernels are called with
/// <c>n = 0</c> then.
/// </para>
/// <para>
/// The workspace is one buffer for the whole batch: a layer of <c>len</c> floats per sample at per-sample offset
/// <c>o</c> is <c>Workspace(o * Batch, Batch * len)</c>, and this thread's rows of it are
/// <c>Workspace(o * Batch + Start * len, Count * len)</c>.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct StepContext
{
    private readonly StepRunner _runner;
    private readonly Span<float> _gradients;
    private readonly Span<float> _sharedGradients;

    internal StepContext(StepRunner runner, int thread, int threads, int start, int count, int batch,
        ReadOnlySpan<float> input, ReadOnlySpan<float> batchInput, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, Span<float> output,
        Span<float> gradients, Span<float> sharedGradients)
    {
        _runner = runner;
        Thread = thread;
        Threads = threads;
        Start = start;
        Count = count;
        Batch = batch;
        Input = input;
        BatchInput = batchInput;
        Labels = labels;
        Targets = targets;
        Output = output;
        _gradients = gradients;
        _sharedGradients = sharedGradients;
    }

    /// <summary>This thread's index, 0 ≤ Thread &lt; <see cref="Threads"/>.</summary>
    public int Thread { get; }
    /// <summary>Threads running the step (every one runs the body).</summary>
    public int Threads { get; }
    /// <summary>Index of this thread's first sample in the batch: <c>Thread * Batch / Threads</c>.</summary>
    public int Start { get; }
    /// <summary>Samples in this thread's slice; 0 when the batch has fewer samples than threads.</summary>
    public int Count { get; }
    /// <summary>Samples in the whole batch (losses scale their gradients by it).</summary>
    public int Batch { get; }
    /// <summary>This slice's inputs, <c>[Count, InputLength]</c>.</summary>
    public ReadOnlySpan<float> Input { get; }
    /// <summary>The whole batch's inputs, <c>[Batch, InputLength]</c> (a first layer's weight gradient over the whole batch reads them).</summary>
    public ReadOnlySpan<float> BatchInput { get; }
    /// <summary>This slice's class labels, <c>[Count]</c>; empty in inference and with float targets.</summary>
    public ReadOnlySpan<int> Labels { get; }
    /// <summary>This slice's float targets, <c>[Count, OutputLength]</c>; empty in inference and with class labels.</summary>
    public ReadOnlySpan<float> Targets { get; }
    /// <summary>
    /// This slice's output rows, <c>[Count, OutputLength]</c>: the caller's output in inference; in training the runner's
    /// buffer of the last step's raw outputs (<see cref="StepRunner.LastOutputs"/>).
    /// </summary>
    public Span<float> Output { get; }

    /// <summary>
    /// Parameter gradients this thread accumulates (<c>+=</c>) over its slice: thread 0 gets the destination itself, every
    /// other thread its own buffer (same layout, zero at the start of the step), added into the destination in thread
    /// order after the body. Empty in inference.
    /// </summary>
    public Span<float> Gradients => _gradients;

    /// <summary>
    /// The destination gradients themselves (the network's), for ranges this thread owns: a weight gradient computed over
    /// the whole batch after a barrier, each thread its <see cref="OwnedRange"/> of output features, needs no per-thread
    /// copy. Only ranges left out of <see cref="StepRunner.SlicedGradients"/> may be written here. Empty in inference.
    /// </summary>
    public Span<float> SharedGradients => _sharedGradients;

    /// <summary>This thread's share <c>[Start, Start + Count)</c> of <c>[0, total)</c> (e.g. output features): <c>Thread * total / Threads</c> onwards.</summary>
    public (int Start, int Count) OwnedRange(int total)
    {
        if (total < 0) throw new ArgumentOutOfRangeException(nameof(total), total, "total must be >= 0.");
        int start = (int)((long)Thread * total / Threads);
        int end = (int)((long)(Thread + 1) * total / Threads);
        return (start, end - start);
    }

    /// <summary>
    /// Thread <paramref name="thread"/>'s slice of the batch, <c>[Start, Start + Count)</c> (the same split as this thread's
    /// <see cref="Start"/> and <see cref="Count"/>): after a <see cref="Barrier"/>, where another thread's rows of a region sit
    /// in the workspace (a weight gradient over the whole batch reads every thread's rows, in thread order).
    /// </summary>
    public (int Start, int Count) Slice(int thread)
    {
        if ((uint)thread >= (uint)Threads) throw new ArgumentOutOfRangeException(nameof(thread), thread, $"thread must be in [0, {Threads}).");
        int start = (int)((long)thread * Batch / Threads);
        int end = (int)((long)(thread + 1) * Batch / Threads);
        return (start, end - start);
    }

    /// <summary>Every thread's slice size, in thread order (<c>[Threads]</c>): what merging per-slice statistics weighs them by.</summary>
    public ReadOnlySpan<int> SliceSizes => _runner.SliceSizes;

    /// <summary>Floats <c>[offset, offset + length)</c> of the batch-wide workspace every thread shares (see the remarks).</summary>
    public Span<float> Workspace(int offset, int length) => _runner.WorkspaceSlice(offset, length);

    /// <summary>Integers <c>[offset, offset + length)</c> of the batch-wide integer workspace (max-pool arg-max indices).</summary>
    public Span<int> IntWorkspace(int offset, int length) => _runner.IntWorkspaceSlice(offset, length);

    /// <summary>The first <paramref name="length"/> floats of this thread's private scratch (im2col columns).</summary>
    public Span<float> Scratch(int length) => _runner.ScratchSlice(Thread, 0, length);

    /// <summary>Floats <c>[offset, offset + length)</c> of this thread's private scratch (e.g. an inference chunk's activations).</summary>
    public Span<float> Scratch(int offset, int length) => _runner.ScratchSlice(Thread, offset, length);

    /// <summary>Integers <c>[offset, offset + length)</c> of this thread's private integer scratch (Reserve's <c>intScratch</c>).</summary>
    public Span<int> IntScratch(int offset, int length) => _runner.IntScratchSlice(Thread, offset, length);

    /// <summary>
    /// Thread <paramref name="thread"/>'s slot of <paramref name="length"/> floats in part <paramref name="part"/> of the
    /// cross-thread partial sums: each thread writes its own, and after a <see cref="Barrier"/> any thread reads all of
    /// them (<see cref="AllPartials"/>). A part is <c>[Threads, length]</c>, thread after thread, as the merge kernels take
    /// per-slice values (batch norm: the slices' means in part 0, their M2 in part 1).
    /// </summary>
    public Span<float> Partials(int thread, int length, int part = 0) => _runner.PartialSlice(thread, length, part);

    /// <summary>Part <paramref name="part"/> of the partial sums, every thread's slot of <paramref name="length"/> floats in thread order: <c>[Threads, length]</c>.</summary>
    public Span<float> AllPartials(int length, int part = 0) => _runner.AllPartials(length, part);

    /// <summary>
    /// Waits until every thread has arrived. If another thread failed, throws instead (so no thread waits forever);
    /// the runner then rethrows the failure on the caller.
    /// </summary>
    public void Barrier() => _runner.Barrier();

    /// <summary>Adds a loss sum to this thread's total; the step's loss is the threads' totals added in thread order.</summary>
    public void AddLoss(float sum) => _runner.AddLoss(Thread, sum);
}

/// <summary>The work of one step on one thread (see <see cref="StepContext"/>); generated networks keep one per operation.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void StepBody(in StepContext context);
