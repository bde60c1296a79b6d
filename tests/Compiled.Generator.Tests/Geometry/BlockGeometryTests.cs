using Compiled.Generator.Tests.Emission;

namespace Compiled.Generator.Tests.Geometry;

/// <summary>
/// Inside a [Block], Conv2D's filters (the string constructor) and its int-or-pair arguments (Stride, Kernel, Dilation)
/// and a pool's take expressions over the block's parameters, bound where the block is used (both axes of a pair).
/// </summary>
public sealed class BlockGeometryTests
{
    [Fact]
    public void Filters_stride_kernel_and_dilation_as_block_expressions_bind_per_use()
    {
        const string source = """
            using Compiled;
            namespace B;

            [Block("channels", "stride = 1", "k = 3")]
            [Conv2D("channels", Kernel = "k", Stride = "stride", Padding = 1, Bias = false), ReLU]
            [Conv2D("channels * 2", Kernel = 3, Padding = "2", Dilation = "stride", Groups = 2), ReLU]
            [MaxPool("stride", Padding = "stride - 1")]
            public class Stage;

            [Network]
            [Input(2, 12, 12)]
            [Use(typeof(Stage), 4, Stride = 2)]
            [Use(typeof(Stage), 6, 1, 1)]
            [Dense(3), SoftmaxCrossEntropy]
            public partial class Net;
            """;
        INetwork network = LoadedNetworks.Create(source, "B.Net");
        string architecture = network.Architecture;
        // layer1: 3x3 stride 2 → [4, 6, 6]; dilated 3x3 with padding 2 → [8, 6, 6]; pool 2, padding 1 → [8, 4, 4].
        Assert.Contains("filters=4 kernel=3 stride=2 padding=1 bias=false ->[4,6,6]", architecture);
        Assert.Contains("filters=8 kernel=3 stride=1 padding=2 bias=true dilation=2 groups=2 ->[8,6,6]", architecture);
        Assert.Contains("window=2 stride=2 padding=1 ->[8,4,4]", architecture);
        // layer2: 1x1 stride 1 → [6, 4, 4]; 3x3 padding 2, dilation 1 → [12, 6, 6]; pool 1 → [12, 6, 6].
        Assert.Contains("filters=6 kernel=1 stride=1 padding=1 bias=false ->[6,6,6]", architecture);
        Assert.Contains("filters=12 kernel=3 stride=1 padding=2 bias=true groups=2 ->[12,8,8]", architecture);
        Assert.Contains("window=1 stride=1 ->[12,8,8]", architecture);
    }
}
