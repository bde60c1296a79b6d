// bench-report: reads the benchmark's JSON lines (one measurement each, from every runner and repeat), takes medians over
// the repeats, and writes a Markdown table (ours beside the peers, with ratios against the faster peer, GFLOP/s and share
// of the FMA peak measured in the same run) and a PNG bar chart of the ratios (ScottPlot).
using System;
using System.CommandLine;
using System.IO;
using Compiled.Benchmarks.Report;

var results = new Option<FileInfo>("--results") { Description = "the JSON lines run.sh collected", Required = true };
var table = new Option<FileInfo>("--table") { Description = "Markdown table to write", Required = true };
var chart = new Option<FileInfo>("--chart") { Description = "PNG bar chart of the ratios to write", Required = true };
var cpu = new Option<string>("--cpu") { Description = "the CPU line for the table's heading", DefaultValueFactory = _ => "unknown CPU" };
var root = new RootCommand("Medians, ratios, Markdown table and PNG chart of the benchmark's JSON lines.") { results, table, chart, cpu };
root.SetAction(parse =>
{
    FileInfo input = parse.GetValue(results)!;
    if (!input.Exists) { Console.Error.WriteLine($"bench-report: {input.FullName} not found"); return 1; }
    Summary summary;
    try { summary = Summary.Read(input.FullName); }
    catch (InvalidDataException e) { Console.Error.WriteLine($"bench-report: {e.Message}"); return 1; }
    string markdown = MarkdownTable.Write(summary, parse.GetValue(cpu)!);
    AtomicWrite.Text(parse.GetValue(table)!.FullName, markdown);
    RatioChart.Save(summary, parse.GetValue(chart)!.FullName);
    Console.Write(markdown);
    return 0;
});
return root.Parse(args).Invoke();
