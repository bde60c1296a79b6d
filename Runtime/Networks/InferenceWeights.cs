using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Threading;
using Compiled.Kernels;
using Compiled.Threading;

namespace Compiled.Networks;

/// <summary>
/// Whether the weights inference derives things from (filters packed or transformed for a convolution, batch norms folded
/// into their convolutions) changed since the last <c>Forward</c> or <c>Predict</c>: one comparison per call of those
/// parameter and state ranges against a copy, instead of one per layer and chunk.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Refresh(ReadOnlySpan{float}, ReadOnlySpan{float})"/> compares the ranges bit for bit with the copy taken at the last change (the overload taking a <see cref="WorkerGroup"/> splits the comparison over its threads); when anything differs (or on
/// the first call) it copies them and takes a new <see cref="Stamp"/>, unique in the process. A generated network refolds
/// its batch norms only then, and runs its chunks under the stamp (<see cref="PackedWeightCache.Trust"/>): a convolution
/// whose weights, at the same address, were packed or checked under the same stamp uses that packing without comparing
/// the weights again.
/// </para>
/// <para>
/// That is sound only when the ranges cover every weight such a convolution reads and the arrays the weights are sliced
/// from never move: generated networks allocate <c>Parameters</c> and the folded weights pinned. Anything that writes
/// them (an optimizer, a load, a user's own write into <c>Parameters</c> or <c>StateBuffer</c>) is seen by the next call's
/// comparison, so results always follow the current parameters.
/// </para>
/// <para>
/// The comparison reads the watched floats and their copy on every call: on one sample of a small ResNet (~700 KB watched)
/// about a tenth of the call. An <see cref="InferenceSession"/> runs a copy of the network that nothing else can write, so it
/// seals it (<see cref="Seal"/>) and skips the comparison.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class InferenceWeights
{
    /// <summary>
    /// Fewest floats watched for <see cref="Refresh(ReadOnlySpan{float}, ReadOnlySpan{float}, WorkerGroup)"/> to split the
    /// comparison: a fork and join costs about a microsecond, a core compares this many floats (128 KiB) in a few.
    /// </summary>
    internal const int ParallelFloats = 1 << 15;

    private static long s_lastStamp;

    private readonly int[] _parameterRanges;
    private readonly int[] _stateRanges;
    private float[] _copy;
    private bool _sealed;
    private readonly Action<int> _compareShare;

    // State of a split comparison in progress: the pinned buffers, the thread count, and 1 when some share differed.
    private float* _parameters;
    private float* _state;
    private float* _kept;
    private int _shares;
    private int _differs;

    /// <param name="parameterRanges">Pairs (offset, length) into the parameters, in order and disjoint.</param>
    /// <param name="stateRanges">Pairs (offset, length) into the state buffer, in order and disjoint.</param>
    public InferenceWeights(int[] parameterRanges, int[] stateRanges)
    {
        ArgumentNullException.ThrowIfNull(parameterRanges);
        ArgumentNullException.ThrowIfNull(stateRanges);
        _parameterRanges = parameterRanges;
        _stateRanges = stateRanges;
        _copy = new float[Total(parameterRanges, nameof(parameterRanges)) + Total(stateRanges, nameof(stateRanges))];
        _compareShare = CompareShare;
    }

    /// <summary>The current weights' stamp: 0 before the first <see cref="Refresh(ReadOnlySpan{float}, ReadOnlySpan{float})"/>, then a new value at every change.</summary>
    public long Stamp { get; private set; }

    /// <summary>Whether <see cref="Seal"/> was called: the ranges are taken as unchanged once stamped.</summary>
    public bool IsSealed => _sealed;

    /// <summary>
    /// From now on the watched ranges are taken as unchanged once stamped: the next <see cref="Refresh(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    /// stamps them if nothing did yet, and every later one returns false without reading them (the copy is dropped). Only for
    /// parameters and state that nothing writes any more: an <see cref="InferenceSession"/>'s own copy of a network, which no
    /// one else can reach.
    /// </summary>
    public void Seal()
    {
        _sealed = true;
        if (Stamp != 0) _copy = [];
    }

    /// <summary>
    /// Compares the ranges of <paramref name="parameters"/> and <paramref name="state"/> with the copy; returns true (with a
    /// new <see cref="Stamp"/> and the copy updated) when they differ in any bit or on the first call, false when unchanged.
    /// </summary>
    public bool Refresh(ReadOnlySpan<float> parameters, ReadOnlySpan<float> state)
    {
        if (_sealed && Stamp != 0) return false;
        Span<float> copy = _copy;
        int used = 0;
        bool same = Stamp != 0;
        same = Compare(parameters, _parameterRanges, copy, ref used, same, nameof(parameters));
        same = Compare(state, _stateRanges, copy, ref used, same, nameof(state));
        if (same) return false;
        Stamp = Interlocked.Increment(ref s_lastStamp);
        if (_sealed) _copy = [];
        return true;
    }

    /// <summary>
    /// <see cref="Refresh(ReadOnlySpan{float}, ReadOnlySpan{float})"/> with the comparison split over the threads of
    /// <paramref name="group"/> (idle: called between batches), each comparing its share of the watched floats; a network
    /// called on one sample compares every weight per call, which on one thread costs as much as a small layer. Results are
    /// those of the one-thread overload: the same answer and stamps for the same changes.
    /// </summary>
    public bool Refresh(ReadOnlySpan<float> parameters, ReadOnlySpan<float> state, WorkerGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (Stamp == 0 || _sealed || group.Threads <= 1 || _copy.Length < ParallelFloats) return Refresh(parameters, state);
        CheckRanges(parameters, _parameterRanges, nameof(parameters));
        CheckRanges(state, _stateRanges, nameof(state));
        fixed (float* p = parameters)
        fixed (float* s = state)
        fixed (float* kept = _copy)
        {
            _parameters = p;
            _state = s;
            _kept = kept;
            _shares = group.Threads;
            _differs = 0;
            try
            {
                group.Run(_compareShare);
            }
            finally
            {
                _parameters = _state = _kept = null;
            }
        }
        if (_differs == 0) return false;
        int used = 0;
        Compare(parameters, _parameterRanges, _copy, ref used, same: false, nameof(parameters));
        Compare(state, _stateRanges, _copy, ref used, same: false, nameof(state));
        Stamp = Interlocked.Increment(ref s_lastStamp);
        return true;
    }

    // Share `part` of the watched floats, in the copy's order (the parameter ranges, then the state's): compared, and
    // _differs set when any bit differs.
    private void CompareShare(int part)
    {
        long total = _copy.Length;
        int start = (int)(part * total / _shares), end = (int)((part + 1) * total / _shares);
        int used = 0;
        bool same = CompareShare(_parameters, _parameterRanges, start, end, ref used) && CompareShare(_state, _stateRanges, start, end, ref used);
        if (!same) Volatile.Write(ref _differs, 1);
    }

    private bool CompareShare(float* source, int[] ranges, int start, int end, ref int used)
    {
        for (int i = 0; i < ranges.Length; i += 2)
        {
            int offset = ranges[i], length = ranges[i + 1];
            int from = Math.Max(start, used), to = Math.Min(end, used + length);
            if (from < to)
            {
                var range = new ReadOnlySpan<byte>(source + offset + (from - used), (to - from) * sizeof(float));
                var kept = new ReadOnlySpan<byte>(_kept + from, (to - from) * sizeof(float));
                if (!range.SequenceEqual(kept)) return false;
            }
            used += length;
        }
        return true;
    }

    private static void CheckRanges(ReadOnlySpan<float> source, int[] ranges, string name)
    {
        for (int i = 0; i < ranges.Length; i += 2) CheckRange(source, ranges[i], ranges[i + 1], name);
    }

    private static void CheckRange(ReadOnlySpan<float> source, int offset, int length, string name)
    {
        if ((uint)offset > (uint)source.Length || (uint)length > (uint)(source.Length - offset))
            throw new ArgumentException($"{name} has {source.Length} floats; the range [{offset}, {offset + length}) does not fit.", name);
    }

    // Compares each range with its place in the copy, and once one differs copies it and the rest instead.
    private static bool Compare(ReadOnlySpan<float> source, int[] ranges, Span<float> copy, ref int used, bool same, string name)
    {
        for (int i = 0; i < ranges.Length; i += 2)
        {
            int offset = ranges[i], length = ranges[i + 1];
            CheckRange(source, offset, length, name);
            ReadOnlySpan<float> range = source.Slice(offset, length);
            Span<float> kept = copy.Slice(used, length);
            used += length;
            if (same && MemoryMarshal.AsBytes(range).SequenceEqual(MemoryMarshal.AsBytes((ReadOnlySpan<float>)kept))) continue;
            same = false;
            range.CopyTo(kept);
        }
        return same;
    }

    private static int Total(int[] ranges, string name)
    {
        if (ranges.Length % 2 != 0) throw new ArgumentException("Ranges are pairs (offset, length).", name);
        long total = 0;
        for (int i = 0; i < ranges.Length; i += 2)
        {
            if (ranges[i] < 0 || ranges[i + 1] < 0) throw new ArgumentException($"Range {i / 2} has a negative offset or length.", name);
            total += ranges[i + 1];
        }
        return checked((int)total);
    }
}
