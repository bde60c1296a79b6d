using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using static Compiled.Benchmarks.Report.Summary;

namespace Compiled.Benchmarks.Report;

/// <summary>The benchmark's Markdown table: per model, each figure for our two builds and the peers, and the ratio.</summary>
public static class MarkdownTable
{
    private static readonly Dictionary<string, string> Names = new()
    {
        ["compiled-aot"] = "Compiled (NativeAOT)", ["compiled-jit"] = "Compiled (JIT)",
        ["pytorch"] = "PyTorch", ["torchsharp"] = "TorchSharp", ["onnxruntime"] = "ONNX Runtime",
    };
    private static readonly Dictionary<string, string> ModelNames = new() { ["mlp"] = "MLP 784-128-64-10", ["lenet5"] = "LeNet-5" };

    /// <summary>Ratio of ours to the best peer where higher is better for ours (speed-ups).</summary>
    public static double? TrainingRatio(Summary s, string ours, string model)
    {
        double? mine = s.Median(ours, model, "train_seconds_per_epoch");
        double? peer = TrainingPeers.Select(p => s.Median(p, model, "train_seconds_per_epoch")).Where(v => v is not null).Min();
        return mine is double m && peer is double p ? p / m : null;
    }

    public static double? InferenceRatio(Summary s, string ours, string model, int batch)
    {
        double? mine = s.Median(ours, model, "infer_images_per_second", batch);
        double? peer = Peers.Select(p => s.Median(p, model, "infer_images_per_second", batch)).Where(v => v is not null).Max();
        return mine is double m && peer is double p ? m / p : null;
    }

    public static string Write(Summary s, string cpu)
    {
        var (peak, peakThreads) = s.FmaPeak() ?? (double.NaN, 0);
        var sb = new StringBuilder();
        sb.AppendLine($"CPU: {cpu}; FMA peak measured in this run: {F(peak, "F0")} GFLOP/s ({peakThreads} threads); medians of {s.Repeats} repeat(s).");
        sb.AppendLine();
        string[] frameworks = [.. Ours, .. Peers];
        sb.AppendLine("| Model | Figure | " + string.Join(" | ", frameworks.Select(f => Names[f])) + " | Ours vs the faster peer |");
        sb.AppendLine("|---|---|" + string.Concat(frameworks.Select(_ => "---:|")) + "---:|");
        foreach (string model in Models)
        {
            string name = ModelNames[model];
            var flops = FlopsPerImage(model);
            double? images = s.Scalar("compiled-jit", "train_images") ?? s.Scalar("compiled-aot", "train_images");

            Row(sb, name, "training epoch (s)", frameworks, f => Peers.Contains(f) && !TrainingPeers.Contains(f) ? "—" : Cell(s.Median(f, model, "train_seconds_per_epoch"), "F3"),
                Ratio(s, model, (o, m) => TrainingRatio(s, o, m)));
            Row(sb, name, "test accuracy after it (%)", frameworks, f => Cell(s.Median(f, model, "test_accuracy") * 100, "F2"), "");
            foreach (int batch in new[] { 64, 1 })
                Row(sb, name, $"inference batch {batch} (images/s, best threads)", frameworks,
                    f => s.Median(f, model, "infer_images_per_second", batch) is double v ? $"{Rate(v)} ({s.BestThreads(f, model, batch)}t)" : "—",
                    Ratio(s, model, (o, m) => InferenceRatio(s, o, m, batch)));
            Row(sb, name, "training GFLOP/s (share of peak)", frameworks, f =>
                Ours.Contains(f) && s.Median(f, model, "train_seconds_per_epoch") is double t && images is double n
                    ? Gflops(n * flops.Training / t / 1e9, peak) : "—", "");
            Row(sb, name, "inference batch 64 GFLOP/s (share of peak)", frameworks, f =>
                Ours.Contains(f) && s.Median(f, model, "infer_images_per_second", 64) is double r
                    ? Gflops(r * flops.Forward / 1e9, peak) : "—", "");
            Row(sb, name, "peak resident memory (MiB)", frameworks, f => Cell(s.Median(f, model, "peak_rss_mib"), "F0"), "");
            Row(sb, name, "time to first batch (s, from process start)", frameworks, f => Cell(s.Median(f, model, "first_batch_seconds"), "F3"), "");
        }
        foreach (string model in new[] { "VGG-style (conv3x3 32-32-pool-64-64-pool, dense 256, 10)", "small ResNet" })
            sb.AppendLine($"| {model} | every figure | " + string.Join(" | ", frameworks.Select(_ => "n/a (issue 8)")) + " | n/a (issue 8) |");
        sb.AppendLine();
        if (s.Scalar("compiled-aot", "binary_bytes") is double bytes)
            sb.AppendLine($"NativeAOT binary: {F(bytes / (1024 * 1024), "F1")} MiB.");
        sb.AppendLine("Ratios: a peer's time over ours for training (against the faster of PyTorch and TorchSharp), our images/s over the " +
                      "fastest peer's for inference (each at its best thread count); above 1 means ours is faster. " +
                      "GFLOP/s count the multiply-adds of the layers with weights (forward; training adds the weight and input gradients).");
        return sb.ToString();
    }

    private static string Ratio(Summary s, string model, Func<string, string, double?> ratio)
    {
        double? aot = ratio("compiled-aot", model), jit = ratio("compiled-jit", model);
        return $"{(aot is double a ? F(a, "F2") + "x" : "—")} AOT / {(jit is double j ? F(j, "F2") + "x" : "—")} JIT";
    }

    private static void Row(StringBuilder sb, string model, string figure, string[] frameworks, Func<string, string> cell, string ratio) =>
        sb.AppendLine($"| {model} | {figure} | {string.Join(" | ", frameworks.Select(cell))} | {ratio} |");

    private static string Cell(double? v, string format) => v is double x ? F(x, format) : "—";

    private static string Rate(double v) => v >= 1e4 ? F(v / 1e3, "F0") + "k" : v >= 1e3 ? F(v / 1e3, "F1") + "k" : F(v, "F0");

    private static string Gflops(double g, double peak) => double.IsNaN(peak) ? F(g, "F1") : $"{F(g, "F1")} ({F(100 * g / peak, "F0")}%)";
}
