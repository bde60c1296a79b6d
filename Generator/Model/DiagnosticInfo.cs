using System.Linq;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Model;

/// <summary>A diagnostic as plain data, carried through the pipeline with the model and reported by its own output step.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments)
        => new(descriptor, location, new EquatableArray<string>(arguments.Select(a => a?.ToString() ?? "").ToArray()));

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Descriptor, Location?.ToLocation(), Arguments.Cast<object>().ToArray());
}
