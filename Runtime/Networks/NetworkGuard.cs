using System;
using System.ComponentModel;

namespace Compiled.Networks;

/// <summary>Argument checks of generated networks, with messages that name the expected lengths.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class NetworkGuard
{
    /// <summary>Checks <c>batch ≥ 1</c>, <c>input</c> = batch × inputLength and <c>output</c> = batch × outputLength floats.</summary>
    public static void CheckInference(int inputCount, int outputCount, int batch, int inputLength, int outputLength)
    {
        CheckBatch(batch);
        CheckRows(inputCount, batch, inputLength, "input", "InputLength");
        CheckRows(outputCount, batch, outputLength, "output", "OutputLength");
    }

    /// <summary>Checks the input of a training step and that every label is a class index in <c>[0, classes)</c>.</summary>
    public static void CheckLabels(int inputCount, ReadOnlySpan<int> labels, int batch, int inputLength, int classes)
    {
        CheckBatch(batch);
        CheckRows(inputCount, batch, inputLength, "input", "InputLength");
        if (labels.Length != batch)
            throw new ArgumentException($"labels has {labels.Length} elements; expected one class index per sample: batch = {batch}.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"labels[{i}] is {labels[i]}; class labels must be in [0, {classes}).");
        }
    }

    /// <summary>Checks the input of a training step and that <c>targets</c> = batch × outputLength floats.</summary>
    public static void CheckTargets(int inputCount, int targetCount, int batch, int inputLength, int outputLength)
    {
        CheckBatch(batch);
        CheckRows(inputCount, batch, inputLength, "input", "InputLength");
        CheckRows(targetCount, batch, outputLength, "targets", "OutputLength");
    }

    private static void CheckBatch(int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be at least 1.");
    }

    private static void CheckRows(int count, int batch, int rowLength, string name, string lengthName)
    {
        long expected = (long)batch * rowLength;
        if (count != expected)
            throw new ArgumentException($"{name} has {count} floats; expected batch × {lengthName} = {batch} × {rowLength} = {expected}.", name);
    }
}
