using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes;

/// <summary>A network whose declaration passed every check, with every layer's shapes. The loss head, if any, is the last layer.</summary>
internal sealed record ShapedNetwork(NetworkDeclaration Declaration, Shape Input, EquatableArray<ShapedLayer> Layers);
