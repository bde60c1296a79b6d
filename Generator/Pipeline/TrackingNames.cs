namespace Compiled.Generator.Pipeline;

/// <summary>Names of the pipeline steps, so tests can assert which steps an edit re-runs.</summary>
internal static class TrackingNames
{
    /// <summary>[Network] classes parsed into <see cref="Model.NetworkDeclaration"/> (re-runs on any edit; Unchanged unless the declaration changed).</summary>
    public const string Declarations = nameof(Declarations);

    /// <summary>Shapes inferred and checked.</summary>
    public const string Shapes = nameof(Shapes);

    /// <summary>Buffers, parameter offsets and workspace sizes planned.</summary>
    public const string Plans = nameof(Plans);

    /// <summary>The diagnostics of every stage, reported by their own output.</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>The plans of valid networks, which the source output emits.</summary>
    public const string Sources = nameof(Sources);
}
