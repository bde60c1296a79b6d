namespace Compiled.Generator.Model;

/// <summary>
/// The output of one pipeline stage for one network: its value (null when an earlier stage or this one found an error,
/// so later stages skip the network) and every diagnostic found so far. <paramref name="Network"/> is the network's key
/// (its full name), which joins the diagnostics to the network's <see cref="SourceSites"/>.
/// </summary>
internal sealed record StageResult<T>(string Network, T? Value, EquatableArray<DiagnosticInfo> Diagnostics)
    where T : class
{
    public static StageResult<T> Failed(string network, EquatableArray<DiagnosticInfo> diagnostics) => new(network, null, diagnostics);
}
