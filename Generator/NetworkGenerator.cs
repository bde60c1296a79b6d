using System;
using System.Text;
using System.Threading;
using Compiled.Generator.Emit;
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
/// Every stage's output is plain equatable data, so an edit that does not change a network re-runs nothing after parsing.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    private static readonly string Version = typeof(NetworkGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Discover and parse: type declarations carrying [Network] (the predicate only checks the node kind; all semantic
        //    work is in the transform), read into a NetworkDeclaration with the class checks and unreadable arguments
        //    reported. Records, structs, interfaces and enums pass the predicate too, so that they get CMP0002 rather than silence.
        //    A declaration without a name (`partial class` cut short) is left to the compiler's CS1001: code for it could not compile.
        IncrementalValuesProvider<StageResult<NetworkDeclaration>> declarations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.NetworkAttribute,
                predicate: static (node, _) => node is BaseTypeDeclarationSyntax { Identifier.IsMissing: false },
                transform: static (context, cancellationToken) => Parse(context, cancellationToken))
            .Where(static result => result is not null)
            .Select(static (result, _) => result!)
            .WithTrackingName(TrackingNames.Declarations);

        // 2. Infer and check shapes: names, argument ranges, structure, then every layer's input and output shape.
        IncrementalValuesProvider<StageResult<ShapedNetwork>> shapes = declarations
            .Select(static (declaration, _) => StageGuard.Run(declaration, "inferring the shapes of", NameOf(declaration.Value), declaration.Value?.NetworkLocation, ShapeInference.Infer))
            .WithTrackingName(TrackingNames.Shapes);

        // 3. Plan the code: parameter layout, workspace regions and sizes, initialization, summary; then reserve the names of
        //    the members it will declare against the class name, the user's members and inherited ones.
        IncrementalValuesProvider<StageResult<NetworkPlan>> plans = shapes
            .Select(static (shaped, _) => StageGuard.Run(shaped, "planning", NameOf(shaped.Value?.Declaration), shaped.Value?.Declaration.NetworkLocation, PlanAndReserveNames))
            .WithTrackingName(TrackingNames.Plans);

        // 4a. Report every stage's diagnostics from their own output.
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = plans
            .Select(static (plan, _) => plan.Diagnostics)
            .Where(static found => found.Count > 0)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, found) =>
        {
            foreach (DiagnosticInfo diagnostic in found) output.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        // 4b. Emit the valid networks.
        IncrementalValuesProvider<NetworkPlan> sources = plans
            .Where(static plan => plan.Value is not null)
            .Select(static (plan, _) => plan.Value!)
            .WithTrackingName(TrackingNames.Sources);
        context.RegisterSourceOutput(sources, static (output, plan) => Emit(output, plan));
    }

    private static StageResult<NetworkDeclaration>? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return NetworkParser.Parse(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LocationInfo? location = context.Attributes.Length > 0
                ? NetworkParser.LocationOfAttribute(context.Attributes[0], cancellationToken)
                : LocationInfo.From(context.TargetNode);
            var error = StageGuard.InternalError("parsing", context.TargetSymbol.Name, location, e);
            return StageResult<NetworkDeclaration>.Failed(new EquatableArray<DiagnosticInfo>(new[] { error }));
        }
    }

    private static void Emit(SourceProductionContext output, NetworkPlan plan)
    {
        string source;
        try
        {
            source = NetworkEmitter.Emit(plan, Version);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            output.ReportDiagnostic(StageGuard.InternalError("emitting", plan.ClassName, plan.Location, e).ToDiagnostic());
            return;
        }
        output.AddSource(plan.FullName + ".g.cs", SourceText.From(source, Encoding.UTF8));
    }

    private static StageResult<NetworkPlan> PlanAndReserveNames(ShapedNetwork shaped)
    {
        StageResult<NetworkPlan> planned = Planner.Plan(shaped);
        return planned.Value is null ? planned : ReservedNames.Check(planned.Value, shaped.Declaration);
    }

    private static string NameOf(NetworkDeclaration? declaration) => declaration?.ClassName ?? "?";
}
