using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;
using System.Threading;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Parsing;
using Compiled.Generator.Pipeline;
using Compiled.Generator.Planning;
using Compiled.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Compiled.Generator;

/// <summary>
/// The network generator: [Network] partial classes in, one <c>Namespace.Class.g.cs</c> per network out.
/// Every stage's output is plain equatable data without source positions, so an edit that does not change a network
/// (even one that moves it in its file) re-runs nothing after parsing; the positions join the diagnostics at the end.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    private static readonly string Version = typeof(NetworkGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Discover and parse: type declarations carrying [Network] (the predicate only checks the node kind; all semantic
        //    work is in the transform), read into a NetworkDeclaration with the class checks and unreadable arguments
        //    reported, and apart from it the source positions of its diagnostic sites. Records, structs, interfaces and
        //    enums pass the predicate too, so that they get CMP0002 rather than silence. A declaration without a name
        //    (`partial class` cut short) is left to the compiler's CS1001: code for it could not compile.
        IncrementalValuesProvider<ParsedNetwork> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.NetworkAttribute,
                predicate: static (node, _) => node is BaseTypeDeclarationSyntax { Identifier.IsMissing: false },
                transform: static (context, cancellationToken) => Parse(context, cancellationToken))
            .Where(static result => result is not null)
            .Select(static (result, _) => result!);
        IncrementalValuesProvider<StageResult<NetworkDeclaration>> declarations = parsed
            .Select(static (network, _) => network.Declaration)
            .WithTrackingName(TrackingNames.Declarations);
        IncrementalValuesProvider<SourceSites> sites = parsed
            .Select(static (network, _) => network.Sites)
            .WithTrackingName(TrackingNames.Sites);

        // 1b. Blocks: [Block] classes in any file, parsed by their own provider into equatable data and collected into one
        //     table, which each network's expansion reads. Editing a block changes the table and re-runs the expansions
        //     (a network's own transform would not re-run: it reads only its own file); an unrelated edit leaves it Cached.
        //     A block's own mistakes (its structure, its expressions, a cycle of blocks) are reported at its attributes.
        IncrementalValuesProvider<ParsedBlock> parsedBlocks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.BlockAttribute,
                predicate: static (node, _) => node is TypeDeclarationSyntax { Identifier.IsMissing: false },
                transform: static (context, cancellationToken) => ParseBlock(context, cancellationToken))
            .Where(static block => block is not null)
            .Select(static (block, _) => block!);
        IncrementalValueProvider<BlockTable> blocks = parsedBlocks
            .Select(static (block, _) => block.Declaration)
            .WithTrackingName(TrackingNames.Blocks)
            .Collect()
            .Select(static (all, _) => BlockChecks.Table(all))
            .WithTrackingName(TrackingNames.BlockTable);
        IncrementalValuesProvider<NetworkDiagnostics> blockDiagnostics = blocks
            .SelectMany(static (table, _) => BlockChecks.Diagnostics(table))
            .WithTrackingName(TrackingNames.BlockDiagnostics);
        context.RegisterSourceOutput(
            blockDiagnostics.Collect().Combine(parsedBlocks.Select(static (block, _) => block.Sites).Collect()),
            static (output, found) => Report(output, found.Left, found.Right));

        // 2. Expand and infer shapes: names, argument ranges, structure, then the network's graph (its [Use]s expanded into
        //    the blocks' layers, forks and joins) with every node's shapes.
        IncrementalValuesProvider<StageResult<ShapedNetwork>> shapes = declarations
            .Combine(blocks)
            .Select(static (input, _) => StageGuard.Run(input.Left, "inferring the shapes of", NameOf(input.Left.Value),
                (key, declaration) => ShapeInference.Infer(key, declaration, input.Right)))
            .WithTrackingName(TrackingNames.Shapes);

        // 3. Plan the code: parameter layout, workspace regions and sizes, initialization, summary; then reserve the names of
        //    the members it will declare against the class name, the user's members and inherited ones.
        IncrementalValuesProvider<StageResult<NetworkPlan>> plans = shapes
            .Select(static (shaped, _) => StageGuard.Run(shaped, "planning", NameOf(shaped.Value?.Declaration), PlanAndReserveNames))
            .WithTrackingName(TrackingNames.Plans);

        // 4. Emit the valid networks' sources.
        IncrementalValuesProvider<StageResult<GeneratedSource>> emitted = plans
            .Select(static (plan, _) => StageGuard.Run(plan, "emitting", plan.Value?.ClassName ?? "?", Emit))
            .WithTrackingName(TrackingNames.Emission);

        // 5a. Report every stage's diagnostics from their own output, where their sites become source locations.
        IncrementalValuesProvider<NetworkDiagnostics> diagnostics = emitted
            .Select(static (result, _) => new NetworkDiagnostics(result.Network, result.Diagnostics))
            .Where(static found => found.Diagnostics.Count > 0)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics.Collect().Combine(sites.Collect()), static (output, found) => Report(output, found.Left, found.Right));

        // 5b. Add the valid networks' sources.
        IncrementalValuesProvider<GeneratedSource> sources = emitted
            .Where(static result => result.Value is not null)
            .Select(static (result, _) => result.Value!)
            .WithTrackingName(TrackingNames.Sources);
        context.RegisterSourceOutput(sources, static (output, source) => output.AddSource(source.HintName, SourceText.From(source.Text, Encoding.UTF8)));
    }

    private static ParsedNetwork? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return NetworkParser.Parse(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            string key = NetworkParser.KeyOf(symbol);
            var sites = new SourceSites.Builder();
            sites.AddNetwork(context.Attributes.Length > 0
                ? NetworkParser.LocationOfAttribute(context.Attributes[0], cancellationToken)
                : LocationInfo.From(context.TargetNode));
            DiagnosticInfo error = StageGuard.InternalError("parsing", symbol.Name, e);
            return new ParsedNetwork(StageResult<NetworkDeclaration>.Failed(key, new EquatableArray<DiagnosticInfo>(new[] { error })), sites.Build(key));
        }
    }

    private static ParsedBlock? ParseBlock(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return BlockParser.Parse(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            string key = symbol.ToDisplayString();
            var sites = new SourceSites.Builder();
            sites.AddNetwork(NetworkParser.LocationOfAttribute(context.Attributes[0], cancellationToken));
            DiagnosticInfo error = StageGuard.InternalError("parsing", symbol.Name, e);
            return new ParsedBlock(
                new BlockDeclaration(key, symbol.Name, EquatableArray<BlockParameter>.Empty, EquatableArray<LayerDeclaration>.Empty, new EquatableArray<DiagnosticInfo>(new[] { error })),
                sites.Build(key));
        }
    }

    private static void Report(SourceProductionContext output, ImmutableArray<NetworkDiagnostics> diagnostics, ImmutableArray<SourceSites> sites)
    {
        var byNetwork = new Dictionary<string, SourceSites>(StringComparer.Ordinal);
        foreach (SourceSites network in sites) byNetwork[network.Network] = network;
        foreach (NetworkDiagnostics network in diagnostics)
        {
            byNetwork.TryGetValue(network.Network, out SourceSites? located);
            foreach (DiagnosticInfo diagnostic in network.Diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic(located));
        }
    }

    private static StageResult<GeneratedSource> Emit(string key, NetworkPlan plan)
        => new(key, new GeneratedSource(plan.FullName + ".g.cs", NetworkEmitter.Emit(plan, Version)), EquatableArray<DiagnosticInfo>.Empty);

    private static StageResult<NetworkPlan> PlanAndReserveNames(string key, ShapedNetwork shaped)
    {
        StageResult<NetworkPlan> planned = Planner.Plan(key, shaped);
        return planned.Value is null ? planned : ReservedNames.Check(key, planned.Value, shaped.Declaration);
    }

    private static string NameOf(NetworkDeclaration? declaration) => declaration?.ClassName ?? "?";
}
