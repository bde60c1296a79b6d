namespace Compiled.Generator.Tests.Support;

/// <summary>Declarations the tests generate from.</summary>
internal static class TestNetworks
{
    /// <summary>LeNet-5 exactly as the issue declares it.</summary>
    public const string LeNet5 = """
        using Compiled;

        namespace Samples;

        [Network]
        [Input(1, 28, 28)]
        [Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]
        [Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]
        [Dense(120), ReLU]
        [Dense(84), ReLU]
        [Dense(10), SoftmaxCrossEntropy]
        public partial class LeNet5;
        """;

    /// <summary>The MLP 784-128-64-10.</summary>
    public const string Mlp = """
        using Compiled;

        namespace Samples;

        [Network]
        [Input(784)]
        [Dense(128), ReLU]
        [Dense(64), ReLU]
        [Dense(10), SoftmaxCrossEntropy]
        public partial class Mlp;
        """;
}
