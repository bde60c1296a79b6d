using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;
using Compiled.Generator.Pipeline;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>Diagnostics about the class itself: not partial, unsupported kinds, layers split over partial declarations, internal errors.</summary>
public sealed class ClassDiagnosticsTests
{
    [Fact]
    public void CMP0001_class_not_partial()
        => DiagnosticAssert.Single("CMP0001", """
            using Compiled;
            [[|Network|]]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public class Regressor;
            """, new[] { "'Regressor' is not partial", "partial class Regressor" });

    [Fact]
    public void CMP0002_generic_class()
        => DiagnosticAssert.Single("CMP0002", """
            using Compiled;
            [[|Network|]]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial class Regressor<T>;
            """, new[] { "'Regressor' is generic", "not supported" });

    [Fact]
    public void CMP0002_nested_class()
        => DiagnosticAssert.Single("CMP0002", """
            using Compiled;
            public partial class Outer
            {
                [[|Network|]]
                [Input(4)]
                [Dense(2), MeanSquaredError]
                public partial class Regressor;
            }
            """, new[] { "nested in 'Outer'", "directly in a namespace" });

    [Fact]
    public void CMP0002_static_class()
        => DiagnosticAssert.Single("CMP0002", """
            using Compiled;
            [[|Network|]]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public static partial class Regressor;
            """, new[] { "is static" });

    [Fact]
    public void CMP0012_layers_on_several_partial_declarations()
        => DiagnosticAssert.Single("CMP0012", """
            using Compiled;
            [Network]
            [Input(4)]
            [Dense(8), ReLU]
            public partial class Split;

            [[|Dense(2)|], MeanSquaredError]
            public partial class Split;
            """, new[] { "more than one partial declaration", "one declaration" });

    [Theory]
    [InlineData("public Regressor() { }", "Regressor()")]
    [InlineData("public Regressor(int size) { }", "Regressor(int)")]
    public void CMP0017_constructor_conflicts_with_a_generated_one(string constructor, string signature)
        => DiagnosticAssert.Single("CMP0017", $$"""
            using Compiled;
            [[|Network|]]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial class Regressor
            {
                {{constructor}}
            }
            """, new[] { $"declares the constructor {signature}", "this(threads)" });

    [Fact]
    public void A_constructor_with_other_parameters_chains_to_a_generated_one()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("""
            using Compiled;
            [Network]
            [Input(4)]
            [Dense(2), MeanSquaredError]
            public partial class Regressor
            {
                public Regressor(string name) : this(1) => Name = name;
                public string Name { get; } = "";
            }
            """);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
    }

    [Fact]
    public void CMP9999_an_exception_in_a_stage_becomes_an_internal_error_diagnostic()
    {
        var location = new LocationInfo("Network0.cs", new TextSpan(10, 7), new LinePositionSpan(new LinePosition(1, 1), new LinePosition(1, 8)));
        var sites = new SourceSites("Broken", new EquatableArray<LocationInfo>(new[] { location }));
        var input = new StageResult<string>("Broken", "declaration", EquatableArray<DiagnosticInfo>.Empty);

        StageResult<string> result = StageGuard.Run<string, string>(input, "planning", "Broken",
            (_, _) => throw new System.InvalidOperationException("boom"));

        Assert.Null(result.Value);
        DiagnosticInfo info = Assert.Single(result.Diagnostics);
        Diagnostic diagnostic = info.ToDiagnostic(sites);
        Assert.Equal("CMP9999", diagnostic.Id);
        Assert.Equal(DiagnosticDescriptors.InternalError, info.Descriptor);
        Assert.Equal(new LinePosition(1, 1), diagnostic.Location.GetLineSpan().StartLinePosition);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("planning 'Broken'", message);
        Assert.Contains("InvalidOperationException: boom", message);
        Assert.Contains("please report", message);
    }
}
