using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Emission;

/// <summary><see cref="INetwork.Architecture"/>: the canonical description checkpoints hash, exact and sensitive to every architectural change.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void LeNet5_describes_every_layer_with_its_shape_arguments_and_output()
    {
        INetwork network = LoadedNetworks.Create(TestNetworks.LeNet5, "Samples.LeNet5");

        Assert.Equal(
            "Input[1,28,28];"
            + "Conv2D conv1 filters=6 kernel=5 stride=1 padding=2 bias=true ->[6,28,28];ReLU relu1 ->[6,28,28];MaxPool pool1 window=2 stride=2 ->[6,14,14];"
            + "Conv2D conv2 filters=16 kernel=5 stride=1 padding=0 bias=true ->[16,10,10];ReLU relu2 ->[16,10,10];MaxPool pool2 window=2 stride=2 ->[16,5,5];"
            + "Dense fc1 units=120 bias=true ->[120];ReLU relu3 ->[120];Dense fc2 units=84 bias=true ->[84];ReLU relu4 ->[84];"
            + "Dense fc3 units=10 bias=true ->[10];SoftmaxCrossEntropy",
            network.Architecture);
    }

    [Fact]
    public void Networks_differing_only_in_an_activation_differ()
    {
        const string template = "using Compiled; namespace A; [Network] [Input(1, 6, 6)] [Conv2D(2, Kernel = 3), ACT, Flatten] [Dense(3), SoftmaxCrossEntropy] public partial class Net;";
        INetwork relu = LoadedNetworks.Create(template.Replace("ACT", "ReLU"), "A.Net");
        INetwork tanh = LoadedNetworks.Create(template.Replace("ACT", "Tanh"), "A.Net");

        Assert.NotEqual(relu.Architecture, tanh.Architecture);
        Assert.Contains(";ReLU relu1 ->[2,4,4];", relu.Architecture);
        Assert.Contains(";Tanh tanh1 ->[2,4,4];", tanh.Architecture);
        Assert.Equal(relu.Architecture.Replace("ReLU relu1", "Tanh tanh1"), tanh.Architecture);
    }

    [Theory]
    [InlineData("[Conv2D(2, Kernel = 3)]", "[Conv2D(2, Kernel = 3, Bias = false)]")]
    [InlineData("[Conv2D(2, Kernel = 3)]", "[Conv2D(2, Kernel = 3, Padding = 1)]")]
    [InlineData("[Conv2D(2, Kernel = 3)]", "[Conv2D(2, Kernel = 3, Stride = 2)]")]
    [InlineData("[Conv2D(2, Kernel = 3)]", "[Conv2D(2, Kernel = 3, Name = \"c\")]")]
    [InlineData("[MaxPool(2)]", "[AvgPool(2)]")]
    [InlineData("[MaxPool(2)]", "[MaxPool(2, Stride = 1)]")]
    [InlineData("[Flatten, Dense(3)]", "[Flatten, Dense(3, Bias = false)]")]
    [InlineData("[Conv2D(2, Kernel = 3, Padding = \"same\", Stride = 2)]", "[Conv2D(2, Kernel = 3, Padding = 1, Stride = 2)]")]
    public void Every_change_to_parameters_or_shapes_changes_it(string layers, string changed)
    {
        const string template = "using Compiled; namespace A; [Network(Training = false)] [Input(1, 6, 6)] LAYERS public partial class Net;";
        INetwork first = LoadedNetworks.Create(template.Replace("LAYERS", layers), "A.Net");
        INetwork second = LoadedNetworks.Create(template.Replace("LAYERS", changed), "A.Net");

        Assert.NotEqual(first.Architecture, second.Architecture);
    }

    [Fact]
    public void Arguments_that_change_neither_parameters_nor_shapes_leave_it_alone()
    {
        const string template = "using Compiled; namespace A; [Network] [Input(4)] [Dense(3INIT), LeakyReLUSLOPE] [Dense(2), MultiClassHingeMARGIN] public partial class Net;";
        INetwork first = LoadedNetworks.Create(template.Replace("INIT", "").Replace("SLOPE", "").Replace("MARGIN", ""), "A.Net");
        INetwork second = LoadedNetworks.Create(template.Replace("INIT", ", Init = Init.Zeros").Replace("SLOPE", "(0.2f)").Replace("MARGIN", "(Margin = 2f)"), "A.Net");

        Assert.Equal("Input[4];Dense fc1 units=3 bias=true ->[3];LeakyReLU leaky_relu1 ->[3];Dense fc2 units=2 bias=true ->[2];MultiClassHinge", first.Architecture);
        Assert.Equal(first.Architecture, second.Architecture);
    }
}
