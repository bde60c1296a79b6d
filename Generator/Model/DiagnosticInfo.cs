using System.Linq;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Model;

/// <summary>
/// A diagnostic as plain data, carried through the pipeline with the model and reported by its own output step, where
/// its <see cref="DiagnosticSite"/> becomes a source location (<see cref="SourceSites"/>).
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, DiagnosticSite Site, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, DiagnosticSite site, params object[] arguments)
        => new(descriptor, site, new EquatableArray<string>(arguments.Select(a => a?.ToString() ?? "").ToArray()));

    public Diagnostic ToDiagnostic(SourceSites? sites)
        => Diagnostic.Create(Descriptor, sites?[Site]?.ToLocation(), Arguments.Cast<object>().ToArray());
}
