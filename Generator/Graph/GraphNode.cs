using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Graph;

/// <summary>
/// One node of a network's graph: a layer (or a join of several inputs), its normalized arguments and the shapes of its
/// inputs and output. Plain equatable data; what the node computes is its <see cref="Descriptor"/>'s business.
/// </summary>
/// <param name="Index">Its position in the graph's topological order.</param>
/// <param name="Name">The layer's name (explicit or default: conv1, fc2, relu3, loss), without the block prefix.</param>
/// <param name="Identifier">The full name as a C# identifier part in PascalCase (conv1 → Conv1, leaky_relu1 → LeakyRelu1).</param>
/// <param name="Prefix">The path of the block it belongs to (<c>layer2.0.</c>); empty for a layer of the network itself.</param>
/// <param name="Descriptor">Its kind.</param>
/// <param name="AttributeName">The attribute as written (<c>Conv2D</c>), for messages.</param>
/// <param name="Arguments">Its arguments, in the order of <see cref="LayerDescriptor.Arguments"/>.</param>
/// <param name="Inputs">The nodes it reads, by index; <see cref="NetworkInput"/> is the network's input. One for a layer, several for a join.</param>
/// <param name="InputShapes">The shapes of those inputs, in the same order.</param>
/// <param name="Output">The shape of one sample of its output.</param>
/// <param name="Window">Convolutions and pools: the resolved window geometry; null otherwise.</param>
/// <param name="Site">Its attribute, for diagnostics.</param>
internal sealed record GraphNode(
    int Index,
    string Name,
    string Identifier,
    string Prefix,
    LayerDescriptor Descriptor,
    string AttributeName,
    EquatableArray<ArgumentValue> Arguments,
    EquatableArray<int> Inputs,
    EquatableArray<TensorShape> InputShapes,
    TensorShape Output,
    Window2D? Window,
    DiagnosticSite Site)
{
    /// <summary>The index <see cref="Inputs"/> uses for the network's input.</summary>
    public const int NetworkInput = -1;

    /// <summary>The full name parameters and messages use: <c>layer2.0.conv1</c>.</summary>
    public string FullName => Prefix + Name;

    /// <summary>The shape of its (first) input.</summary>
    public TensorShape Input => InputShapes[0];

    public LayerRole Role => Descriptor.Role;

    /// <summary>Floats of all its parameters.</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0;
            foreach (ParameterSpec parameter in Descriptor.Parameters(this)) count += parameter.Length;
            return count;
        }
    }
}
