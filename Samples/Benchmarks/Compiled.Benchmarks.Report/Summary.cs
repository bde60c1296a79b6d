using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Compiled.Benchmarks.Report;

/// <summary>One JSON line of a runner: a measurement with what identifies it.</summary>
public sealed record Measurement(string Framework, string Model, string Metric, double Value, int Repeat, int? Batch, int? Threads);

/// <summary>The measurements of one benchmark run, reduced to medians over repeats.</summary>
public sealed class Summary
{
    /// <summary>Our two builds and the peers, in table order.</summary>
    public static readonly string[] Ours = ["compiled-aot", "compiled-jit"];
    public static readonly string[] Peers = ["pytorch", "torchsharp", "onnxruntime"];
    public static readonly string[] TrainingPeers = ["pytorch", "torchsharp"];
    public static readonly string[] Models = BenchModels.All;

    private readonly List<Measurement> _all;

    private Summary(List<Measurement> all) => _all = all;

    public int Repeats => _all.Count == 0 ? 0 : _all.Max(m => m.Repeat);

    /// <summary>Reads every line starting with '{'; a line that is not a measurement is an error naming its number.</summary>
    public static Summary Read(string path)
    {
        var all = new List<Measurement>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (!line.StartsWith('{')) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                JsonElement e = doc.RootElement;
                all.Add(new Measurement(
                    e.GetProperty("framework").GetString()!, e.GetProperty("model").GetString()!, e.GetProperty("metric").GetString()!,
                    e.GetProperty("value").GetDouble(), e.TryGetProperty("repeat", out var r) ? r.GetInt32() : 1,
                    e.TryGetProperty("batch", out var b) ? b.GetInt32() : null, e.TryGetProperty("threads", out var t) ? t.GetInt32() : null));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}:{number}: not a measurement ({ex.Message})");
            }
        }
        return new Summary(all);
    }

    /// <summary>
    /// Median over repeats of a metric (for inference: at the given batch, at the best thread count, the highest rate);
    /// null when not measured. Training times go through <see cref="TrainSeconds"/>, which picks the thread count.
    /// </summary>
    public double? Median(string framework, string model, string metric, int? batch = null)
    {
        var rows = _all.Where(m => m.Framework == framework && m.Model == model && m.Metric == metric && (batch is null || m.Batch == batch)).ToList();
        if (rows.Count == 0) return null;
        // Several thread counts (inference): each thread count's median, then the best of them (highest rate).
        return rows.GroupBy(m => m.Threads).Select(g => MedianOf(g.Select(m => m.Value))).Max();
    }

    /// <summary>
    /// Median over repeats of the epoch time at <paramref name="threads"/>, by default at the run's thread count (the most
    /// threads measured; --scaling adds our builds' one-thread epochs, which only the speed-up row reads).
    /// </summary>
    public double? TrainSeconds(string framework, string model, int? threads = null)
    {
        var rows = _all.Where(m => m.Framework == framework && m.Model == model && m.Metric == "train_seconds_per_epoch").ToList();
        if (rows.Count == 0) return null;
        int wanted = threads ?? rows.Max(m => m.Threads ?? 0);
        var at = rows.Where(m => (m.Threads ?? 0) == wanted).Select(m => m.Value).ToList();
        return at.Count == 0 ? null : MedianOf(at);
    }

    /// <summary>The thread count of the run's training epochs (the most threads measured); null when none.</summary>
    public int? TrainThreads(string framework, string model) =>
        _all.Where(m => m.Framework == framework && m.Model == model && m.Metric == "train_seconds_per_epoch")
            .Select(m => m.Threads).DefaultIfEmpty(null).Max();

    /// <summary>The thread count whose median gave <see cref="Median"/> for inference.</summary>
    public int? BestThreads(string framework, string model, int batch)
    {
        var groups = _all.Where(m => m.Framework == framework && m.Model == model && m.Metric == "infer_images_per_second" && m.Batch == batch)
            .GroupBy(m => m.Threads).Select(g => (g.Key, Median: MedianOf(g.Select(m => m.Value)))).ToList();
        return groups.Count == 0 ? null : groups.MaxBy(g => g.Median).Key;
    }

    /// <summary>The FMA peak: the highest probe of the run (a peak; the machine's load only lowers it).</summary>
    public (double Gflops, int Threads)? FmaPeak()
    {
        var probes = _all.Where(m => m.Metric == "fma_peak_gflops").ToList();
        if (probes.Count == 0) return null;
        Measurement best = probes.MaxBy(m => m.Value)!;
        return (best.Value, best.Threads ?? 0);
    }

    /// <summary>Every core-to-core round trip our runs measured at their start (ns; runs on more than one thread only).</summary>
    public IReadOnlyList<double> CoreRoundTrips() =>
        _all.Where(m => m.Metric == "core_round_trip_ns").Select(m => m.Value).ToList();

    /// <summary>True when <paramref name="framework"/> said it cannot run <paramref name="model"/> yet (a "not_available" line).</summary>
    public bool NotAvailable(string framework, string model) =>
        _all.Any(m => m.Framework == framework && m.Model == model && m.Metric == "not_available");

    /// <summary>True when any measurement of <paramref name="framework"/> on <paramref name="model"/> exists (not_available included).</summary>
    public bool Ran(string framework, string model) => _all.Any(m => m.Framework == framework && m.Model == model);

    /// <summary>Every measurement of <paramref name="framework"/> on <paramref name="model"/> (for completeness checks).</summary>
    public IEnumerable<Measurement> Of(string framework, string model) =>
        _all.Where(m => m.Framework == framework && m.Model == model);

    public double? Scalar(string framework, string metric) =>
        _all.Where(m => m.Framework == framework && m.Metric == metric).Select(m => m.Value).DefaultIfEmpty(double.NaN).Max() is double v && !double.IsNaN(v) ? v : null;

    public static double MedianOf(IEnumerable<double> values)
    {
        double[] v = values.OrderBy(x => x).ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    public static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>Writes a file through a temporary name and a rename, so a reader never sees half of it.</summary>
public static class AtomicWrite
{
    public static void Text(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
