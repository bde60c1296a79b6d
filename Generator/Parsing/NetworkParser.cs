using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Layers;
using Compiled.Generator.Layers.Blocks;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Generator.Parsing;

/// <summary>
/// Turns a [Network] class into a <see cref="NetworkDeclaration"/>: the class checks (partial, top-level, not generic),
/// the [Network] options, [Input] and the layer attributes in source order. Compiler objects stay in here.
/// </summary>
internal static class NetworkParser
{
    /// <summary>
    /// The parsed network and its source sites; null when this [Network] attribute is a duplicate on another partial
    /// declaration (the compiler reports it; only the first produces a network).
    /// </summary>
    public static ParsedNetwork? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var classSyntax = (BaseTypeDeclarationSyntax)context.TargetNode;
        AttributeData networkAttribute = context.Attributes[0];
        List<AttributeInSource> attributes = AttributeInSource.InSourceOrder(symbol, cancellationToken);

        AttributeInSource? firstNetwork = attributes.FirstOrDefault(a => a.Class is { } c && KnownTypes.Is(c, KnownTypes.NetworkAttributeName));
        if (firstNetwork is not null && !SameNode(firstNetwork.Syntax.Parent?.Parent, classSyntax)) return null;

        string key = KeyOf(symbol);
        var diagnostics = new List<DiagnosticInfo>();
        var sites = new SourceSites.Builder();
        DiagnosticSite network = sites.AddNetwork(LocationOfAttribute(networkAttribute, cancellationToken) ?? LocationInfo.From(classSyntax.Identifier.GetLocation()));
        string className = symbol.Name;

        if (UnsupportedKind(classSyntax) is { } typeKind)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, network, className, typeKind));
            return new ParsedNetwork(StageResult<NetworkDeclaration>.Failed(key, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray())), sites.Build(key));
        }
        CheckClass(symbol, classSyntax, sites, context.SemanticModel.Compilation, diagnostics);
        bool training = ReadTraining(networkAttribute, diagnostics);

        int[] input = System.Array.Empty<int>();
        DiagnosticSite inputSite = DiagnosticSite.None;
        bool hasInput = false;
        var layers = new List<LayerDeclaration>();
        SyntaxNode? layerDeclaration = null;
        bool reportedSplit = false;

        foreach (AttributeInSource attribute in attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            INamedTypeSymbol? attributeClass = attribute.Class;
            if (attributeClass is null || attributeClass.TypeKind == TypeKind.Error) continue; // the compiler reports unknown attributes

            bool isInput = KnownTypes.Is(attributeClass, KnownTypes.InputAttributeName);
            LayerDescriptor? descriptor = (LayerDescriptor?)KnownTypes.LayerOf(attributeClass) ?? KnownTypes.StructureOf(attributeClass);
            bool isUnknownLayer = descriptor is null && !isInput && KnownTypes.DerivesFromLayerAttribute(attributeClass);
            if (!isInput && descriptor is null && !isUnknownLayer) continue;

            DiagnosticSite site = sites.Add(LocationInfo.From(attribute.Syntax));
            SyntaxNode? owner = attribute.Syntax.Parent?.Parent;
            layerDeclaration ??= owner;
            if (!SameNode(owner, layerDeclaration) && !reportedSplit)
            {
                reportedSplit = true;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersOnSeveralDeclarations, site, className));
            }

            string attributeName = KnownTypes.ShortName(attributeClass);
            var reader = new ArgumentReader(attribute.Data, attributeName, site, diagnostics);
            if (isUnknownLayer)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayer, site, attributeName));
            }
            else if (isInput)
            {
                if (hasInput) continue; // a second [Input] is a compiler error (AllowMultiple = false)
                hasInput = true;
                inputSite = site;
                input = ReadInput(reader);
            }
            else if (descriptor is StructureMarker marker)
            {
                if (StructureParser.Parse(marker, attributeName, reader, site) is { } structure) layers.Add(structure);
            }
            else if (LayerParser.Parse(descriptor!, attributeName, reader, site) is { } layer)
            {
                layers.Add(layer);
            }
        }

        var declaration = new NetworkDeclaration(
            symbol.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
            className,
            training,
            new EquatableArray<int>(input),
            inputSite,
            new EquatableArray<LayerDeclaration>(layers.ToArray()),
            MembersNamedLikeGenerated(symbol, sites, context.SemanticModel.Compilation, cancellationToken),
            CopyObstacle(symbol));
        var found = new EquatableArray<DiagnosticInfo>(diagnostics.ToArray());
        StageResult<NetworkDeclaration> result = diagnostics.Count == 0
            ? new StageResult<NetworkDeclaration>(key, declaration, found)
            : StageResult<NetworkDeclaration>.Failed(key, found);
        return new ParsedNetwork(result, sites.Build(key));
    }

    /// <summary>The key that joins a network's diagnostics to its sites: the class's full name (type parameters included).</summary>
    public static string KeyOf(INamedTypeSymbol symbol) => symbol.ToDisplayString();

    /// <summary>The location of the [Network] attribute (used by the pipeline's error guard as well).</summary>
    public static LocationInfo? LocationOfAttribute(AttributeData attribute, CancellationToken cancellationToken)
        => LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));

    /// <summary>What the declaration is when it is not a class ("a record class", "a struct", ...), else null.</summary>
    private static string? UnsupportedKind(BaseTypeDeclarationSyntax syntax) => syntax.Kind() switch
    {
        SyntaxKind.ClassDeclaration => null,
        SyntaxKind.RecordDeclaration => "a record class",
        SyntaxKind.RecordStructDeclaration => "a record struct",
        SyntaxKind.StructDeclaration => "a struct",
        SyntaxKind.InterfaceDeclaration => "an interface",
        SyntaxKind.EnumDeclaration => "an enum",
        _ => "not a class",
    };

    private static bool SameNode(SyntaxNode? a, SyntaxNode? b)
        => a is not null && b is not null && a.SyntaxTree == b.SyntaxTree && a.Span == b.Span;

    private static void CheckClass(INamedTypeSymbol symbol, BaseTypeDeclarationSyntax syntax, SourceSites.Builder sites, Compilation compilation, List<DiagnosticInfo> diagnostics)
    {
        DiagnosticSite location = DiagnosticSite.Network;
        var reasons = new List<string>();
        if (symbol.IsGenericType) reasons.Add("generic");
        if (symbol.ContainingType is not null) reasons.Add($"nested in '{symbol.ContainingType.Name}'");
        if (symbol.IsStatic) reasons.Add("static");
        if (symbol.IsFileLocal) reasons.Add("file-local");
        if (reasons.Count > 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, location, symbol.Name, string.Join(" and ", reasons)));
        foreach (IMethodSymbol constructor in symbol.InstanceConstructors)
        {
            if (constructor.IsImplicitlyDeclared || IsPrimary(constructor)) continue; // a primary constructor is CMP0021
            bool parameterless = constructor.Parameters.Length == 0;
            bool threads = constructor.Parameters.Length == 1 && constructor.Parameters[0].Type.SpecialType == SpecialType.System_Int32;
            if (parameterless || threads)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConstructorConflict, location, symbol.Name, threads ? "int" : ""));
                break;
            }
        }
        foreach (SyntaxReference reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is ClassDeclarationSyntax { ParameterList: { } parameters })
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PrimaryConstructor, sites.Add(LocationInfo.From(parameters)), symbol.Name, parameters.ToString()));
                break;
            }
        }
        for (INamedTypeSymbol? type = symbol.BaseType; type is not null; type = type.BaseType)
        {
            if (type.GetAttributes().Any(a => a.AttributeClass is { } c && KnownTypes.Is(c, KnownTypes.NetworkAttributeName)))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DerivedFromNetwork, location, symbol.Name, type.ToDisplayString()));
                break;
            }
        }
        if (symbol.BaseType is { } baseType && !HasParameterlessConstructor(baseType, symbol, compilation))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BaseWithoutParameterlessConstructor, location, symbol.Name, baseType.ToDisplayString()));
        CheckMembersTheConstructorMustSet(symbol, sites, diagnostics);
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, location, symbol.Name));
    }

    /// <summary>
    /// Why <c>new X(threads)</c> in generated code would not compile (an abstract class; required members, own or inherited,
    /// which the generated constructor does not set), or null: an inference session copies the network that way.
    /// </summary>
    private static string? CopyObstacle(INamedTypeSymbol symbol)
    {
        if (symbol.IsAbstract) return "is abstract";
        // A namespace's types are public or internal (anything else is CS1527, and the type cannot be named in its own code).
        if (symbol.ContainingType is null && symbol.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.NotApplicable))
            return "is neither public nor internal";
        for (INamedTypeSymbol? type = symbol; type is not null; type = type.BaseType)
        {
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }) return "has required members";
            }
        }
        return null;
    }

    /// <summary>Whether the generated constructor's implicit <c>: base()</c> can call one of the base class's constructors.</summary>
    private static bool HasParameterlessConstructor(INamedTypeSymbol baseType, INamedTypeSymbol network, Compilation compilation)
    {
        foreach (IMethodSymbol constructor in baseType.InstanceConstructors)
        {
            if (!compilation.IsSymbolAccessibleWithin(constructor, network)) continue;
            if (constructor.Parameters.All(p => p.IsOptional || p.IsParams)) return true;
        }
        return false;
    }

    /// <summary>
    /// Instance fields and auto-properties of a non-nullable reference type, with no initializer and not <c>required</c>:
    /// the generated constructor <c>X(int threads)</c> does not set them, so the compiler would warn in it (CS8618).
    /// </summary>
    private static void CheckMembersTheConstructorMustSet(INamedTypeSymbol symbol, SourceSites.Builder sites, List<DiagnosticInfo> diagnostics)
    {
        foreach (ISymbol member in symbol.GetMembers())
        {
            if (member is not IFieldSymbol { IsStatic: false, IsConst: false } field) continue;
            if (field.AssociatedSymbol is null && !field.CanBeReferencedByName) continue; // compiler-made (a captured primary constructor parameter)
            ISymbol declared = field.AssociatedSymbol ?? field; // an auto-property's backing field stands for the property
            if (declared is IPropertySymbol { IsRequired: true } || field.IsRequired) continue;
            if (!field.Type.IsReferenceType || field.NullableAnnotation != NullableAnnotation.NotAnnotated) continue;
            if (HasInitializer(declared)) continue;
            Location? where = declared.Locations.FirstOrDefault(l => l.IsInSource);
            if (where is null) continue;
            string kind = declared is IPropertySymbol ? "property" : "field";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberLeftNull, sites.Add(LocationInfo.From(where)), kind, declared.Name, symbol.Name, field.Type.ToDisplayString()));
        }
    }

    private static bool HasInitializer(ISymbol member)
    {
        foreach (SyntaxReference reference in member.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax())
            {
                case VariableDeclaratorSyntax { Initializer: not null }:
                case PropertyDeclarationSyntax { Initializer: not null }:
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The class's own members and the accessible members it inherits whose names some network's generated members have
    /// (<see cref="GeneratedMembers.MayBeGenerated"/>); the planning stage checks them against the exact list. Constructors,
    /// accessors and other compiler-made members are left out (the constructors are CMP0017's concern).
    /// </summary>
    private static EquatableArray<ClassMember> MembersNamedLikeGenerated(INamedTypeSymbol symbol, SourceSites.Builder sites, Compilation compilation, CancellationToken cancellationToken)
    {
        var found = new List<ClassMember>();
        var names = new HashSet<string>();
        foreach (ISymbol member in symbol.GetMembers())
        {
            string name = NameOf(member);
            if (!IsNamedMember(member) || !GeneratedMembers.MayBeGenerated(name) || !names.Add(name)) continue;
            Location? declared = member.Locations.FirstOrDefault(l => l.IsInSource);
            found.Add(new ClassMember(name, KindOf(member), DisplayOf(member), null, sites.Add(LocationInfo.From(declared))));
        }
        for (INamedTypeSymbol? type = symbol.BaseType; type is not null; type = type.BaseType)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (ISymbol member in type.GetMembers())
            {
                if (!IsNamedMember(member) || IsExplicitImplementation(member) || !GeneratedMembers.MayBeGenerated(member.Name)) continue;
                if (!compilation.IsSymbolAccessibleWithin(member, symbol) || !names.Add(member.Name)) continue;
                found.Add(new ClassMember(member.Name, KindOf(member), member.Name, type.ToDisplayString(), DiagnosticSite.None));
            }
        }
        return new EquatableArray<ClassMember>(found.ToArray());
    }

    private static bool IsPrimary(IMethodSymbol constructor)
        => constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax);

    private static bool IsNamedMember(ISymbol member)
        => !member.IsImplicitlyDeclared
           && member is not IMethodSymbol { MethodKind: not (MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation) };

    private static bool IsExplicitImplementation(ISymbol member) => member switch
    {
        IPropertySymbol p => p.ExplicitInterfaceImplementations.Length > 0,
        IMethodSymbol m => m.ExplicitInterfaceImplementations.Length > 0,
        IEventSymbol e => e.ExplicitInterfaceImplementations.Length > 0,
        _ => false,
    };

    private static string KindOf(ISymbol member) => member switch
    {
        IFieldSymbol { IsConst: true } => "constant",
        IFieldSymbol => "field",
        IPropertySymbol => "property",
        IMethodSymbol => "method",
        IEventSymbol => "event",
        INamedTypeSymbol type => type.TypeKind.ToString().ToLowerInvariant(),
        _ => "member",
    };

    /// <summary>The member's name, or for an explicit interface implementation <c>INetwork.InputLength</c>.</summary>
    private static string DisplayOf(ISymbol member)
        => Implemented(member) is { } implemented ? implemented.ContainingType.Name + "." + implemented.Name : member.Name;

    /// <summary>
    /// The name <see cref="GeneratedMembers"/> uses: the member's name, or for an explicit interface implementation the
    /// implemented member with its interface's full name, <c>Compiled.INetwork.InputLength</c> (the compiler's own name
    /// for it follows the syntax, <c>INetwork.InputLength</c> or <c>global::Compiled.INetwork.InputLength</c>).
    /// </summary>
    internal static string NameOf(ISymbol member)
        => Implemented(member) is { } implemented ? implemented.ContainingType.ToDisplayString() + "." + implemented.Name : member.Name;

    private static ISymbol? Implemented(ISymbol member) => member switch
    {
        IPropertySymbol p when p.ExplicitInterfaceImplementations.Length > 0 => p.ExplicitInterfaceImplementations[0],
        IMethodSymbol m when m.ExplicitInterfaceImplementations.Length > 0 => m.ExplicitInterfaceImplementations[0],
        IEventSymbol e when e.ExplicitInterfaceImplementations.Length > 0 => e.ExplicitInterfaceImplementations[0],
        _ => null,
    };

    private static bool ReadTraining(AttributeData networkAttribute, List<DiagnosticInfo> diagnostics)
        => new ArgumentReader(networkAttribute, "Network", DiagnosticSite.Network, diagnostics).NamedBool("Training", true);

    private static int[] ReadInput(ArgumentReader reader)
    {
        const string example = "[Input(784)] or [Input(1, 28, 28)]";
        if (!reader.RequireConstructor(example)) return System.Array.Empty<int>();
        return reader.ConstructorCount switch
        {
            1 => new[] { reader.ConstructorInt(0, "features", "[Input(784)]") },
            _ => new[]
            {
                reader.ConstructorInt(0, "channels", "[Input(1, 28, 28)]"),
                reader.ConstructorInt(1, "height", "[Input(1, 28, 28)]"),
                reader.ConstructorInt(2, "width", "[Input(1, 28, 28)]"),
            },
        };
    }
}
