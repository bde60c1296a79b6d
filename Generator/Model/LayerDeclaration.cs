namespace Compiled.Generator.Model;

/// <summary>One layer attribute as written, in declaration order. Arguments a kind does not have keep their defaults.</summary>
/// <param name="Kind">What layer it is.</param>
/// <param name="AttributeName">The attribute as the user writes it (<c>Conv2D</c>), for messages.</param>
/// <param name="Name">The explicit <c>Name = "..."</c>, or null for the default (conv1, fc2, ...).</param>
/// <param name="Size">Dense units, Conv2D filters, or the pool window.</param>
/// <param name="Kernel">Conv2D kernel size.</param>
/// <param name="Stride">Conv2D or pool stride (pools: 0 means the window).</param>
/// <param name="Padding">Conv2D padding.</param>
/// <param name="Bias">Dense/Conv2D: whether the layer has a bias.</param>
/// <param name="Init">Dense/Conv2D weight initialization as declared.</param>
/// <param name="Value">LeakyReLU slope, ELU alpha or hinge margin.</param>
/// <param name="Location">The attribute's syntax, for diagnostics.</param>
internal sealed record LayerDeclaration(
    LayerKind Kind,
    string AttributeName,
    string? Name,
    int Size,
    int Kernel,
    int Stride,
    Padding Padding,
    bool Bias,
    InitKind Init,
    float Value,
    LocationInfo? Location);
