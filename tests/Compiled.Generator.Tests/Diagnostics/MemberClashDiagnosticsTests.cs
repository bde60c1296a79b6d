using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>
/// Names the generator adds are reserved: a user member, an inherited member or the class name that clashes with one
/// gets a CMP diagnostic at the user's declaration (never a CS error or warning inside generated code), and a primary
/// constructor, which the generated constructors could not chain to, gets one at its parameter list.
/// </summary>
public sealed class MemberClashDiagnosticsTests
{
    private const string Layers = """
        using Compiled;
        namespace A;
        [Network]
        [Input(1, 6, 6)]
        [Conv2D(2, Kernel = 3), ReLU, MaxPool(2), Flatten]
        [Dense(3), SoftmaxCrossEntropy]
        """;

    [Theory]
    [InlineData("public string [|Summary|] => \"mine\";", "property Summary", "rename 'Summary'")]
    [InlineData("public int [|Threads|];", "property Threads", "rename 'Threads'")]
    [InlineData("public const int [|Fc1OutputLength|] = 3;", "constant Fc1OutputLength", "layer 'fc1'")]
    [InlineData("public const int [|Conv1OutputHeight|] = 3;", "constant Conv1OutputHeight", "layer 'conv1'")]
    [InlineData("public static readonly object? [|s_pool1Geometry|];", "field s_pool1Geometry", "layer 'pool1'")]
    [InlineData("public class [|LastOutputs|] { }", "property LastOutputs", "rename 'LastOutputs'")]
    [InlineData("public object? [|_runner|];", "field _runner", "rename '_runner'")]
    [InlineData("public void [|Forward|](float[] input) { }", "method Forward", "rename 'Forward'")]
    [InlineData("private void [|RunBackward|]() { }", "method RunBackward", "rename 'RunBackward'")]
    [InlineData("public string [|Architecture|] { get; } = \"\";", "property Architecture", "rename 'Architecture'")]
    public void CMP0018_user_member_named_like_a_generated_member(string member, string generated, string fix)
        => DiagnosticAssert.Single("CMP0018", Layers + $$"""

            public partial class Net
            {
                {{member}}
            }
            """, new[] { generated, fix, "'Net'" });

    [Fact]
    public void CMP0018_in_another_partial_declaration()
        => DiagnosticAssert.Single("CMP0018", Layers + """

            public partial class Net;

            public partial class Net
            {
                public float[] [|Parameters|] => new float[1];
            }
            """, new[] { "property Parameters" });

    [Theory]
    [InlineData("public float[] Gradients => new float[1];")]         // only training networks have Gradients
    [InlineData("public float TrainStep(int x) => x;")]
    [InlineData("public int Fc1OutputChannels => 1;")]                // fc1's output is flat: only Fc1OutputLength
    [InlineData("public int Relu2OutputLength => 1;")]                // there is no relu2
    [InlineData("public int InputHeight => 1;")]                      // the input is a vector
    public void Names_this_network_does_not_generate_are_free(string member)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run($$"""
            using Compiled;
            namespace A;
            [Network(Training = false)]
            [Input(4)]
            [Dense(3), ReLU]
            public partial class Net
            {
                {{member}}
            }
            """);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        Assert.Equal(new[] { "A.Net.g.cs" }, outcome.HintNames);
    }

    [Theory]
    [InlineData("protected int Threads;", "field 'Threads'", "property Threads")]
    [InlineData("public string Summary => \"\";", "property 'Summary'", "property Summary")]
    [InlineData("public virtual void Forward(float[] x) { }", "method 'Forward'", "method Forward")]
    [InlineData("protected const int Conv1OutputLength = 1;", "constant 'Conv1OutputLength'", "constant Conv1OutputLength")]
    public void CMP0019_inherited_member_named_like_a_generated_member(string member, string inherited, string generated)
        => DiagnosticAssert.Single("CMP0019", $$"""
            using Compiled;
            namespace A;
            public class Base
            {
                {{member}}
            }

            public class Middle : Base;

            [[|Network|]]
            [Input(1, 6, 6)]
            [Conv2D(2, Kernel = 3), ReLU, MaxPool(2), Flatten]
            [Dense(3), SoftmaxCrossEntropy]
            public partial class Net : Middle;
            """, new[] { inherited, "'A.Base'", generated, "CS0108" });

    [Fact]
    public void Private_base_members_do_not_clash()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("""
            using Compiled;
            namespace A;
            public class Base
            {
                private int Threads = 1;
                private int _runner = 2;
                public int Sum => Threads + _runner;
            }

            [Network]
            [Input(4)]
            [Dense(3), SoftmaxCrossEntropy]
            public partial class Net : Base;
            """);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
    }

    [Theory]
    [InlineData("LastOutputs", "property LastOutputs")]
    [InlineData("Summary", "property Summary")]
    [InlineData("Fc1OutputLength", "constant Fc1OutputLength")]
    [InlineData("RunForward", "method RunForward")]
    public void CMP0020_class_named_like_a_generated_member(string name, string generated)
        => DiagnosticAssert.Single("CMP0020", $$"""
            using Compiled;
            namespace A;
            [[|Network|]]
            [Input(4)]
            [Dense(3), SoftmaxCrossEntropy]
            public partial class {{name}};
            """, new[] { $"'{name}'", generated, "CS0542", "rename the class" });

    [Theory]
    [InlineData("(string tag)", "public string Tag => tag;")]
    [InlineData("()", "")]
    public void CMP0021_primary_constructor(string parameters, string body)
        => DiagnosticAssert.Single("CMP0021", $$"""
            using Compiled;
            namespace A;
            [Network]
            [Input(4)]
            [Dense(3), SoftmaxCrossEntropy]
            public partial class Net[|{{parameters}}|]
            {
                {{body}}
            }
            """, new[] { "primary constructor", "this(threads)" });

    [Fact]
    public void CMP0018_explicit_implementation_of_a_generated_one()
    {
        // The user's class says it implements INetwork and implements InputLength explicitly, as the generator does.
        Markup markup = Markup.Parse(Layers + """

            public partial class Net : INetwork
            {
                int INetwork.[|InputLength|] => 3;
            }
            """);
        GeneratorOutcome outcome = GeneratorHarness.Run(markup.Source);

        Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("CMP0018", diagnostic.Id);
        Assert.Equal(markup.Span, diagnostic.Location.SourceSpan);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("property 'INetwork.InputLength'", message);
        Assert.Contains("remove it", message);
        Assert.Empty(outcome.HintNames);
        // Without the generated part the class lacks INetwork's other members: the compiler says so, in the user's file only.
        Assert.All(outcome.CompilationProblems, problem => Assert.Equal("Network0.cs", problem.Location.SourceTree?.FilePath));
    }

    [Fact]
    public void CMP0022_network_derived_from_a_network()
    {
        Markup markup = Markup.Parse("""
            using Compiled;
            namespace A;
            [Network]
            [Input(4)]
            [Dense(3), SoftmaxCrossEntropy]
            public partial class Small;

            [[|Network|]]
            [Input(4)]
            [Dense(2), SoftmaxCrossEntropy]
            public partial class Derived : Small;
            """);
        GeneratorOutcome outcome = GeneratorHarness.Run(markup.Source);

        Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("CMP0022", diagnostic.Id);
        Assert.Equal(markup.Span, diagnostic.Location.SourceSpan);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("'Derived' derives from the network 'A.Small'", message);
        Assert.Equal(new[] { "A.Small.g.cs" }, outcome.HintNames);
        Assert.Empty(outcome.CompilationProblems);
    }
}
