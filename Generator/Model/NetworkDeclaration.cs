namespace Compiled.Generator.Model;

/// <summary>A <c>[Network]</c> class as parsed from its attributes: plain data, no compiler objects and no source positions.</summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ClassName">The class name.</param>
/// <param name="Training">Whether training code is requested (<c>[Network(Training = ...)]</c>).</param>
/// <param name="Input">The <c>[Input]</c> dimensions (1 or 3 of them), or empty when there is no [Input].</param>
/// <param name="InputSite">The <c>[Input]</c> attribute.</param>
/// <param name="Layers">The layer attributes in source order.</param>
/// <param name="Members">The class's own and inherited members whose names the generator may use (<see cref="ClassMember"/>).</param>
/// <param name="CopyObstacle">Why generated code cannot make a copy of the class (<c>new X(threads)</c>) for an inference
/// session ("is abstract", "has required members"), or null when it can.</param>
/// <remarks>Class-level diagnostics point at <see cref="DiagnosticSite.Network"/>, the [Network] attribute.</remarks>
internal sealed record NetworkDeclaration(
    string? Namespace,
    string ClassName,
    bool Training,
    EquatableArray<int> Input,
    DiagnosticSite InputSite,
    EquatableArray<LayerDeclaration> Layers,
    EquatableArray<ClassMember> Members,
    string? CopyObstacle = null)
{
    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;
}
