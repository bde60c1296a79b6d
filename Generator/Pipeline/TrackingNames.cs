namespace Compiled.Generator.Pipeline;

/// <summary>Names of the pipeline steps, so tests can assert which steps an edit re-runs.</summary>
internal static class TrackingNames
{
    /// <summary>[Network] classes parsed into <see cref="Model.NetworkDeclaration"/> (re-runs on any edit of the class's file; Unchanged unless the declaration changed).</summary>
    public const string Declarations = nameof(Declarations);

    /// <summary>The source positions of each network's diagnostic sites (<see cref="Model.SourceSites"/>): Modified whenever the network moves in its file.</summary>
    public const string Sites = nameof(Sites);

    /// <summary>[Block] classes parsed into <see cref="Model.BlockDeclaration"/> (one per block; Unchanged unless the block changed).</summary>
    public const string Blocks = nameof(Blocks);

    /// <summary>Every block collected into one <see cref="Model.BlockTable"/>, which the networks' expansion reads.</summary>
    public const string BlockTable = nameof(BlockTable);

    /// <summary>Each block's own diagnostics (structure, expressions, cycles), reported at its attributes.</summary>
    public const string BlockDiagnostics = nameof(BlockDiagnostics);

    /// <summary>Shapes inferred and checked: the network's graph.</summary>
    public const string Shapes = nameof(Shapes);

    /// <summary>Buffers, parameter offsets and workspace sizes planned.</summary>
    public const string Plans = nameof(Plans);

    /// <summary>The generated source of each valid network, or the emitter's internal error.</summary>
    public const string Emission = nameof(Emission);

    /// <summary>The diagnostics of every stage, reported by their own output (joined with the <see cref="Sites"/> there).</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>The generated sources of valid networks, which the source output adds.</summary>
    public const string Sources = nameof(Sources);
}
