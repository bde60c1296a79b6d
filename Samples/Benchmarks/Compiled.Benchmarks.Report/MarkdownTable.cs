using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using static Compiled.Benchmarks.Report.Summary;

namespace Compiled.Benchmarks.Report;

/// <summary>The benchmark's Markdown table: per model, each figure for our two builds and the peers, and the ratio.</summary>
public static class MarkdownTable
{
    public static readonly Dictionary<string, string> Names = new()
    {
        ["compiled-aot"] = "Compiled (NativeAOT)", ["compiled-jit"] = "Compiled (JIT)",
        ["pytorch"] = "PyTorch", ["torchsharp"] = "TorchSharp", ["onnxruntime"] = "ONNX Runtime",
    };

    /// <summary>The model column of the table (and the chart's labels), with the data set each model trains on.</summary>
    public static readonly Dictionary<string, string> ModelNames = new()
    {
        ["mlp"] = "MLP 784-128-64-10 (MNIST)", ["lenet5"] = "LeNet-5 (MNIST)",
        ["vgg"] = "VGG-style (Fashion-MNIST)", ["resnet"] = "small ResNet (Fashion-MNIST)",
    };

    /// <summary>The figures of each model, in row order (the CI check counts them).</summary>
    public static readonly string[] Figures =
    [
        "training epoch (s)", "test accuracy after it (%)",
        "inference batch 64 (images/s, best threads)", "inference batch 1 (images/s, best threads)",
        "training GFLOP/s (share of peak)", "inference batch 64 GFLOP/s (share of peak)",
        "peak resident memory (MiB)", "time to first batch (s, from process start)",
        "training speed-up, all threads over 1 thread (x)",
    ];

    public const string NotAvailableYet = "not available yet";

    /// <summary>Ratio of ours to the best peer where higher is better for ours (speed-ups).</summary>
    public static double? TrainingRatio(Summary s, string ours, string model)
    {
        double? mine = s.TrainSeconds(ours, model);
        double? peer = TrainingPeers.Select(p => s.TrainSeconds(p, model)).Where(v => v is not null).Min();
        return mine is double m && peer is double p ? p / m : null;
    }

    public static double? InferenceRatio(Summary s, string ours, string model, int batch)
    {
        double? mine = s.Median(ours, model, "infer_images_per_second", batch);
        double? peer = Peers.Select(p => s.Median(p, model, "infer_images_per_second", batch)).Where(v => v is not null).Max();
        return mine is double m && peer is double p ? m / p : null;
    }

    /// <summary>A round trip at or above this marks a run in a slow phase of the machine (CoreRoundTrip: ~120 against ~330 ns on the EPYC VMs).</summary>
    public const int SlowRoundTripNs = 200;

    public static string Write(Summary s, string cpu)
    {
        var (peak, peakThreads) = s.FmaPeak() ?? (double.NaN, 0);
        var sb = new StringBuilder();
        sb.AppendLine($"CPU: {cpu}; FMA peak measured in this run: {F(peak, "F0")} GFLOP/s ({peakThreads} threads); medians of {s.Repeats} repeat(s).");
        IReadOnlyList<double> trips = s.CoreRoundTrips();
        if (trips.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"Core-to-core round trip (a cache line passed between two threads, at the start of each of our multi-thread runs): " +
                $"median {F(Summary.MedianOf(trips), "F0")} ns, {F(trips.Min(), "F0")} to {F(trips.Max(), "F0")} ns; " +
                $"{trips.Count(t => t >= SlowRoundTripNs)} of {trips.Count} runs at {SlowRoundTripNs} ns or more, where runs that synchronize " +
                "their threads often (batch 1 on two threads, the MLP's training) are slower.");
        }
        sb.AppendLine();
        string[] frameworks = [.. Ours, .. Peers];
        sb.AppendLine("| Model | Figure | " + string.Join(" | ", frameworks.Select(f => Names[f])) + " | Ours vs the faster peer |");
        sb.AppendLine("|---|---|" + string.Concat(frameworks.Select(_ => "---:|")) + "---:|");
        foreach (string model in Models)
        {
            string name = ModelNames[model];
            if (!frameworks.Any(f => s.Ran(f, model)))
            {
                sb.AppendLine($"| {name} | not run | " + string.Join(" | ", frameworks.Select(_ => "—")) + " | — |");
                continue;
            }
            var flops = Flops.For(model);
            // A cell: "not available yet" where the framework said so, "—" where a figure does not apply or is missing.
            Func<string, string> Cells(Func<string, string> cell) => f => s.NotAvailable(f, model) ? NotAvailableYet : cell(f);
            double? Images(string f) => s.Median(f, model, "train_images");

            Row(sb, name, Figures[0], frameworks, Cells(f => Cell(s.TrainSeconds(f, model), "F3")),
                Ratio(s, model, (o, m) => TrainingRatio(s, o, m)));
            Row(sb, name, Figures[1], frameworks, Cells(f => Cell(s.Median(f, model, "test_accuracy") * 100, "F2")), "");
            for (int i = 0; i < 2; i++)
            {
                int batch = i == 0 ? 64 : 1;
                Row(sb, name, Figures[2 + i], frameworks,
                    Cells(f => s.Median(f, model, "infer_images_per_second", batch) is double v ? $"{Rate(v)} ({s.BestThreads(f, model, batch)}t)" : "—"),
                    Ratio(s, model, (o, m) => InferenceRatio(s, o, m, batch)));
            }
            Row(sb, name, Figures[4], frameworks, Cells(f =>
                s.TrainSeconds(f, model) is double t && Images(f) is double n
                    ? Gflops(n * flops.Training / t / 1e9, peak) : "—"), "");
            Row(sb, name, Figures[5], frameworks, Cells(f =>
                s.Median(f, model, "infer_images_per_second", 64) is double r ? Gflops(r * flops.Forward / 1e9, peak) : "—"), "");
            Row(sb, name, Figures[6], frameworks, Cells(f => Cell(s.Median(f, model, "peak_rss_mib"), "F0")), "");
            Row(sb, name, Figures[7], frameworks, Cells(f => Cell(s.Median(f, model, "first_batch_seconds"), "F3")), "");
            Row(sb, name, Figures[8], frameworks, Cells(f =>
                s.TrainThreads(f, model) is int n && n > 1 && s.TrainSeconds(f, model, 1) is double one && s.TrainSeconds(f, model) is double all
                    ? $"{F(one / all, "F2")} ({n}t)" : "—"), "");
        }
        sb.AppendLine();
        if (s.Scalar("compiled-aot", "binary_bytes") is double bytes)
            sb.AppendLine($"NativeAOT binary: {F(bytes / (1024 * 1024), "F1")} MiB.");
        sb.AppendLine("FLOPs per image, forward / training: " + string.Join("; ", Models.Select(m =>
        {
            var c = Flops.For(m);
            return $"{ModelNames[m]} {F(c.Forward / 1e6, "F2")} / {F(c.Training / 1e6, "F2")} M";
        })) + ".");
        foreach (string problem in Checks.FlopCountMismatches(s))
            sb.AppendLine($"**Warning:** {problem}.");
        sb.AppendLine();
        sb.AppendLine("Ratios: the faster of PyTorch's and TorchSharp's epoch time over ours for training; our images/s over the " +
                      "fastest peer's (PyTorch, TorchSharp, ONNX Runtime) for inference, each at its best thread count (in " +
                      "parentheses: 1t or all threads); above 1 means ours is faster. GFLOP/s count only the layers with weights " +
                      "(Conv2D, Dense), a multiply-add as 2 FLOPs: forward = 2 x multiply-adds; training = forward + weight " +
                      "gradients (as many) + input gradients of every weighted layer but the first (a little under 3x forward); " +
                      "bias, activations, batch norm, pooling, residual sums and the loss are not counted. The share is of the " +
                      "FMA peak the probe measured in this run, at all threads. Time to first batch: from process start (runtime " +
                      "start-up, data loading, model creation) to the end of the first optimizer step. Training speed-up (run.sh " +
                      "--scaling; our builds only): the epoch time at one thread over the time at all threads. \"not available yet\": the " +
                      "generator cannot build that model yet.");
        return sb.ToString();
    }

    private static string Ratio(Summary s, string model, Func<string, string, double?> ratio)
    {
        double? aot = ratio("compiled-aot", model), jit = ratio("compiled-jit", model);
        if (aot is null && jit is null && Ours.Any(o => s.NotAvailable(o, model))) return NotAvailableYet;
        return $"{(aot is double a ? F(a, "F2") + "x" : "—")} AOT / {(jit is double j ? F(j, "F2") + "x" : "—")} JIT";
    }

    private static void Row(StringBuilder sb, string model, string figure, string[] frameworks, Func<string, string> cell, string ratio) =>
        sb.AppendLine($"| {model} | {figure} | {string.Join(" | ", frameworks.Select(cell))} | {ratio} |");

    private static string Cell(double? v, string format) => v is double x ? F(x, format) : "—";

    private static string Rate(double v) => v >= 1e4 ? F(v / 1e3, "F0") + "k" : v >= 1e3 ? F(v / 1e3, "F1") + "k" : F(v, "F0");

    private static string Gflops(double g, double peak) => double.IsNaN(peak) ? F(g, "F1") : $"{F(g, "F1")} ({F(100 * g / peak, "F0")}%)";
}
