using Compiled.Generator.Graph;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes;

/// <summary>A network whose declaration passed every check, as a graph with every node's shapes. The loss head, if any, is the last node.</summary>
internal sealed record ShapedNetwork(NetworkDeclaration Declaration, NetworkGraph Graph);
