using System.Collections.Generic;
using Compiled.Generator.Layers.Blocks;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Parsing;

/// <summary>
/// Reads the block structure attributes (Runtime/Declarations/Blocks/BlockAttributes.cs) into <see cref="LayerDeclaration"/>s
/// that keep their place among the layers: <c>[Use(typeof(B), args..., Repeat, Stride, Name)]</c>, <c>[Shortcut(When, Name)]</c>,
/// <c>[Residual]</c>, <c>[Branch(Name)]</c>, <c>[Concat]</c>. Whether a [Use]'s type is a block, and whether its arguments
/// fit the block's parameters, is checked when the network is expanded (so that editing the block re-runs that, not this).
/// </summary>
internal static class StructureParser
{
    public static LayerDeclaration? Parse(StructureMarker marker, string attributeName, ArgumentReader reader, DiagnosticSite site)
    {
        string? name = reader.NamedString("Name");
        if (!reader.RequireConstructor(Example(marker))) return null;
        LayerDeclaration? declaration = marker.Structure switch
        {
            StructureKind.Use => ReadUse(reader, attributeName, name, site),
            StructureKind.Shortcut => new LayerDeclaration(marker, attributeName, name, EquatableArray<ArgumentValue>.Empty, site, marker.Structure,
                OnlyWhenShapeChanges: reader.Named("When") is { } when && ReadWhen(reader, when)),
            _ => new LayerDeclaration(marker, attributeName, name, EquatableArray<ArgumentValue>.Empty, site, marker.Structure),
        };
        return reader.Failed ? null : declaration;
    }

    private static string Example(StructureMarker marker) => marker.Structure switch
    {
        StructureKind.Use => "[Use(typeof(BasicBlock), 64)]",
        _ => $"[{marker.Kind}]",
    };

    private static LayerDeclaration? ReadUse(ArgumentReader reader, string attributeName, string? name, DiagnosticSite site)
    {
        const string example = "[Use(typeof(BasicBlock), 64, Repeat = 2)]";
        if (reader.Constructor(0) is not { Kind: TypedConstantKind.Type, Value: INamedTypeSymbol block } || block.TypeKind == TypeKind.Error)
        {
            if (reader.Constructor(0) is { } given) reader.Report("block", ArgumentReader.Describe(given), $"write typeof(TheBlock), e.g. {example}");
            return null;
        }
        var arguments = new List<ArgumentValue>();
        if (reader.Constructor(1) is { Kind: TypedConstantKind.Array } values && !values.IsNull)
        {
            for (int i = 0; i < values.Values.Length; i++)
                arguments.Add(reader.IntOrExpression(values.Values[i], "argument " + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), example));
        }
        ArgumentValue repeat = reader.Named("Repeat") is { } r ? reader.IntOrExpression(r, "Repeat", "Repeat = 2") : ArgumentValue.OfInt(1);
        ArgumentValue? stride = reader.Named("Stride") is { } s && !(s.Kind == TypedConstantKind.Primitive && s.Value is null)
            ? reader.IntOrExpression(s, "Stride", "Stride = 2")
            : null;
        var use = new UseDeclaration(block.ToDisplayString(), block.Name, new EquatableArray<ArgumentValue>(arguments.ToArray()), repeat, stride);
        return new LayerDeclaration(StructureMarker.Use, attributeName, name, EquatableArray<ArgumentValue>.Empty, site, StructureKind.Use, use);
    }

    private static bool ReadWhen(ArgumentReader reader, TypedConstant when)
    {
        if (when.Kind == TypedConstantKind.Enum && when.Value is int value && (value == 0 || value == 1)) return value == 1;
        reader.Report("When", ArgumentReader.Describe(when), "use ShortcutWhen.Always or ShortcutWhen.ShapeChanges");
        return false;
    }
}
