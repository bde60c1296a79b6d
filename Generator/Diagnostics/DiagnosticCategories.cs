namespace Compiled.Generator.Diagnostics;

internal static class DiagnosticCategories
{
    /// <summary>Every diagnostic of the network generator: declarations it cannot turn into a network.</summary>
    public const string Network = "Compiled.Network";
}
