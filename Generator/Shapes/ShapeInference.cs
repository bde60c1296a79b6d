using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes;

/// <summary>
/// Checks a parsed network and builds its graph with every node's shapes: names, argument ranges and structure (input,
/// loss head position, loss head when training) first, all reported together; then each node's shape from its inputs
/// by its descriptor, stopping at the first node that cannot take its input (the shapes after it would be meaningless).
/// Today's declarations are chains: node i reads node i − 1 (the first reads the network's input).
/// </summary>
internal static class ShapeInference
{
    public static StageResult<ShapedNetwork> Infer(string key, NetworkDeclaration network)
    {
        var diagnostics = new List<DiagnosticInfo>();
        (string Name, string Identifier)[] names = LayerNames.Resolve(network.Layers, diagnostics);
        for (int i = 0; i < network.Layers.Count; i++) ArgumentChecks.Check(network.Layers[i], names[i].Name, diagnostics);
        CheckStructure(network, names, diagnostics);
        if (diagnostics.Count > 0) return Failed(key, diagnostics);

        TensorShape input = network.Input.Count == 1
            ? TensorShape.Flat(network.Input[0])
            : TensorShape.Spatial(network.Input[0], network.Input[1], network.Input[2]);
        var nodes = new List<GraphNode>(network.Layers.Count);
        TensorShape current = input;
        string source = "the network's input";
        long parameters = 0;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            LayerDeclaration layer = network.Layers[i];
            var context = new ShapeContext(layer, names[i].Name, new[] { current }, source, diagnostics);
            InferredShape? inferred = layer.Descriptor.Infer(context);
            if (inferred is null) return Failed(key, diagnostics);
            var node = new GraphNode(
                i, names[i].Name, names[i].Identifier, "", layer.Descriptor, layer.AttributeName, layer.Arguments,
                new EquatableArray<int>(new[] { i - 1 }), new EquatableArray<TensorShape>(new[] { current }),
                inferred.Output, inferred.Window, layer.Site);
            parameters += node.ParameterCount;
            if (parameters > int.MaxValue)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, layer.Site, names[i].Name, "the parameter buffer", Invariant.Int(parameters)));
                return Failed(key, diagnostics);
            }
            nodes.Add(node);
            current = inferred.Output;
            source = "the output of '" + node.Name + "'";
        }

        var graph = new NetworkGraph(input, new EquatableArray<GraphNode>(nodes.ToArray()));
        return new StageResult<ShapedNetwork>(key, new ShapedNetwork(network, graph), EquatableArray<DiagnosticInfo>.Empty);
    }

    private static void CheckStructure(NetworkDeclaration network, (string Name, string Identifier)[] names, List<DiagnosticInfo> diagnostics)
    {
        if (network.Input.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, DiagnosticSite.Network, network.ClassName));
        }
        else
        {
            long length = 1;
            bool valid = true;
            foreach (int dimension in network.Input)
            {
                valid &= dimension >= 1;
                length *= System.Math.Max(dimension, 1);
                if (length > int.MaxValue) length = (long)int.MaxValue + 1;
            }
            if (!valid)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, network.InputSite, string.Join(", ", network.Input), network.ClassName));
            else if (length > int.MaxValue)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, network.InputSite, "input", "one input sample", ">" + Invariant.Int(int.MaxValue)));
        }

        int loss = -1;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            LayerDeclaration layer = network.Layers[i];
            if (loss >= 0)
            {
                LayerDeclaration head = network.Layers[loss];
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerAfterLossHead, layer.Site,
                    names[i].Name, layer.AttributeName, names[loss].Name, head.AttributeName));
                break;
            }
            if (layer.Descriptor.Role == LayerRole.Loss) loss = i;
        }

        if (loss == 0 || network.Layers.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, loss == 0 ? network.Layers[0].Site : DiagnosticSite.Network, network.ClassName));
        else if (loss < 0 && network.Training)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingLossHead, DiagnosticSite.Network, network.ClassName));
    }

    private static StageResult<ShapedNetwork> Failed(string key, List<DiagnosticInfo> diagnostics)
        => StageResult<ShapedNetwork>.Failed(key, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
}
