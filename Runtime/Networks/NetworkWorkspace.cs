using System;
using System.ComponentModel;

namespace Compiled.Networks;

/// <summary>
/// One thread's scratch memory for a generated network running on <see cref="BatchRunner"/> (inference): the
/// workspace regions the generator planned for a chunk of the batch (activations, reused by liveness), max-pool arg-max
/// indices and the im2col column buffer; for a network trained on a BatchRunner also the gradient buffers (generated
/// networks train on <see cref="StepRunner"/>). Buffers only grow, so once the largest chunk has been seen a call allocates nothing.
/// </summary>
/// <remarks>Used by generated code, which decides the per-sample sizes and offsets (all literals).</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class NetworkWorkspace
{
    private float[] _activations = Array.Empty<float>();
    private float[] _deltas = Array.Empty<float>();
    private int[] _argmax = Array.Empty<int>();
    private float[] _columns = Array.Empty<float>();
    private float[] _gradients = Array.Empty<float>();
    private float[]? _external;

    /// <summary>
    /// This thread's parameter gradients (the network's parameter layout): its own buffer, zeroed by <see cref="ClearGradients"/>,
    /// or, for the thread whose slice starts the batch, the network's gradients themselves (the kernels add to them).
    /// </summary>
    public Span<float> Gradients => _external ?? _gradients;

    internal float[] GradientBuffer => _gradients;

    /// <summary>
    /// Grows the buffers so a chunk of <paramref name="samples"/> fits: per-sample sizes times the samples, and the
    /// column buffer as given (the convolution kernels fill it one sample at a time). Never shrinks, never clears.
    /// </summary>
    public void Reserve(int samples, int activationsPerSample, int deltasPerSample, int argmaxPerSample, int columns)
    {
        _activations = Grow(_activations, samples, activationsPerSample);
        _deltas = Grow(_deltas, samples, deltasPerSample);
        _argmax = Grow(_argmax, samples, argmaxPerSample);
        _columns = Grow(_columns, 1, columns);
    }

    /// <summary>The planned regions, layer-major: a tensor of a chunk of <c>n</c> samples is <c>[n, length_i]</c> at <c>n * offset_i</c>.</summary>
    public Span<float> Activations(int start, int length) => _activations.AsSpan(start, length);

    /// <summary>The backward pass's delta buffers (two halves of <c>n * maxDelta</c> floats).</summary>
    public Span<float> Deltas(int start, int length) => _deltas.AsSpan(start, length);

    /// <summary>Arg-max indices of the max-pool outputs, layer-major like the activations.</summary>
    public Span<int> Argmax(int start, int length) => _argmax.AsSpan(start, length);

    /// <summary>The first <paramref name="length"/> floats of the im2col buffer.</summary>
    public Span<float> Columns(int length) => _columns.AsSpan(0, length);

    /// <summary>Makes the gradient buffer exactly <paramref name="parameterCount"/> floats long and zeroes it.</summary>
    public void ClearGradients(int parameterCount)
    {
        if (_gradients.Length != parameterCount) _gradients = new float[parameterCount];
        else Array.Clear(_gradients);
    }

    /// <summary>Makes <see cref="Gradients"/> the given buffer (the network's own gradients) until called again with null.</summary>
    internal void UseGradients(float[]? gradients) => _external = gradients;

    private static T[] Grow<T>(T[] buffer, int samples, int perSample)
    {
        long needed = (long)samples * perSample;
        if (needed > Array.MaxLength)
            throw new InvalidOperationException($"A workspace of {samples} samples × {perSample} elements does not fit in one array; use a smaller batch.");
        return buffer.Length >= needed ? buffer : new T[needed];
    }
}
