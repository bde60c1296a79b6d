using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Planning;

/// <summary>
/// Resolves <c>Init.Default</c>: He normal when the next activation after the layer (following its consumers past pools
/// and Flatten and batch norm, stopping at the next other layer with parameters) is ReLU, LeakyReLU or ELU; Xavier uniform otherwise.
/// </summary>
internal static class InitResolver
{
    public static (InitKind Init, string Reason) Resolve(NetworkGraph graph, int index)
    {
        GraphNode layer = graph[index];
        InitKind declared = layer.Descriptor.DeclaredInit(layer);
        if (declared != InitKind.Default) return (declared, "");
        for (int at = index; ;)
        {
            var consumers = graph.Consumers(at);
            if (consumers.Count == 0) break;
            GraphNode next = consumers[0];
            if (next.Role == LayerRole.Activation)
            {
                return next.Descriptor.IsRectifier
                    ? (InitKind.HeNormal, $"default: {next.FullName} ({next.Descriptor.Kind}) follows")
                    : (InitKind.XavierUniform, $"default: {next.FullName} ({next.Descriptor.Kind}) follows");
            }
            if ((next.ParameterCount > 0 && !next.Descriptor.PassesInitThrough) || next.Role == LayerRole.Loss) break;
            at = next.Index;
        }
        return (InitKind.XavierUniform, "default: no activation follows");
    }
}
