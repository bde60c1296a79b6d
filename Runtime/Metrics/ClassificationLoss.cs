using System;

namespace Compiled.Metrics;

/// <summary>Losses recomputed from a network's raw outputs for evaluation (in double, no gradients), with PyTorch's definitions.</summary>
public static class ClassificationLoss
{
    /// <summary>
    /// Sum over the batch of the per-sample loss of <paramref name="kind"/> for integer labels, or NaN when that loss takes
    /// float targets rather than class labels (binary cross-entropy, MSE) or is unknown.
    /// Multi-class hinge uses margin 1 (PyTorch's default).
    /// </summary>
    /// <param name="kind">The network's loss head.</param>
    /// <param name="outputs">[batch, classes] logits or scores.</param>
    /// <param name="labels">[batch] class indices.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="classes">Outputs per sample.</param>
    public static double Sum(LossKind kind, ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int batch, int classes)
    {
        if (outputs.Length < batch * classes || labels.Length < batch)
            throw new ArgumentException($"A batch of {batch} × {classes} needs {batch * classes} outputs and {batch} labels; got {outputs.Length} and {labels.Length}.");
        double sum = 0;
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = outputs.Slice(i * classes, classes);
            int label = labels[i];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label {label} of sample {i} is outside 0..{classes - 1}.");
            switch (kind)
            {
                case LossKind.SoftmaxCrossEntropy:
                    sum += CrossEntropy(row, label);
                    break;
                case LossKind.MultiClassHinge:
                    sum += Hinge(row, label, 1.0);
                    break;
                default:
                    return double.NaN;
            }
        }
        return sum;
    }

    // −log softmax(row)[label] = logsumexp(row) − row[label]
    private static double CrossEntropy(ReadOnlySpan<float> row, int label)
    {
        double max = double.NegativeInfinity;
        foreach (float v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in row) sum += Math.Exp(v - max);
        return max + Math.Log(sum) - row[label];
    }

    // Σ_{j≠y} max(0, margin − s_y + s_j) / classes (nn.MultiMarginLoss)
    private static double Hinge(ReadOnlySpan<float> row, int label, double margin)
    {
        double sum = 0;
        for (int j = 0; j < row.Length; j++)
            if (j != label) sum += Math.Max(0, margin - row[label] + row[j]);
        return sum / row.Length;
    }
}
