using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Compiled.Benchmarks.Report;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;
using Compiled.Generator.Pipeline;
using Compiled.Generator.Planning;
using Compiled.Generator.Tests.Support;
using Compiled.Kernels;

namespace Compiled.Generator.Tests.Planning;

/// <summary>
/// The compile-time cost report in <c>Summary</c> (and the class's XML doc): FLOPs of Dense, Conv2D and pools against
/// their formulas, totals equal to the sum of the layers, the same counts as the benchmark's <see cref="Flops"/> for its
/// models, the convolution algorithm equal to what the runtime's <see cref="Conv2DKernels"/> dispatches to, and lines
/// that fit 100 columns.
/// </summary>
public sealed class CostReportTests
{
    // Attribute arguments are plain ints here (string expressions over block parameters come with the geometry work).
    private const string ResNet = """
        using Compiled;
        namespace Valid;

        [Block]
        [Conv2D(16, Kernel = 3, Padding = 1), ReLU, Conv2D(16, Kernel = 3, Padding = 1)]
        [Residual, ReLU]
        public partial class Basic16;

        [Block]
        [Conv2D(32, Kernel = 3, Stride = 2, Padding = 1), ReLU, Conv2D(32, Kernel = 3, Padding = 1)]
        [Shortcut, Conv2D(32, Kernel = 1, Stride = 2, Bias = false)]
        [Residual, ReLU]
        public partial class Down32;

        [Block]
        [Conv2D(32, Kernel = 3, Padding = 1), ReLU, Conv2D(32, Kernel = 3, Padding = 1)]
        [Residual, ReLU]
        public partial class Basic32;

        [Block]
        [Conv2D(64, Kernel = 3, Stride = 2, Padding = 1), ReLU, Conv2D(64, Kernel = 3, Padding = 1)]
        [Shortcut, Conv2D(64, Kernel = 1, Stride = 2, Bias = false)]
        [Residual, ReLU]
        public partial class Down64;

        [Block]
        [Conv2D(64, Kernel = 3, Padding = 1), ReLU, Conv2D(64, Kernel = 3, Padding = 1)]
        [Residual, ReLU]
        public partial class Basic64;

        [Network]
        [Input(1, 28, 28)]
        [Conv2D(16, Kernel = 3, Padding = 1), ReLU]
        [Use(typeof(Basic16), Repeat = 2)]
        [Use(typeof(Down32)), Use(typeof(Basic32))]
        [Use(typeof(Down64)), Use(typeof(Basic64))]
        [AvgPool(7), Dense(10), SoftmaxCrossEntropy]
        public partial class SmallResNet;
        """;

    private static IReadOnlyList<NetworkPlan> Plans(string source)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run(source);
        Assert.True(outcome.GeneratorDiagnostics.Count == 0, string.Join("\n", outcome.GeneratorDiagnostics));
        return outcome.Generator.TrackedSteps[TrackingNames.Plans]
            .SelectMany(step => step.Outputs)
            .Select(output => ((StageResult<NetworkPlan>)output.Value).Value!)
            .ToList();
    }

    private static NetworkPlan Plan(string declaration)
        => Plans(declaration.Contains("namespace") ? declaration : "using Compiled;\nnamespace Valid;\n" + declaration).Single();

    private static IReadOnlyList<LayerCost> Costs(NetworkPlan plan) => CostModel.Of(plan.Layers.ToList(), plan.Training);

    private static LayerCost Cost(NetworkPlan plan, string layer) => Costs(plan).Single(c => c.Node.FullName == layer);

    [Fact]
    public void Dense_counts_two_flops_per_multiply_add_and_its_backward_skips_the_first_layers_input_gradient()
    {
        NetworkPlan plan = Plan("[Network] [Input(1, 6, 5)] [Dense(7), ReLU, Dense(3), MeanSquaredError] public partial class A;");

        LayerCost first = Cost(plan, "fc1"), second = Cost(plan, "fc2");
        Assert.Equal(2L * 30 * 7, first.ForwardFlops);     // flattened 30 inputs
        Assert.Equal(2L * 30 * 7, first.BackwardFlops);    // dw only: the image needs no gradient
        Assert.Equal(2L * 7 * 3, second.ForwardFlops);
        Assert.Equal(2 * 2L * 7 * 3, second.BackwardFlops); // dw and dx
        Assert.Equal(30 * 7 + 7, first.ParameterFloats);
        Assert.Equal("GEMM", first.Algorithm);
        LayerCost relu = Cost(plan, "relu1");
        Assert.Equal((0L, 0L, 0L, ""), (relu.ForwardFlops, relu.BackwardFlops, relu.ActivationValues, relu.Algorithm)); // in place
    }

    [Theory]
    [InlineData(3, 11, 9, 5, 3, 1, 0)]
    [InlineData(2, 12, 12, 4, 5, 2, 2)]
    [InlineData(4, 9, 10, 6, 1, 1, 0)]
    [InlineData(3, 10, 10, 8, 3, 3, 1)]
    public void Conv2D_counts_two_flops_per_multiply_add_of_every_output_position(int channels, int height, int width, int filters, int kernel, int stride, int padding)
    {
        NetworkPlan plan = Plan($"[Network] [Input({channels}, {height}, {width})] [Conv2D(2, Kernel = 1), Conv2D({filters}, Kernel = {kernel}, Stride = {stride}, Padding = {padding}), Dense(2), MeanSquaredError] public partial class A;");

        int outHeight = (height + 2 * padding - kernel) / stride + 1, outWidth = (width + 2 * padding - kernel) / stride + 1;
        long macs = (long)filters * outHeight * outWidth * 2 * kernel * kernel; // 2 input channels, from conv1
        LayerCost conv = Cost(plan, "conv2");
        Assert.Equal(2 * macs, conv.ForwardFlops);
        Assert.Equal(2 * 2 * macs, conv.BackwardFlops);
        Assert.Equal(2L * 2 * channels * height * width, Cost(plan, "conv1").ForwardFlops);
        Assert.Equal(2L * 2 * channels * height * width, Cost(plan, "conv1").BackwardFlops); // the first layer: dw only
        Assert.Equal((long)filters * outHeight * outWidth, conv.ActivationValues);
    }

    [Fact]
    public void Pools_count_no_flops_by_the_convention_but_hold_their_output_and_arg_max()
    {
        NetworkPlan plan = Plan("[Network] [Input(3, 8, 8)] [Conv2D(4, Padding = 1), MaxPool(2), AvgPool(2, Stride = 1), Dense(2), MeanSquaredError] public partial class A;");

        LayerCost max = Cost(plan, "pool1"), average = Cost(plan, "pool2");
        Assert.Equal((0L, 0L), (max.ForwardFlops, max.BackwardFlops));
        Assert.Equal((0L, 0L), (average.ForwardFlops, average.BackwardFlops));
        Assert.Equal(2L * 4 * 4 * 4, max.ActivationValues);  // [4, 4, 4] output and as many arg-max indices
        Assert.Equal(4L * 3 * 3, average.ActivationValues);
    }

    public static TheoryData<string> Networks()
    {
        var data = new TheoryData<string> { TestNetworks.LeNet5, TestNetworks.Mlp, ResNet, Blocks.ResNet18CostTests.Declaration };
        data.Add("using Compiled; namespace Valid; [Network(Training = false)] [Input(1, 12, 12)] [Conv2D(4, Padding = 1), ReLU, MaxPool(2), Flatten, Dense(3)] public partial class A;");
        return data;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Totals_are_the_sums_of_the_layers_in_the_model_and_in_the_text(string declaration)
    {
        NetworkPlan plan = Plans(declaration).Single();
        IReadOnlyList<LayerCost> costs = Costs(plan);
        Assert.Equal(plan.ParameterCount, costs.Sum(c => c.ParameterFloats));

        // The table's rows, as the summary prints them: FLOP columns sum to the Total row.
        string[] lines = plan.Summary.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("Cost per sample", StringComparison.Ordinal));
        string[] rows = lines.Skip(header + 2).TakeWhile(l => !l.StartsWith("===", StringComparison.Ordinal)).ToArray();
        Assert.Equal(costs.Select(c => c.Node.FullName), rows.Select(r => r.Split(' ')[0]));
        string total = lines[header + 3 + rows.Length];
        Assert.StartsWith("Total ", total);
        for (int column = 1; column <= 2; column++)
        {
            long sum = rows.Sum(r => Number(Cells(r)[column]));
            Assert.Equal(sum, Number(Cells(total)[column]));
        }
        Assert.Equal(costs.Sum(c => c.ForwardFlops), Number(Cells(total)[1]));
        Assert.Equal(plan.Training ? costs.Sum(c => c.BackwardFlops) : 0, Number(Cells(total)[2]));
        Assert.Equal(Kilobytes(plan.ParameterCount), Cells(total)[3]);
        Assert.Equal(Kilobytes(costs.Sum(c => c.ActivationValues)), Cells(total)[4]);

        static string[] Cells(string row) => row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        static long Number(string cell) => cell == "-" ? 0 : long.Parse(cell, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        static string Kilobytes(long values) => (values * 4 / 1024.0).ToString("#,0.0", CultureInfo.InvariantCulture);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_summary_line_fits_100_columns(string declaration)
    {
        NetworkPlan plan = Plans(declaration).Single();
        foreach (string line in plan.Summary.Split('\n')) Assert.True(line.Length <= 100, $"{line.Length} columns: {line}");
    }

    [Fact]
    public void An_inference_network_reports_no_backward()
    {
        NetworkPlan plan = Plan("[Network(Training = false)] [Input(1, 12, 12)] [Conv2D(4, Padding = 1), ReLU, MaxPool(2), Flatten, Dense(3)] public partial class A;");

        Assert.All(Costs(plan), c => Assert.Equal(0, c.BackwardFlops));
        Assert.Contains("Cost per sample  Fwd FLOPs  Bwd FLOPs  Param KB  Act. KB  Algorithm\n", plan.Summary);
        Assert.True(plan.Summary.Contains("conv1               10,368          -       0.2      2.3  3x3 tiles\n"), plan.Summary); // 2·4·12·12·9
    }

    /// <summary>The benchmark's models, declared in its Networks.cs, against its own FLOP counts (Flops.cs, linked into this project).</summary>
    [Fact]
    public void The_benchmark_models_count_the_flops_the_benchmark_counts()
    {
        string source = File.ReadAllText(Path.Combine(RepositoryRoot(), "Samples", "Benchmarks", "Compiled.Benchmarks.Library", "Networks.cs"));
        var plans = Plans(source).ToDictionary(p => p.ClassName);
        var models = new[] { ("BenchMlp", "mlp"), ("BenchLeNet5", "lenet5"), ("BenchVgg", "vgg") };
        Assert.All(models, m => Assert.Contains(m.Item1, plans.Keys));

        foreach ((string network, string model) in models)
        {
            IReadOnlyList<LayerCost> costs = Costs(plans[network]);
            Flops.Count expected = Flops.For(model);
            Assert.Equal(expected.Forward, costs.Sum(c => c.ForwardFlops));
            Assert.Equal(expected.Training, costs.Sum(c => c.ForwardFlops + c.BackwardFlops));
        }

        // The small ResNet (blocks with projection shortcuts), pooled by AvgPool(7) where the benchmark has GlobalAvgPool.
        IReadOnlyList<LayerCost> resnet = Costs(Plans(ResNet).Single());
        Assert.Equal(Flops.For("resnet").Forward, resnet.Sum(c => c.ForwardFlops));
        Assert.Equal(Flops.For("resnet").Training, resnet.Sum(c => c.ForwardFlops + c.BackwardFlops));
    }

    [Fact]
    public void LeNet5_report_names_its_algorithms()
    {
        NetworkPlan plan = Plan(TestNetworks.LeNet5);

        Assert.Equal("grid", Cost(plan, "conv1").Algorithm);                                   // dx not computed
        Assert.Equal("grid / patch grid / scatter|im2col", Cost(plan, "conv2").Algorithm);
        Assert.Contains("Total              833,040  1,430,880     241.0     37.8\n", plan.Summary);
    }

    [Fact]
    public void Winograd_layers_report_F4_and_on_planes_of_at_most_2x2_F2()
    {
        NetworkPlan plan = Plans(ResNet).Single();
        LayerCost block = Costs(plan).First(c => c.Node.Descriptor is Conv2DLayer && c.Node.Input.Channels == 16 && c.Node.Output.Channels == 16);
        Assert.Equal("F(4,3)", block.Algorithm);
        Assert.Contains("F(4,3): Winograd's F(4x4, 3x3), 36 multiply-adds per 4x4 outputs and channel pair, not 144.\n", plan.Summary);
        Assert.DoesNotContain("F(2,3)", plan.Summary);

        NetworkPlan small = Plan("[Network] [Input(8, 2, 2)] [Conv2D(8, Kernel = 3, Padding = 1), ReLU, Conv2D(8, Kernel = 3, Padding = 1), Dense(3), SoftmaxCrossEntropy] public partial class Tiny;");
        Assert.Equal("F(2,3)", Cost(small, "conv2").Algorithm);
        Assert.Contains("F(2,3): Winograd's F(2x2, 3x3) (planes of at most 2x2), 16 multiply-adds per 2x2 outputs and channel pair, not 36.\n", small.Summary);
    }

    [Fact]
    public void The_summary_in_docs_api_is_the_one_LeNet5_gets()
    {
        string api = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "api.md")).Replace("\r\n", "\n");
        int start = api.IndexOf("```text\nNetwork: LeNet5\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/api.md shows LeNet-5's summary in a ```text block");
        start += "```text\n".Length;
        string documented = api.Substring(start, api.IndexOf("```", start, StringComparison.Ordinal) - start);

        Assert.Equal(Plan(TestNetworks.LeNet5).Summary, documented);
    }

    public static TheoryData<int, int, int, int, int, int, int> Geometries()
    {
        var data = new TheoryData<int, int, int, int, int, int, int>();
        foreach (int kernel in new[] { 1, 2, 3, 5, 7, 9 })
        foreach (int stride in new[] { 1, 2, 3 })
        foreach (int padding in new[] { 0, 1, 2 })
        foreach (int size in new[] { 7, 16, 28 })
        foreach (int filters in new[] { 4, 8, 9, 32 })
        foreach (int channels in new[] { 1, 2, 3, 16 })
        {
            if (size + 2 * padding >= kernel) data.Add(channels, size, size + 3, filters, kernel, stride, padding);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_reported_convolution_algorithm_is_what_the_runtime_dispatches_to(int channels, int height, int width, int filters, int kernel, int stride, int padding)
    {
        var window = new Window2D(kernel, kernel, stride, stride, padding, padding, padding, padding);
        var geometry = new Conv2DGeometry(channels, height, width, filters, kernel, kernel, stride, stride, padding, padding, padding, padding);

        (ConvMethod forward, ConvMethod weights, ConvMethod inputs) = CostModel.ConvolutionAlgorithm(channels, height, width, filters, window);
        foreach (VectorWidth simd in new[] { VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 })
        {
            Conv2DAlgorithm runtime = Conv2DKernels.Algorithm(geometry, simd);
            Assert.Equal(runtime.Forward.ToString(), forward.ToString());
            Assert.Equal(runtime.WeightGradient.ToString(), weights.ToString());
            Assert.Equal(runtime.InputGradient.ToString(), inputs.ToString());
            // The forward of a batch (the report's chunks of 5+ samples, and 64): on channel vectors where the runtime says so.
            foreach (int n in new[] { 5, 64 })
            {
                bool vectors = Conv2DKernels.ForwardMethod(geometry, n, simd) == Conv2DMethod.ChannelVectors;
                Assert.Equal(vectors, CostModel.ForwardOnChannelVectors(channels, filters, window, 1, forward));
            }
        }
    }

    [Fact]
    public void Strided_layers_of_9_to_64_channels_report_their_forward_on_lanes()
    {
        NetworkPlan plan = Plan("[Network] [Input(16, 28, 28)] [Conv2D(32, Kernel = 3, Stride = 2, Padding = 1), ReLU] [Conv2D(32, Kernel = 1, Stride = 2)] "
            + "[Conv2D(80, Kernel = 3, Stride = 2, Padding = 1), Flatten, Dense(3), SoftmaxCrossEntropy] public partial class A;");
        LayerCost[] costs = Costs(plan).Where(c => c.Algorithm.Length > 0).ToArray();
        Assert.Equal("lanes / 3x3 tiles / -", costs[0].Algorithm);       // the first layer: no input gradient
        Assert.Equal("lanes / im2col+GEMM / im2col+GEMM", costs[1].Algorithm);
        Assert.Equal("3x3 tiles", costs[2].Algorithm);   // 80 channels: past the lanes' 64
        Assert.Contains("lanes: a direct forward, output channels in the vector lanes", plan.Summary);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    public void Dilated_and_grouped_convolutions_report_the_runtimes_per_group_path_and_their_flops(int dilation, int groups)
    {
        NetworkPlan plan = Plan($"[Network] [Input(4, 12, 12)] [Conv2D(8, Kernel = 3, Dilation = {dilation}, Groups = {groups}), ReLU, Dense(2), MeanSquaredError] public partial class A;");

        int outSize = 12 - dilation * 2;
        var geometry = new Conv2DGeometry(4, 12, 12, 8, 3, 3, 1, 1, 0, 0, 0, 0) { DilationHeight = dilation, DilationWidth = dilation, Groups = groups };
        LayerCost conv = Cost(plan, "conv1");
        Assert.Equal(2L * 8 * outSize * outSize * (4 / groups) * 9, conv.ForwardFlops);
        Assert.Equal(Conv2DMethod.DilatedGrouped, Conv2DKernels.Algorithm(geometry, VectorWidth.V256).Forward);
        Assert.Equal("im2col+GEMM/group", conv.Algorithm);
    }

    [Fact]
    public void The_report_names_the_layers_a_call_on_one_sample_splits_over_threads()
    {
        // conv1 590k multiply-adds and fc1 614k split; conv2 (262k, pointwise) and fc2 (3k) do not. LeNet-5's conv1 (6
        // channels on the grid, 118k) splits by rows and its conv2 (16 on channel vectors, 240k) by pixels; fc1 (48k) does not.
        NetworkPlan plan = Plan("""
            [Network] [Input(8, 16, 16)]
            [Conv2D(32, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
            [Conv2D(32, Kernel = 1), ReLU, MaxPool(2)]
            [Dense(300), ReLU] [Dense(10), SoftmaxCrossEntropy]
            public partial class A;
            """);
        Assert.Contains("A call on one sample on 2+ threads splits these layers by channels, features or rows over them:\nconv1, fc1.\n", plan.Summary);
        Assert.Contains("splits these layers by channels, features or rows over them:\nconv1, conv2.\n", Plan(TestNetworks.LeNet5).Summary);

        // By rows from 65k multiply-adds on the grid (at most 8 channels); by pixels from 131k on channel vectors with 9-24
        // channels: 6 channels 5×5 over 16×16 (38k) does not split, 24 channels 5×5 over 6 → 12×12 (518k: by channels it
        // would need 524k) does, 32 channels 3×3 stride 2 → 6×6 (249k, more than 24 channels) does not.
        NetworkPlan few = Plan("""
            [Network] [Input(1, 16, 16)]
            [Conv2D(6, Kernel = 5, Padding = 2), ReLU]
            [Conv2D(24, Kernel = 5), ReLU]
            [Conv2D(32, Kernel = 3, Stride = 2, Padding = 1), ReLU, MaxPool(2)]
            [Dense(10), SoftmaxCrossEntropy]
            public partial class E;
            """);
        Assert.Contains("splits these layers by channels, features or rows over them:\nconv2.\n", few.Summary);

        // A first 3×3 layer over one channel splits by rows from 65k multiply-adds and 8 rows: 1 → 32 at 28×28 (226k) and
        // 1 → 16 at 28×28 (113k, the small ResNet's first layer) do; 1 → 16 at 16×16 (37k) does not (by channels it would
        // need 524k), nor 16 → 32 at 4×4 (74k, not few channels).
        foreach (int channels in new[] { 32, 16 })
        {
            NetworkPlan rows = Plan($"""
                [Network] [Input(1, 28, 28)]
                [Conv2D({channels}, Kernel = 3, Padding = 1), ReLU, MaxPool(2)]
                [Dense(10), SoftmaxCrossEntropy]
                public partial class B;
                """);
            Assert.Contains("splits these layers by channels, features or rows over them:\nconv1.\n", rows.Summary);
        }
        NetworkPlan small = Plan("""
            [Network] [Input(1, 16, 16)]
            [Conv2D(16, Kernel = 3, Padding = 1)] [MaxPool(4)] [Conv2D(32, Kernel = 3, Padding = 1)]
            [Dense(10), SoftmaxCrossEntropy]
            public partial class C;
            """);
        Assert.DoesNotContain("splits these layers", small.Summary);

        // A strided 1×1 convolution (a projection shortcut) splits from 65k multiply-adds: 16 → 32 at stride 2 from 28×28
        // (100k) does, 8 → 16 (25k) does not.
        NetworkPlan projection = Plan("""
            [Network] [Input(16, 28, 28)]
            [Conv2D(32, Kernel = 1, Stride = 2)] [Conv2D(16, Kernel = 1, Stride = 2)] [Conv2D(16, Kernel = 1, Stride = 2)]
            [Dense(10), SoftmaxCrossEntropy]
            public partial class D;
            """);
        Assert.Contains("splits these layers by channels, features or rows over them:\nconv1.\n", projection.Summary);
    }

    [Fact]
    public void The_split_mirror_holds_the_runtimes_constants()
    {
        // OneSampleSplit is internal to the runtime: its constants are read by reflection.
        Type split = typeof(Conv2DKernels).Assembly.GetType("Compiled.Kernels.OneSampleSplit", throwOnError: true)!;
        const System.Reflection.BindingFlags Constant = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static;
        Assert.Equal(CostModel.OneSampleSplitMultiplyAdds, (long)split.GetField("MinMultiplyAddsPerPart", Constant)!.GetValue(null)!);
        Assert.Equal(CostModel.OneSampleSplitDenseMultiplyAdds, (long)split.GetField("MinDenseMultiplyAddsPerPart", Constant)!.GetValue(null)!);
        Assert.Equal(CostModel.OneSampleSplitStridedPointwiseMultiplyAdds,
            (long)split.GetField("MinStridedPointwiseMultiplyAddsPerPart", Constant)!.GetValue(null)!);
        Assert.Equal(CostModel.OneSampleSplitGrain, (int)split.GetField("Grain", Constant)!.GetValue(null)!);
        Assert.Equal(CostModel.OneSampleSplitFewChannelMultiplyAdds, (long)split.GetField("MinFewChannelMultiplyAddsPerPart", Constant)!.GetValue(null)!);
        Assert.Equal(CostModel.OneSampleSplitRowGrain, (int)split.GetField("RowGrain", Constant)!.GetValue(null)!);
    }

    [Fact]
    public void The_mirror_knows_every_runtime_method()
    {
        string[] runtime = Enum.GetNames<Conv2DMethod>();
        Assert.Equal(runtime, Enum.GetNames<ConvMethod>());
        Assert.Equal(runtime.Select(n => (int)Enum.Parse<Conv2DMethod>(n)), Enum.GetValues<ConvMethod>().Select(m => (int)m));
    }

    private static string RepositoryRoot([CallerFilePath] string path = "")
    {
        for (string? directory = Path.GetDirectoryName(path); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Compiled.sln"))) return directory;
        }
        throw new DirectoryNotFoundException("Cannot find Compiled.sln above " + path);
    }
}
