using System.Linq;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>
/// [Network] on anything but a class (a record, a struct, an interface, an enum) gets CMP0002 at [Network], never
/// silence: the user would otherwise meet CS1061 where the network is used.
/// </summary>
public sealed class TypeKindDiagnosticsTests
{
    [Fact]
    public void CMP0002_record_class()
        => DiagnosticAssert.Single("CMP0002", """
            using Compiled;
            [[|Network|]]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial record class Regressor;
            """, new[] { "'Regressor' is a record class", "not supported", "partial class" });

    [Fact]
    public void CMP0002_record()
        => DiagnosticAssert.Single("CMP0002", """
            using Compiled;
            namespace A;
            [[|Network|]]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial record Regressor(int Size);
            """, new[] { "'Regressor' is a record class", "partial class" });

    // [Network] only targets classes, so the compiler adds CS0592 on the attributes; the generator must still say why.
    [Theory]
    [InlineData("public partial struct Regressor;", "a struct")]
    [InlineData("public partial record struct Regressor;", "a record struct")]
    [InlineData("public readonly partial record struct Regressor(int Size);", "a record struct")]
    [InlineData("public partial interface Regressor;", "an interface")]
    [InlineData("public enum Regressor { A }", "an enum")]
    public void CMP0002_not_a_class(string declaration, string kind)
    {
        Markup markup = Markup.Parse($$"""
            using Compiled;
            namespace A;
            [[|Network|]]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            {{declaration}}
            """);
        GeneratorOutcome outcome = GeneratorHarness.Run(markup.Source);

        Assert.Null(outcome.Generator.Exception);
        Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("CMP0002", diagnostic.Id);
        Assert.Equal(markup.Span, diagnostic.Location.SourceSpan);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"'Regressor' is {kind}", message);
        Assert.Empty(outcome.HintNames);
        // Only the compiler's own complaint about the attribute targets, in the user's file.
        Assert.All(outcome.CompilationProblems, problem =>
        {
            Assert.Equal("CS0592", problem.Id);
            Assert.Equal("Network0.cs", problem.Location.SourceTree?.FilePath);
        });
        Assert.Contains(outcome.CompilationProblems, problem => problem.Id == "CS0592");
    }
}
