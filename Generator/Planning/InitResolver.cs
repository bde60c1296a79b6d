using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// Resolves <c>Init.Default</c>: He normal when the next activation after the layer (looking past pools and Flatten,
/// stopping at the next layer with parameters) is ReLU, LeakyReLU or ELU; Xavier uniform otherwise.
/// </summary>
internal static class InitResolver
{
    public static (InitKind Init, string Reason) Resolve(EquatableArray<ShapedLayer> layers, int index)
    {
        InitKind declared = layers[index].Declaration.Init;
        if (declared != InitKind.Default) return (declared, "");
        for (int i = index + 1; i < layers.Count; i++)
        {
            LayerKind kind = layers[i].Kind;
            if (kind.IsActivation())
            {
                return kind.IsRectifier()
                    ? (InitKind.HeNormal, $"default: {layers[i].Name} ({kind}) follows")
                    : (InitKind.XavierUniform, $"default: {layers[i].Name} ({kind}) follows");
            }
            if (kind.HasParameters() || kind.IsLoss()) break;
        }
        return (InitKind.XavierUniform, "default: no activation follows");
    }
}
