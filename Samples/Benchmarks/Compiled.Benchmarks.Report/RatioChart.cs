using System.Collections.Generic;
using System.IO;
using ScottPlot;
using static Compiled.Benchmarks.Report.Summary;

namespace Compiled.Benchmarks.Report;

/// <summary>A PNG bar chart: per model and figure, our NativeAOT and JIT builds' ratio against the faster peer; a line marks 1.</summary>
public static class RatioChart
{
    private static readonly System.Collections.Generic.Dictionary<string, string> ChartNames = new()
    {
        ["mlp"] = "MLP", ["lenet5"] = "LeNet-5", ["vgg"] = "VGG", ["resnet"] = "ResNet",
    };

    public static void Save(Summary s, string path)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        Color aot = Colors.SteelBlue, jit = Colors.Orange;
        double x = 0;
        foreach (string model in Models)
        {
            string name = ChartNames[model];
            foreach (var (label, ratio) in new (string, System.Func<string, double?>)[]
            {
                ("train", o => MarkdownTable.TrainingRatio(s, o, model)),
                ("infer b64", o => MarkdownTable.InferenceRatio(s, o, model, 64)),
                ("infer b1", o => MarkdownTable.InferenceRatio(s, o, model, 1)),
            })
            {
                if (ratio("compiled-aot") is double a) bars.Add(new Bar { Position = x - 0.2, Value = a, Size = 0.4, FillColor = aot });
                if (ratio("compiled-jit") is double j) bars.Add(new Bar { Position = x + 0.2, Value = j, Size = 0.4, FillColor = jit });
                ticks.Add(new Tick(x, $"{name}\n{label}"));
                x += 1.2;
            }
        }
        plot.Add.Bars(bars);
        var one = plot.Add.HorizontalLine(1);
        one.LinePattern = LinePattern.Dashed;
        one.Color = Colors.Gray;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.Title("Compiled vs the faster peer (above 1: Compiled faster)");
        plot.YLabel("ratio");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "NativeAOT", FillColor = aot });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "JIT", FillColor = jit });
        plot.ShowLegend(Alignment.UpperRight);
        string tmp = path + ".tmp.png";
        plot.SavePng(tmp, 1400, 500);
        File.Move(tmp, path, overwrite: true);
    }
}
