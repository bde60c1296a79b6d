using System.Linq;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Robustness;

/// <summary>
/// Odd and malformed declarations: the generator must not throw, must not report an internal error (CMP9999), and
/// whatever it emits must compile (no diagnostic may point into generated code).
/// </summary>
public sealed class NeverThrowsTests
{
    public static TheoryData<string> Declarations => new()
    {
        // error-typed arguments
        "[Network] [Input(784)] [Dense(Units), ReLU] [Dense(10), SoftmaxCrossEntropy] public partial class A;",
        "[Network] [Input(Missing.Size)] [Dense(10), SoftmaxCrossEntropy] public partial class A;",
        "[Network] [Input(1, 28, 28)] [Conv2D(4, Kernel = \"3\"), ReLU] [Dense(10), MeanSquaredError] public partial class A;",
        "[Network] [Input(\"784\")] [Dense(10), MeanSquaredError] public partial class A;",
        "[Network(Training = 1)] [Input(4)] [Dense(10), MeanSquaredError] public partial class A;",
        "[Network] [Input(4)] [Dense(10, Init = Init.Nonexistent), MeanSquaredError] public partial class A;",
        // missing or extra constructor arguments
        "[Network] [Input] [Dense, ReLU] [Dense(10), SoftmaxCrossEntropy] public partial class A;",
        "[Network] [Input(1, 28)] [Conv2D, MaxPool] [Dense(10), SoftmaxCrossEntropy] public partial class A;",
        "[Network] [Input(4)] [Dense(10), ReLU(3), SoftmaxCrossEntropy(1)] public partial class A;",
        "[Network] [Input(4)] [Dense(10, 20)] [MultiClassHinge(2f)] public partial class A;",
        // empty, unusual and unsupported classes
        "[Network] public partial class A { }",
        "[Network] public partial class A;",
        "[Network(Training = false)] [Input(4)] public partial class A;",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public partial class A<T> where T : struct;",
        "public partial class Outer<T> { [Network] [Input(4)] [Dense(2), MeanSquaredError] public partial class A; }",
        "public partial class Outer { public partial class Middle { [Network] [Input(4)] [Dense(2), MeanSquaredError] public partial class A; } }",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public partial record A;",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public partial struct A;",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public partial interface A;",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public abstract partial class A;",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public partial class A { public required string Name { get; init; } }",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public partial class A : B; public class B { public required int Id; }",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] internal partial class A;",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public sealed partial class Summary;",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public partial class A; [Network] public partial class A;",
        "[Network, Network] [Input(4), Input(5)] [Dense(2), MeanSquaredError] public partial class A;",
        "[Network] [Input(4)] [Dense(2), MeanSquaredError] public partial class A { public A() { } }",
        // extreme sizes
        "[Network] [Input(int.MaxValue, int.MaxValue, int.MaxValue)] [Conv2D(2), ReLU] [Dense(2), MeanSquaredError] public partial class A;",
        "[Network] [Input(1, 8, 8)] [Conv2D(int.MaxValue, Kernel = int.MaxValue, Padding = int.MaxValue, Stride = int.MaxValue)] [Dense(2), MeanSquaredError] public partial class A;",
        "[Network] [Input(1, 8, 8)] [Conv2D(4, Kernel = 1, Padding = int.MaxValue)] [Dense(2), MeanSquaredError] public partial class A;",
        "[Network] [Input(3, 65536, 65536)] [Conv2D(4096, Kernel = 3, Padding = \"same\")] [Dense(2), MeanSquaredError] public partial class A;",
        "[Network] [Input(int.MaxValue)] [Dense(int.MaxValue), MeanSquaredError] public partial class A;",
        "[Network] [Input(4, 8, 8)] [MaxPool(int.MaxValue, Stride = int.MaxValue)] [Dense(2), MeanSquaredError] public partial class A;",
        "[Network] [Input(4, 8, 8)] [MaxPool(1, Stride = int.MaxValue), AvgPool(1, Stride = 1000)] [Dense(2), MeanSquaredError] public partial class A;",
        "[Network] [Input(4)] [LeakyReLU(float.PositiveInfinity), ELU(float.NaN)] [Dense(2), MultiClassHinge(Margin = float.NegativeInfinity)] public partial class A;",
        // odd but valid
        "[Network] [Input(1, 1, 1)] [Conv2D(1, Kernel = 1), MaxPool(1)] [Dense(1), SigmoidBinaryCrossEntropy] public partial class A;",
        "[Network] [Input(3, 2, 2)] [Flatten, MeanSquaredError] public partial class A;",
        "[Network] [Input(3, 2, 2)] [ReLU, Flatten, Flatten, Tanh, MeanSquaredError] public partial class A;",
        "[Network] [Input(4)] [Dense(3, Name = \"class\"), Sigmoid(Name = \"event\")] [Dense(2, Bias = false, Init = Init.Zeros), MultiClassHinge(Margin = 0.5f, Name = \"out\")] public partial class @class;",
        "[Network] [Input(2, 9, 7)] [Conv2D(3, Kernel = 4, Stride = 3, Padding = \"SAME\", Bias = false), ELU(0.5f), AvgPool(2, Stride = 1), Conv2D(2, Kernel = 1)] [Dense(3), LeakyReLU(0.2f), MeanSquaredError] public partial class A;",
        // syntax errors
        "[Network] [Input(1, 28 [Conv2D(6, Kernel = 5)] public partial class A",
        "[Network] [Input(4)] [Dense(2), ] public partial class A;",
        "[Network(] public partial class",
        "[Network] [Input(3)] [Dense(7)] [MeanSquaredError] public sealed partial class",
        "[Network] [Input(3)] [Dense(7)] [MeanSquaredError] public partial class { }",
        "[Network] [Input(3)] [Dense(7)] [MeanSquaredError] public partial class : Base { } public class Base { }",
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void Generator_does_not_throw_and_emits_only_compilable_code(string declaration)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled;\nnamespace Odd;\n" + declaration);

        Assert.Null(outcome.Generator.Exception);
        Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Id == "CMP9999");
        Assert.DoesNotContain(outcome.DriverDiagnostics, d => d.Id is "CS8784" or "CS8785"); // generator failed to initialize / run
        var generatedTrees = outcome.Generator.GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        Assert.DoesNotContain(outcome.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && generatedTrees.Contains(d.Location.SourceTree!));
    }

    [Fact]
    public void A_keyword_class_name_is_escaped()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled; namespace Odd; [Network] [Input(4)] [Dense(2), MeanSquaredError] public partial class @class;");

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        Assert.Contains("partial class @class : global::Compiled.ITrainableNetwork", outcome.Source("Odd.class.g.cs"));
    }

    [Fact]
    public void Network_in_the_global_namespace_compiles()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled; [Network(Training = false)] [Input(4)] [Dense(2), Tanh] public partial class Global;");

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        string source = outcome.Source("Global.g.cs");
        Assert.DoesNotContain("namespace", source);
        Assert.Contains("partial class Global : global::Compiled.INetwork", source);
        Assert.DoesNotContain("TrainStep", source);
    }
}
