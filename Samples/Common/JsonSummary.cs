using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Compiled.Kernels;
using Compiled.Training;

namespace Compiled.Samples;

/// <summary>The one-line JSON result of <c>--json</c> (seconds_per_epoch is the mean training time of an epoch, without evaluation; epoch_test_accuracy when the sample tests after each epoch), written with <see cref="Utf8JsonWriter"/> (no reflection).</summary>
internal static class JsonSummary
{
    public static string Write(string model, IReadOnlyList<EpochRecord> epochs, double testAccuracy, VectorWidth width, int threads,
        int batch, float learningRate, IReadOnlyList<double>? testAccuracies = null)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteNumber("epochs", epochs.Count);
            json.WriteNumber("seconds_per_epoch", Math.Round(epochs.Average(r => r.TrainSeconds), 4));
            json.WriteNumber("test_accuracy", Math.Round(testAccuracy, 6));
            json.WriteString("vector_width", width == VectorWidth.Scalar ? "scalar" : ((int)width).ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteNumber("threads", threads);
            json.WriteNumber("batch", batch);
            json.WriteNumber("lr", learningRate);
            json.WriteNumber("train_loss", Math.Round(epochs[^1].TrainLoss, 6));
            json.WriteStartArray("epoch_seconds");
            foreach (EpochRecord r in epochs) json.WriteNumberValue(Math.Round(r.TrainSeconds, 4));
            json.WriteEndArray();
            if (testAccuracies is not null)
            {
                json.WriteStartArray("epoch_test_accuracy");
                foreach (double a in testAccuracies) json.WriteNumberValue(Math.Round(a, 6));
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
