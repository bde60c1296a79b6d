using System.Linq;
using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>
/// Diagnostics of blocks: a block's own mistakes at its attributes (structure, expressions, parameters, a cycle), the
/// mistakes its arguments cause at the network's [Use] (shapes of a residual sum or a concatenation, missing or extra
/// arguments, a type that is not a block).
/// </summary>
public sealed class BlockDiagnosticsTests
{
    private const string Residual = """
        namespace Lib;
        [Compiled.Block("channels", "stride = 1")]
        [Compiled.Conv2D(4, Kernel = 3, Padding = 1), Compiled.ReLU]
        [Compiled.Residual, Compiled.ReLU]
        public class Residual;
        """;

    [Fact]
    public void CMP0029_shortcut_without_residual()
        => DiagnosticAssert.Single("CMP0029", """
            using Compiled;
            [Block]
            [Conv2D(4, Kernel = 1)]
            [[|Shortcut|]]
            [Conv2D(4, Kernel = 1)]
            public class Open;
            """, new[] { "[Shortcut] in 'Open' has no [Residual] after it" });

    [Fact]
    public void CMP0029_branch_without_concat()
        => DiagnosticAssert.Single("CMP0029", """
            using Compiled;
            [Block]
            [Branch, Conv2D(4, Kernel = 1)]
            [[|Branch|], Conv2D(2, Kernel = 1)]
            public class Open;
            """, new[] { "[Branch] in 'Open' has no [Concat] after it" });

    [Fact]
    public void CMP0029_concat_without_branch()
        => DiagnosticAssert.Single("CMP0029", """
            using Compiled;
            [Block]
            [Conv2D(4, Kernel = 1), [|Concat|]]
            public class Lonely;
            """, new[] { "[Concat] in 'Lonely' has no [Branch] before it" });

    [Fact]
    public void CMP0029_residual_on_a_network()
        => DiagnosticAssert.Single("CMP0029", """
            using Compiled;
            [Network]
            [Input(4, 4, 4)]
            [Conv2D(4, Kernel = 3, Padding = 1), [|Residual|]]
            [Dense(2), MeanSquaredError]
            public partial class Net;
            """, new[] { "[Residual] in 'Net' is a network's attribute here", "inside a [Block]" });

    [Fact]
    public void CMP0029_loss_head_in_a_block()
        => DiagnosticAssert.Single("CMP0029", """
            using Compiled;
            [Block]
            [Dense(2), [|MeanSquaredError|]]
            public class Head;
            """, new[] { "[MeanSquaredError] in 'Head' is a loss head" });

    [Fact]
    public void CMP0030_unknown_parameter_in_an_expression()
        => DiagnosticAssert.Single("CMP0030", """
            using Compiled;
            [Block("channels")]
            [[|Conv2D(4, Padding = "chanels / 2")|]]
            public class Typo;
            """, new[] { "\"chanels / 2\"", "'chanels' is not a parameter of the block", "the block's parameters are channels" });

    [Fact]
    public void CMP0031_residual_sides_differ_without_projection()
        => DiagnosticAssert.Single("CMP0031", """
            using Compiled;
            [Network]
            [Input(3, 8, 8)]
            [[|Use(typeof(Lib.Residual), 4)|]]
            [Dense(2), MeanSquaredError]
            public partial class Net;
            """, new[] { "'layer1.0.add1'", "[4, 8, 8]", "[3, 8, 8]", "projection shortcut" }, Residual);

    [Fact]
    public void CMP0032_branches_of_different_sizes()
        => DiagnosticAssert.Single("CMP0032", """
            using Compiled;
            [Block]
            [Branch, Conv2D(2, Kernel = 1)]
            [Branch, Conv2D(3, Kernel = 3)]
            [Concat]
            public class Mixed;

            [Network]
            [Input(3, 8, 8)]
            [[|Use(typeof(Mixed))|]]
            [Dense(2), MeanSquaredError]
            public partial class Net;
            """, new[] { "'layer1.0.concat1'", "[2, 8, 8] and [3, 6, 6]" });

    [Fact]
    public void CMP0033_block_that_uses_itself()
        => DiagnosticAssert.Single("CMP0033", """
            using Compiled;
            [Block]
            [Conv2D(2, Kernel = 1), [|Use(typeof(A))|]]
            public class A;
            """, new[] { "'A' uses itself (A → A)" });

    [Fact]
    public void CMP0033_blocks_that_use_each_other_are_both_reported_and_a_network_using_them_is_told()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("""
            using Compiled;
            [Block]
            [Conv2D(2, Kernel = 1), Use(typeof(B))]
            public class A;
            [Block]
            [Use(typeof(A))]
            public class B;
            [Network]
            [Input(2, 4, 4)]
            [Use(typeof(A))]
            [Dense(2), MeanSquaredError]
            public partial class Net;
            """);

        string[] messages = outcome.GeneratorDiagnostics.Select(d => d.Id + " " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).OrderBy(m => m, System.StringComparer.Ordinal).ToArray();
        Assert.Equal(3, messages.Length);
        Assert.Contains("'A' uses itself (A → B → A)", messages[0]);
        Assert.Contains("'B' uses itself (B → A → B)", messages[1]);
        Assert.StartsWith("CMP0034", messages[2]);
        Assert.Contains("has errors, reported at the block's attributes", messages[2]);
        Assert.Empty(outcome.HintNames);
    }

    [Theory]
    [InlineData("Use(typeof(Lib.Residual))", "no argument for the parameter 'channels'")]
    [InlineData("Use(typeof(Lib.Residual), 4, 1, 7)", "gives 3 arguments, but the block has the parameters (channels, stride = 1)")]
    [InlineData("Use(typeof(Lib.Plain), Stride = 2)", "no parameter named \"stride\"")]
    [InlineData("Use(typeof(Net))", "names a type without [Block]")]
    public void CMP0034_use_that_does_not_fit(string use, string fragment)
        => DiagnosticAssert.Single("CMP0034", $$"""
            using Compiled;
            [Network]
            [Input(4, 8, 8)]
            [[|{{use}}|]]
            [Dense(2), MeanSquaredError]
            public partial class Net;
            """, new[] { fragment }, Residual, """
            namespace Lib;
            [Compiled.Block]
            [Compiled.Conv2D(4, Kernel = 1)]
            public class Plain;
            """);

    [Fact]
    public void CMP0034_argument_that_makes_an_expression_invalid()
        => DiagnosticAssert.Single("CMP0034", """
            using Compiled;
            [Block("pad")]
            [Conv2D(4, Kernel = 3, Padding = "pad / 2")]
            public class Half;

            [Network]
            [Input(4, 8, 8)]
            [[|Use(typeof(Half), 3)|]]
            [Dense(2), MeanSquaredError]
            public partial class Net;
            """, new[] { "\"pad / 2\"", "3 / 2 is not a whole number", "pad = 3" });

    [Fact]
    public void CMP0016_a_repeat_that_expands_beyond_the_node_limit()
        => DiagnosticAssert.Single("CMP0016", """
            using Compiled;
            [Block]
            [Residual]
            public class Identity;

            [Network]
            [Input(4)]
            [Dense(4), [|Use(typeof(Identity), Repeat = 1000000)|]]
            [Dense(2), MeanSquaredError]
            public partial class Net;
            """, new[] { "the number of layers after expanding its blocks" });

    [Fact]
    public void CMP0005_repeat_below_one()
        => DiagnosticAssert.Single("CMP0005", """
            using Compiled;
            [Block]
            [Residual]
            public class Identity;

            [Network]
            [Input(4)]
            [Dense(4), [|Use(typeof(Identity), Repeat = 0)|]]
            [Dense(2), MeanSquaredError]
            public partial class Net;
            """, new[] { "Repeat of layer 'layer1' is 0, but it must be at least 1" });

    [Theory]
    [InlineData("\"stride = two\"", "its default \"two\" is not an int")]
    [InlineData("\"2x\"", "a name starts with a letter")]
    [InlineData("\"a = 1\", \"b\"", "no default but follows one that has")]
    public void CMP0035_invalid_parameter(string parameters, string fragment)
        => DiagnosticAssert.Single("CMP0035", $$"""
            using Compiled;
            [[|Block({{parameters}})|]]
            [Conv2D(4, Kernel = 1)]
            public class Odd;
            """, new[] { fragment });
}
