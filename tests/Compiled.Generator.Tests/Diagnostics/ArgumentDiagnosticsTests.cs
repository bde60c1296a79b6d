using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>Diagnostics about one layer's arguments: ranges, padding, unreadable constants, unknown layers, names.</summary>
public sealed class ArgumentDiagnosticsTests
{
    [Theory]
    [InlineData("Dense(0)", "Units of layer 'fc1' is 0")]
    [InlineData("Conv2D(0)", "Filters of layer 'conv1' is 0")]
    [InlineData("Conv2D(4, Kernel = -3)", "Kernel of layer 'conv1' is -3")]
    [InlineData("Conv2D(4, Stride = 0)", "Stride of layer 'conv1' is 0")]
    [InlineData("MaxPool(0)", "Window of layer 'pool1' is 0")]
    [InlineData("AvgPool(2, Stride = -1)", "Stride of layer 'pool1' is -1, but it must be at least 1 (or 0, the default, for the window size)")]
    [InlineData("LeakyReLU(float.NaN)", "Slope of layer 'leaky_relu1' is NaN, but it must be a finite number")]
    public void CMP0005_size_kernel_window_or_stride_out_of_range(string layer, string message)
        => DiagnosticAssert.Single("CMP0005", $$"""
            using Compiled;
            [Network]
            [Input(1, 8, 8)]
            [[|{{layer}}|]]
            [Flatten, Dense(2), MeanSquaredError]
            public partial class BadArgument;
            """, new[] { message });

    [Theory]
    [InlineData("Padding = -1", "Padding -1 of layer 'conv1' is invalid")]
    [InlineData("Padding = \"full\"", "Padding \"full\" of layer 'conv1' is invalid")]
    [InlineData("Padding = new[] { 0, -2 }", "Padding (0, -2) of layer 'conv1' is invalid: use a number of pixels (0 or more) added on every side, a pair new[] { height, width } of them")]
    public void CMP0006_invalid_padding(string padding, string message)
        => DiagnosticAssert.Single("CMP0006", $$"""
            using Compiled;
            [Network]
            [Input(1, 8, 8)]
            [[|Conv2D(4, {{padding}})|]]
            [Dense(2), MeanSquaredError]
            public partial class BadPadding;
            """, new[] { message, "\"same\"", "\"valid\"" });

    [Theory]
    [InlineData("Conv2D(4, Padding = 2.5)", "Argument 'Padding' of [Conv2D] cannot be read: it is 2.5 (double)")]
    [InlineData("Conv2D(4, Padding = new[] { 1, 2, 3 })", "Argument 'Padding' of [Conv2D] cannot be read: it is an array of 3 elements")]
    [InlineData("Conv2D(4, Dilation = 1.5f)", "Argument 'Dilation' of [Conv2D] cannot be read: it is 1.5 (float)")]
    [InlineData("Conv2D(4, Stride = new[] { 1 })", "Argument 'Stride' of [Conv2D] cannot be read: it is an array of 1 element")]
    [InlineData("MaxPool(new[] { 2, 2, 2 })", "Argument 'window' of [MaxPool] cannot be read: it is an array of 3 elements")]
    [InlineData("Conv2D(4, Init = (Init)42)", "Argument 'Init' of [Conv2D] cannot be read: it is 42 (Compiled.Init)")]
    public void CMP0007_argument_not_a_readable_constant(string layer, string message)
        => DiagnosticAssert.Single("CMP0007", $$"""
            using Compiled;
            [Network]
            [Input(1, 8, 8)]
            [[|{{layer}}|]]
            [Dense(2), MeanSquaredError]
            public partial class Unreadable;
            """, new[] { message, "; use " });

    [Theory]
    [InlineData("Conv2D(4, Groups = \"3\")", "Argument 'Groups' of [Conv2D] cannot be read: it is not a valid constant (see the compiler's error)", "CS0029")]
    public void CMP0007_also_for_arguments_the_compiler_rejects(string layer, string message, string compilerError)
    {
        Markup markup = Markup.Parse($$"""
            using Compiled;
            [Network]
            [Input(1, 8, 8)]
            [[|{{layer}}|]]
            [Dense(2), MeanSquaredError]
            public partial class Rejected;
            """);

        GeneratorOutcome outcome = GeneratorHarness.Run(markup.Source);

        Assert.Null(outcome.Generator.Exception);
        Microsoft.CodeAnalysis.Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("CMP0007", diagnostic.Id);
        Assert.Equal(markup.Span, diagnostic.Location.SourceSpan);
        Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(outcome.CompilationProblems, d => Assert.Equal(compilerError, d.Id)); // the compiler's own error, nothing from generated code
        Assert.NotEmpty(outcome.CompilationProblems);
        Assert.Empty(outcome.HintNames);
    }

    [Fact]
    public void CMP0013_unknown_layer_attribute()
        => DiagnosticAssert.Single("CMP0013", """
            using Compiled;
            public sealed class SwishAttribute : LayerAttribute { }

            [Network]
            [Input(4)]
            [Dense(3), [|Swish|]]
            [Dense(2), MeanSquaredError]
            public partial class Custom;
            """, new[] { "[Swish] derives from Compiled.LayerAttribute" });

    [Fact]
    public void CMP0014_layer_name_not_an_identifier()
        => DiagnosticAssert.Single("CMP0014", """
            using Compiled;
            [Network]
            [Input(4)]
            [[|Dense(3, Name = "1st layer")|], ReLU]
            [Dense(2), MeanSquaredError]
            public partial class BadName;
            """, new[] { "\"1st layer\" is invalid", "start with a letter" });

    [Fact]
    public void CMP0014_duplicate_layer_name()
        => DiagnosticAssert.Single("CMP0014", """
            using Compiled;
            [Network]
            [Input(4)]
            [Dense(3, Name = "hidden"), ReLU]
            [[|Dense(2, Name = "hidden")|], MeanSquaredError]
            public partial class SameName;
            """, new[] { "clashes with the layer named \"hidden\"" });
}
