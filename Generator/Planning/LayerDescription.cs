using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>A layer's kind and its non-default arguments in a few words: <c>Conv2D 5x5, pad 2</c>, <c>MaxPool 2x2</c>, <c>LeakyReLU 0.1</c>.</summary>
internal static class LayerDescription
{
    public static string Describe(ShapedLayer layer)
    {
        LayerDeclaration d = layer.Declaration;
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                return "Dense" + (d.Bias ? "" : ", no bias");
            case LayerKind.Conv2D:
                string text = $"Conv2D {Invariant.Int(d.Kernel)}x{Invariant.Int(d.Kernel)}";
                if (layer.Stride != 1) text += ", stride " + Invariant.Int(layer.Stride);
                if (d.Padding.Mode == PaddingMode.Same) text += ", same";
                else if (layer.PadTop > 0) text += ", pad " + Invariant.Int(layer.PadTop);
                return text + (d.Bias ? "" : ", no bias");
            case LayerKind.MaxPool:
            case LayerKind.AvgPool:
                string pool = $"{layer.Kind} {Invariant.Int(d.Size)}x{Invariant.Int(d.Size)}";
                return layer.Stride == d.Size ? pool : pool + ", stride " + Invariant.Int(layer.Stride);
            case LayerKind.LeakyReLU:
                return "LeakyReLU " + Invariant.Float(d.Value);
            case LayerKind.ELU:
                return "ELU " + Invariant.Float(d.Value);
            case LayerKind.MultiClassHinge:
                return d.Value == 1f ? "MultiClassHinge" : "MultiClassHinge, margin " + Invariant.Float(d.Value);
            default:
                return layer.Kind.ToString();
        }
    }
}
