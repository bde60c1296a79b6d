using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using Compiled.Optimizers;
using Compiled.Threading;
using Compiled.Training;

namespace Compiled.Networks;

/// <summary>
/// Runs a network's step layer by layer on a <see cref="WorkerGroup"/>: every thread runs the same <see cref="StepBody"/> on
/// its slice of the batch (thread t: samples <c>[t*B/T, (t+1)*B/T)</c>), with barriers only where a phase needs what other
/// threads wrote. In training, once the bodies are done and still in the same dispatch, each thread adds one range of the
/// other threads' gradient buffers into the destination in thread order, and optionally (<see cref="StepOptions"/>) checks
/// that range for NaN/Inf, lets the optimizer update it and zeroes it.
/// </summary>
/// <remarks>
/// <para>
/// Deterministic for a fixed thread count: slices, reductions and loss sums follow thread order, never timing.
/// Memory: one batch-wide workspace and integer workspace every thread shares (threads index their rows), per-thread
/// scratch, per-thread slots for cross-thread partial sums, and per-thread gradient buffers for threads 1..T−1 (only the
/// <see cref="SlicedGradients"/> ranges are used, reduced and re-zeroed). Buffers only grow: after the largest batch a step
/// allocates nothing.
/// </para>
/// <para>
/// Faults: an exception on any thread (a kernel's argument check, a failed finite check, out of memory) makes every
/// <see cref="StepContext.Barrier"/> throw instead of waiting, so every thread stops; once all have stopped, the exception
/// of the lowest-numbered thread that failed is rethrown on the caller. The parameters are unchanged (the optimizer runs only after every check passed), the gradients
/// are zeroed, and the runner is ready for the next call.
/// </para>
/// <para>
/// The caller's spans are pinned for the duration of a call and handed to the threads as pointers, which is why generated
/// code needs neither <c>unsafe</c> nor closures. Not reentrant: a network is not thread-safe.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class StepRunner : IDisposable
{
    // Per-thread slots of losses and finite-check results are this many elements apart: one 64-byte cache line.
    private const int Pad = 16;

    private readonly Action<int> _runThread;
    private WorkerGroup _group;
    private bool _disposed;
    private int _running;

    // Sizes declared by Reserve and the buffers they grow.
    private int _workspacePerSample, _intsPerSample, _scratchFloats, _intScratch, _partialFloats;
    private int _inferenceWorkspacePerSample = -1, _inferenceIntsPerSample = -1;   // -1: as in training
    private float[] _workspace = [];
    private int[] _intWorkspace = [];
    private float[][] _scratch = [];
    private int[][] _intScratches = [];
    private float[] _partials = [];
    private float[][] _threadGradients = [];
    private bool _threadGradientsDirty;
    private float[] _outputs = [];
    private int _lastOutputCount;
    private int[]? _sliced;   // (offset, length) pairs, sorted; null: every parameter
    private OwnedParameterRows[]? _owned;   // sorted; null: none

    // Per-thread results of the call in progress.
    private float[] _losses = [];
    private int[] _bad = [];
    private Exception?[] _errors = [];
    private int[] _sliceSizes = [];

    // The barrier: arrivals of the current generation; a fault breaks it.
    private int _arrived;
    private int _generation;
    private int _faulted;

    // State of the call in progress (valid only inside Infer/Train).
    private StepBody? _body;
    private float* _input;
    private int* _labels;
    private float* _targets;
    private float* _output;
    private int _inputCount, _labelCount, _targetCount, _outputCount;
    private int _inputLength, _outputLength, _batch;
    private float[]? _gradients;
    private StepOptions? _options;
    private bool _ranged;
    private bool _begun;

    /// <param name="threads">Threads to split batches over; 0 or negative means all cores.</param>
    public StepRunner(int threads)
    {
        _runThread = RunThread;
        _group = new WorkerGroup(threads);
        Resize(_group.Threads);
    }

    /// <summary>Threads a batch is split over. Setting it (0 or negative: all cores) recreates the worker group.</summary>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public int Threads
    {
        get => _group.Threads;
        set
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int threads = value > 0 ? value : Environment.ProcessorCount;
            if (threads == _group.Threads) return;
            WorkerGroup old = _group;
            _group = new WorkerGroup(threads);
            Resize(threads);
            old.Dispose();
        }
    }

    /// <summary>
    /// Parameter ranges that threads accumulate over their own slices (<see cref="StepContext.Gradients"/>) and that are
    /// therefore reduced after the body; null (the default) means every parameter. Ranges left out are written once per
    /// element, straight into <see cref="StepContext.SharedGradients"/>, by the thread that owns them
    /// (<see cref="StepContext.OwnedRange"/>): no per-thread copy, no reduction.
    /// </summary>
    /// <exception cref="ArgumentException">Ranges overlap, are out of order, or have a negative offset or length.</exception>
    public IReadOnlyList<ParameterRange>? SlicedGradients
    {
        get
        {
            if (_sliced is null) return null;
            var ranges = new ParameterRange[_sliced.Length / 2];
            for (int i = 0; i < ranges.Length; i++) ranges[i] = new ParameterRange(_sliced[2 * i], _sliced[2 * i + 1]);
            return ranges;
        }
        set
        {
            if (value is null)
            {
                _sliced = null;
                return;
            }
            var pairs = new int[value.Count * 2];
            long end = 0;
            for (int i = 0; i < value.Count; i++)
            {
                ParameterRange r = value[i];
                if (r.Offset < 0 || r.Length < 0)
                    throw new ArgumentException($"Sliced gradient range {i} is [{r.Offset}, {(long)r.Offset + r.Length}): offsets and lengths must be >= 0.", nameof(value));
                if (r.Offset < end)
                    throw new ArgumentException($"Sliced gradient range {i} starts at {r.Offset}, inside or before the previous one (which ends at {end}): give them in order, without overlaps.", nameof(value));
                end = (long)r.Offset + r.Length;
                pairs[2 * i] = r.Offset;
                pairs[2 * i + 1] = r.Length;
            }
            CheckOwnedAgainstSliced(_owned, pairs);
            _sliced = pairs;
        }
    }

    /// <summary>
    /// Parameter tensors whose rows only their owner thread reads and writes in a step (<see cref="OwnedParameterRows"/>);
    /// null or empty (the default): none. On two or more threads the optimizer step updates each thread's rows of these on
    /// that thread, with plain stores, so they stay in its cache for the next step; every other parameter is split in even
    /// shares, and there the new values are streamed to memory (every thread's cache holds them). Same bits either way.
    /// </summary>
    /// <exception cref="ArgumentException">Tensors overlap, are out of order, are empty or have a negative offset, or overlap a <see cref="SlicedGradients"/> range.</exception>
    public IReadOnlyList<OwnedParameterRows>? OwnedParameters
    {
        get => _owned;
        set
        {
            if (value is null || value.Count == 0)
            {
                _owned = null;
                return;
            }
            var owned = new OwnedParameterRows[value.Count];
            long end = 0;
            for (int i = 0; i < owned.Length; i++)
            {
                OwnedParameterRows r = value[i];
                if (r.Offset < 0 || r.Rows <= 0 || r.RowLength <= 0)
                    throw new ArgumentException($"Owned parameter {i} has offset {r.Offset}, {r.Rows} rows of {r.RowLength}: the offset must be >= 0, rows and their length > 0.", nameof(value));
                if (r.Offset < end)
                    throw new ArgumentException($"Owned parameter {i} starts at {r.Offset}, inside or before the previous one (which ends at {end}): give them in order, without overlaps.", nameof(value));
                end = r.Offset + (long)r.Rows * r.RowLength;
                if (end > int.MaxValue) throw new ArgumentException($"Owned parameter {i} ends past int.MaxValue.", nameof(value));
                owned[i] = r;
            }
            CheckOwnedAgainstSliced(owned, _sliced);
            _owned = owned;
        }
    }

    // A sliced range is reduced by whichever thread's share holds it, right before that thread's update; an owned tensor is
    // updated by rows on other threads, so the two must not meet.
    private static void CheckOwnedAgainstSliced(OwnedParameterRows[]? owned, int[]? sliced)
    {
        if (owned is null) return;
        foreach (OwnedParameterRows o in owned)
        {
            long end = o.Offset + (long)o.Rows * o.RowLength;
            if (sliced is null)
                throw new ArgumentException("Owned parameters need SlicedGradients that leave them out (null SlicedGradients reduces every parameter).", nameof(OwnedParameters));
            for (int i = 0; i < sliced.Length; i += 2)
            {
                if (sliced[i] < end && o.Offset < (long)sliced[i] + sliced[i + 1])
                    throw new ArgumentException($"Owned parameter at {o.Offset} ({o.Rows} × {o.RowLength}) overlaps the sliced gradient range [{sliced[i]}, {(long)sliced[i] + sliced[i + 1]}).", nameof(OwnedParameters));
            }
        }
    }

    /// <summary>The raw outputs <c>[batch, outputLength]</c> the last <see cref="Train"/> wrote through <see cref="StepContext.Output"/>.</summary>
    public ReadOnlySpan<float> LastOutputs => new(_outputs, 0, _lastOutputCount);

    /// <summary>
    /// Declares the memory a body uses: workspace floats and integers per sample (the batch-wide workspaces hold
    /// <c>batch</c> times as many), private scratch floats per thread, floats per thread for cross-thread partial sums, and
    /// private scratch integers per thread. Grows (never shrinks) the sizes; the buffers grow at the next call, to its batch.
    /// </summary>
    public void Reserve(int workspaceFloatsPerSample, int intsPerSample, int scratchFloats, int partialFloats, int intScratch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workspaceFloatsPerSample);
        ArgumentOutOfRangeException.ThrowIfNegative(intsPerSample);
        ArgumentOutOfRangeException.ThrowIfNegative(scratchFloats);
        ArgumentOutOfRangeException.ThrowIfNegative(partialFloats);
        ArgumentOutOfRangeException.ThrowIfNegative(intScratch);
        _workspacePerSample = Math.Max(_workspacePerSample, workspaceFloatsPerSample);
        _intsPerSample = Math.Max(_intsPerSample, intsPerSample);
        _scratchFloats = Math.Max(_scratchFloats, scratchFloats);
        _partialFloats = Math.Max(_partialFloats, partialFloats);
        _intScratch = Math.Max(_intScratch, intScratch);
    }

    /// <summary>
    /// Declares what <see cref="Infer"/> needs of the batch-wide workspaces per sample when that is less than training's
    /// (<see cref="Reserve"/>): e.g. 0 for an inference body that processes its slice in chunks inside its private
    /// <see cref="StepContext.Scratch(int, int)"/>, so a large inference batch does not grow them. Without this call
    /// inference grows them as training does.
    /// </summary>
    public void ReserveInference(int workspaceFloatsPerSample, int intsPerSample)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workspaceFloatsPerSample);
        ArgumentOutOfRangeException.ThrowIfNegative(intsPerSample);
        _inferenceWorkspacePerSample = Math.Max(_inferenceWorkspacePerSample, workspaceFloatsPerSample);
        _inferenceIntsPerSample = Math.Max(_inferenceIntsPerSample, intsPerSample);
    }

    /// <summary>Runs <paramref name="body"/> on every thread for inference; each thread writes its rows of <paramref name="output"/>.</summary>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public void Infer(StepBody body, ReadOnlySpan<float> input, int inputLength, Span<float> output, int outputLength, int batch)
    {
        Enter();
        try
        {
            CheckCall(body, input.Length, inputLength, outputLength, batch);
            if (output.Length < (long)batch * outputLength)
                throw new ArgumentException($"output has {output.Length} floats; expected batch × outputLength = {batch} × {outputLength}.", nameof(output));
            fixed (float* pInput = input)
            fixed (float* pOutput = output)
            {
                Begin(body, pInput, input.Length, inputLength, null, 0, null, 0, pOutput, output.Length, outputLength, batch, null, null);
                try
                {
                    Dispatch();
                    ThrowIfFaulted();
                }
                finally
                {
                    End();
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Runs a training <paramref name="body"/> on every thread (labels or targets, the other empty), adds the threads'
    /// gradients into <paramref name="gradients"/> (<c>+=</c>, in thread order) and, with <paramref name="options"/>, checks
    /// them and steps the optimizer, which zeroes them. Returns the sum of the threads' loss sums, in thread order.
    /// </summary>
    /// <exception cref="NonFiniteException">The finite check failed; the parameters are unchanged and the gradients zeroed.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public float Train(StepBody body, ReadOnlySpan<float> input, int inputLength, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets,
        int outputLength, int batch, float[] gradients, StepOptions? options = null)
    {
        Enter();
        try
        {
            ArgumentNullException.ThrowIfNull(gradients);
            CheckCall(body, input.Length, inputLength, outputLength, batch);
            if (!labels.IsEmpty && labels.Length != batch)
                throw new ArgumentException($"labels has {labels.Length} elements; expected one per sample: batch = {batch}.", nameof(labels));
            if (!targets.IsEmpty && targets.Length != (long)batch * outputLength)
                throw new ArgumentException($"targets has {targets.Length} floats; expected batch × outputLength = {batch} × {outputLength}.", nameof(targets));
            if (options is not null && options.Parameters.Length != gradients.Length)
                throw new ArgumentException($"The options' parameters have {options.Parameters.Length} floats but the gradients {gradients.Length}; they must be the same network's.", nameof(options));
            if (_owned is not null && _owned[^1].Offset + (long)_owned[^1].Rows * _owned[^1].RowLength > gradients.Length)
                throw new ArgumentException($"The owned parameters end past the {gradients.Length} gradients.", nameof(gradients));

            int outputs = batch * outputLength;
            if (_outputs.Length < outputs) _outputs = new float[outputs];
            _lastOutputCount = outputs;
            for (int t = 1; t < _threadGradients.Length; t++)
            {
                if (_threadGradients[t].Length != gradients.Length) _threadGradients[t] = new float[gradients.Length];
            }
            fixed (float* pInput = input)
            fixed (int* pLabels = labels)
            fixed (float* pTargets = targets)
            fixed (float* pOutput = _outputs)
            {
                Begin(body, pInput, input.Length, inputLength, pLabels, labels.Length, pTargets, targets.Length, pOutput, outputs, outputLength, batch, gradients, options);
                try
                {
                    _ranged = options?.Optimizer is { SupportsRangedStep: true };
                    Dispatch();
                    if (Volatile.Read(ref _faulted) != 0)
                    {
                        if (_begun) options!.Optimizer!.EndRangedStep();
                        Array.Clear(gradients);
                        _threadGradientsDirty = true;
                        ThrowIfFaulted();
                    }
                    _threadGradientsDirty = false;
                    float loss = SumLosses();
                    if (_ranged) options!.Optimizer!.EndRangedStep();
                    else options?.Optimizer?.StepAndZeroGradients(options.Parameters, gradients);
                    return loss;
                }
                finally
                {
                    End();
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Stops and joins the worker threads; every later call throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _group.Dispose();
    }

    // ---- What StepContext reaches ----

    internal ReadOnlySpan<int> SliceSizes => _sliceSizes;

    internal Span<float> WorkspaceSlice(int offset, int length) => _workspace.AsSpan(offset, length);

    internal Span<int> IntWorkspaceSlice(int offset, int length) => _intWorkspace.AsSpan(offset, length);

    internal Span<float> ScratchSlice(int thread, int offset, int length) => _scratch[thread].AsSpan(offset, length);

    internal Span<int> IntScratchSlice(int thread, int offset, int length) => _intScratches[thread].AsSpan(offset, length);

    // The partial-sum area is [parts][Threads][length] for the length a phase uses; partialFloats per thread bounds parts × length.
    internal Span<float> PartialSlice(int thread, int length, int part)
    {
        int threads = _group.Threads;
        if ((uint)thread >= (uint)threads)
            throw new ArgumentOutOfRangeException(nameof(thread), thread, $"thread must be in [0, {threads}).");
        CheckPartial(length, part);
        return _partials.AsSpan((part * threads + thread) * length, length);
    }

    internal Span<float> AllPartials(int length, int part)
    {
        CheckPartial(length, part);
        int threads = _group.Threads;
        return _partials.AsSpan(part * threads * length, threads * length);
    }

    private void CheckPartial(int length, int part)
    {
        if (length < 0 || part < 0 || (long)(part + 1) * length > _partialFloats)
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"Part {part} of {length} floats per thread does not fit: Reserve's partialFloats is {_partialFloats} per thread (parts × length).");
    }

    internal void AddLoss(int thread, float sum) => _losses[thread * Pad] += sum;

    internal void Barrier() => Barrier(BarrierAction.None);

    // What the last thread to arrive at a barrier does before it lets the others go: the one-thread work between two
    // parallel phases, without a second barrier.
    private enum BarrierAction
    {
        None,
        BeginOptimizerStep,
        DecideEndOfStep,
    }

    private void Barrier(BarrierAction action)
    {
        int threads = _group.Threads;
        if (Volatile.Read(ref _faulted) != 0) throw new BarrierBrokenException();
        if (threads == 1)
        {
            Act(action);
            return;
        }
        int generation = Volatile.Read(ref _generation);
        if (Interlocked.Increment(ref _arrived) == threads)
        {
            // If the action throws, the generation never opens: the waiting threads see the fault and stop.
            Act(action);
            // The last to arrive opens the next generation; nobody can arrive at the next barrier before seeing it.
            _arrived = 0;
            Volatile.Write(ref _generation, generation + 1);
            return;
        }
        var spinner = new SpinWait();
        while (Volatile.Read(ref _generation) == generation)
        {
            if (Volatile.Read(ref _faulted) != 0) throw new BarrierBrokenException();
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    // ---- The call ----

    private void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _running, 1) != 0)
            throw new InvalidOperationException("StepRunner is already running a step: a network is not reentrant and not for concurrent callers.");
    }

    private void Exit() => Volatile.Write(ref _running, 0);

    private static void CheckCall(StepBody body, int inputCount, int inputLength, int outputLength, int batch)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        ArgumentOutOfRangeException.ThrowIfNegative(outputLength);
        if (inputCount < (long)batch * inputLength)
            throw new ArgumentException($"input has {inputCount} floats; expected batch × inputLength = {batch} × {inputLength}.", "input");
    }

    private void Begin(StepBody body, float* input, int inputCount, int inputLength, int* labels, int labelCount, float* targets, int targetCount,
        float* output, int outputCount, int outputLength, int batch, float[]? gradients, StepOptions? options)
    {
        int threads = _group.Threads;
        bool inference = gradients is null;
        int workspace = inference && _inferenceWorkspacePerSample >= 0 ? _inferenceWorkspacePerSample : _workspacePerSample;
        int ints = inference && _inferenceIntsPerSample >= 0 ? _inferenceIntsPerSample : _intsPerSample;
        _workspace = Grow(_workspace, batch, workspace);
        _intWorkspace = Grow(_intWorkspace, batch, ints);
        for (int t = 0; t < threads; t++)
        {
            _scratch[t] = Grow(_scratch[t], 1, _scratchFloats);
            _intScratches[t] = Grow(_intScratches[t], 1, _intScratch);
        }
        _partials = Grow(_partials, threads, _partialFloats);

        _body = body;
        _input = input;
        _inputCount = inputCount;
        _inputLength = inputLength;
        _labels = labels;
        _labelCount = labelCount;
        _targets = targets;
        _targetCount = targetCount;
        _output = output;
        _outputCount = outputCount;
        _outputLength = outputLength;
        _batch = batch;
        for (int t = 0; t < threads; t++) _sliceSizes[t] = SliceStart(t + 1) - SliceStart(t);
        _gradients = gradients;
        _options = options;
        _ranged = false;
        _begun = false;
        Array.Clear(_losses);
        Array.Clear(_errors);
        _arrived = 0;
        _faulted = 0;
    }

    private void End()
    {
        _body = null;
        _input = null;
        _labels = null;
        _targets = null;
        _output = null;
        _gradients = null;
        _options = null;
    }

    private void Dispatch()
    {
        if (_group.Threads == 1) RunThread(0);
        else _group.Run(_runThread);
    }

    private void ThrowIfFaulted()
    {
        if (Volatile.Read(ref _faulted) == 0) return;
        foreach (Exception? error in _errors)
        {
            if (error is not null) ExceptionDispatchInfo.Capture(error).Throw();
        }
        throw new InvalidOperationException("A step failed on a worker thread without an exception.");
    }

    private float SumLosses()
    {
        float loss = 0f;
        for (int t = 0; t < _group.Threads; t++) loss += _losses[t * Pad];
        return loss;
    }

    private int SliceStart(int thread) => (int)((long)thread * _batch / _group.Threads);

    // Thread t's share of the parameters for the reduction, the check and the optimizer: boundaries on 16-float (cache-line)
    // multiples, so no two threads write the same line.
    private static int ShareStart(int thread, int threads, int length)
    {
        if (thread >= threads) return length;
        long start = (long)thread * length / threads;
        return (int)Math.Min(length, start & ~(long)(Pad - 1));
    }

    private void RunThread(int thread)
    {
        try
        {
            int threads = _group.Threads;
            int start = SliceStart(thread);
            int count = SliceStart(thread + 1) - start;
            if (_options?.Gather is { } gather)
            {
                // Each thread gathers its own rows; a body may read any row (a layer computed by output features), so all wait.
                gather.Gather(start, count);
                if (threads > 1) Barrier();
            }
            float[]? destination = _gradients;
            Span<float> gradients = default;
            if (destination is not null)
            {
                if (thread == 0)
                {
                    gradients = destination;
                }
                else
                {
                    float[] own = _threadGradients[thread];
                    if (_threadGradientsDirty) Array.Clear(own);
                    gradients = own;
                }
            }
            var context = new StepContext(this, thread, threads, start, count, _batch,
                Rows(_input, start, count, _inputLength, _inputCount),
                new ReadOnlySpan<float>(_input, _inputCount),
                Rows(_labels, start, count, 1, _labelCount),
                Rows(_targets, start, count, _outputLength, _targetCount),
                RowsMutable(_output, start, count, _outputLength, _outputCount),
                gradients, destination);
            _body!(in context);
            if (destination is null) return;

            StepOptions? options = _options;
            bool check = options is { CheckFinite: true };
            // Without a check, the optimizer's step opens as soon as every body is done (nothing can fail in between).
            BarrierAction afterBodies = _ranged && !check ? BarrierAction.BeginOptimizerStep : BarrierAction.None;
            if (threads == 1)
            {
                Barrier(afterBodies);
            }
            else if (_sliced is not { Length: 0 } || options is not null)
            {
                // (With nothing to reduce, every gradient written once by its owner, and no end of step, the threads are done.)
                Barrier(afterBodies);   // every body is done: the gradient buffers are complete
                ReduceRange(thread, destination);
            }
            if (options is null) return;

            // Each thread checks, then steps, what is complete once it has reduced it itself: its share of the pooled
            // gradients (all but the owned tensors) and its rows of each owned tensor.
            if (check)
            {
                _bad[thread * Pad] = threads == 1 ? FiniteCheck.IndexOfNonFinite(destination) : FirstNonFinite(destination, thread, threads);
                Barrier(BarrierAction.DecideEndOfStep);   // every range checked; the last to arrive throws or opens the step
            }
            if (!_ranged) return;
            if (threads == 1) options.Optimizer!.StepAndZeroGradients(options.Parameters, destination, 0, destination.Length);
            else StepShare(options.Optimizer!, options.Parameters, destination, thread, threads);
        }
        catch (BarrierBrokenException)
        {
            // Another thread failed first; its exception is the one rethrown.
        }
        catch (Exception e)
        {
            _errors[thread] = e;
            Volatile.Write(ref _faulted, 1);
        }
    }

    // The first index of a non-finite gradient among those StepShare updates on this thread; −1 if none.
    private int FirstNonFinite(float[] gradients, int thread, int threads)
    {
        int first = -1;
        var pooled = new PooledShare(_owned, gradients.Length, thread, threads);
        while (first < 0 && pooled.Next(out int a, out int b))
        {
            int bad = FiniteCheck.IndexOfNonFinite(gradients.AsSpan(a, b - a));
            if (bad >= 0) first = a + bad;
        }
        if (_owned is null) return first;
        foreach (OwnedParameterRows o in _owned)
        {
            (int start, int length) = OwnedRows(o, thread, threads);
            int bad = FiniteCheck.IndexOfNonFinite(gradients.AsSpan(start, length));
            if (bad >= 0 && (first < 0 || start + bad < first)) first = start + bad;
        }
        return first;
    }

    // Thread t's rows of an owned tensor, as a range of the parameter array: rows [t·R/T, (t+1)·R/T).
    private static (int Start, int Length) OwnedRows(OwnedParameterRows o, int thread, int threads)
    {
        int first = (int)((long)thread * o.Rows / threads), end = (int)((long)(thread + 1) * o.Rows / threads);
        return (o.Offset + first * o.RowLength, (end - first) * o.RowLength);
    }

    // The optimizer step of one thread among several: its share of the pooled parameters (all but the owned tensors),
    // streamed (every thread read those parameters in the step, so each holds them in its cache: see StreamingStore), then
    // its rows of each owned tensor, with plain stores (only this thread reads them, so they stay in its cache for the next
    // step). Both parts are even, so every thread updates as many parameters.
    private void StepShare(Optimizer optimizer, float[] parameters, float[] gradients, int thread, int threads)
    {
        var pooled = new PooledShare(_owned, gradients.Length, thread, threads);
        while (pooled.Next(out int a, out int b)) optimizer.StepAndZeroGradients(parameters, gradients, a, b - a, streamParameters: true);
        if (_owned is null) return;
        foreach (OwnedParameterRows o in _owned)
        {
            (int start, int length) = OwnedRows(o, thread, threads);
            if (length > 0) optimizer.StepAndZeroGradients(parameters, gradients, start, length, streamParameters: false);
        }
    }

    private void BeginOptimizerStep()
    {
        StepOptions options = _options!;
        options.Optimizer!.BeginRangedStep(options.Parameters.Length, _gradients!.Length);
        _begun = true;
    }

    private void Act(BarrierAction action)
    {
        if (action == BarrierAction.BeginOptimizerStep) BeginOptimizerStep();
        else if (action == BarrierAction.DecideEndOfStep) Decide(_gradients!);
    }

    // One thread, once every range is checked: throws on a non-finite loss or gradient, else opens the optimizer's ranged step.
    private void Decide(float[] gradients)
    {
        StepOptions options = _options!;
        float loss = SumLosses() / _batch;
        int bad = -1;   // the first non-finite gradient of the whole step, whichever thread checked it
        for (int t = 0; t < _group.Threads; t++)
        {
            int b = _bad[t * Pad];
            if (b >= 0 && (bad < 0 || b < bad)) bad = b;
        }
        if (bad >= 0 || !float.IsFinite(loss))
            throw FiniteCheck.Diverged(loss, options.Parameters, gradients, bad, options.ParameterTable, options.Epoch, options.Batch);
        if (_ranged) BeginOptimizerStep();
    }

    // Adds threads 1..T−1's buffers into the destination over the sliced ranges in this thread's pooled share (the share it
    // then steps), in thread order, and zeroes what it read (so the buffers start the next step at zero).
    private void ReduceRange(int thread, float[] destination)
    {
        var pooled = new PooledShare(_owned, destination.Length, thread, _group.Threads);
        while (pooled.Next(out int from, out int to))
        {
            if (_sliced is null)
            {
                ReduceInto(destination, from, to);
                continue;
            }
            for (int i = 0; i < _sliced.Length; i += 2)
            {
                int a = Math.Max(from, _sliced[i]), b = Math.Min(to, _sliced[i] + _sliced[i + 1]);
                if (a < b) ReduceInto(destination, a, b);
            }
        }
    }

    /// <summary>
    /// One thread's share of the pooled parameters: [0, length) but the owned tensors, cut into even parts by element
    /// count (at multiples of 16 pooled elements), walked as the intervals of the parameter array it covers, in order.
    /// With owned tensors, a share of the whole array would leave one thread the owned rows' share plus most of the rest.
    /// </summary>
    internal ref struct PooledShare
    {
        private readonly ReadOnlySpan<OwnedParameterRows> _owned;
        private readonly int _length, _from, _to;
        private int _gap, _pooledAt;

        public PooledShare(ReadOnlySpan<OwnedParameterRows> owned, int length, int thread, int threads)
        {
            _owned = owned;
            _length = length;
            long pooled = length;
            foreach (OwnedParameterRows o in owned) pooled -= (long)o.Rows * o.RowLength;
            _from = ShareStart(thread, threads, (int)pooled);
            _to = ShareStart(thread + 1, threads, (int)pooled);
        }

        /// <summary>The next interval [start, end) of the parameter array in this share; false after the last.</summary>
        public bool Next(out int start, out int end)
        {
            while (_gap <= _owned.Length && _pooledAt < _to)
            {
                // Gap g runs from the end of owned tensor g − 1 (or 0) to the start of owned tensor g (or the end).
                int gapStart = _gap == 0 ? 0 : _owned[_gap - 1].Offset + _owned[_gap - 1].Rows * _owned[_gap - 1].RowLength;
                int gapEnd = _gap < _owned.Length ? _owned[_gap].Offset : _length;
                int pooledStart = _pooledAt;
                _pooledAt += gapEnd - gapStart;
                _gap++;
                int a = Math.Max(_from, pooledStart), b = Math.Min(_to, _pooledAt);
                if (a >= b) continue;
                start = gapStart + (a - pooledStart);
                end = gapStart + (b - pooledStart);
                return true;
            }
            start = end = 0;
            return false;
        }
    }

    private void ReduceInto(float[] destination, int from, int to)
    {
        Span<float> d = destination.AsSpan(from, to - from);
        for (int t = 1; t < _threadGradients.Length; t++) AddAndClear(d, _threadGradients[t].AsSpan(from, to - from));
    }

    // destination += source; source = 0.
    private static void AddAndClear(Span<float> destination, Span<float> source)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float d = ref MemoryMarshal.GetReference(destination);
            ref float s = ref MemoryMarshal.GetReference(source);
            for (; i <= destination.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> sum = Vector256.LoadUnsafe(ref d, (nuint)i) + Vector256.LoadUnsafe(ref s, (nuint)i);
                sum.StoreUnsafe(ref d, (nuint)i);
                Vector256<float>.Zero.StoreUnsafe(ref s, (nuint)i);
            }
        }
        for (; i < destination.Length; i++)
        {
            destination[i] += source[i];
            source[i] = 0f;
        }
    }

    private void Resize(int threads)
    {
        var gradients = new float[threads][];
        var scratch = new float[threads][];
        var intScratches = new int[threads][];
        for (int t = 0; t < threads; t++)
        {
            gradients[t] = t > 0 && t < _threadGradients.Length ? _threadGradients[t] : [];
            scratch[t] = t < _scratch.Length ? _scratch[t] : [];
            intScratches[t] = t < _intScratches.Length ? _intScratches[t] : [];
        }
        _threadGradients = gradients;
        _scratch = scratch;
        _intScratches = intScratches;
        _losses = new float[threads * Pad];
        _bad = new int[threads * Pad];
        _errors = new Exception?[threads];
        _sliceSizes = new int[threads];
    }

    private static T[] Grow<T>(T[] buffer, int count, int perItem)
    {
        long needed = (long)count * perItem;
        if (needed > Array.MaxLength)
            throw new InvalidOperationException($"A workspace of {count} × {perItem} elements does not fit in one array; use a smaller batch.");
        return buffer.Length >= needed ? buffer : new T[needed];
    }

    // Rows [first, first + count) of a pinned [batch, rowLength] buffer; empty when that buffer was not supplied.
    private static ReadOnlySpan<T> Rows<T>(T* start, int first, int count, int rowLength, int available) where T : unmanaged
        => available == 0 ? default : new ReadOnlySpan<T>(start + (long)first * rowLength, count * rowLength);

    private static Span<T> RowsMutable<T>(T* start, int first, int count, int rowLength, int available) where T : unmanaged
        => available == 0 ? default : new Span<T>(start + (long)first * rowLength, count * rowLength);

    // Thrown by a barrier after another thread failed: ends this thread's body without being reported itself.
    private sealed class BarrierBrokenException : Exception
    {
        public BarrierBrokenException()
            : base("Another thread of the step failed.")
        {
        }
    }
}
