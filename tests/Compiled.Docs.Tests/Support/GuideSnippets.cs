using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Compiled.Docs.Tests.Support;

/// <summary>One ```csharp block of a Markdown file: its text and the 1-based line of its first code line.</summary>
internal sealed record CodeBlock(string Code, int FirstLine);

/// <summary>
/// A program made of one or more ```csharp blocks. A block preceded by <c>&lt;!-- snippet: name --&gt;</c> (blank lines
/// allowed between) joins every other block of that name, in order, each compiled as its own file (so one block can
/// declare networks and another hold the top-level statements). <c>&lt;!-- snippet: name; uses: other, ... --&gt;</c>
/// also compiles the blocks of the named snippets first (e.g. shared network declarations). A block without a marker
/// is a program of its own.
/// </summary>
internal sealed record Snippet(string Name, IReadOnlyList<CodeBlock> Blocks)
{
    public override string ToString() => Name;
}

/// <summary>Extracts the snippets of a Markdown file.</summary>
internal static partial class GuideSnippets
{
    [GeneratedRegex(@"^<!--\s*snippet:\s*([A-Za-z0-9_.-]+)\s*(?:;\s*uses:\s*([A-Za-z0-9_.,\s-]+?))?\s*-->\s*$")]
    private static partial Regex Marker();

    public static IReadOnlyList<Snippet> Read(string path)
    {
        string[] lines = File.ReadAllLines(path);
        var order = new List<string>();
        var blocks = new Dictionary<string, List<CodeBlock>>();
        var uses = new Dictionary<string, List<string>>();
        string? pending = null;
        string[] pendingUses = [];
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            Match marker = Marker().Match(line.Trim());
            if (marker.Success)
            {
                pending = marker.Groups[1].Value;
                pendingUses = marker.Groups[2].Success
                    ? marker.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : [];
                continue;
            }
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                string language = line.Trim().TrimStart('`').Trim();
                int start = i + 1;
                int end = start;
                while (end < lines.Length && !lines[end].TrimStart().StartsWith("```", StringComparison.Ordinal)) end++;
                if (end == lines.Length) throw new InvalidDataException($"{path}:{i + 1}: a code fence that is never closed.");
                if (language == "csharp" || language == "cs" || language == "c#")
                {
                    string name = pending ?? $"line-{i + 1}";
                    if (!blocks.TryGetValue(name, out List<CodeBlock>? list))
                    {
                        blocks[name] = list = new List<CodeBlock>();
                        order.Add(name);
                    }
                    list.Add(new CodeBlock(string.Join('\n', lines[start..end]), start + 1));
                    if (!uses.TryGetValue(name, out List<string>? used)) uses[name] = used = new List<string>();
                    foreach (string u in pendingUses)
                        if (!used.Contains(u)) used.Add(u);
                }
                else if (pending is not null)
                {
                    throw new InvalidDataException($"{path}:{i + 1}: snippet marker '{pending}' precedes a '{language}' block, not csharp.");
                }
                pending = null;
                pendingUses = [];
                i = end;
                continue;
            }
            if (pending is not null && line.Trim().Length > 0)
                throw new InvalidDataException($"{path}:{i + 1}: snippet marker '{pending}' is not followed by a ```csharp block.");
        }
        return order.Select(name =>
        {
            var all = new List<CodeBlock>();
            foreach (string u in uses[name])
            {
                if (!blocks.TryGetValue(u, out List<CodeBlock>? used) || u == name)
                    throw new InvalidDataException($"{path}: snippet '{name}' uses '{u}', which is not an earlier snippet.");
                all.AddRange(used);
            }
            all.AddRange(blocks[name]);
            return new Snippet(name, all);
        }).ToList();
    }
}
