using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Compiled.Training;

/// <summary>The per-epoch records of one training run, in order, and why it ended.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochRecord> _epochs = new();

    public IReadOnlyList<EpochRecord> Epochs => _epochs;

    /// <summary>The last epoch's record, or null before the first epoch ends.</summary>
    public EpochRecord? Last => _epochs.Count == 0 ? null : _epochs[^1];

    /// <summary>Why training stopped before the planned epochs (a callback's reason), or null if it ran them all.</summary>
    public string? StopReason { get; internal set; }

    internal void Add(EpochRecord record) => _epochs.Add(record);

    /// <summary>Writes the records as CSV with a header line (invariant culture; empty cells for missing values).</summary>
    public void WriteCsv(TextWriter writer)
    {
        writer.WriteLine("epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,learning_rate,train_seconds,seconds,samples,gradient_norm");
        foreach (EpochRecord r in _epochs)
        {
            writer.WriteLine(string.Join(",",
                r.Epoch.ToString(CultureInfo.InvariantCulture),
                Format(r.TrainLoss),
                Format(r.TrainAccuracy),
                Format(r.ValidationLoss),
                Format(r.ValidationAccuracy),
                r.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                Format(r.TrainSeconds),
                Format(r.Seconds),
                r.Samples.ToString(CultureInfo.InvariantCulture),
                Format(r.GradientNorm)));
        }
    }

    private static string Format(double? value) => value is double v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
