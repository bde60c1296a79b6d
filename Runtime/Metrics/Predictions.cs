using System;
using Compiled.Data;

namespace Compiled.Metrics;

/// <summary>Class predictions from a network's outputs: <c>argmax</c> over the outputs of each sample.</summary>
public static class Predictions
{
    /// <summary>
    /// Predicted class of each of <paramref name="batch"/> samples into <paramref name="classes"/>: the index of the largest
    /// output (the first on ties), as <c>outputs.argmax(dim=1)</c>. A single-output sigmoid (BCE) head predicts 1 when its
    /// probability exceeds 0.5 (logit &gt; 0), else 0.
    /// </summary>
    /// <param name="network">The network (its <see cref="INetwork.Forward(System.ReadOnlySpan{float}, System.Span{float}, int)"/> is used; softmax and sigmoid do not change the argmax).</param>
    /// <param name="input">[batch, InputLength] samples.</param>
    /// <param name="classes">[batch] predicted classes, written.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="chunk">Samples per forward call (bounds the temporary output buffer).</param>
    public static void PredictClasses(this INetwork network, ReadOnlySpan<float> input, Span<int> classes, int batch, int chunk = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunk);
        if ((long)batch * network.InputLength != input.Length)
            throw new ArgumentException($"{batch} samples × {network.InputLength} floats = {(long)batch * network.InputLength}, but the input has {input.Length} floats.", nameof(input));
        if (classes.Length < batch)
            throw new ArgumentException($"The classes span holds {classes.Length} values; {batch} are needed.", nameof(classes));
        int width = network.OutputLength;
        var outputs = new float[Math.Min(chunk, Math.Max(batch, 1)) * width];
        for (int start = 0; start < batch; start += chunk)
        {
            int size = Math.Min(chunk, batch - start);
            Span<float> output = outputs.AsSpan(0, size * width);
            network.Forward(input.Slice(start * network.InputLength, size * network.InputLength), output, size);
            ClassesOf(network, output, classes.Slice(start, size), size);
        }
    }

    /// <summary>The predicted classes of <paramref name="batch"/> samples from the raw outputs <paramref name="network"/> wrote.</summary>
    internal static void ClassesOf(INetwork network, ReadOnlySpan<float> output, Span<int> classes, int batch)
    {
        int width = network.OutputLength;
        bool binary = width == 1 && network.Loss == LossKind.SigmoidBinaryCrossEntropy;
        for (int i = 0; i < batch; i++)
            classes[i] = binary ? (output[i] > 0f ? 1 : 0) : Accuracy.ArgMax(output.Slice(i * width, width));
    }

    /// <summary>The predicted class of every sample of <paramref name="data"/>, in order.</summary>
    public static int[] PredictClasses(this INetwork network, Dataset data, int chunk = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.SampleLength != network.InputLength)
            throw new ArgumentException($"The network takes {network.InputLength} floats per sample; the dataset's samples have {data.SampleLength}.", nameof(data));
        var classes = new int[data.Count];
        network.PredictClasses(data.Features, classes, data.Count, chunk);
        return classes;
    }
}
