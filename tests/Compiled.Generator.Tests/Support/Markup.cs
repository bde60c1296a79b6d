using System;
using Microsoft.CodeAnalysis.Text;

namespace Compiled.Generator.Tests.Support;

/// <summary>Source with one span marked <c>[|like this|]</c>: the text without the markers and the marked span.</summary>
internal readonly record struct Markup(string Source, TextSpan Span)
{
    public static Markup Parse(string marked)
    {
        int start = marked.IndexOf("[|", StringComparison.Ordinal);
        int end = marked.IndexOf("|]", StringComparison.Ordinal);
        if (start < 0 || end < start) throw new ArgumentException("Mark the expected location with [| and |].", nameof(marked));
        string source = marked.Remove(end, 2).Remove(start, 2);
        return new Markup(source, TextSpan.FromBounds(start, end - 2));
    }

    /// <summary>Zero-based line and column of the span's start.</summary>
    public LinePosition Start => SourceText.From(Source).Lines.GetLinePosition(Span.Start);
}
