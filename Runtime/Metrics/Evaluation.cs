using System;
using Compiled.Data;

namespace Compiled.Metrics;

/// <summary>Loss and accuracy of a network over a dataset.</summary>
/// <param name="Loss">Mean loss as the network's head reduces it (NaN when the head cannot score these targets, e.g. class labels for an MSE head).</param>
/// <param name="Accuracy">Fraction correct, in [0, 1]; NaN when the head has no accuracy (MSE). See <see cref="Metrics.Accuracy"/> for float targets.</param>
/// <param name="Count">Samples evaluated.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy, int Count)
{
    /// <summary><see cref="Accuracy"/>, or null when it is undefined.</summary>
    public double? AccuracyOrNull => double.IsNaN(Accuracy) ? null : Accuracy;
}

/// <summary>Evaluates a network with <see cref="INetwork.Forward(System.ReadOnlySpan{float}, System.Span{float}, int)"/> in batches (inference only; parameters and gradients untouched).</summary>
public sealed class Evaluator
{
    private float[] _outputs = [];

    /// <param name="batchSize">Samples per <see cref="INetwork.Forward(System.ReadOnlySpan{float}, System.Span{float}, int)"/> call.</param>
    public Evaluator(int batchSize = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    /// <summary>
    /// One pass over <paramref name="data"/> in order. The output buffer is allocated once and reused across calls.
    /// Class labels are scored with <see cref="ClassificationLoss"/>, float targets with <see cref="TargetLoss"/>.
    /// </summary>
    public EvaluationResult Evaluate(INetwork network, Dataset data) => Evaluate(network, data, default, predict: false);

    /// <summary>
    /// <see cref="Evaluate(INetwork, Dataset)"/>, and from the same pass the predicted class of every sample into
    /// <paramref name="predictions"/> (<c>[data.Count]</c>), as <see cref="Predictions.PredictClasses(INetwork, Dataset, int)"/>
    /// gives them: loss, accuracy and, say, a per-class accuracy or a confusion matrix from one pass over the data.
    /// </summary>
    public EvaluationResult Evaluate(INetwork network, Dataset data, Span<int> predictions)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (predictions.Length != data.Count)
            throw new ArgumentException($"The predictions span holds {predictions.Length} values; the dataset has {data.Count} samples.", nameof(predictions));
        return Evaluate(network, data, predictions, predict: true);
    }

    private EvaluationResult Evaluate(INetwork network, Dataset data, Span<int> predictions, bool predict)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.SampleLength != network.InputLength)
            throw new ArgumentException($"The network takes {network.InputLength} floats per sample; the dataset's samples [{string.Join(", ", data.SampleShape)}] have {data.SampleLength}.", nameof(data));
        if (data.HasTargets && data.TargetLength != network.OutputLength)
            throw new ArgumentException($"The network has {network.OutputLength} outputs; the dataset's targets have {data.TargetLength} per sample.", nameof(data));
        int classes = network.OutputLength;
        if (_outputs.Length < BatchSize * classes) _outputs = new float[BatchSize * classes];

        double lossSum = 0;
        long correct = 0, judged = 0;
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int size = Math.Min(BatchSize, data.Count - start);
            // Samples are contiguous rows: the batch is a slice, no copy. input [size, InputLength] → output [size, classes]
            ReadOnlySpan<float> input = data.Features.AsSpan(start * data.SampleLength, size * data.SampleLength);
            Span<float> output = _outputs.AsSpan(0, size * classes);
            network.Forward(input, output, size);
            if (predict) Predictions.ClassesOf(network, output, predictions.Slice(start, size), size);
            if (data.HasTargets)
            {
                ReadOnlySpan<float> targets = data.Targets.AsSpan(start * classes, size * classes);
                (int c, int j) = Accuracy.CountCorrect(network.Loss, output, targets, size, classes);
                correct += c;
                judged += j;
                lossSum += TargetLoss.Sum(network.Loss, output, targets, size, classes);
            }
            else
            {
                ReadOnlySpan<int> labels = data.Labels.AsSpan(start, size);
                correct += Accuracy.CountCorrect(output, labels, size, classes);
                judged += size;
                lossSum += ClassificationLoss.Sum(network.Loss, output, labels, size, classes);
            }
        }
        double terms = data.HasTargets ? (double)data.Count * TargetLoss.TermsPerSample(network.Loss, classes) : data.Count;
        return new EvaluationResult(lossSum / terms, judged == 0 ? double.NaN : correct / (double)judged, data.Count);
    }

    /// <summary>Convenience: a one-off evaluation with a fresh <see cref="Evaluator"/>.</summary>
    public static EvaluationResult Run(INetwork network, Dataset data, int batchSize = 256) =>
        new Evaluator(batchSize).Evaluate(network, data);
}
