using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>
/// The generated constructor <c>X(int threads)</c> calls the base class's parameterless constructor and must leave
/// every non-nullable member set: a class where it could not gets a CMP diagnostic, not CS7036, CS0122 or CS8618 in
/// generated code.
/// </summary>
public sealed class ConstructorDiagnosticsTests
{
    [Theory]
    [InlineData("public Base(int x) { }")]
    [InlineData("private Base() { } public Base(int x) { }")]
    public void CMP0024_base_class_without_a_parameterless_constructor(string constructors)
        => SingleBesideUserErrors("CMP0024", $$"""
            using Compiled;
            namespace A;
            public class Base
            {
                {{constructors}}
            }

            [[|Network|]]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial class Net : Base;
            """, new[] { "'Net'", "'A.Base'", "parameterless constructor", "Net(int threads)" });

    [Theory]
    [InlineData("protected Base() { }")]
    [InlineData("public Base(int x = 3) { }")]
    [InlineData("public Base(params int[] x) { }")]
    public void A_base_constructor_callable_without_arguments_is_enough(string constructors)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run($$"""
            using Compiled;
            namespace A;
            public class Base
            {
                {{constructors}}
            }

            [Network]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial class Net : Base;
            """);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
    }

    [Theory]
    [InlineData("private readonly string [|_name|];", "field '_name'")]
    [InlineData("public string [|Name|] { get; }", "property 'Name'")]
    [InlineData("public object [|State|] { get; set; }", "property 'State'")]
    public void CMP0025_non_nullable_member_the_generated_constructor_leaves_null(string member, string described)
        => SingleBesideUserErrors("CMP0025", $$"""
            using Compiled;
            namespace A;
            [Network]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial class Net
            {
                {{member}}
            }
            """, new[] { described, "Net(int threads)", "CS8618", "initializer" });

    [Theory]
    [InlineData("public readonly string Name = \"\";")]
    [InlineData("public string Name { get; } = \"\";")]
    [InlineData("public string? Name { get; set; }")]
    [InlineData("public required string Name { get; init; }")]
    [InlineData("public int Count { get; set; }")]
    [InlineData("public static string Shared { get; set; } = \"\";")]
    [InlineData("public string Name => \"computed\";")]
    [InlineData("#nullable disable\n    public string Name { get; set; }\n#nullable restore")]
    public void Members_that_need_no_constructor_are_fine(string member)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run($$"""
            using Compiled;
            namespace A;
            [Network]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial class Net
            {
                {{member}}
            }
            """);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
    }

    /// <summary>
    /// Exactly one generator diagnostic, <paramref name="id"/> at the marked span with each fragment; the network is not
    /// generated, and any compiler error is in the user's file (without the generated part the class may not compile).
    /// </summary>
    private static void SingleBesideUserErrors(string id, string markedSource, string[] fragments)
    {
        Markup markup = Markup.Parse(markedSource);
        GeneratorOutcome outcome = GeneratorHarness.Run(markup.Source);

        Assert.Null(outcome.Generator.Exception);
        Microsoft.CodeAnalysis.Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(markup.Span, diagnostic.Location.SourceSpan);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string fragment in fragments) Assert.Contains(fragment, message);
        Assert.Empty(outcome.HintNames);
        Assert.All(outcome.CompilationProblems, problem => Assert.Equal("Network0.cs", problem.Location.SourceTree?.FilePath));
    }
}
