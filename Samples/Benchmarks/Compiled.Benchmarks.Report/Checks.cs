using System.Collections.Generic;
using System.Linq;
using static Compiled.Benchmarks.Report.Summary;

namespace Compiled.Benchmarks.Report;

/// <summary>
/// What a complete run must contain (bench-report --require, which CI uses): every measurement each required framework
/// produces for each model, the FMA probe, the AOT binary's size; and PyTorch's count of multiply-adds (from the shapes
/// its modules see) equal to <see cref="Flops"/>'s, so the GFLOP/s are computed for the models that actually ran.
/// </summary>
public static class Checks
{
    private static readonly string[] Training = ["train_images", "train_seconds_per_epoch", "first_batch_seconds"];
    private static readonly string[] Common = ["test_accuracy", "peak_rss_mib"];

    /// <summary>The problems of <paramref name="s"/> for <paramref name="frameworks"/> on <paramref name="models"/>; empty when complete.</summary>
    /// <param name="scaling">Also require our builds' one-thread epoch (run.sh --scaling) for every model.</param>
    public static List<string> Problems(Summary s, IReadOnlyCollection<string> frameworks, IReadOnlyCollection<string> models, bool scaling = false)
    {
        var problems = new List<string>();
        if (s.FmaPeak() is null) problems.Add("no FMA probe measurement (fma_peak_gflops)");
        if (frameworks.Contains("compiled-aot") && s.Scalar("compiled-aot", "binary_bytes") is null)
            problems.Add("compiled-aot: no binary_bytes");
        foreach (string framework in frameworks)
            foreach (string model in models)
            {
                // Our runner may say it cannot build a model yet; that is a complete answer for that model.
                if (Ours.Contains(framework) && s.NotAvailable(framework, model)) continue;
                var metrics = s.Of(framework, model).Select(m => (m.Metric, m.Batch)).ToHashSet();
                IEnumerable<string> expected = framework == "onnxruntime" ? Common : [.. Training, .. Common];
                if (framework == "pytorch") expected = expected.Append("forward_macs_per_image");
                foreach (string metric in expected)
                    if (!metrics.Any(m => m.Metric == metric)) problems.Add($"{framework} {model}: no {metric}");
                foreach (int batch in new[] { 64, 1 })
                    if (!metrics.Contains(("infer_images_per_second", batch)))
                        problems.Add($"{framework} {model}: no infer_images_per_second at batch {batch}");
                if (scaling && Ours.Contains(framework) && s.TrainSeconds(framework, model, 1) is null)
                    problems.Add($"{framework} {model}: no one-thread train_seconds_per_epoch (--scaling)");
            }
        problems.AddRange(FlopCountMismatches(s));
        return problems;
    }

    /// <summary>Models whose PyTorch multiply-add count differs from <see cref="Flops.For"/>.</summary>
    public static IEnumerable<string> FlopCountMismatches(Summary s)
    {
        foreach (string model in Models)
            if (s.Median("pytorch", model, "forward_macs_per_image") is double measured && measured != Flops.For(model).ForwardMacs)
                yield return $"{model}: PyTorch counts {measured:F0} forward multiply-adds per image, the report {Flops.For(model).ForwardMacs} (Flops.cs disagrees with the model that ran)";
    }
}
