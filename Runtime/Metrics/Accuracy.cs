using System;

namespace Compiled.Metrics;

/// <summary>Classification accuracy: the predicted class is the index of the largest output (ties: the first).</summary>
public static class Accuracy
{
    /// <summary>Index of the largest value in <paramref name="row"/> (the first on ties; NaN never wins).</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        if (row.IsEmpty) throw new ArgumentException("An empty row has no largest value.", nameof(row));
        int best = 0;
        float max = row[0];
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > max || float.IsNaN(max))
            {
                max = row[i];
                best = i;
            }
        }
        return best;
    }

    /// <summary>Samples whose argmax equals the label. <paramref name="outputs"/> is <c>[batch, classes]</c>, <paramref name="labels"/> <c>[batch]</c>.</summary>
    public static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int batch, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (outputs.Length < batch * classes || labels.Length < batch)
            throw new ArgumentException($"A batch of {batch} × {classes} needs {batch * classes} outputs and {batch} labels; got {outputs.Length} and {labels.Length}.");
        int correct = 0;
        for (int i = 0; i < batch; i++)
            if (ArgMax(outputs.Slice(i * classes, classes)) == labels[i]) correct++;
        return correct;
    }

    /// <summary>Fraction of samples whose argmax equals the label, in [0, 1].</summary>
    public static double Compute(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int batch, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        return CountCorrect(outputs, labels, batch, classes) / (double)batch;
    }

    /// <summary>
    /// Correct predictions against float targets, and how many were judged: cross-entropy counts samples whose argmax
    /// matches the target row's argmax; binary cross-entropy counts every output whose sign (probability &gt; 0.5) matches
    /// its target rounded at 0.5 (Keras' binary accuracy). Other losses (MSE) have no accuracy: (0, 0).
    /// </summary>
    public static (int Correct, int Judged) CountCorrect(LossKind kind, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        int n = batch * width;
        if (outputs.Length < n || targets.Length < n)
            throw new ArgumentException($"A batch of {batch} × {width} needs {n} outputs and {n} targets; got {outputs.Length} and {targets.Length}.");
        int correct = 0;
        switch (kind)
        {
            case LossKind.SoftmaxCrossEntropy:
                for (int i = 0; i < batch; i++)
                    if (ArgMax(outputs.Slice(i * width, width)) == ArgMax(targets.Slice(i * width, width))) correct++;
                return (correct, batch);
            case LossKind.SigmoidBinaryCrossEntropy:
                for (int i = 0; i < n; i++)
                    if (outputs[i] > 0f == targets[i] >= 0.5f) correct++;
                return (correct, n);
            default:
                return (0, 0);
        }
    }
}
