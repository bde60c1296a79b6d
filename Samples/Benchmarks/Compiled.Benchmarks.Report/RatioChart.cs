using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ScottPlot;
using static Compiled.Benchmarks.Report.Summary;

namespace Compiled.Benchmarks.Report;

/// <summary>
/// A PNG bar chart: per model and figure, our NativeAOT and JIT builds' ratio against the faster peer, each bar labelled
/// with its ratio. The ratio axis is logarithmic, with bars starting at 1 (the dashed line): above it ours is faster, below
/// it slower, and 2x faster stands as tall as 2x slower hangs, however far apart the models' ratios are.
/// </summary>
public static class RatioChart
{
    private static readonly Dictionary<string, string> ChartNames = new()
    {
        ["mlp"] = "MLP", ["lenet5"] = "LeNet-5", ["vgg"] = "VGG", ["resnet"] = "ResNet",
    };

    public static void Save(Summary s, string path)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        Color aot = Colors.SteelBlue, jit = Colors.Orange;
        double x = 0, low = 0, high = 0;
        foreach (string model in Models)
        {
            foreach (var (label, ratio) in new (string, Func<string, double?>)[]
            {
                ("train", o => MarkdownTable.TrainingRatio(s, o, model)),
                ("infer b64", o => MarkdownTable.InferenceRatio(s, o, model, 64)),
                ("infer b1", o => MarkdownTable.InferenceRatio(s, o, model, 1)),
            })
            {
                foreach (var (framework, offset, color) in new[] { ("compiled-aot", -0.2, aot), ("compiled-jit", 0.2, jit) })
                {
                    if (ratio(framework) is not double r || !(r > 0)) continue;
                    double v = Math.Log10(r);
                    low = Math.Min(low, v);
                    high = Math.Max(high, v);
                    bars.Add(new Bar
                    {
                        Position = x + offset, Value = v, ValueBase = 0, Size = 0.4, FillColor = color,
                        Label = r.ToString(r >= 10 ? "F0" : "F2", CultureInfo.InvariantCulture) + "x",
                    });
                }
                string status = Ours.Any(o => s.NotAvailable(o, model)) && ratio("compiled-aot") is null && ratio("compiled-jit") is null
                    ? "\n(not yet)" : "";
                ticks.Add(new Tick(x, $"{ChartNames[model]}\n{label}{status}"));
                x += 1.2;
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        var one = plot.Add.HorizontalLine(0);
        one.LinePattern = LinePattern.Dashed;
        one.Color = Colors.Gray;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        // Ratio ticks at 1-2-5 steps on the log axis, labelled as ratios.
        var yTicks = new List<Tick>();
        for (int decade = -3; decade <= 3; decade++)
            foreach (double m in new[] { 1.0, 2.0, 5.0 })
            {
                double r = m * Math.Pow(10, decade), v = Math.Log10(r);
                if (v >= Math.Floor(low) - 0.01 && v <= Math.Ceiling(high) + 0.01)
                    yTicks.Add(new Tick(v, r.ToString(r < 1 ? "0.###" : "0", CultureInfo.InvariantCulture) + "x"));
            }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(yTicks.ToArray());
        double pad = Math.Max(0.1, (high - low) * 0.12);
        plot.Axes.SetLimits(-0.8, x - 0.4, low - pad, high + pad);
        plot.Title("Compiled vs the faster peer (log scale; above 1: Compiled faster)");
        plot.YLabel("ratio");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "NativeAOT", FillColor = aot });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "JIT", FillColor = jit });
        plot.ShowLegend(Alignment.UpperRight);
        string tmp = path + ".tmp.png";
        plot.SavePng(tmp, 1400, 560);
        File.Move(tmp, path, overwrite: true);
    }
}
