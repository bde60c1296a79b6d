using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;

namespace Compiled.Generator.Graph;

/// <summary>
/// The checks of blocks that need every block: a [Use] must name a block and fit its parameters, and no block may use
/// itself, directly or through others. Each block's diagnostics (its parsing's and these) are reported once, at its own
/// attributes; a network that uses a block with any gets one diagnostic at its [Use] saying so (CMP0034).
/// </summary>
internal static class BlockChecks
{
    /// <summary>The blocks in key order (the first of two with one key: a partial block is parsed once per [Block]).</summary>
    public static BlockTable Table(ImmutableArray<BlockDeclaration> blocks)
    {
        var byKey = new SortedDictionary<string, BlockDeclaration>(System.StringComparer.Ordinal);
        foreach (BlockDeclaration block in blocks)
        {
            if (!byKey.ContainsKey(block.Key)) byKey[block.Key] = block;
        }
        return new BlockTable(new EquatableArray<BlockDeclaration>(byKey.Values.ToArray()));
    }

    /// <summary>Every block's diagnostics, keyed by the block (its sites are its own).</summary>
    public static ImmutableArray<NetworkDiagnostics> Diagnostics(BlockTable table)
    {
        var all = ImmutableArray.CreateBuilder<NetworkDiagnostics>();
        foreach (BlockDeclaration block in table.Blocks)
        {
            List<DiagnosticInfo> found = OwnProblems(block, table);
            if (found.Count > 0) all.Add(new NetworkDiagnostics(block.Key, new EquatableArray<DiagnosticInfo>(found.ToArray())));
        }
        return all.ToImmutable();
    }

    /// <summary>Whether the block and every block it uses, however deep, are free of errors (then it can be expanded).</summary>
    public static bool IsValid(BlockDeclaration block, BlockTable table) => IsValid(block, table, new HashSet<string>());

    private static bool IsValid(BlockDeclaration block, BlockTable table, HashSet<string> visiting)
    {
        if (!visiting.Add(block.Key)) return false; // a cycle
        bool valid = block.Diagnostics.Count == 0;
        foreach (LayerDeclaration layer in block.Layers)
        {
            if (!valid) break;
            if (layer.Use is not { } use) continue;
            BlockDeclaration? used = table.Find(use.Block);
            valid = used is not null && UseProblem(use, used) is null && IsValid(used, table, visiting);
        }
        visiting.Remove(block.Key);
        return valid;
    }

    private static List<DiagnosticInfo> OwnProblems(BlockDeclaration block, BlockTable table)
    {
        var found = new List<DiagnosticInfo>(block.Diagnostics);
        foreach (LayerDeclaration layer in block.Layers)
        {
            if (layer.Use is not { } use) continue;
            BlockDeclaration? used = table.Find(use.Block);
            string? problem = used is null ? NotABlock(use) : UseProblem(use, used);
            if (problem is not null)
            {
                found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockUse, layer.Site, use.BlockName, problem));
                continue;
            }
            if (Cycle(block.Key, use.Block, table, new List<string> { block.ClassName, used!.ClassName }, new HashSet<string>()) is { } cycle)
                found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecursiveBlock, layer.Site, block.ClassName, string.Join(" → ", cycle)));
        }
        return found;
    }

    /// <summary>The block names from the user through <paramref name="from"/> back to <paramref name="target"/> along [Use]s, or null.</summary>
    private static List<string>? Cycle(string target, string from, BlockTable table, List<string> path, HashSet<string> seen)
    {
        if (from == target) return path;
        if (!seen.Add(from) || table.Find(from) is not { } block) return null;
        foreach (LayerDeclaration layer in block.Layers)
        {
            if (layer.Use is not { } use || table.Find(use.Block) is not { } next) continue;
            path.Add(next.ClassName);
            if (Cycle(target, next.Key, table, path, seen) is { } found) return found;
            path.RemoveAt(path.Count - 1);
        }
        return null;
    }

    /// <summary>Why a [Use] names no block.</summary>
    public static string NotABlock(UseDeclaration use)
        => $"names a type without [Block]; mark '{use.BlockName}' with [Block(\"parameter\", ...)] and give it the layers, or name a block";

    /// <summary>Why the [Use]'s arguments do not fit the block's parameters (too many, a required one missing, Stride without a "stride" parameter), or null.</summary>
    public static string? UseProblem(UseDeclaration use, BlockDeclaration block)
    {
        int given = use.Arguments.Count;
        if (given > block.Parameters.Count)
            return $"gives {given} arguments, but the block has {Parameters(block)}; remove the extra ones";
        for (int i = given; i < block.Parameters.Count; i++)
        {
            BlockParameter parameter = block.Parameters[i];
            if (parameter.Default is null && !(parameter.Name == "stride" && use.Stride is not null))
                return $"gives no argument for the parameter '{parameter.Name}', which has no default (the block has {Parameters(block)}); add it in order";
        }
        if (use.Stride is not null && block.IndexOf("stride") < 0)
            return $"sets Stride, but the block has no parameter named \"stride\" ({Parameters(block)}); remove Stride, or add \"stride = 1\" to the block's parameters";
        if (use.Stride is not null && block.IndexOf("stride") < given)
            return "sets Stride and also gives the parameter 'stride' positionally; give it once";
        return null;
    }

    public static string Parameters(BlockDeclaration block)
    {
        if (block.Parameters.Count == 0) return "no parameters";
        var parts = new List<string>();
        foreach (BlockParameter p in block.Parameters) parts.Add(p.Default is { } d ? p.Name + " = " + Invariant.Int(d) : p.Name);
        return "the parameters (" + string.Join(", ", parts) + ")";
    }
}
