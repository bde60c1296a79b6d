using System.Collections.Generic;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers.Blocks;

/// <summary>
/// The descriptor a block structure attribute (<c>[Use]</c>, <c>[Shortcut]</c>, <c>[Residual]</c>, <c>[Branch]</c>,
/// <c>[Concat]</c>) carries in the parsed model, so that it keeps its place among the layers. It never becomes a node:
/// the graph builder (Graph/GraphBuilder) expands a [Use] into the block's layers and turns the others into forks and
/// joins (<see cref="Joins.AddJoin"/>, <see cref="Joins.ConcatJoin"/>). Not in <see cref="LayerRegistry"/>: these
/// attributes are read by the parser (Parsing/StructureParser), not by the generic layer reader.
/// </summary>
internal sealed class StructureMarker : LayerDescriptor
{
    public static readonly StructureMarker Use = new("Use", StructureKind.Use);
    public static readonly StructureMarker Shortcut = new("Shortcut", StructureKind.Shortcut);
    public static readonly StructureMarker Residual = new("Residual", StructureKind.Residual);
    public static readonly StructureMarker Branch = new("Branch", StructureKind.Branch);
    public static readonly StructureMarker Concat = new("Concat", StructureKind.Concat);

    private StructureMarker(string kind, StructureKind structure)
    {
        Kind = kind;
        Structure = structure;
    }

    public override string Kind { get; }

    public StructureKind Structure { get; }

    public override string DefaultNamePrefix => Structure switch
    {
        StructureKind.Use => "layer",
        StructureKind.Shortcut => "downsample",
        StructureKind.Branch => "branch",
        _ => Kind.ToLowerInvariant(),
    };

    /// <summary>The marker of a structure attribute class (<c>UseAttribute</c>), or null.</summary>
    public static StructureMarker? ForAttribute(string attributeClassName) => attributeClassName switch
    {
        "UseAttribute" => Use,
        "ShortcutAttribute" => Shortcut,
        "ResidualAttribute" => Residual,
        "BranchAttribute" => Branch,
        "ConcatAttribute" => Concat,
        _ => null,
    };

    public override InferredShape? Infer(ShapeContext context)
        => throw new System.InvalidOperationException($"[{Kind}] is expanded by the graph builder, never inferred as a node");

    public override void EmitForward(ForwardEmission e)
        => throw new System.InvalidOperationException($"[{Kind}] is expanded by the graph builder, never emitted as a node");

    public override IReadOnlyList<ArgumentSpec> Arguments => System.Array.Empty<ArgumentSpec>();
}
