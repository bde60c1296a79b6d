using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes;

/// <summary>A layer with its name resolved and its input and output shapes inferred.</summary>
/// <param name="Declaration">The layer as declared.</param>
/// <param name="Name">The layer's name: explicit, or the default (conv1, fc2, relu3, pool1, loss).</param>
/// <param name="Identifier">The name as a C# identifier part in PascalCase (conv1 → Conv1, leaky_relu1 → LeakyRelu1).</param>
/// <param name="Input">The shape of one input sample.</param>
/// <param name="Output">The shape of one output sample.</param>
/// <param name="Stride">Conv2D or pool stride, resolved (a pool's 0 becomes its window).</param>
/// <param name="PadTop">Conv2D zero padding above the input, resolved from the padding argument; likewise the other sides.</param>
internal sealed record ShapedLayer(
    LayerDeclaration Declaration,
    string Name,
    string Identifier,
    Shape Input,
    Shape Output,
    int Stride,
    int PadTop,
    int PadLeft,
    int PadBottom,
    int PadRight)
{
    public LayerKind Kind => Declaration.Kind;

    /// <summary>Floats of weights: Dense <c>[out, in]</c>, Conv2D <c>[out, in, k, k]</c>; 0 for other layers.</summary>
    public int WeightLength => Kind switch
    {
        LayerKind.Dense => Output.Length * Input.Length,
        LayerKind.Conv2D => Output.Channels * Input.Channels * Declaration.Kernel * Declaration.Kernel,
        _ => 0,
    };

    public int BiasLength => Kind.HasParameters() && Declaration.Bias ? (Kind == LayerKind.Dense ? Output.Length : Output.Channels) : 0;

    public int ParameterCount => WeightLength + BiasLength;
}
