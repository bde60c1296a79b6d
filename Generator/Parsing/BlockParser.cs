using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Layers;
using Compiled.Generator.Layers.Blocks;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Generator.Parsing;

/// <summary>A parsed block and the source positions of its diagnostic sites (kept apart, as a network's are).</summary>
internal sealed record ParsedBlock(BlockDeclaration Declaration, SourceSites Sites);

/// <summary>
/// Turns a <c>[Block]</c> class into a <see cref="BlockDeclaration"/>: its parameters (<c>"name"</c> or <c>"name = 3"</c>)
/// and its layer and structure attributes in source order, int arguments possibly expressions over the parameters. The
/// class need not be partial (nothing is generated into it) and may be of any accessibility; its structure
/// ([Shortcut] … [Residual], [Branch] … [Concat]) is checked here, everything that depends on the arguments when a
/// network uses it.
/// </summary>
internal static class BlockParser
{
    public static ParsedBlock? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        if (context.TargetNode is not TypeDeclarationSyntax classSyntax) return null;
        // A partial block declared in several parts: only the part carrying [Block] reads it (the attribute is AllowMultiple = false).
        string key = symbol.ToDisplayString();
        var diagnostics = new List<DiagnosticInfo>();
        var sites = new SourceSites.Builder();
        AttributeData blockAttribute = context.Attributes[0];
        DiagnosticSite blockSite = sites.AddNetwork(NetworkParser.LocationOfAttribute(blockAttribute, cancellationToken) ?? LocationInfo.From(classSyntax.Identifier.GetLocation()));

        List<BlockParameter> parameters = ReadParameters(blockAttribute, symbol.Name, blockSite, diagnostics);
        var names = new List<string>();
        foreach (BlockParameter parameter in parameters) names.Add(parameter.Name);

        var layers = new List<LayerDeclaration>();
        foreach (AttributeInSource attribute in AttributeInSource.InSourceOrder(symbol, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            INamedTypeSymbol? attributeClass = attribute.Class;
            if (attributeClass is null || attributeClass.TypeKind == TypeKind.Error) continue;
            LayerDescriptor? descriptor = (LayerDescriptor?)KnownTypes.LayerOf(attributeClass) ?? KnownTypes.StructureOf(attributeClass);
            bool isUnknownLayer = descriptor is null && KnownTypes.DerivesFromLayerAttribute(attributeClass);
            if (descriptor is null && !isUnknownLayer) continue;

            DiagnosticSite site = sites.Add(LocationInfo.From(attribute.Syntax));
            string attributeName = KnownTypes.ShortName(attributeClass);
            var reader = new ArgumentReader(attribute.Data, attributeName, site, diagnostics) { BlockParameters = names };
            if (isUnknownLayer)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayer, site, attributeName));
            else if (descriptor is StructureMarker marker)
            {
                if (StructureParser.Parse(marker, attributeName, reader, site) is { } structure) layers.Add(structure);
            }
            else if (LayerParser.Parse(descriptor!, attributeName, reader, site) is { } layer)
            {
                layers.Add(layer);
            }
        }
        CheckStructure(symbol.Name, layers, blockSite, diagnostics);
        foreach (LayerDeclaration layer in layers)
        {
            if (layer.Descriptor.Role == LayerRole.Loss)
                Report(layer, symbol.Name, "is a loss head, which ends a network; declare it on the network after the [Use]", diagnostics);
        }

        var declaration = new BlockDeclaration(key, symbol.Name, new EquatableArray<BlockParameter>(parameters.ToArray()),
            new EquatableArray<LayerDeclaration>(layers.ToArray()), new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
        return new ParsedBlock(declaration, sites.Build(key));
    }

    private static List<BlockParameter> ReadParameters(AttributeData attribute, string block, DiagnosticSite site, List<DiagnosticInfo> diagnostics)
    {
        var parameters = new List<BlockParameter>();
        if (attribute.ConstructorArguments.Length == 0 || attribute.ConstructorArguments[0].Kind != TypedConstantKind.Array) return parameters;
        bool defaults = false;
        foreach (TypedConstant value in attribute.ConstructorArguments[0].Values)
        {
            if (value.Value is not string text)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockParameter, site, value.Value?.ToString() ?? "null", block, "a parameter is a string"));
                continue;
            }
            int equals = text.IndexOf('=');
            string name = (equals < 0 ? text : text.Substring(0, equals)).Trim();
            int? fallback = null;
            if (equals >= 0)
            {
                string given = text.Substring(equals + 1).Trim();
                if (!int.TryParse(given, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockParameter, site, text, block, $"its default \"{given}\" is not an int"));
                    continue;
                }
                fallback = number;
                defaults = true;
            }
            else if (defaults)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockParameter, site, text, block, "it has no default but follows one that has (positional arguments could not leave the earlier one out)"));
                continue;
            }
            if (!BlockExpression.IsName(name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockParameter, site, text, block, "a name starts with a letter or '_' and has only letters, digits and '_'"));
                continue;
            }
            if (parameters.Exists(p => p.Name == name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockParameter, site, text, block, $"'{name}' is declared twice"));
                continue;
            }
            parameters.Add(new BlockParameter(name, fallback));
        }
        return parameters;
    }

    /// <summary>
    /// [Shortcut] … [Residual] and [Branch] … [Concat] pair up, in order, without nesting one inside the other (a block
    /// used inside a branch or shortcut may have its own); a [Residual] without a [Shortcut] adds the block's input.
    /// </summary>
    public static void CheckStructure(string owner, IReadOnlyList<LayerDeclaration> layers, DiagnosticSite ownerSite, List<DiagnosticInfo> diagnostics)
    {
        LayerDeclaration? shortcut = null, branch = null;
        foreach (LayerDeclaration layer in layers)
        {
            switch (layer.Structure)
            {
                case StructureKind.Shortcut:
                    if (shortcut is not null) Report(layer, owner, "follows another [Shortcut] with no [Residual] between them; end the first path with [Residual]", diagnostics);
                    else if (branch is not null) Report(layer, owner, "is inside a branch ([Branch] … [Concat]); put the residual block in a block of its own and [Use] it in the branch", diagnostics);
                    shortcut ??= layer;
                    break;
                case StructureKind.Residual:
                    if (branch is not null) Report(layer, owner, "is inside a branch ([Branch] … [Concat]); put the residual block in a block of its own and [Use] it in the branch", diagnostics);
                    shortcut = null;
                    break;
                case StructureKind.Branch:
                    if (shortcut is not null) Report(layer, owner, "is inside a shortcut path ([Shortcut] … [Residual]); put the branches in a block of their own and [Use] it there", diagnostics);
                    branch = layer;
                    break;
                case StructureKind.Concat:
                    if (branch is null) Report(layer, owner, "has no [Branch] before it; start each parallel branch with [Branch]", diagnostics);
                    branch = null;
                    break;
            }
        }
        if (shortcut is not null) Report(shortcut, owner, "has no [Residual] after it; end the skip path with [Residual] (the sum of the main path and the shortcut)", diagnostics);
        if (branch is not null) Report(branch, owner, "has no [Concat] after it; end the branches with [Concat] (their outputs joined on channels)", diagnostics);
    }

    private static void Report(LayerDeclaration layer, string owner, string problem, List<DiagnosticInfo> diagnostics)
        => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockStructure, layer.Site, layer.AttributeName, owner, problem));
}
