using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Emit;

/// <summary>Identifiers as C# source: keywords get an @ (a class named <c>@class</c> stays compilable).</summary>
internal static class Identifiers
{
    public static string Escape(string identifier)
        => SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    public static string EscapeQualified(string name) => string.Join(".", name.Split('.').Select(Escape));
}
