using Compiled.Generator.Tests.Emission;
using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Geometry;

/// <summary>
/// The summary and architecture text of Conv2D's and the pools' whole geometry: non-default values are shown and change
/// the architecture; the defaults written out (or an int written as an equal pair) leave it as it was, so checkpoints
/// saved before this geometry existed still load.
/// </summary>
public sealed class GeometryTextTests
{
    private const string Geometry = """
        using Compiled;
        namespace G;

        [Network]
        [Input(4, 12, 13)]
        [Conv2D(8, Kernel = new[] { 1, 7 }, Padding = new[] { 0, 3 }), ReLU]
        [Conv2D(8, Kernel = new[] { 7, 1 }, Padding = new[] { 3, 0 }, Stride = new[] { 2, 1 })]
        [Conv2D(8, Kernel = 3, Padding = 2, Dilation = 2, Groups = 8, Bias = false)]
        [MaxPool(3, Stride = 2, Padding = 1, CeilMode = true)]
        [AvgPool(3, Stride = 1, Padding = 1, CountIncludePad = false)]
        [Dense(3), SoftmaxCrossEntropy]
        public partial class Net;
        """;

    [Fact]
    public void Architecture_writes_rectangular_and_non_default_geometry()
    {
        INetwork network = LoadedNetworks.Create(Geometry, "G.Net");
        Assert.Equal(
            "Input[4,12,13];"
            + "Conv2D conv1 filters=8 kernel=1x7 stride=1 padding=0,3,0,3 bias=true ->[8,12,13];ReLU relu1 ->[8,12,13];"
            + "Conv2D conv2 filters=8 kernel=7x1 stride=2x1 padding=3,0,3,0 bias=true ->[8,6,13];"
            + "Conv2D conv3 filters=8 kernel=3 stride=1 padding=2 bias=false dilation=2 groups=8 ->[8,6,13];"
            + "MaxPool pool1 window=3 stride=2 padding=1 ceil_mode=true ->[8,4,7];"
            + "AvgPool pool2 window=3 stride=1 padding=1 count_include_pad=false ->[8,4,7];"
            + "Dense fc1 units=3 bias=true ->[3];SoftmaxCrossEntropy",
            network.Architecture);
        // PyTorch's weight layouts: [out, in / groups, kh, kw].
        Assert.Equal(new[] { 8, 4, 1, 7 }, network.ParameterTable[0].Shape);
        Assert.Equal(new[] { 8, 8, 7, 1 }, network.ParameterTable[2].Shape);
        Assert.Equal("conv3.weight", network.ParameterTable[4].Name);
        Assert.Equal(new[] { 8, 1, 3, 3 }, network.ParameterTable[4].Shape);
    }

    [Fact]
    public void Summary_states_the_geometry_PyTorch_style()
    {
        INetwork network = LoadedNetworks.Create(Geometry, "G.Net");
        string summary = network.Summary;
        Assert.Contains("Conv2D 1x7, pad (0, 3)", summary);
        Assert.Contains("Conv2D 7x1, stride (2, 1), pad (3, 0)", summary);
        Assert.Contains("Conv2D 3x3, pad 2, dilation 2, groups 8, no bias", summary);
        Assert.Contains("MaxPool 3x3, stride 2, pad 1, ceil mode", summary);
        Assert.Contains("AvgPool 3x3, stride 1, pad 1, padding not counted", summary);
    }

    private const string RectangularPools = """
        using Compiled;
        namespace G;

        [Network]
        [Input(2, 9, 8)]
        [MaxPool(new[] { 3, 1 }, Stride = new[] { 2, 1 }, Padding = new[] { 1, 0 })]
        [AvgPool(new[] { 1, 3 }, Padding = new[] { 0, 1 }, CeilMode = true, CountIncludePad = false)]
        [Dense(3), SoftmaxCrossEntropy]
        public partial class Pools;
        """;

    [Fact]
    public void Rectangular_pools_write_their_pairs()
    {
        INetwork network = LoadedNetworks.Create(RectangularPools, "G.Pools");
        // Heights (9 + 2 − 3) / 2 + 1 = 5 and 5; widths 8, then ceil((8 + 2 − 3) / 3) + 1 = 4 less the window starting in the
        // right padding (3·3 ≥ 8 + 1): 3.
        Assert.Equal(
            "Input[2,9,8];"
            + "MaxPool pool1 window=3x1 stride=2x1 padding=1x0 ->[2,5,8];"
            + "AvgPool pool2 window=1x3 stride=1x3 padding=0x1 ceil_mode=true count_include_pad=false ->[2,5,3];"
            + "Dense fc1 units=3 bias=true ->[3];SoftmaxCrossEntropy",
            network.Architecture);
        Assert.Contains("MaxPool 3x1, stride (2, 1), pad (1, 0)", network.Summary);
        Assert.Contains("AvgPool 1x3, pad (0, 1), ceil mode, padding not counted", network.Summary);
    }

    [Theory]
    [InlineData("Kernel = 5, Padding = 2", "Kernel = new[] { 5, 5 }, Padding = new[] { 2, 2 }, Stride = new[] { 1, 1 }, Dilation = 1, Groups = 1", "MaxPool(2)")]
    [InlineData("Kernel = 5, Padding = 2", "Kernel = 5, Padding = 2, Dilation = new[] { 1, 1 }", "MaxPool(new[] { 2, 2 }, Stride = 0, Padding = 0, CeilMode = false)")]
    [InlineData("Kernel = 5, Padding = 2", "Kernel = 5, Padding = 2", "MaxPool(2, Stride = new[] { 2, 2 }, Padding = new[] { 0, 0 })")]
    public void Defaults_written_out_leave_LeNet5s_architecture_as_pinned(string conv1, string written, string pool1)
    {
        string source = TestNetworks.LeNet5.Replace($"[Conv2D(6, {conv1}), ReLU, MaxPool(2)]", $"[Conv2D(6, {written}), ReLU, {pool1}]");
        Assert.NotEqual(TestNetworks.LeNet5, source);
        INetwork pinned = LoadedNetworks.Create(TestNetworks.LeNet5, "Samples.LeNet5");
        INetwork network = LoadedNetworks.Create(source, "Samples.LeNet5");
        Assert.Equal(pinned.Architecture, network.Architecture);
        Assert.StartsWith("Input[1,28,28];Conv2D conv1 filters=6 kernel=5 stride=1 padding=2 bias=true ->[6,28,28];ReLU relu1 ->[6,28,28];MaxPool pool1 window=2 stride=2 ->[6,14,14];", network.Architecture);
    }

    [Theory]
    [InlineData("[Conv2D(2, Kernel = 3)]", "[Conv2D(2, Kernel = new[] { 3, 1 })]")]
    [InlineData("[Conv2D(2, Kernel = 3)]", "[Conv2D(2, Kernel = 3, Stride = new[] { 1, 2 })]")]
    [InlineData("[Conv2D(2, Kernel = 3)]", "[Conv2D(2, Kernel = 3, Padding = new[] { 1, 0 })]")]
    [InlineData("[Conv2D(2, Kernel = 3, Padding = 1)]", "[Conv2D(2, Kernel = 3, Padding = 2, Dilation = 2)]")]
    [InlineData("[Conv2D(2, Kernel = 3)]", "[Conv2D(2, Kernel = 3, Dilation = new[] { 1, 2 })]")]
    [InlineData("[Conv2D(4, Kernel = 3), Conv2D(4, Kernel = 1)]", "[Conv2D(4, Kernel = 3), Conv2D(4, Kernel = 1, Groups = 2)]")]
    [InlineData("[MaxPool(3, Stride = 2)]", "[MaxPool(3, Stride = 2, Padding = 1)]")]
    [InlineData("[MaxPool(3, Stride = 2)]", "[MaxPool(3, Stride = 2, CeilMode = true)]")]
    [InlineData("[AvgPool(3, Padding = 1)]", "[AvgPool(3, Padding = 1, CountIncludePad = false)]")]
    public void Every_geometry_change_changes_it(string layers, string changed)
    {
        const string template = "using Compiled; namespace A; [Network(Training = false)] [Input(1, 6, 6)] LAYERS public partial class Net;";
        INetwork first = LoadedNetworks.Create(template.Replace("LAYERS", layers), "A.Net");
        INetwork second = LoadedNetworks.Create(template.Replace("LAYERS", changed), "A.Net");
        Assert.NotEqual(first.Architecture, second.Architecture);
    }
}
