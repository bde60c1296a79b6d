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
/// The graph itself is built by <see cref="GraphBuilder"/>, which expands the blocks a network uses.
/// </summary>
internal static class ShapeInference
{
    public static StageResult<ShapedNetwork> Infer(string key, NetworkDeclaration network, BlockTable blocks)
    {
        var diagnostics = new List<DiagnosticInfo>();
        (string Name, string Identifier)[] names = LayerNames.Resolve(network.Layers, diagnostics);
        for (int i = 0; i < network.Layers.Count; i++) ArgumentChecks.Check(network.Layers[i], names[i].Name, diagnostics);
        CheckStructure(network, names, diagnostics);
        if (diagnostics.Count > 0) return Failed(key, diagnostics);

        TensorShape input = network.Input.Count == 1
            ? TensorShape.Flat(network.Input[0])
            : TensorShape.Spatial(network.Input[0], network.Input[1], network.Input[2]);
        NetworkGraph? graph = GraphBuilder.Build(network, names, input, blocks, diagnostics);
        if (graph is null || diagnostics.Count > 0) return Failed(key, diagnostics);
        return new StageResult<ShapedNetwork>(key, new ShapedNetwork(network, graph), EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>Without blocks (tests and callers that have none).</summary>
    public static StageResult<ShapedNetwork> Infer(string key, NetworkDeclaration network) => Infer(key, network, BlockTable.Empty);

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
            if (layer.Structure is not (StructureKind.Layer or StructureKind.Use))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockStructure, layer.Site, layer.AttributeName, network.ClassName,
                    "is a network's attribute here; forks and joins are declared inside a [Block] class, which the network then uses with [Use(typeof(TheBlock))]"));
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
