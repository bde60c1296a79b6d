using System;
using Compiled.Data;

namespace Compiled.Metrics;

/// <summary>Loss and accuracy of a network over a dataset.</summary>
/// <param name="Loss">Mean loss (NaN when the network's loss needs float targets; see <see cref="ClassificationLoss"/>).</param>
/// <param name="Accuracy">Fraction correct, in [0, 1].</param>
/// <param name="Count">Samples evaluated.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy, int Count);

/// <summary>Evaluates a network with <see cref="INetwork.Forward"/> in batches (inference only; parameters and gradients untouched).</summary>
public sealed class Evaluator
{
    private float[] _outputs = [];

    /// <param name="batchSize">Samples per <see cref="INetwork.Forward"/> call.</param>
    public Evaluator(int batchSize = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    /// <summary>One pass over <paramref name="data"/> in order. The output buffer is allocated once and reused across calls.</summary>
    public EvaluationResult Evaluate(INetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.SampleLength != network.InputLength)
            throw new ArgumentException($"The network takes {network.InputLength} floats per sample; the dataset's samples [{string.Join(", ", data.SampleShape)}] have {data.SampleLength}.", nameof(data));
        int classes = network.OutputLength;
        if (_outputs.Length < BatchSize * classes) _outputs = new float[BatchSize * classes];

        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int size = Math.Min(BatchSize, data.Count - start);
            // Samples are contiguous rows: the batch is a slice, no copy. input [size, InputLength] → output [size, classes]
            ReadOnlySpan<float> input = data.Features.AsSpan(start * data.SampleLength, size * data.SampleLength);
            Span<float> output = _outputs.AsSpan(0, size * classes);
            network.Forward(input, output, size);
            ReadOnlySpan<int> labels = data.Labels.AsSpan(start, size);
            correct += Accuracy.CountCorrect(output, labels, size, classes);
            lossSum += ClassificationLoss.Sum(network.Loss, output, labels, size, classes);
        }
        return new EvaluationResult(lossSum / data.Count, correct / (double)data.Count, data.Count);
    }

    /// <summary>Convenience: a one-off evaluation with a fresh <see cref="Evaluator"/>.</summary>
    public static EvaluationResult Run(INetwork network, Dataset data, int batchSize = 256) =>
        new Evaluator(batchSize).Evaluate(network, data);
}
