using System.Linq;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Support;

internal static class DiagnosticAssert
{
    /// <summary>
    /// Runs the generator on the marked source (plus any others) and asserts exactly one diagnostic: the given ID,
    /// at the marked span (file, line, column), with a message containing each fragment; no other generator diagnostic,
    /// no compilation error or warning, and no generator exception.
    /// </summary>
    public static Diagnostic Single(string id, string markedSource, string[] messageFragments, params string[] otherSources)
    {
        Markup markup = Markup.Parse(markedSource);
        GeneratorOutcome outcome = GeneratorHarness.Run(new[] { markup.Source }.Concat(otherSources).ToArray());

        Assert.Null(outcome.Generator.Exception);
        Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);

        FileLinePositionSpan where = diagnostic.Location.GetLineSpan();
        Assert.Equal("Network0.cs", where.Path);
        Assert.Equal((markup.Start.Line, markup.Start.Character), (where.StartLinePosition.Line, where.StartLinePosition.Character));
        Assert.Equal(markup.Span, diagnostic.Location.SourceSpan);

        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string fragment in messageFragments) Assert.Contains(fragment, message);

        Assert.Empty(outcome.CompilationProblems);
        Assert.Empty(outcome.HintNames); // a network with an error is not emitted
        return diagnostic;
    }
}
