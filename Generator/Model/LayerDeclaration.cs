using Compiled.Generator.Layers;

namespace Compiled.Generator.Model;

/// <summary>One layer attribute as written, in declaration order.</summary>
/// <param name="Descriptor">What layer it is (one descriptor per layer kind, <see cref="LayerRegistry"/>).</param>
/// <param name="AttributeName">The attribute as the user writes it (<c>Conv2D</c>), for messages.</param>
/// <param name="Name">The explicit <c>Name = "..."</c>, or null for the default (conv1, fc2, ...).</param>
/// <param name="Arguments">Its arguments in the order of the descriptor's <see cref="LayerDescriptor.Arguments"/>, defaults filled in.</param>
/// <param name="Site">The attribute, for diagnostics.</param>
internal sealed record LayerDeclaration(
    LayerDescriptor Descriptor,
    string AttributeName,
    string? Name,
    EquatableArray<ArgumentValue> Arguments,
    DiagnosticSite Site);
