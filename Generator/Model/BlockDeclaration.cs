namespace Compiled.Generator.Model;

/// <summary>A parameter of a block: <c>"channels"</c>, or <c>"stride = 1"</c> with its default.</summary>
internal sealed record BlockParameter(string Name, int? Default);

/// <summary>
/// A <c>[Block]</c> class as parsed from its attributes: plain data, no compiler objects, no source positions (its
/// diagnostics carry sites into its own <see cref="SourceSites"/>, keyed by <see cref="Key"/>).
/// </summary>
/// <param name="Key">The class's full name (<c>Models.BasicBlock</c>): what <c>typeof(...)</c> in a [Use] resolves to.</param>
/// <param name="ClassName">The class name, for messages.</param>
/// <param name="Parameters">Its parameters in order.</param>
/// <param name="Layers">Its layer and structure attributes in source order (<see cref="LayerDeclaration.Structure"/>).</param>
/// <param name="Diagnostics">What parsing found wrong with it (reported at its own attributes); a block with any is not expanded.</param>
internal sealed record BlockDeclaration(
    string Key,
    string ClassName,
    EquatableArray<BlockParameter> Parameters,
    EquatableArray<LayerDeclaration> Layers,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The index of the parameter named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (Parameters[i].Name == name) return i;
        }
        return -1;
    }
}

/// <summary>Every block of the compilation, ordered by key: what a network's expansion reads (equatable, so a network re-runs only when some block changed).</summary>
internal sealed record BlockTable(EquatableArray<BlockDeclaration> Blocks)
{
    public static readonly BlockTable Empty = new(EquatableArray<BlockDeclaration>.Empty);

    /// <summary>The block with this key, or null.</summary>
    public BlockDeclaration? Find(string key)
    {
        foreach (BlockDeclaration block in Blocks)
        {
            if (block.Key == key) return block;
        }
        return null;
    }
}
