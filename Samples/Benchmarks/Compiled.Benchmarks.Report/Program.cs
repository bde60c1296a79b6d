// bench-report: reads the benchmark's JSON lines (one measurement each, from every runner and repeat), takes medians over
// the repeats, and writes a Markdown table (ours beside the peers, with ratios against the faster peer, GFLOP/s and share
// of the FMA peak measured in the same run) and a PNG bar chart of the ratios (ScottPlot). With --require, it then checks
// that the run is complete (Checks.cs) and fails naming every missing measurement.
using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using Compiled.Benchmarks;
using Compiled.Benchmarks.Report;

var results = new Option<FileInfo>("--results") { Description = "the JSON lines run.sh collected", Required = true };
var table = new Option<FileInfo>("--table") { Description = "Markdown table to write", Required = true };
var chart = new Option<FileInfo>("--chart") { Description = "PNG bar chart of the ratios to write", Required = true };
var cpu = new Option<string>("--cpu") { Description = "the CPU line for the table's heading", DefaultValueFactory = _ => "unknown CPU" };
var require = new Option<string>("--require")
{
    Description = "comma-separated frameworks whose every measurement must be present (e.g. compiled-jit,pytorch,onnxruntime); exit 1 naming what is missing",
};
var models = new Option<string>("--models")
{
    Description = "comma-separated models --require checks",
    DefaultValueFactory = _ => string.Join(',', BenchModels.All),
};
var requireScaling = new Option<bool>("--require-scaling")
{
    Description = "with --require: our builds' one-thread epochs (run.sh --scaling) must be present too",
};
var root = new RootCommand("Medians, ratios, Markdown table and PNG chart of the benchmark's JSON lines.")
{
    results, table, chart, cpu, require, models, requireScaling,
};
root.SetAction(parse =>
{
    FileInfo input = parse.GetValue(results)!;
    if (!input.Exists) { Console.Error.WriteLine($"bench-report: {input.FullName} not found"); return 1; }
    string[] Split(string? list) => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    string[] required = Split(parse.GetValue(require)), checkedModels = Split(parse.GetValue(models));
    foreach (string f in required.Where(f => !MarkdownTable.Names.ContainsKey(f)))
    {
        Console.Error.WriteLine($"bench-report: --require {f}: expected some of {string.Join(", ", MarkdownTable.Names.Keys)}");
        return 2;
    }
    foreach (string m in checkedModels.Where(m => !BenchModels.All.Contains(m)))
    {
        Console.Error.WriteLine($"bench-report: --models {m}: expected some of {string.Join(", ", BenchModels.All)}");
        return 2;
    }
    Summary summary;
    try { summary = Summary.Read(input.FullName); }
    catch (InvalidDataException e) { Console.Error.WriteLine($"bench-report: {e.Message}"); return 1; }
    string markdown = MarkdownTable.Write(summary, parse.GetValue(cpu)!);
    AtomicWrite.Text(parse.GetValue(table)!.FullName, markdown);
    RatioChart.Save(summary, parse.GetValue(chart)!.FullName);
    Console.Write(markdown);
    if (required.Length == 0) return 0;
    var problems = Checks.Problems(summary, required, checkedModels, parse.GetValue(requireScaling));
    foreach (string p in problems) Console.Error.WriteLine($"bench-report: incomplete: {p}");
    if (problems.Count > 0) return 1;
    Console.Error.WriteLine($"bench-report: complete: {string.Join(", ", required)} on {string.Join(", ", checkedModels)}");
    return 0;
});
return root.Parse(args).Invoke();
