using System;

namespace Compiled.Kernels;

/// <summary>
/// Loss heads with their gradients. Each returns the SUM of the terms PyTorch averages (per sample for cross-entropy
/// and hinge, per element for BCE and MSE) and writes the gradient of that sum times <c>gradScale</c>, overwriting
/// it; the network passes gradScale = 1/batch (cross-entropy, hinge) or 1/(batch·outputs) (BCE, MSE) and divides
/// the returned sum the same way. Rows are [n, classes]. Gradients must not overlap their inputs.
/// </summary>
public static class LossKernels
{
    // ---- softmax + cross-entropy ----

    // Rows up to this many classes run as plain loops (the Scalar width's arithmetic): the drivers' per-call set-up would
    // cost more than such a row.
    private const int ShortRow = 16;

    // d = exp(x − max) · (scale / Σ exp(x − max)); returns max. (One vector per row measured no faster: the exponentials
    // are not what a short row costs.)
    private static float ShortRowSoftmax(ReadOnlySpan<float> x, Span<float> d, float scale, out float sum)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < x.Length; j++) max = MathF.Max(max, x[j]);
        sum = 0f;
        for (int j = 0; j < x.Length; j++) sum += d[j] = MathF.Exp(x[j] - max);
        float factor = scale / sum;
        for (int j = 0; j < x.Length; j++) d[j] *= factor;
        return max;
    }

    /// <summary>Σ_i −log softmax(logits_i)[labels_i]; dlogits = (softmax − onehot)·gradScale.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is not in [0, classes).</exception>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int n, int classes, float gradScale)
        => SoftmaxCrossEntropy(logits, labels, dlogits, n, classes, gradScale, Simd.Width);

    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int n, int classes, float gradScale, VectorWidth width)
    {
        CheckRows(logits.Length, dlogits.Length, n, classes, width);
        KernelArguments.AtLeast(labels.Length, n, nameof(labels));
        for (int i = 0; i < n; i++) CheckLabel(labels[i], i, classes);

        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> x = logits.Slice(i * classes, classes);
            Span<float> d = dlogits.Slice(i * classes, classes);
            int label = labels[i];

            // d = exp(x − max) / Σ exp(x − max) · g, then d[label] −= g; loss term = logsumexp(x) − x[label].
            // Short rows (a classifier's few classes) run scalar: the drivers' per-call set-up would cost more than the row.
            float max, sum;
            if (classes <= ShortRow)
            {
                max = ShortRowSoftmax(x, d, gradScale, out sum);
            }
            else
            {
                max = ElementwiseDriver.Aggregate(new IdentityOperator(), new MaxAggregation(), x, width);
                sum = ElementwiseDriver.MapSum(new ExpShiftOperator(max), x, d, width);
                ElementwiseDriver.Unary(new ScaleOperator(gradScale / sum), d, d, width);
            }
            d[label] -= gradScale;
            loss += (double)max + Math.Log(sum) - x[label];
        }
        return (float)loss;
    }

    /// <summary>
    /// Soft (or one-hot) targets [n, classes]: Σ_i Σ_j −t_ij·log softmax(logits_i)_j; dlogits = (softmax·Σ_j t_ij − t)·gradScale
    /// (PyTorch's cross-entropy with class probabilities).
    /// </summary>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> dlogits, int n, int classes, float gradScale)
        => SoftmaxCrossEntropy(logits, targets, dlogits, n, classes, gradScale, Simd.Width);

    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> dlogits, int n, int classes, float gradScale, VectorWidth width)
    {
        CheckRows(logits.Length, dlogits.Length, n, classes, width);
        KernelArguments.AtLeast(targets.Length, (long)n * classes, nameof(targets));

        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> x = logits.Slice(i * classes, classes);
            ReadOnlySpan<float> t = targets.Slice(i * classes, classes);
            Span<float> d = dlogits.Slice(i * classes, classes);

            float max = ElementwiseDriver.Aggregate(new IdentityOperator(), new MaxAggregation(), x, width);
            float sum = ElementwiseDriver.MapSum(new ExpShiftOperator(max), x, d, width);
            float logSumExp = max + MathF.Log(sum);
            loss += ElementwiseDriver.Aggregate(new CrossEntropyTermOperator(logSumExp), new SumAggregation(), x, t, width);
            float targetSum = ElementwiseDriver.Aggregate(new IdentityOperator(), new SumAggregation(), t, width);
            ElementwiseDriver.Binary(new SoftTargetGradientOperator(gradScale * targetSum / sum, gradScale), d, t, d, width);
        }
        return (float)loss;
    }

    /// <summary>Row-wise softmax: probabilities [n, classes] (may be the logits span itself).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities, int n, int classes) => Softmax(logits, probabilities, n, classes, Simd.Width);

    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities, int n, int classes, VectorWidth width)
    {
        CheckRows(logits.Length, probabilities.Length, n, classes, width, nameof(probabilities));
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> x = logits.Slice(i * classes, classes);
            Span<float> p = probabilities.Slice(i * classes, classes);
            if (classes <= ShortRow)
            {
                ShortRowSoftmax(x, p, 1f, out _);
                continue;
            }
            float max = ElementwiseDriver.Aggregate(new IdentityOperator(), new MaxAggregation(), x, width);
            float sum = ElementwiseDriver.MapSum(new ExpShiftOperator(max), x, p, width);
            ElementwiseDriver.Unary(new ScaleOperator(1f / sum), p, p, width);
        }
    }

    // ---- sigmoid + binary cross-entropy ----

    /// <summary>Σ max(x, 0) − x·t + log(1 + exp(−|x|)) over <paramref name="count"/> elements; dlogits = (sigmoid(x) − t)·gradScale.</summary>
    public static float SigmoidBinaryCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> dlogits, int count, float gradScale)
        => SigmoidBinaryCrossEntropy(logits, targets, dlogits, count, gradScale, Simd.Width);

    public static float SigmoidBinaryCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> dlogits, int count, float gradScale, VectorWidth width)
    {
        CheckElements(logits.Length, targets.Length, dlogits.Length, count, width, nameof(logits), nameof(targets), nameof(dlogits));
        return BlockedMapSum(new BinaryCrossEntropyOperator(gradScale), logits[..count], targets[..count], dlogits[..count], width);
    }

    // ---- mean squared error ----

    /// <summary>Σ (p − t)² over <paramref name="count"/> elements; dpredictions = 2·(p − t)·gradScale.</summary>
    public static float MeanSquaredError(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> dpredictions, int count, float gradScale)
        => MeanSquaredError(predictions, targets, dpredictions, count, gradScale, Simd.Width);

    public static float MeanSquaredError(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> dpredictions, int count, float gradScale, VectorWidth width)
    {
        CheckElements(predictions.Length, targets.Length, dpredictions.Length, count, width, nameof(predictions), nameof(targets), nameof(dpredictions));
        return BlockedMapSum(new SquaredErrorOperator(gradScale), predictions[..count], targets[..count], dpredictions[..count], width);
    }

    /// <summary>Elements per float partial sum in <see cref="BlockedMapSum"/>.</summary>
    internal const int SumBlock = 1024;

    /// <summary>
    /// <see cref="ElementwiseDriver.MapSum{TOp}(TOp, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, VectorWidth)"/>
    /// over blocks of <see cref="SumBlock"/> elements, the blocks' float sums added in double. A head's loss sums a whole
    /// chunk (samples × outputs, up to millions of terms); one float sum of those, element by element at the scalar width,
    /// lost about 0.1% of the total (a 17×32×30 output at batch 98), while PyTorch's reductions stay near float precision.
    /// </summary>
    private static float BlockedMapSum<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d, VectorWidth width)
        where TOp : struct, IBinaryMapSumOperator
    {
        if (x.Length <= SumBlock) return ElementwiseDriver.MapSum(op, x, y, d, width);
        double sum = 0;
        for (int start = 0; start < x.Length; start += SumBlock)
        {
            int length = Math.Min(SumBlock, x.Length - start);
            sum += ElementwiseDriver.MapSum(op, x.Slice(start, length), y.Slice(start, length), d.Slice(start, length), width);
        }
        return (float)sum;
    }

    // ---- multi-class hinge ----

    /// <summary>
    /// PyTorch's MultiMarginLoss (p = 1) summed over samples: Σ_i Σ_{j≠y_i} max(0, margin − s_{i,y_i} + s_ij) / classes;
    /// dscores_ij = gradScale/classes for each j ≠ y_i with a positive term, and dscores_{i,y_i} = −(their sum).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is not in [0, classes).</exception>
    public static float MultiClassHinge(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, Span<float> dscores, int n, int classes, float margin, float gradScale)
        => MultiClassHinge(scores, labels, dscores, n, classes, margin, gradScale, Simd.Width);

    public static float MultiClassHinge(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, Span<float> dscores, int n, int classes, float margin, float gradScale, VectorWidth width)
    {
        CheckRows(scores.Length, dscores.Length, n, classes, width, nameof(dscores), nameof(scores));
        KernelArguments.AtLeast(labels.Length, n, nameof(labels));
        for (int i = 0; i < n; i++) CheckLabel(labels[i], i, classes);

        double loss = 0;
        float step = gradScale / classes;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> s = scores.Slice(i * classes, classes);
            Span<float> d = dscores.Slice(i * classes, classes);
            int label = labels[i];
            float shift = margin - s[label];

            // Every class, the label's own lane included, then that lane taken back out (its z is computed the same way).
            float sum = ElementwiseDriver.MapSum(new HingeOperator(shift, step), s, d, width);
            sum -= MathF.Max(shift + s[label], 0f);
            d[label] = 0f;
            d[label] = -ElementwiseDriver.Aggregate(new IdentityOperator(), new SumAggregation(), d, width);
            loss += (double)sum / classes;
        }
        return (float)loss;
    }

    // ---- checks ----

    private static void CheckRows(int inputLength, int outputLength, int n, int classes, VectorWidth width,
        string outputName = "dlogits", string inputName = "logits")
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.Positive(classes, nameof(classes));
        KernelArguments.AtLeast(inputLength, (long)n * classes, inputName);
        KernelArguments.AtLeast(outputLength, (long)n * classes, outputName);
    }

    private static void CheckElements(int inputLength, int targetLength, int outputLength, int count, VectorWidth width,
        string inputName, string targetName, string outputName)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(count, nameof(count));
        KernelArguments.AtLeast(inputLength, count, inputName);
        KernelArguments.AtLeast(targetLength, count, targetName);
        KernelArguments.AtLeast(outputLength, count, outputName);
    }

    private static void CheckLabel(int label, int sample, int classes)
    {
        if ((uint)label >= (uint)classes)
            throw new ArgumentOutOfRangeException("labels", label, $"labels[{sample}] = {label} is not a class index in [0, {classes}).");
    }
}
