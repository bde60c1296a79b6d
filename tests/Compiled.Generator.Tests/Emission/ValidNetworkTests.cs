using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Emission;

/// <summary>Valid declarations over every layer kind, loss head and option: no diagnostic at all, and the emitted code compiles cleanly.</summary>
public sealed class ValidNetworkTests
{
    public static TheoryData<string> Declarations => new()
    {
        "[Network] [Input(1, 1, 1)] [Conv2D(1, Kernel = 1), MaxPool(1)] [Dense(1), SigmoidBinaryCrossEntropy] public partial class A;",
        "[Network] [Input(3, 2, 2)] [Flatten, MeanSquaredError] public partial class A;",
        "[Network] [Input(3, 2, 2)] [ReLU, Flatten, Flatten, Tanh, MeanSquaredError] public partial class A;",
        "[Network] [Input(4)] [Dense(3, Name = \"hidden\"), Sigmoid(Name = \"squash\")] [Dense(2, Bias = false, Init = Init.Zeros), MultiClassHinge(Margin = 0.5f, Name = \"svm\")] public partial class A;",
        "[Network] [Input(2, 9, 7)] [Conv2D(3, Kernel = 4, Stride = 3, Padding = \"same\", Bias = false), ELU(0.5f), AvgPool(2, Stride = 1), Conv2D(2, Kernel = 1)] [Dense(3), LeakyReLU(0.2f), MeanSquaredError] public partial class A;",
        "[Network] [Input(3, 8, 8)] [Conv2D(4, Kernel = 3, Padding = \"valid\", Init = Init.PyTorchDefault), Tanh, Flatten] [Dense(5, Init = Init.HeUniform), ELU, Dense(2, Init = Init.XavierNormal), SoftmaxCrossEntropy] public partial class A;",
        "[Network(Training = false)] [Input(10)] [Dense(4), ReLU] public partial class A;",
        "[Network(Training = false)] [Input(10)] [Dense(4), SoftmaxCrossEntropy] public partial class A;",
        "[Network(Training = true)] [Input(5)] [ReLU, Sigmoid, MeanSquaredError] public partial class A;",
        "[Network] [Input(1, 6, 6)] [MaxPool(3, Stride = 2), Conv2D(2, Kernel = 2, Stride = 2, Padding = 1)] [Dense(3), MultiClassHinge] internal sealed partial class A;",
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void Generates_without_diagnostics_and_compiles_cleanly(string declaration)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled;\nnamespace Valid;\n" + declaration);

        Assert.Null(outcome.Generator.Exception);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Equal(new[] { "Valid.A.g.cs" }, outcome.HintNames);
        Assert.Empty(outcome.CompilationProblems);
    }

    [Fact]
    public void Same_padding_with_stride_follows_the_keras_formula()
    {
        // in 9x7, k 4, s 3: out = ceil(9/3) = 3, ceil(7/3) = 3; total pad = max((3-1)*3 + 4 - 9, 0) = 1 (0 top, 1 bottom)
        // and max((3-1)*3 + 4 - 7, 0) = 3 (1 left, 2 right)
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled; namespace Valid; [Network] [Input(2, 9, 7)] [Conv2D(3, Kernel = 4, Stride = 3, Padding = \"same\")] [Dense(2), MeanSquaredError] public partial class A;");

        string source = outcome.Source("Valid.A.g.cs");
        Assert.Contains("StrideHeight: 3, StrideWidth: 3, PadTop: 0, PadLeft: 1, PadBottom: 1, PadRight: 2", source);
        Assert.Contains("public const int Conv1OutputChannels = 3, Conv1OutputHeight = 3, Conv1OutputWidth = 3, Conv1OutputLength = 27;", source);
    }

    [Fact]
    public void Default_init_is_he_before_a_rectifier_and_xavier_otherwise()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled; namespace Valid; [Network] [Input(1, 8, 8)] [Conv2D(2), MaxPool(2), LeakyReLU] [Dense(4), Tanh] [Dense(3), ReLU] [Dense(2, Init = Init.HeUniform), SoftmaxCrossEntropy] public partial class A;");

        string source = outcome.Source("Valid.A.g.cs");
        Assert.Contains("WeightInit.FillWeights(global::Compiled.Init.HeNormal, p.Slice(0, 18)", source);          // conv1, LeakyReLU after the pool
        Assert.Contains("WeightInit.FillWeights(global::Compiled.Init.XavierUniform, p.Slice(20, 72)", source);   // fc1, Tanh
        Assert.Contains("WeightInit.FillWeights(global::Compiled.Init.HeNormal, p.Slice(96, 12)", source);        // fc2, ReLU
        Assert.Contains("WeightInit.FillWeights(global::Compiled.Init.HeUniform, p.Slice(111, 6)", source);       // fc3, declared
    }

    [Fact]
    public void Training_code_matches_the_loss_head()
    {
        string bce = GeneratorHarness.Run("using Compiled; namespace Valid; [Network] [Input(4)] [Dense(3), SigmoidBinaryCrossEntropy] public partial class A;").Source("Valid.A.g.cs");
        Assert.Contains("throw new global::System.NotSupportedException(\"A: the loss head 'loss' (SigmoidBinaryCrossEntropy) trains on float targets [batch, 3]", bce);
        Assert.Contains("LossKernels.SigmoidBinaryCrossEntropy(ctx.Output, ctx.Targets, ctx.Workspace(at + 3 * n, 3 * n), 3 * n, 1f / (ctx.Batch * 3f))", bce);
        Assert.Contains("return lossSum / (batch * (float)OutputLength);", bce);
        Assert.Contains("ActivationKernels.Sigmoid(outputs, chunk.Output);", bce);

        string hinge = GeneratorHarness.Run("using Compiled; namespace Valid; [Network] [Input(4)] [Dense(3), MultiClassHinge(Margin = 2f)] public partial class A;").Source("Valid.A.g.cs");
        Assert.Contains("trains on class labels, not float targets", hinge);
        Assert.Contains("LossKernels.MultiClassHinge(ctx.Output, ctx.Labels, ctx.Workspace(at + 3 * n, 3 * n), n, 3, 2f, 1f / ctx.Batch)", hinge);
        Assert.Contains("public void Predict(global::System.ReadOnlySpan<float> input, global::System.Span<float> output, int batch) => Forward(input, output, batch);", hinge);
    }
}
