using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Generator.Parsing;

/// <summary>An attribute applied in source, with its syntax.</summary>
internal sealed class AttributeInSource
{
    private AttributeInSource(AttributeData data, AttributeSyntax syntax)
    {
        Data = data;
        Syntax = syntax;
    }

    public AttributeData Data { get; }

    public AttributeSyntax Syntax { get; }

    public INamedTypeSymbol? Class => Data.AttributeClass;

    /// <summary>
    /// The class's attributes in source order: by syntax tree (in the order the compilation lists the class's
    /// declarations), then by position in the file. Layer order is declaration order, so this is what defines the network.
    /// </summary>
    public static List<AttributeInSource> InSourceOrder(INamedTypeSymbol symbol, CancellationToken cancellationToken)
    {
        var trees = new List<SyntaxTree>();
        var found = new List<(AttributeInSource Attribute, int Tree, int Start)>();
        foreach (AttributeData data in symbol.GetAttributes())
        {
            SyntaxReference? reference = data.ApplicationSyntaxReference;
            if (reference is null || reference.GetSyntax(cancellationToken) is not AttributeSyntax syntax) continue;
            int tree = trees.IndexOf(reference.SyntaxTree);
            if (tree < 0)
            {
                tree = trees.Count;
                trees.Add(reference.SyntaxTree);
            }
            found.Add((new AttributeInSource(data, syntax), tree, reference.Span.Start));
        }
        return found.OrderBy(f => f.Tree).ThenBy(f => f.Start).Select(f => f.Attribute).ToList();
    }
}
