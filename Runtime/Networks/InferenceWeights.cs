using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Threading;
using Compiled.Kernels;

namespace Compiled.Networks;

/// <summary>
/// Whether the weights inference derives things from (filters packed or transformed for a convolution, batch norms folded
/// into their convolutions) changed since the last <c>Forward</c> or <c>Predict</c>: one comparison per call of those
/// parameter and state ranges against a copy, instead of one per layer and chunk.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Refresh"/> compares the ranges bit for bit with the copy taken at the last change; when anything differs (or on
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
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class InferenceWeights
{
    private static long s_lastStamp;

    private readonly int[] _parameterRanges;
    private readonly int[] _stateRanges;
    private readonly float[] _copy;

    /// <param name="parameterRanges">Pairs (offset, length) into the parameters, in order and disjoint.</param>
    /// <param name="stateRanges">Pairs (offset, length) into the state buffer, in order and disjoint.</param>
    public InferenceWeights(int[] parameterRanges, int[] stateRanges)
    {
        ArgumentNullException.ThrowIfNull(parameterRanges);
        ArgumentNullException.ThrowIfNull(stateRanges);
        _parameterRanges = parameterRanges;
        _stateRanges = stateRanges;
        _copy = new float[Total(parameterRanges, nameof(parameterRanges)) + Total(stateRanges, nameof(stateRanges))];
    }

    /// <summary>The current weights' stamp: 0 before the first <see cref="Refresh"/>, then a new value at every change.</summary>
    public long Stamp { get; private set; }

    /// <summary>
    /// Compares the ranges of <paramref name="parameters"/> and <paramref name="state"/> with the copy; returns true (with a
    /// new <see cref="Stamp"/> and the copy updated) when they differ in any bit or on the first call, false when unchanged.
    /// </summary>
    public bool Refresh(ReadOnlySpan<float> parameters, ReadOnlySpan<float> state)
    {
        Span<float> copy = _copy;
        int used = 0;
        bool same = Stamp != 0;
        same = Compare(parameters, _parameterRanges, copy, ref used, same, nameof(parameters));
        same = Compare(state, _stateRanges, copy, ref used, same, nameof(state));
        if (same) return false;
        Stamp = Interlocked.Increment(ref s_lastStamp);
        return true;
    }

    // Compares each range with its place in the copy, and once one differs copies it and the rest instead.
    private static bool Compare(ReadOnlySpan<float> source, int[] ranges, Span<float> copy, ref int used, bool same, string name)
    {
        for (int i = 0; i < ranges.Length; i += 2)
        {
            int offset = ranges[i], length = ranges[i + 1];
            if ((uint)offset > (uint)source.Length || (uint)length > (uint)(source.Length - offset))
                throw new ArgumentException($"{name} has {source.Length} floats; the range [{offset}, {offset + length}) does not fit.", name);
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
