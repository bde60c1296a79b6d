using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Shapes;

/// <summary>What a descriptor's shape inference sees of one node: its declaration, name, input shapes, and a place to report problems.</summary>
internal sealed class ShapeContext
{
    private readonly List<DiagnosticInfo> _diagnostics;

    public ShapeContext(LayerDeclaration declaration, string name, IReadOnlyList<TensorShape> inputs, string source, List<DiagnosticInfo> diagnostics)
    {
        Declaration = declaration;
        Name = name;
        Inputs = inputs;
        Source = source;
        _diagnostics = diagnostics;
    }

    public LayerDeclaration Declaration { get; }

    /// <summary>The node's resolved name (conv1).</summary>
    public string Name { get; }

    public IReadOnlyList<TensorShape> Inputs { get; }

    /// <summary>The (first) input's shape.</summary>
    public TensorShape Input => Inputs[0];

    /// <summary>Where the input comes from, for messages: "the network's input", "the output of 'pool1'".</summary>
    public string Source { get; }

    public ArgumentValue Argument(int index) => Declaration.Arguments[index];

    public void Report(DiagnosticDescriptor descriptor, params object[] arguments)
        => _diagnostics.Add(DiagnosticInfo.Create(descriptor, Declaration.Site, arguments));

    /// <summary>Whether <paramref name="elements"/> fit one array; otherwise reports CMP0016 naming <paramref name="what"/>.</summary>
    public bool FitsArray(string what, long elements)
    {
        if (elements <= int.MaxValue) return true;
        Report(DiagnosticDescriptors.NetworkTooLarge, Name, what, Invariant.Int(elements));
        return false;
    }

    /// <summary>Whether the input is channels × height × width; otherwise reports CMP0009.</summary>
    public bool RequireSpatial()
    {
        if (Input.IsSpatial) return true;
        Report(DiagnosticDescriptors.SpatialLayerOnFlatInput, Name, Declaration.AttributeName, Invariant.Int(Input.Length), " (" + Source + ")");
        return false;
    }
}
