using System.Text;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// The canonical one-line architecture a network reports as <c>INetwork.Architecture</c> and checkpoints hash to refuse
/// loading into a different network: the input shape, then every declared layer in order with its kind, name, the
/// resolved arguments that change parameters or shapes, and its output shape; the loss head by kind only.
/// For example <c>Input[1,28,28];Conv2D conv1 filters=6 kernel=5 stride=1 padding=2 bias=true -&gt;[6,28,28];ReLU relu1 -&gt;[6,28,28];...;SoftmaxCrossEntropy</c>.
/// Arguments that change neither (an activation's slope, the initialization, a hinge margin) are left out, so
/// a checkpoint still loads after they change. The format is stable: changing it invalidates every saved checkpoint.
/// </summary>
internal static class ArchitectureBuilder
{
    public static string Build(ShapedNetwork network)
    {
        var text = new StringBuilder();
        text.Append("Input").Append(Dimensions(network.Input));
        foreach (ShapedLayer layer in network.Layers)
        {
            text.Append(';');
            if (layer.Kind.IsLoss())
            {
                text.Append(layer.Kind.ToString());
                continue;
            }
            text.Append(layer.Kind.ToString()).Append(' ').Append(layer.Name);
            LayerDeclaration d = layer.Declaration;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    text.Append(" units=").Append(I(layer.Output.Length)).Append(" bias=").Append(Bool(d.Bias));
                    break;
                case LayerKind.Conv2D:
                    text.Append(" filters=").Append(I(layer.Output.Channels))
                        .Append(" kernel=").Append(I(d.Kernel))
                        .Append(" stride=").Append(I(layer.Stride))
                        .Append(" padding=").Append(Padding(layer))
                        .Append(" bias=").Append(Bool(d.Bias));
                    break;
                case LayerKind.MaxPool:
                case LayerKind.AvgPool:
                    text.Append(" window=").Append(I(d.Size)).Append(" stride=").Append(I(layer.Stride));
                    break;
            }
            text.Append(" ->").Append(Dimensions(layer.Output));
        }
        return text.ToString();
    }

    /// <summary>The resolved zero padding: one number when every side is the same, else top,left,bottom,right.</summary>
    private static string Padding(ShapedLayer layer)
        => layer.PadTop == layer.PadLeft && layer.PadTop == layer.PadBottom && layer.PadTop == layer.PadRight
            ? I(layer.PadTop)
            : $"{I(layer.PadTop)},{I(layer.PadLeft)},{I(layer.PadBottom)},{I(layer.PadRight)}";

    private static string Dimensions(Shape shape)
        => shape.IsSpatial ? $"[{I(shape.Channels)},{I(shape.Height)},{I(shape.Width)}]" : $"[{I(shape.Length)}]";

    private static string Bool(bool value) => value ? "true" : "false";

    private static string I(int value) => Invariant.Int(value);
}
