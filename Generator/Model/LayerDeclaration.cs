using Compiled.Generator.Layers;

namespace Compiled.Generator.Model;

/// <summary>One layer attribute as written, in declaration order (or a block structure attribute: <see cref="Structure"/>).</summary>
/// <param name="Descriptor">What layer it is (one descriptor per layer kind, <see cref="LayerRegistry"/>); a structure attribute's is a <see cref="Layers.Blocks.StructureMarker"/>.</param>
/// <param name="AttributeName">The attribute as the user writes it (<c>Conv2D</c>), for messages.</param>
/// <param name="Name">The explicit <c>Name = "..."</c>, or null for the default (conv1, fc2, ...).</param>
/// <param name="Arguments">Its arguments in the order of the descriptor's <see cref="LayerDescriptor.Arguments"/>, defaults filled in.
/// Inside a block an int argument may be an expression over the block's parameters (<see cref="ArgumentType.Expression"/>), bound when the block is used.</param>
/// <param name="Site">The attribute, for diagnostics.</param>
/// <param name="Structure">A layer, or which block structure attribute it is.</param>
/// <param name="Use">For <see cref="StructureKind.Use"/>: the block and its arguments.</param>
/// <param name="OnlyWhenShapeChanges">For <see cref="StructureKind.Shortcut"/>: <c>When = ShortcutWhen.ShapeChanges</c>.</param>
internal sealed record LayerDeclaration(
    LayerDescriptor Descriptor,
    string AttributeName,
    string? Name,
    EquatableArray<ArgumentValue> Arguments,
    DiagnosticSite Site,
    StructureKind Structure = StructureKind.Layer,
    UseDeclaration? Use = null,
    bool OnlyWhenShapeChanges = false);
