namespace Compiled.Generator.Model;

/// <summary>
/// Where a diagnostic points, symbolically: an index into the network's <see cref="SourceSites"/> (the [Network]
/// attribute, [Input], each layer attribute, a member, ...). The cached model holds sites, never source positions, so
/// an edit that only moves a network (a line inserted above it) leaves the model equal; the positions are joined in
/// only when the diagnostics are reported.
/// </summary>
internal readonly record struct DiagnosticSite(int Index)
{
    /// <summary>No source position (the diagnostic is reported without a location).</summary>
    public static readonly DiagnosticSite None = new(-1);

    /// <summary>The [Network] attribute (or the class name when the attribute's syntax is unavailable): always site 0.</summary>
    public static readonly DiagnosticSite Network = new(0);
}
