using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Geometry;

/// <summary>
/// The generator's shapes of Conv2D, MaxPool and AvgPool against PyTorch's over a grid of geometries
/// (tests/fixtures/pytorch/geometry_shapes.json, made by tests/fixtures/make_geometry_shape_fixtures.py: rectangular
/// kernels, strides and padding, dilation, groups, pool padding and ceil mode, rectangular pool windows, strides and padding):
/// every geometry PyTorch runs gets PyTorch's
/// output shape, every one PyTorch refuses gets exactly one error on its attribute (CMP0008 for a kernel or window larger
/// than the padded input, CMP0027 for groups, CMP0028 for pool padding above half the window).
/// </summary>
public sealed class GeometryShapeTests
{
    private sealed record Case(int Index, JsonElement Json, string Kind, int[] Input, string Layer, int[]? Output, string? Error);

    [Fact]
    public void Shapes_and_errors_match_PyTorch_over_a_grid_of_geometries()
    {
        List<Case> cases = LoadCases();
        Assert.True(cases.Count >= 500, $"geometry_shapes.json holds {cases.Count} cases");
        Assert.Contains(cases, c => c.Error is not null);
        Assert.Contains(cases, c => c.Output is not null && c.Kind != "conv" && c.Json.GetProperty("ceilMode").GetBoolean());
        // Rectangular pools, run and refused (pairs in the fixture).
        Assert.Contains(cases, c => c.Output is not null && c.Kind != "conv" && c.Json.GetProperty("window").ValueKind == JsonValueKind.Array);
        Assert.Contains(cases, c => c.Error is not null && c.Kind != "conv" && c.Json.GetProperty("window").ValueKind == JsonValueKind.Array);

        // One source, one network per line, so that a diagnostic's line names its case.
        var source = new StringBuilder("using Compiled;\nnamespace Shapes;\n");
        int firstLine = 2;
        foreach (Case c in cases)
        {
            source.Append($"[Network(Training = false), Input({string.Join(", ", c.Input)}), {c.Layer}] public partial class Case{c.Index};\n");
        }
        GeneratorOutcome outcome = GeneratorHarness.Run(source.ToString());
        Assert.Null(outcome.Generator.Exception);
        ILookup<int, Diagnostic> byCase = outcome.GeneratorDiagnostics.ToLookup(d => d.Location.GetLineSpan().StartLinePosition.Line - firstLine);
        Assert.Empty(outcome.CompilationProblems);

        var failures = new List<string>();
        foreach (Case c in cases)
        {
            Diagnostic[] diagnostics = byCase[c.Index].ToArray();
            string what = $"case {c.Index}: [Input({string.Join(", ", c.Input)})] [{c.Layer}]";
            if (c.Error is not null)
            {
                string expected = c.Error.Contains("divisible by groups", StringComparison.Ordinal) ? "CMP0027"
                    : c.Error.Contains("pad should be at most half", StringComparison.Ordinal) ? "CMP0028"
                    : "CMP0008";
                if (diagnostics.Length != 1 || diagnostics[0].Id != expected)
                    failures.Add($"{what}: PyTorch refuses it ({c.Error}), expected one {expected}, got [{string.Join(", ", diagnostics.Select(d => d.Id))}]");
                continue;
            }
            if (diagnostics.Length > 0)
            {
                failures.Add($"{what}: PyTorch gives {Shape(c.Output!)}, the generator reported {string.Join("; ", diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))}");
                continue;
            }
            string prefix = c.Kind == "conv" ? "Conv1" : "Pool1";
            INamedTypeSymbol? type = outcome.Output.GetTypeByMetadataName($"Shapes.Case{c.Index}");
            int[] actual = new[] { "Channels", "Height", "Width" }
                .Select(axis => type?.GetMembers(prefix + "Output" + axis).OfType<IFieldSymbol>().SingleOrDefault()?.ConstantValue is int v ? v : -1)
                .ToArray();
            if (!actual.SequenceEqual(c.Output!)) failures.Add($"{what}: PyTorch gives {Shape(c.Output!)}, the generator {Shape(actual)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases differ from PyTorch:\n" + string.Join("\n", failures.Take(30)));
    }

    private static string Shape(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static List<Case> LoadCases()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(FixturePath()));
        var cases = new List<Case>();
        foreach (JsonElement json in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            JsonElement c = json.Clone();
            string kind = c.GetProperty("kind").GetString()!;
            string layer = kind == "conv" ? ConvLayer(c) : PoolLayer(c, kind);
            int[]? output = c.TryGetProperty("output", out JsonElement o) ? Ints(o) : null;
            string? error = c.TryGetProperty("error", out JsonElement e) ? e.GetString() : null;
            cases.Add(new Case(cases.Count, c, kind, Ints(c.GetProperty("input")), layer, output, error));
        }
        return cases;
    }

    /// <summary>The attribute: an int where both axes agree, a pair <c>new[] { h, w }</c> otherwise; defaults left out.</summary>
    private static string ConvLayer(JsonElement c)
    {
        var text = new StringBuilder($"Conv2D({c.GetProperty("filters").GetInt32()}, Kernel = {Pair(c.GetProperty("kernel"))}");
        text.Append(", Stride = ").Append(Pair(c.GetProperty("stride")));
        text.Append(", Padding = ").Append(Pair(c.GetProperty("padding")));
        text.Append(", Dilation = ").Append(Pair(c.GetProperty("dilation")));
        int groups = c.GetProperty("groups").GetInt32();
        if (groups != 1) text.Append(", Groups = ").Append(groups);
        return text.Append(')').ToString();
    }

    private static string PoolLayer(JsonElement c, string kind)
    {
        var text = new StringBuilder(kind == "maxpool" ? "MaxPool(" : "AvgPool(");
        text.Append(Pair(c.GetProperty("window")));
        // 0 (both axes) is PyTorch's stride=None: left out, so the attribute's default (the window) applies.
        if (Ints(c.GetProperty("stride")).Any(s => s != 0)) text.Append(", Stride = ").Append(Pair(c.GetProperty("stride")));
        if (Ints(c.GetProperty("padding")).Any(p => p != 0)) text.Append(", Padding = ").Append(Pair(c.GetProperty("padding")));
        if (c.GetProperty("ceilMode").GetBoolean()) text.Append(", CeilMode = true");
        return text.Append(')').ToString();
    }

    /// <summary>An int as is; a pair as an int where both axes agree, <c>new[] { h, w }</c> otherwise.</summary>
    private static string Pair(JsonElement pair)
    {
        if (pair.ValueKind == JsonValueKind.Number) return pair.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        int[] v = Ints(pair);
        return v[0] == v[1] ? v[0].ToString(System.Globalization.CultureInfo.InvariantCulture) : $"new[] {{ {v[0]}, {v[1]} }}";
    }

    /// <summary>An array's ints, or an int as a one-element array.</summary>
    private static int[] Ints(JsonElement array)
        => array.ValueKind == JsonValueKind.Number ? new[] { array.GetInt32() } : array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static string FixturePath()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Compiled.sln")))
                return Path.Combine(dir.FullName, "tests", "fixtures", "pytorch", "geometry_shapes.json");
        }
        throw new DirectoryNotFoundException($"No directory holding Compiled.sln above {AppContext.BaseDirectory}.");
    }
}
