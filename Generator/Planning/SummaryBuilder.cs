using System;
using System.Collections.Generic;
using System.Text;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// The Keras-style summary: one row per layer (name and kind, output shape, parameters) and the totals, then the
/// compile-time cost report (<see cref="CostModel"/>): per layer the FLOPs of its forward and backward passes for one
/// sample, its parameter and activation memory and the algorithm its kernels run, and the totals. Plain ASCII, '\n'
/// line ends, at most 100 columns for ordinary names, so it reads the same in a console, a const string and an XML doc
/// comment (the IDE's hover).
/// </summary>
internal static class SummaryBuilder
{
    private const string LayerHeader = "Layer (type)";
    private const string ShapeHeader = "Output shape";
    private const string ParamsHeader = "Params";

    public static string Build(ShapedNetwork network, int parameterCount, long workspacePerSample, long columns, IReadOnlyList<LayerPlan> layers)
    {
        var rows = new List<(string Layer, string Shape, string Params)>
        {
            ("input (Input)", network.Graph.Input.ToString(), "0"),
        };
        foreach (GraphNode node in network.Graph.Nodes)
        {
            rows.Add(($"{node.FullName} ({node.Descriptor.Describe(node)})", node.Output.ToString(), Invariant.Grouped(node.ParameterCount)));
        }

        int layerWidth = LayerHeader.Length, shapeWidth = ShapeHeader.Length, paramsWidth = ParamsHeader.Length;
        foreach ((string layer, string shape, string parameters) in rows)
        {
            layerWidth = Math.Max(layerWidth, layer.Length);
            shapeWidth = Math.Max(shapeWidth, shape.Length);
            paramsWidth = Math.Max(paramsWidth, parameters.Length);
        }
        int width = layerWidth + 2 + shapeWidth + 2 + paramsWidth;

        var text = new StringBuilder();
        text.Append("Network: ").Append(network.Declaration.ClassName).Append('\n');
        text.Append(Row(LayerHeader, ShapeHeader, ParamsHeader));
        text.Append('=', width).Append('\n');
        foreach ((string layer, string shape, string parameters) in rows) text.Append(Row(layer, shape, parameters));
        text.Append('=', width).Append('\n');
        text.Append("Total params: ").Append(Invariant.Grouped(parameterCount)).Append(" (").Append(Kilobytes(parameterCount)).Append(" KB)\n");
        string workspace = "Workspace per sample: " + Invariant.Grouped(workspacePerSample) + " floats (" + Kilobytes(workspacePerSample) + " KB)";
        if (columns > 0)
        {
            string plus = "plus " + Invariant.Grouped(columns) + " floats of im2col columns per thread";
            // On a second line where one would pass 100 columns (large networks).
            workspace += workspace.Length + plus.Length + 2 <= 100 ? ", " + plus : ",\n  " + plus;
        }
        text.Append(workspace).Append('\n');
        AppendCosts(text, CostModel.Of(layers, network.Declaration.Training), network.Declaration.Training);
        return text.ToString();

        static string Kilobytes(long floats) => (floats * 4 / 1024.0).ToString("#,0.0", System.Globalization.CultureInfo.InvariantCulture);

        string Row(string layer, string shape, string parameters)
            => layer.PadRight(layerWidth + 2) + shape.PadRight(shapeWidth + 2) + parameters.PadLeft(paramsWidth) + "\n";
    }

    private const string CostHeader = "Cost per sample";

    /// <summary>The cost table: FLOPs, memory (KB) and algorithm per layer, the totals, and what the numbers count.</summary>
    private static void AppendCosts(StringBuilder text, IReadOnlyList<LayerCost> costs, bool training)
    {
        string[] headers = { CostHeader, "Fwd FLOPs", "Bwd FLOPs", "Param KB", "Act. KB", training ? "Algorithm (fwd / dw / dx)" : "Algorithm" };
        var rows = new List<string[]>();
        long forward = 0, backward = 0, parameters = 0, activations = 0;
        foreach (LayerCost cost in costs)
        {
            forward += cost.ForwardFlops;
            backward += cost.BackwardFlops;
            parameters += cost.ParameterFloats;
            activations += cost.ActivationValues;
            rows.Add(new[]
            {
                cost.Node.FullName, Flops(cost.ForwardFlops), training ? Flops(cost.BackwardFlops) : "-",
                cost.ParameterFloats == 0 ? "-" : Kilobytes(cost.ParameterFloats), cost.ActivationValues == 0 ? "-" : Kilobytes(cost.ActivationValues),
                cost.Algorithm.Length == 0 ? "-" : cost.Algorithm,
            });
        }
        string[] total = { "Total", Invariant.Grouped(forward), training ? Invariant.Grouped(backward) : "-", Kilobytes(parameters), Kilobytes(activations), "" };

        var widths = new int[headers.Length];
        foreach (string[] row in Concat(headers, rows, total))
        {
            for (int c = 0; c < row.Length; c++) widths[c] = Math.Max(widths[c], row[c].Length);
        }
        int width = 0;
        for (int c = 0; c < widths.Length; c++) width += widths[c] + (c == 0 ? 0 : 2);

        text.Append('\n');
        text.Append(CostRow(headers, widths));
        text.Append('=', width).Append('\n');
        foreach (string[] row in rows) text.Append(CostRow(row, widths));
        text.Append('=', width).Append('\n');
        text.Append(CostRow(total, widths));
        text.Append("FLOPs: 2 per multiply-add of Dense and Conv2D (bias, activations, pools, loss: none).\n");
        text.Append("Algorithm: for chunks of 5+ samples. On 1-4 samples (a call on one), the Dense forward runs as\n");
        text.Append("matrix-vector products, a grid, im2col or 3x3 tiles (3+ input channels) Conv2D forward of 9-64\n");
        text.Append("channels direct, channels in lanes.\n");
        var split = new List<string>();
        foreach (LayerCost cost in costs)
        {
            if (CostModel.SplitsOneSample(cost.Node)) split.Add(cost.Node.FullName);
        }
        if (split.Count > 0)
        {
            text.Append("A call on one sample on 2+ threads splits these layers by channels, features or rows over them:\n");
            AppendNames(text, split);
        }
        bool winograd = false, winogradSmall = false;
        foreach (LayerCost cost in costs)
        {
            winograd |= cost.Algorithm.Contains(CostModel.WinogradName);
            winogradSmall |= cost.Algorithm.Contains(CostModel.WinogradSmallName);
        }
        if (winograd) text.Append(CostModel.WinogradName).Append(": Winograd's F(4x4, 3x3), 36 multiply-adds per 4x4 outputs and channel pair, not 144.\n");
        bool channelVectors = false;
        foreach (LayerCost cost in costs) channelVectors |= cost.Algorithm.StartsWith(CostModel.ChannelVectorsName, StringComparison.Ordinal);
        if (channelVectors)
            text.Append(CostModel.ChannelVectorsName).Append(": a direct forward, output channels in the vector lanes, each input value broadcast.\n");
        if (winogradSmall) text.Append(CostModel.WinogradSmallName).Append(": Winograd's F(2x2, 3x3) (planes of at most 2x2), 16 multiply-adds per 2x2 outputs and channel pair, not 36.\n");
        if (training)
        {
            text.Append("Backward: weight gradient + input gradient (none for the first layer with parameters).\n");
            text.Append("Act.: output and saved tensors kept per sample, before liveness reuses memory.\n");
            var owned = new List<string>();
            foreach (LayerCost cost in costs)
            {
                if (cost.OwnedWeightGradient) owned.Add(cost.Node.FullName);
            }
            if (owned.Count > 0)
            {
                text.Append("dw owned (Dense, in*out >= ").Append(Invariant.Grouped(CostModel.OwnedWeightGradientFloats))
                    .Append("): on 2+ threads each thread sums its output features'\n")
                    .Append("dw and db over the whole batch; other layers' go to per-thread copies summed in thread order:\n");
                // The owned layers' names, wrapped to the summary's 100 columns.
                AppendNames(text, owned);
            }
        }
        else
        {
            text.Append("Act.: output and saved tensors written per sample, before liveness reuses memory.\n");
        }
        foreach (string[] row in rows)
        {
            if (!row[row.Length - 1].Contains("scatter|im2col")) continue;
            text.Append("scatter|im2col: per sample, dy's non-zeros scattered if at most half, else im2col+GEMM.\n");
            break;
        }

        static string Flops(long flops) => flops == 0 ? "-" : Invariant.Grouped(flops);

        static string Kilobytes(long values) => (values * 4 / 1024.0).ToString("#,0.0", System.Globalization.CultureInfo.InvariantCulture);

        static IEnumerable<string[]> Concat(string[] first, List<string[]> middle, string[] last)
        {
            yield return first;
            foreach (string[] row in middle) yield return row;
            yield return last;
        }
    }

    /// <summary>Name left-aligned, numbers right-aligned, the algorithm left-aligned without trailing spaces.</summary>
    private static string CostRow(string[] cells, int[] widths)
    {
        var row = new StringBuilder();
        row.Append(cells[0].PadRight(widths[0]));
        for (int c = 1; c < cells.Length - 1; c++) row.Append("  ").Append(cells[c].PadLeft(widths[c]));
        row.Append("  ").Append(cells[cells.Length - 1]);
        return row.ToString().TrimEnd() + "\n";
    }

    // Names separated by commas and ended by a full stop, wrapped to the summary's 100 columns.
    private static void AppendNames(StringBuilder text, List<string> names)
    {
        var line = new StringBuilder();
        for (int i = 0; i < names.Count; i++)
        {
            string name = names[i] + (i < names.Count - 1 ? "," : ".");
            if (line.Length > 0 && line.Length + 1 + name.Length > 100)
            {
                text.Append(line).Append('\n');
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(name);
        }
        text.Append(line).Append('\n');
    }
}
