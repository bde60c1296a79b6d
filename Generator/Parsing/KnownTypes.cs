using Compiled.Generator.Layers;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Parsing;

/// <summary>The declaration API's type names (Runtime/Declarations/NetworkAttributes.cs), matched by name in namespace Compiled.</summary>
internal static class KnownTypes
{
    public const string Namespace = "Compiled";
    public const string NetworkAttribute = "Compiled.NetworkAttribute";
    public const string InputAttributeName = "InputAttribute";
    public const string NetworkAttributeName = "NetworkAttribute";
    public const string LayerAttributeName = "LayerAttribute";
    public const string BlockAttribute = "Compiled.BlockAttribute";
    public const string BlockAttributeName = "BlockAttribute";

    /// <summary>The descriptor of an attribute class of the declaration API (<see cref="Layers.LayerRegistry"/>), or null.</summary>
    public static LayerDescriptor? LayerOf(INamedTypeSymbol attributeClass)
        => IsInCompiledNamespace(attributeClass) ? LayerRegistry.ForAttribute(attributeClass.Name) : null;

    /// <summary>The marker of a block structure attribute ([Use], [Shortcut], [Residual], [Branch], [Concat]), or null.</summary>
    public static Layers.Blocks.StructureMarker? StructureOf(INamedTypeSymbol attributeClass)
        => IsInCompiledNamespace(attributeClass) ? Layers.Blocks.StructureMarker.ForAttribute(attributeClass.Name) : null;

    public static bool Is(INamedTypeSymbol attributeClass, string name)
        => attributeClass.Name == name && IsInCompiledNamespace(attributeClass);

    /// <summary>Whether the class derives from Compiled.LayerAttribute (a layer the generator may not know).</summary>
    public static bool DerivesFromLayerAttribute(INamedTypeSymbol attributeClass)
    {
        for (INamedTypeSymbol? type = attributeClass.BaseType; type is not null; type = type.BaseType)
        {
            if (Is(type, LayerAttributeName)) return true;
        }
        return false;
    }

    /// <summary>The attribute name as written in source: <c>Conv2DAttribute</c> → <c>Conv2D</c>.</summary>
    public static string ShortName(INamedTypeSymbol attributeClass)
    {
        string name = attributeClass.Name;
        return name.EndsWith("Attribute", System.StringComparison.Ordinal) && name.Length > "Attribute".Length
            ? name.Substring(0, name.Length - "Attribute".Length)
            : name;
    }

    private static bool IsInCompiledNamespace(INamedTypeSymbol type)
        => type.ContainingType is null
        && type.ContainingNamespace is { Name: Namespace } ns
        && ns.ContainingNamespace is { IsGlobalNamespace: true };
}
