using System;
using System.Collections.Generic;
using System.Text;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// The Keras-style summary: one row per layer (name and kind, output shape, parameters) and the totals.
/// Plain ASCII, '\n' line ends, so it reads the same in a console, a const string and an XML doc comment.
/// </summary>
internal static class SummaryBuilder
{
    private const string LayerHeader = "Layer (type)";
    private const string ShapeHeader = "Output shape";
    private const string ParamsHeader = "Params";

    public static string Build(ShapedNetwork network, int parameterCount, long workspacePerSample, long columns)
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
        text.Append("Total params: ").Append(Invariant.Grouped(parameterCount)).Append('\n');
        text.Append("Workspace per sample: ").Append(Invariant.Grouped(workspacePerSample)).Append(" floats (")
            .Append(Kilobytes(workspacePerSample)).Append(" KB)");
        if (columns > 0) text.Append(", plus ").Append(Invariant.Grouped(columns)).Append(" floats of im2col columns per thread");
        text.Append('\n');
        return text.ToString();

        static string Kilobytes(long floats) => (floats * 4 / 1024.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

        string Row(string layer, string shape, string parameters)
            => layer.PadRight(layerWidth + 2) + shape.PadRight(shapeWidth + 2) + parameters.PadLeft(paramsWidth) + "\n";
    }
}
