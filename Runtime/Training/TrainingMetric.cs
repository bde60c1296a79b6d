using System;
using Compiled.Schedules;

namespace Compiled.Training;

/// <summary>A per-epoch number early stopping and <see cref="ReduceLROnPlateau"/> can watch (Keras' <c>monitor</c>).</summary>
public enum TrainingMetric
{
    /// <summary>Mean validation loss (Keras' <c>val_loss</c>), the default.</summary>
    ValidationLoss = 0,
    /// <summary>Validation accuracy (<c>val_accuracy</c>).</summary>
    ValidationAccuracy,
    /// <summary>Mean training loss of the epoch (<c>loss</c>).</summary>
    TrainLoss,
    /// <summary>Running training accuracy of the epoch (<c>accuracy</c>).</summary>
    TrainAccuracy,
}

/// <summary>Reading a <see cref="TrainingMetric"/> from an <see cref="EpochRecord"/>.</summary>
public static class TrainingMetrics
{
    /// <summary>The metric's value in <paramref name="record"/>.</summary>
    /// <exception cref="InvalidOperationException">The epoch did not measure it (no validation set, no accuracy for this head, or NaN).</exception>
    public static double Read(this TrainingMetric metric, EpochRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        double? value = metric switch
        {
            TrainingMetric.ValidationLoss => record.ValidationLoss,
            TrainingMetric.ValidationAccuracy => record.ValidationAccuracy,
            TrainingMetric.TrainLoss => record.TrainLoss,
            TrainingMetric.TrainAccuracy => record.TrainAccuracy,
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
        };
        if (value is not double v || double.IsNaN(v))
        {
            string why = metric is TrainingMetric.ValidationLoss or TrainingMetric.ValidationAccuracy
                ? "pass a validation set to Fit, or monitor a training metric"
                : "this network does not report it";
            throw new InvalidOperationException($"Epoch {record.Epoch} has no {Name(metric)} to monitor: {why}.");
        }
        return v;
    }

    /// <summary>Min for losses, max for accuracies (Keras' <c>mode='auto'</c>).</summary>
    public static MetricMode DefaultMode(this TrainingMetric metric) =>
        metric is TrainingMetric.ValidationAccuracy or TrainingMetric.TrainAccuracy ? MetricMode.Max : MetricMode.Min;

    /// <summary>Keras' name: <c>val_loss</c>, <c>val_accuracy</c>, <c>loss</c>, <c>accuracy</c>.</summary>
    public static string Name(this TrainingMetric metric) => metric switch
    {
        TrainingMetric.ValidationLoss => "val_loss",
        TrainingMetric.ValidationAccuracy => "val_accuracy",
        TrainingMetric.TrainLoss => "loss",
        TrainingMetric.TrainAccuracy => "accuracy",
        _ => metric.ToString(),
    };
}
