namespace Compiled.Generator.Model;

/// <summary>
/// The output of one pipeline stage: its value (null when an earlier stage or this one found an error, so later
/// stages skip the network) and every diagnostic found so far.
/// </summary>
internal sealed record StageResult<T>(T? Value, EquatableArray<DiagnosticInfo> Diagnostics)
    where T : class
{
    public static StageResult<T> Failed(EquatableArray<DiagnosticInfo> diagnostics) => new(null, diagnostics);
}
