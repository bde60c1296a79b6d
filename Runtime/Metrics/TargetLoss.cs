using System;

namespace Compiled.Metrics;

/// <summary>
/// Losses of float targets recomputed from a network's raw outputs for evaluation (in double, no gradients), with
/// PyTorch's definitions and reductions: <c>BCEWithLogitsLoss</c> and <c>MSELoss</c> average over every output element,
/// <c>CrossEntropyLoss</c> with probability targets over the samples.
/// </summary>
public static class TargetLoss
{
    /// <summary>
    /// Sum of the loss terms of <paramref name="kind"/> over the batch (divide by <see cref="TermsPerSample"/> × samples for
    /// the mean), or NaN when the loss takes class labels only (hinge) or is unknown.
    /// </summary>
    /// <param name="kind">The network's loss head.</param>
    /// <param name="outputs">[batch, width] logits (CE, BCE) or predictions (MSE).</param>
    /// <param name="targets">[batch, width] targets.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="width">Outputs per sample.</param>
    public static double Sum(LossKind kind, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        int n = batch * width;
        if (outputs.Length < n || targets.Length < n)
            throw new ArgumentException($"A batch of {batch} × {width} needs {n} outputs and {n} targets; got {outputs.Length} and {targets.Length}.");
        double sum = 0;
        switch (kind)
        {
            case LossKind.SigmoidBinaryCrossEntropy:
                // max(x, 0) − x·t + log(1 + e^−|x|): the stable form torch uses.
                for (int i = 0; i < n; i++)
                {
                    double x = outputs[i], t = targets[i];
                    sum += Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                }
                return sum;
            case LossKind.MeanSquaredError:
                for (int i = 0; i < n; i++)
                {
                    double d = (double)outputs[i] - targets[i];
                    sum += d * d;
                }
                return sum;
            case LossKind.SoftmaxCrossEntropy:
                // −Σ_c t_c · log softmax(x)_c per sample.
                for (int s = 0; s < batch; s++)
                {
                    ReadOnlySpan<float> row = outputs.Slice(s * width, width);
                    ReadOnlySpan<float> t = targets.Slice(s * width, width);
                    double max = double.NegativeInfinity;
                    foreach (float v in row) max = Math.Max(max, v);
                    double exp = 0;
                    foreach (float v in row) exp += Math.Exp(v - max);
                    double logSum = max + Math.Log(exp);
                    for (int c = 0; c < width; c++) sum -= t[c] * (row[c] - logSum);
                }
                return sum;
            default:
                return double.NaN;
        }
    }

    /// <summary>Terms of the mean per sample: the outputs for per-element losses (BCE, MSE), 1 for cross-entropy.</summary>
    public static int TermsPerSample(LossKind kind, int width) =>
        kind is LossKind.SigmoidBinaryCrossEntropy or LossKind.MeanSquaredError ? width : 1;
}
