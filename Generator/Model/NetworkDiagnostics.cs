namespace Compiled.Generator.Model;

/// <summary>The diagnostics of one network (by its key), before their sites become source locations.</summary>
internal sealed record NetworkDiagnostics(string Network, EquatableArray<DiagnosticInfo> Diagnostics);
