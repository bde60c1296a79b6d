using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>
/// Diagnostics of Conv2D's and the pools' whole geometry (rectangular kernels, strides and padding, dilation, groups,
/// pool padding and ceil mode) and of block expressions outside a block: each on the attribute, with its ID, location and
/// a message stating the input shape and the arguments.
/// </summary>
public sealed class GeometryDiagnosticsTests
{
    private static string Network(string input, string layer) => $$"""
        using Compiled;
        [Network]
        [{{input}}]
        [[|{{layer}}|]]
        [Dense(2), MeanSquaredError]
        public partial class Geometry;
        """;

    [Theory]
    [InlineData("Input(1, 9, 5)", "Conv2D(4, Kernel = new[] { 1, 7 })", "the 1x7 kernel is larger than its input [1, 9, 5]", "at most 9x5")]
    [InlineData("Input(1, 5, 9)", "Conv2D(4, Kernel = new[] { 7, 1 }, Padding = new[] { 0, 3 })", "7x1 kernel is larger than its input [1, 5, 9] padded to 5x15 by padding (0, 3)", "at most 5x15")]
    [InlineData("Input(1, 6, 6)", "Conv2D(4, Kernel = 3, Dilation = 3)", "3x3 kernel with dilation 3 (spanning 7x7) is larger than its input [1, 6, 6]", "smaller kernel or dilation")]
    [InlineData("Input(1, 8, 4)", "Conv2D(4, Kernel = 3, Dilation = new[] { 1, 2 })", "with dilation (1, 2) (spanning 3x5)", "[1, 8, 4]")]
    [InlineData("Input(2, 2, 3)", "MaxPool(7, Padding = 1)", "the 7x7 window is larger than its input [2, 2, 3] padded to 4x5 by padding 1", "at most 4x5")]
    [InlineData("Input(2, 2, 9)", "AvgPool(3, Stride = 1, CeilMode = true)", "the 3x3 window is larger than its input [2, 2, 9];", "at most 2x9")]
    [InlineData("Input(2, 2, 9)", "MaxPool(new[] { 3, 1 })", "the 3x1 window is larger than its input [2, 2, 9];", "at most 2x9")]
    [InlineData("Input(2, 9, 2)", "MaxPool(new[] { 1, 3 }, Stride = new[] { 1, 2 })", "the 1x3 window is larger than its input [2, 9, 2];", "at most 9x2")]
    [InlineData("Input(2, 2, 9)", "AvgPool(new[] { 5, 2 }, Padding = new[] { 1, 0 })", "the 5x2 window is larger than its input [2, 2, 9] padded to 4x9 by padding (1, 0)", "at most 4x9")]
    public void CMP0008_rectangular_or_dilated_kernel_larger_than_the_padded_input(string input, string layer, string message, string advice)
        => DiagnosticAssert.Single("CMP0008", Network(input, layer), new[] { message, advice });

    [Theory]
    [InlineData("Conv2D(4, Dilation = 0)", "Dilation of layer 'conv1' is 0, but it must be at least 1")]
    [InlineData("Conv2D(4, Dilation = new[] { 1, 0 })", "Dilation of layer 'conv1' is (1, 0), but it must be at least 1")]
    [InlineData("Conv2D(4, Kernel = new[] { 0, 3 })", "Kernel of layer 'conv1' is (0, 3), but it must be at least 1")]
    [InlineData("Conv2D(4, Stride = new[] { 2, -1 })", "Stride of layer 'conv1' is (2, -1), but it must be at least 1")]
    [InlineData("Conv2D(4, Groups = 0)", "Groups of layer 'conv1' is 0, but it must be at least 1")]
    [InlineData("MaxPool(new[] { 0, 2 })", "Window of layer 'pool1' is (0, 2), but it must be at least 1")]
    [InlineData("AvgPool(2, Padding = -1)", "Padding of layer 'pool1' is -1, but it must be at least 0")]
    [InlineData("AvgPool(2, Stride = new[] { 1, -2 })", "Stride of layer 'pool1' is (1, -2), but it must be at least 1 (or 0, the default, for the window size)")]
    [InlineData("MaxPool(new[] { 3, 1 }, Padding = new[] { 0, -1 })", "Padding of layer 'pool1' is (0, -1), but it must be at least 0")]
    public void CMP0005_geometry_argument_out_of_range(string layer, string message)
        => DiagnosticAssert.Single("CMP0005", Network("Input(4, 8, 8)", layer), new[] { message });

    [Theory]
    [InlineData("Input(6, 8, 8)", "Conv2D(8, Groups = 4)", "Groups = 4 must divide both its input channels and its filters, but its input [6, 8, 8] has 6 channels and it has 8 filters", "(1, 2)")]
    [InlineData("Input(4, 8, 8)", "Conv2D(6, Groups = 4)", "its input [4, 8, 8] has 4 channels and it has 6 filters", "Groups = 4 with a multiple of 4 filters for a depthwise convolution")]
    public void CMP0027_groups_not_dividing_the_channels(string input, string layer, string message, string advice)
        => DiagnosticAssert.Single("CMP0027", Network(input, layer), new[] { "Layer 'conv1'", message, advice });

    [Fact]
    public void CMP0027_states_the_shape_after_earlier_layers()
        => DiagnosticAssert.Single("CMP0027", """
            using Compiled;
            [Network]
            [Input(1, 8, 8)]
            [Conv2D(6), ReLU]
            [[|Conv2D(6, Groups = 4, Name = "dw")|]]
            [Dense(2), MeanSquaredError]
            public partial class Grouped;
            """, new[] { "Layer 'dw'", "its input [6, 6, 6] has 6 channels" });

    [Theory]
    [InlineData("MaxPool(2, Padding = 2)", "padding 2 is more than half its 2x2 window", "here at most 1")]
    [InlineData("AvgPool(3, Padding = 2, CeilMode = true)", "padding 2 is more than half its 3x3 window", "here at most 1")]
    [InlineData("MaxPool(1, Padding = 1)", "padding 1 is more than half its 1x1 window", "here at most 0")]
    [InlineData("MaxPool(new[] { 3, 1 }, Padding = 1)", "padding 1 is more than half its 3x1 window", "here at most (1, 0)")]
    [InlineData("AvgPool(new[] { 1, 4 }, Padding = new[] { 1, 2 })", "padding (1, 2) is more than half its 1x4 window", "here at most (0, 2)")]
    [InlineData("MaxPool(new[] { 2, 5 }, Stride = new[] { 2, 1 }, Padding = new[] { 1, 3 }, CeilMode = true)", "padding (1, 3) is more than half its 2x5 window", "here at most (1, 2)")]
    public void CMP0028_pool_padding_more_than_half_the_window(string layer, string message, string limit)
        => DiagnosticAssert.Single("CMP0028", Network("Input(2, 9, 9)", layer), new[] { "Layer 'pool1'", message, limit, "PyTorch" });

    [Theory]
    [InlineData("Conv2D(\"channels\")", "Argument 'filters' of [Conv2D] is the expression \"channels\"", "write an int constant, e.g. [Conv2D(32)]")]
    [InlineData("Conv2D(8, Stride = \"stride\")", "Argument 'Stride' of [Conv2D] is the expression \"stride\"", "use an int or a pair (height, width)")]
    [InlineData("MaxPool(2, Padding = \"p\")", "Argument 'Padding' of [MaxPool] is the expression \"p\"", "use an int or a pair")]
    [InlineData("AvgPool(\"window\")", "Argument 'window' of [AvgPool] is the expression \"window\"", "use an int or a pair (height, width), e.g. [AvgPool(2)]")]
    public void CMP0026_block_expression_outside_a_block(string layer, string message, string advice)
        => DiagnosticAssert.Single("CMP0026", Network("Input(4, 8, 8)", layer), new[] { message, "only read inside a [Block]", advice });

    [Fact]
    public void CMP0026_dense_units_as_an_expression_outside_a_block()
        => DiagnosticAssert.Single("CMP0026", """
            using Compiled;
            [Network]
            [Input(16)]
            [[|Dense("width")|], ReLU]
            [Dense(2), MeanSquaredError]
            public partial class Expression;
            """, new[] { "Argument 'units' of [Dense] is the expression \"width\"", "write an int constant, e.g. [Dense(128)]" });
}
