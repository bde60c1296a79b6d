using System.Diagnostics;
using System.Linq;
using Compiled.Generator.Tests.Support;
using Xunit.Abstractions;

namespace Compiled.Generator.Tests.Blocks;

/// <summary>
/// What a ResNet-18-shaped declaration costs the generator (issue 9 asks for it): the time of one run and the size of the
/// generated source, printed, not asserted (a timed unit test proves nothing about speed). What is asserted is that it
/// expands correctly: torchvision's resnet18 parameter count less its 9,600 batch-norm parameters (the blocks here have
/// none until BatchNorm lands), and its names.
/// </summary>
public sealed class ResNet18CostTests
{
    // ResNet-18 as blocks, without batch norm. Until Conv2D's filters and stride take expressions over block parameters,
    // each width has its own blocks (a stage's first block downsamples, the second keeps the shape), so the stages are
    // layer1 (two Basic64), layer2 + layer3 (Down128, Basic128), ... rather than torchvision's layer1..layer4.
    public const string Declaration = """
        using Compiled;
        namespace Models;

        [Block]
        [Conv2D(64, Kernel = 3, Padding = 1, Bias = false), ReLU]
        [Conv2D(64, Kernel = 3, Padding = 1, Bias = false)]
        [Residual, ReLU]
        public class Basic64;

        [Block]
        [Conv2D(128, Kernel = 3, Stride = 2, Padding = 1, Bias = false), ReLU]
        [Conv2D(128, Kernel = 3, Padding = 1, Bias = false)]
        [Shortcut, Conv2D(128, Kernel = 1, Stride = 2, Bias = false)]
        [Residual, ReLU]
        public class Down128;

        [Block]
        [Conv2D(128, Kernel = 3, Padding = 1, Bias = false), ReLU]
        [Conv2D(128, Kernel = 3, Padding = 1, Bias = false)]
        [Residual, ReLU]
        public class Basic128;

        [Block]
        [Conv2D(256, Kernel = 3, Stride = 2, Padding = 1, Bias = false), ReLU]
        [Conv2D(256, Kernel = 3, Padding = 1, Bias = false)]
        [Shortcut, Conv2D(256, Kernel = 1, Stride = 2, Bias = false)]
        [Residual, ReLU]
        public class Down256;

        [Block]
        [Conv2D(256, Kernel = 3, Padding = 1, Bias = false), ReLU]
        [Conv2D(256, Kernel = 3, Padding = 1, Bias = false)]
        [Residual, ReLU]
        public class Basic256;

        [Block]
        [Conv2D(512, Kernel = 3, Stride = 2, Padding = 1, Bias = false), ReLU]
        [Conv2D(512, Kernel = 3, Padding = 1, Bias = false)]
        [Shortcut, Conv2D(512, Kernel = 1, Stride = 2, Bias = false)]
        [Residual, ReLU]
        public class Down512;

        [Block]
        [Conv2D(512, Kernel = 3, Padding = 1, Bias = false), ReLU]
        [Conv2D(512, Kernel = 3, Padding = 1, Bias = false)]
        [Residual, ReLU]
        public class Basic512;

        [Network]
        [Input(3, 224, 224)]
        [Conv2D(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false), ReLU, MaxPool(3, Stride = 2)]   // → [64, 55, 55]
        [Use(typeof(Basic64), Repeat = 2)]
        [Use(typeof(Down128)), Use(typeof(Basic128))]                                                   // → [128, 28, 28]
        [Use(typeof(Down256)), Use(typeof(Basic256))]                                                   // → [256, 14, 14]
        [Use(typeof(Down512)), Use(typeof(Basic512))]                                                   // → [512, 7, 7]
        [AvgPool(7), Dense(1000, Name = "fc"), SoftmaxCrossEntropy]
        public partial class ResNet18;
        """;

    private readonly ITestOutputHelper _output;

    public ResNet18CostTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Generates_a_ResNet18_shaped_network_and_prints_the_cost()
    {
        GeneratorHarness.Run(TestNetworks.Mlp); // warm the generator and Roslyn up, so the time below is the declaration's
        var clock = Stopwatch.StartNew();
        GeneratorOutcome outcome = GeneratorHarness.Run(Declaration);
        clock.Stop();

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        string source = outcome.Source("Models.ResNet18.g.cs");
        int lines = source.Count(c => c == '\n');
        _output.WriteLine($"ResNet-18-shaped declaration: generator run {clock.Elapsed.TotalMilliseconds:F0} ms (with Roslyn's parse and bind), generated source {source.Length:N0} characters, {lines:N0} lines");

        Assert.Contains("11,679,912", source); // torchvision resnet18's 11,689,512 less 9,600 batch-norm parameters, in the summary
        Assert.Contains("\"layer1.1.conv2.weight\"", source);
        Assert.Contains("\"layer2.0.downsample.0.weight\"", source);
        Assert.Contains("\"fc.weight\"", source);
        Assert.DoesNotContain("\"layer3.0.downsample", source); // Basic128 keeps the shape: no shortcut layers
    }
}
