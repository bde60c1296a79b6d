using System;
using System.ComponentModel;

namespace Compiled.Networks;

/// <summary>
/// A contiguous run of samples <c>[Start, Start + Count)</c> of a batch of <see cref="Batch"/> samples, as one thread processes it.
/// Spans not used by the operation (labels in inference, targets with integer labels) are empty.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct BatchChunk
{
    public BatchChunk(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, Span<float> output, int start, int count, int batch)
    {
        Input = input;
        Labels = labels;
        Targets = targets;
        Output = output;
        Start = start;
        Count = count;
        Batch = batch;
    }

    /// <summary>Inputs of this chunk, <c>[Count, InputLength]</c>.</summary>
    public ReadOnlySpan<float> Input { get; }
    /// <summary>Class labels of this chunk, <c>[Count]</c>.</summary>
    public ReadOnlySpan<int> Labels { get; }
    /// <summary>Float targets of this chunk, <c>[Count, OutputLength]</c>.</summary>
    public ReadOnlySpan<float> Targets { get; }
    /// <summary>Outputs of this chunk, <c>[Count, OutputLength]</c>.</summary>
    public Span<float> Output { get; }
    /// <summary>Index of the chunk's first sample in the batch.</summary>
    public int Start { get; }
    /// <summary>Samples in this chunk (at least 1).</summary>
    public int Count { get; }
    /// <summary>Samples in the whole batch (losses scale their gradients by it).</summary>
    public int Batch { get; }
}

/// <summary>Processes one chunk on one thread with that thread's workspace; returns the chunk's loss sum (0 in inference).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate float BatchBody(in BatchChunk chunk, NetworkWorkspace workspace);
