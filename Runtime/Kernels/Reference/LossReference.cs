using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="LossKernels"/>: the same sums and gradient scaling, written from the definitions.</summary>
public static class LossReference
{
    /// <summary>Σ_i (logsumexp(x_i) − x_i[y_i]); d = (softmax − onehot)·gradScale.</summary>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> dlogits, int n, int classes, T gradScale)
        where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        for (int i = 0; i < n; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels[{i}] = {label} is not a class index in [0, {classes}).");
            ReadOnlySpan<T> x = logits.Slice(i * classes, classes);
            T lse = LogSumExp(x);
            loss += lse - x[label];
            for (int j = 0; j < classes; j++)
                dlogits[i * classes + j] = (T.Exp(x[j] - lse) - (j == label ? T.One : T.Zero)) * gradScale;
        }
        return loss;
    }

    /// <summary>Σ_i Σ_j −t_ij·log softmax(x_i)_j; d = (softmax·Σ_j t_ij − t)·gradScale.</summary>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, Span<T> dlogits, int n, int classes, T gradScale)
        where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<T> x = logits.Slice(i * classes, classes);
            ReadOnlySpan<T> t = targets.Slice(i * classes, classes);
            T lse = LogSumExp(x), targetSum = T.Zero;
            for (int j = 0; j < classes; j++)
            {
                loss -= t[j] * (x[j] - lse);
                targetSum += t[j];
            }
            for (int j = 0; j < classes; j++)
                dlogits[i * classes + j] = (T.Exp(x[j] - lse) * targetSum - t[j]) * gradScale;
        }
        return loss;
    }

    public static void Softmax<T>(ReadOnlySpan<T> logits, Span<T> probabilities, int n, int classes)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<T> x = logits.Slice(i * classes, classes);
            T lse = LogSumExp(x);
            for (int j = 0; j < classes; j++) probabilities[i * classes + j] = T.Exp(x[j] - lse);
        }
    }

    /// <summary>Σ max(x, 0) − x·t + log(1 + exp(−|x|)); d = (sigmoid(x) − t)·gradScale.</summary>
    public static T SigmoidBinaryCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, Span<T> dlogits, int count, T gradScale)
        where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        for (int i = 0; i < count; i++)
        {
            T x = logits[i], t = targets[i];
            loss += T.Max(x, T.Zero) - x * t + T.LogP1(T.Exp(-T.Abs(x)));
            dlogits[i] = (T.One / (T.One + T.Exp(-x)) - t) * gradScale;
        }
        return loss;
    }

    /// <summary>Σ (p − t)²; d = 2·(p − t)·gradScale.</summary>
    public static T MeanSquaredError<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets, Span<T> dpredictions, int count, T gradScale)
        where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero, two = T.One + T.One;
        for (int i = 0; i < count; i++)
        {
            T diff = predictions[i] - targets[i];
            loss += diff * diff;
            dpredictions[i] = two * diff * gradScale;
        }
        return loss;
    }

    /// <summary>Σ_i Σ_{j≠y_i} max(0, margin − s_{i,y_i} + s_ij) / classes; PyTorch's MultiMarginLoss gradient times gradScale.</summary>
    public static T MultiClassHinge<T>(ReadOnlySpan<T> scores, ReadOnlySpan<int> labels, Span<T> dscores, int n, int classes, T margin, T gradScale)
        where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero, count = T.CreateChecked(classes);
        for (int i = 0; i < n; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels[{i}] = {label} is not a class index in [0, {classes}).");
            ReadOnlySpan<T> s = scores.Slice(i * classes, classes);
            Span<T> d = dscores.Slice(i * classes, classes);
            d.Clear();
            T sum = T.Zero;
            for (int j = 0; j < classes; j++)
            {
                if (j == label) continue;
                T z = margin - s[label] + s[j];
                if (z > T.Zero)
                {
                    sum += z;
                    d[j] += gradScale / count;
                    d[label] -= gradScale / count;
                }
            }
            loss += sum / count;
        }
        return loss;
    }

    private static T LogSumExp<T>(ReadOnlySpan<T> x) where T : IFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        foreach (T v in x) max = T.Max(max, v);
        T sum = T.Zero;
        foreach (T v in x) sum += T.Exp(v - max);
        return max + T.Log(sum);
    }
}
