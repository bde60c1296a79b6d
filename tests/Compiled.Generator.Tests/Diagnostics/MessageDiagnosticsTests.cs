using System.Linq;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>
/// Messages that say what is wrong, where the user can fix it: one diagnostic per problem, at the declaration the user
/// wrote, in plain words.
/// </summary>
public sealed class MessageDiagnosticsTests
{
    [Fact]
    public void Two_loss_heads_report_only_the_one_after_the_first()
        => DiagnosticAssert.Single("CMP0010", """
            using Compiled;
            [Network]
            [Input(4)]
            [Dense(3), SoftmaxCrossEntropy, [|MeanSquaredError|]]
            public partial class TwoHeads;
            """, new[] { "comes after the loss head 'loss' (SoftmaxCrossEntropy)" });

    [Fact]
    public void A_name_clashing_with_a_default_name_is_reported_where_the_user_wrote_it()
        => DiagnosticAssert.Single("CMP0014", """
            using Compiled;
            [Network]
            [Input(4)]
            [[|Dense(3, Name = "Loss")|], ReLU]
            [Dense(2), MeanSquaredError]
            public partial class NamedLoss;
            """, new[] { "\"Loss\" is invalid", "\"loss\", the default name of the MeanSquaredError layer", "member names Loss" });

    [Fact]
    public void An_explicit_name_taking_a_later_default_name_is_reported_where_the_user_wrote_it()
        => DiagnosticAssert.Single("CMP0014", """
            using Compiled;
            [Network]
            [Input(4)]
            [[|Dense(3, Name = "fc2")|], ReLU]
            [Dense(2), MeanSquaredError]
            public partial class NamedFc2;
            """, new[] { "\"fc2\" is invalid", "\"fc2\", the default name of the Dense layer" });

    [Theory]
    [InlineData("[[|Input(1, 2, 3, 4)|]] [Dense(2), MeanSquaredError]", "(1, 2, 3, 4) given to [Input]", "[Input(784)] or [Input(1, 28, 28)]", "CS1729")]
    [InlineData("[[|Input(28, 28)|]] [Dense(2), MeanSquaredError]", "(28, 28) given to [Input]", "[Input(784)] or [Input(1, 28, 28)]", "CS7036")]
    [InlineData("[Input(4)] [Dense(2), [|ELU(1.0)|], MeanSquaredError]", "(1.0) given to [ELU]", "[ELU(1f)]", "CS1503")]
    [InlineData("[Input(4)] [[|Dense|], MeanSquaredError]", "() given to [Dense]", "[Dense(128)]", "CS1729")]
    [InlineData("[Input(4)] [Dense(2), [|ReLU(3)|], MeanSquaredError]", "(3) given to [ReLU]", "write [ReLU]", "CS1729")]
    [InlineData("[Input(4)] [[|Dense(Size)|], MeanSquaredError]", "(Size) given to [Dense]", "[Dense(128)]", "CS0103")]
    public void Arguments_matching_no_constructor_get_one_plain_message_beside_the_compilers(string attributes, string given, string advice, string compilerError)
    {
        Markup markup = Markup.Parse($$"""
            using Compiled;
            [Network]
            {{attributes}}
            public partial class Wrong;
            """);
        GeneratorOutcome outcome = GeneratorHarness.Run(markup.Source);

        Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("CMP0023", diagnostic.Id);
        Assert.Equal(markup.Span, diagnostic.Location.SourceSpan);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(given, message);
        Assert.Contains("match none of its constructors", message);
        Assert.Contains(advice, message);
        Assert.DoesNotContain("which is not a constant", message);
        Assert.DoesNotContain("missing, not a constant", message);
        Assert.Equal(new[] { compilerError }, outcome.CompilationProblems.Select(d => d.Id).Distinct());
        Assert.Empty(outcome.HintNames);
    }
}
