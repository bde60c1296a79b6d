using System;
using System.ComponentModel;
using System.Numerics;
using System.Threading;
using Compiled.Kernels;
using Compiled.Threading;

namespace Compiled.Networks;

/// <summary>
/// Splits a batch over a <see cref="WorkerGroup"/> for generated networks: thread <c>t</c> takes samples
/// <c>[t*B/T, (t+1)*B/T)</c>, processes them in chunks of at most the network's chunk size with its own
/// <see cref="NetworkWorkspace"/>. Inference over a batch large enough is cut instead into units of one chunk at most
/// (<see cref="InferenceUnits"/>, about two a thread) that the threads take in turn, so a thread on a busier core or one
/// woken late does less of the batch; a sample's outputs do not depend on which thread ran its unit. In training thread 0
/// adds its gradients straight into the network's, every other thread into its own buffer; once all slices are done the
/// buffers are added into the network's gradients in thread order (each thread one range of the parameters), so results
/// are deterministic for a fixed thread count. A batch of one sample runs on the calling thread, and in inference the other threads split its large kernel calls
/// (<see cref="IntraOpTeam"/>: convolutions by output channels, dense layers by output features).
/// </summary>
/// <remarks>
/// The caller's spans are pinned for the duration of a call and handed to the workers as pointers, which is why
/// generated code needs neither <c>unsafe</c> nor closures. Not reentrant (a network is not thread-safe); allocates
/// nothing per call once the workspaces have grown to the largest chunk.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class BatchRunner : IDisposable
{
    // Below this many parameters, adding the per-thread gradients on the calling thread (after the workers are done) beats
    // splitting the sum over the threads behind a barrier.
    private const int ParallelReduceThreshold = 1 << 15;

    private readonly Action<int> _runThread;
    private WorkerGroup _group;
    private IntraOpTeam _team;
    private bool _disposed;
    private NetworkWorkspace[] _workspaces;
    private float[] _losses;
    private bool[] _worked;

    // State of the call in progress (valid only inside Infer/Train).
    private BatchBody? _body;
    private float* _input;
    private int* _labels;
    private float* _targets;
    private float* _output;
    private int _labelCount;
    private int _targetCount;
    private int _outputCount;
    private int _inputLength;
    private int _outputLength;
    private int _batch;
    private int _chunkSamples;
    private float[]? _gradients;
    private long _weightStamp;
    private bool _everyWeightFixed;
    // Training with several busy threads and many parameters: each thread, once all have finished their slices, adds its
    // range of the other threads' buffers into the destination (one dispatch per step instead of two).
    private bool _reduceInside;
    private int _finished;
    // Inference over several threads: the batch is cut into _units units (0 in training: fixed slices); thread t runs unit
    // t, then the threads take the others in turn (_nextUnit), so a thread on a slower core, or one that starts late, takes fewer.
    private int _units;
    private int _nextUnit;

    /// <param name="threads">Threads to split batches over; 0 or negative means all cores.</param>
    public BatchRunner(int threads)
    {
        _runThread = RunThread;
        _group = new WorkerGroup(threads);
        _team = new IntraOpTeam(_group);
        _workspaces = CreateWorkspaces(Array.Empty<NetworkWorkspace>(), _group.Threads);
        _losses = new float[_group.Threads];
        _worked = new bool[_group.Threads];
    }

    /// <summary>Threads a batch is split over. Setting it (0 or negative: all cores) recreates the worker group.</summary>
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
            _team = new IntraOpTeam(_group);
            _workspaces = CreateWorkspaces(_workspaces, threads);
            _losses = new float[threads];
            _worked = new bool[threads];
            old.Dispose();
        }
    }

    /// <summary>
    /// <paramref name="weights"/>' <see cref="InferenceWeights.Refresh(ReadOnlySpan{float}, ReadOnlySpan{float}, WorkerGroup)"/>
    /// on this runner's threads (idle between calls): whether the weights inference derives things from changed.
    /// </summary>
    public bool RefreshWeights(InferenceWeights weights, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(weights);
        return weights.Refresh(parameters, state, _group);
    }

    /// <summary>Runs <paramref name="body"/> over the batch for inference; each chunk writes its own rows of <paramref name="output"/>.</summary>
    public void Infer(BatchBody body, ReadOnlySpan<float> input, int inputLength, Span<float> output, int outputLength, int batch, int chunkSamples)
        => Infer(body, input, inputLength, output, outputLength, batch, chunkSamples, 0);

    /// <summary>
    /// <see cref="Infer(BatchBody, ReadOnlySpan{float}, int, Span{float}, int, int, int)"/> with every chunk (and every
    /// part of a split kernel call) run under <paramref name="weightStamp"/> (<see cref="InferenceWeights.Stamp"/>; 0: none),
    /// so convolutions reuse their packed filters without comparing the weights again.
    /// </summary>
    public void Infer(BatchBody body, ReadOnlySpan<float> input, int inputLength, Span<float> output, int outputLength, int batch, int chunkSamples,
        long weightStamp)
        => Infer(body, input, inputLength, output, outputLength, batch, chunkSamples, weightStamp, everyWeightFixed: false);

    /// <summary>
    /// <see cref="Infer(BatchBody, ReadOnlySpan{float}, int, Span{float}, int, int, int, long)"/>; with
    /// <paramref name="everyWeightFixed"/> (a sealed <see cref="InferenceWeights"/>: an inference session's network) the
    /// stamp covers every weight, so dense layers keep their weights packed too (<see cref="PackedWeightCache.TrustsEveryWeight"/>).
    /// </summary>
    public void Infer(BatchBody body, ReadOnlySpan<float> input, int inputLength, Span<float> output, int outputLength, int batch, int chunkSamples,
        long weightStamp, bool everyWeightFixed)
    {
        fixed (float* pInput = input)
        fixed (float* pOutput = output)
        {
            Begin(body, pInput, inputLength, null, 0, null, 0, pOutput, output.Length, outputLength, batch, chunkSamples, null);
            _weightStamp = weightStamp;
            _everyWeightFixed = everyWeightFixed && weightStamp != 0;
            _units = InferenceUnits(batch, chunkSamples, _group.Threads);
            _nextUnit = _group.Threads;
            try
            {
                Dispatch();
            }
            finally
            {
                End();
            }
        }
    }

    /// <summary>
    /// Runs a training <paramref name="body"/> over the batch (labels or targets, the other empty): thread 0 adds into
    /// <paramref name="gradients"/> directly, every other working thread zeroes its own buffer and runs its chunks into it,
    /// then those buffers are added into <paramref name="gradients"/> in thread order.
    /// Returns the sum of the chunks' loss sums, in thread order. If a chunk throws, the first exception is rethrown once
    /// every thread has stopped, with <paramref name="gradients"/> zeroed.
    /// </summary>
    public float Train(BatchBody body, ReadOnlySpan<float> input, int inputLength, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets,
        int outputLength, int batch, int chunkSamples, float[] gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        fixed (float* pInput = input)
        fixed (int* pLabels = labels)
        fixed (float* pTargets = targets)
        {
            Begin(body, pInput, inputLength, pLabels, labels.Length, pTargets, targets.Length, null, 0, outputLength, batch, chunkSamples, gradients);
            try
            {
                _reduceInside = gradients.Length >= ParallelReduceThreshold && BusyThreads(out _) > 1;
                try
                {
                    Dispatch();
                }
                catch
                {
                    // The documented state after a failed step (ITrainableNetwork.Gradients): all zero.
                    Array.Clear(gradients);
                    throw;
                }
                float loss = 0f;
                for (int t = 0; t < _losses.Length; t++)
                {
                    if (_worked[t]) loss += _losses[t];
                }
                if (!_reduceInside) ReduceRange(-1);
                return loss;
            }
            finally
            {
                End();
            }
        }
    }

    /// <summary>Stops and joins the worker threads; every later call throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _group.Dispose();
    }

    private void Begin(BatchBody body, float* input, int inputLength, int* labels, int labelCount, float* targets, int targetCount,
        float* output, int outputCount, int outputLength, int batch, int chunkSamples, float[]? gradients)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSamples, 1);
        _body = body;
        _input = input;
        _inputLength = inputLength;
        _labels = labels;
        _labelCount = labelCount;
        _targets = targets;
        _targetCount = targetCount;
        _output = output;
        _outputCount = outputCount;
        _outputLength = outputLength;
        _batch = batch;
        _chunkSamples = chunkSamples;
        _gradients = gradients;
        Array.Clear(_losses);
        Array.Clear(_worked);
        _finished = 0;
        _reduceInside = false;
        _units = 0;
    }

    // Units per thread an inference batch is cut into: enough that a slower thread's share can shrink, few enough that each
    // keeps the kernels' work per call. Two, not four: a batch of 64 on two threads runs units of 16 samples, not 8, so a
    // dense layer's weights are read half as often and its GEMM fills the 256-bit kernel's 16 columns (the NativeAOT bench
    // runner on a Zen 1 machine, alternating processes, batch 64 on two threads: the MLP 1.09x (10 pairs), LeNet-5 1.02x
    // (6), VGG 1.02x (10); the ResNet's units are its chunks of 9 either way).
    private const int UnitsPerThread = 2;
    private const int MinimumUnit = 4;

    /// <summary>
    /// Units an inference batch is cut into over <paramref name="threads"/> (0: fixed slices, one a thread): about
    /// <c>UnitsPerThread</c> (two) a thread, none above a chunk, none below <c>MinimumUnit</c> samples unless all are equal, and
    /// more units than threads. Unit u holds samples [<see cref="UnitStart"/>(u), <see cref="UnitStart"/>(u + 1)), the
    /// larger units first, so the unit each thread runs first is as large as any it takes later: its workspace grows in the
    /// first call and never after.
    /// </summary>
    internal static int InferenceUnits(int batch, int chunkSamples, int threads)
    {
        if (threads < 2) return 0;
        int units = Math.Max(Math.Min(threads * UnitsPerThread, batch / MinimumUnit), (batch + chunkSamples - 1) / chunkSamples);
        if (units <= threads) return 0;
        if (batch / units < MinimumUnit && batch % units != 0) return 0;
        return units;
    }

    /// <summary>The first sample of unit <paramref name="unit"/> of <see cref="InferenceUnits"/> (<paramref name="units"/> of them).</summary>
    internal static int UnitStart(int unit, int batch, int units)
        => unit * (batch / units) + Math.Min(unit, batch % units);

    private void End()
    {
        _body = null;
        _input = null;
        _labels = null;
        _targets = null;
        _output = null;
        _gradients = null;
        _weightStamp = 0;
        _everyWeightFixed = false;
    }

    // Runs every thread's slice; when only one slice is non-empty (a batch of one) it runs inline with that thread's
    // workspace (no wake-up), and in inference the idle threads split its large kernel calls (IntraOpTeam).
    private void Dispatch()
    {
        if (BusyThreads(out int only) == 1)
        {
            using IntraOpTeam.Scope team = IntraOpTeam.Open(_gradients is null && _group.Threads > 1 ? _team : null);
            RunThread(only);
        }
        else _group.Run(_runThread);
    }

    // Threads whose slice of the batch is not empty; only: the last of them.
    private int BusyThreads(out int only)
    {
        int threads = _group.Threads;
        int busy = 0;
        only = 0;
        if (_units > 0) return threads;
        for (int t = 0; t < threads; t++)
        {
            if (SliceStart(t + 1, threads) > SliceStart(t, threads))
            {
                busy++;
                only = t;
            }
        }
        return busy;
    }

    private int SliceStart(int thread, int threads) => (int)((long)thread * _batch / threads);

    private void RunThread(int thread)
    {
        if (!_reduceInside)
        {
            RunSlice(thread);
            return;
        }
        try
        {
            RunSlice(thread);
        }
        finally
        {
            Interlocked.Increment(ref _finished);
        }
        // Every thread of the group arrives (empty slices too); then each adds its range of the buffers.
        var spinner = new SpinWait();
        while (Volatile.Read(ref _finished) < _group.Threads) spinner.SpinOnce(sleep1Threshold: -1);
        ReduceRange(thread);
    }

    private void RunSlice(int thread)
    {
        if (_units > 0)
        {
            RunUnits(thread);
            return;
        }
        int threads = _group.Threads;
        int start = SliceStart(thread, threads);
        int end = SliceStart(thread + 1, threads);
        if (end <= start) return;

        NetworkWorkspace workspace = _workspaces[thread];
        if (_gradients is not null)
        {
            // The first busy thread (thread 0) adds straight into the destination; the others into their own zeroed
            // buffers, added to the destination afterwards in thread order.
            if (start == 0) workspace.UseGradients(_gradients);
            else workspace.ClearGradients(_gradients.Length);
        }
        BatchBody body = _body!;
        float loss = 0f;
        using PackedWeightCache.TrustScope trust = PackedWeightCache.Trust(_weightStamp, _everyWeightFixed);
        try
        {
            for (int first = start; first < end; first += _chunkSamples)
            {
                int count = Math.Min(_chunkSamples, end - first);
                var chunk = new BatchChunk(
                    Rows(_input, first, count, _inputLength, (long)_batch * _inputLength),
                    Rows(_labels, first, count, 1, _labelCount),
                    Rows(_targets, first, count, _outputLength, _targetCount),
                    RowsMutable(_output, first, count, _outputLength, _outputCount),
                    first, count, _batch);
                loss += body(in chunk, workspace);
            }
        }
        finally
        {
            workspace.UseGradients(null);
        }
        _losses[thread] = loss;
        _worked[thread] = true;
    }

    // Inference: unit `thread`, then units as they come until none is left (each one chunk, as every unit fits one).
    private void RunUnits(int thread)
    {
        NetworkWorkspace workspace = _workspaces[thread];
        BatchBody body = _body!;
        using PackedWeightCache.TrustScope trust = PackedWeightCache.Trust(_weightStamp, _everyWeightFixed);
        for (int unit = thread; unit < _units; unit = Interlocked.Increment(ref _nextUnit) - 1)
        {
            int first = UnitStart(unit, _batch, _units), count = UnitStart(unit + 1, _batch, _units) - first;
            var chunk = new BatchChunk(
                Rows(_input, first, count, _inputLength, (long)_batch * _inputLength), default, default,
                RowsMutable(_output, first, count, _outputLength, _outputCount), first, count, _batch);
            body(in chunk, workspace);
        }
        _worked[thread] = true;
    }

    // Rows [first, first + count) of a pinned [batch, rowLength] buffer; empty when that buffer was not supplied.
    private static ReadOnlySpan<T> Rows<T>(T* start, int first, int count, int rowLength, long available) where T : unmanaged
        => available == 0 ? default : new ReadOnlySpan<T>(start + (long)first * rowLength, count * rowLength);

    private static Span<T> RowsMutable<T>(T* start, int first, int count, int rowLength, long available) where T : unmanaged
        => available == 0 ? default : new Span<T>(start + (long)first * rowLength, count * rowLength);

    // Adds the working threads' gradients into the destination, thread by thread in order, over one range of parameters
    // (index -1: all of them on the calling thread).
    private void ReduceRange(int index)
    {
        float[] destination = _gradients!;
        int length = destination.Length;
        int threads = _group.Threads;
        int from = index < 0 ? 0 : (int)((long)index * length / threads);
        int to = index < 0 ? length : (int)((long)(index + 1) * length / threads);
        for (int t = 0; t < threads; t++)
        {
            // Thread 0's slice (t = 0 starts the batch) was added straight into the destination.
            if (!_worked[t] || SliceStart(t, threads) == 0) continue;
            Add(destination.AsSpan(from, to - from), _workspaces[t].GradientBuffer.AsSpan(from, to - from));
        }
    }

    // destination += source
    private static void Add(Span<float> destination, ReadOnlySpan<float> source)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= destination.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var sum = new Vector<float>(destination.Slice(i)) + new Vector<float>(source.Slice(i));
                sum.CopyTo(destination.Slice(i));
            }
        }
        for (; i < destination.Length; i++) destination[i] += source[i];
    }

    private static NetworkWorkspace[] CreateWorkspaces(NetworkWorkspace[] existing, int threads)
    {
        var workspaces = new NetworkWorkspace[threads];
        for (int t = 0; t < threads; t++) workspaces[t] = t < existing.Length ? existing[t] : new NetworkWorkspace();
        return workspaces;
    }
}
