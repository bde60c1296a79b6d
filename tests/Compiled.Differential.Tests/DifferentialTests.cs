using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Compiled.Differential.Tests.Declarations;
using Compiled.Differential.Tests.Harness;
using Compiled.Kernels;
using Xunit.Abstractions;

// The checks set the process-wide Simd.Width: no two tests may run at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Compiled.Differential.Tests;

/// <summary>
/// Differential testing of generated networks (issue 6): random valid declarations, compiled in-process with the
/// generator, run at every vector width (512, 256, 128, scalar), 1 and 3 threads, batch 1 and an odd batch, and held
/// against an independent double-precision interpreter built from the scalar reference kernels: Forward, Predict, the
/// loss (labels and float targets where the head takes both) and every gradient; every 5th network also checks the
/// interpreter's own gradients by central differences. Tolerances: <see cref="NetworkChecker"/>.
///
/// <para>Environment: <c>COMPILED_DIFFERENTIAL_COUNT</c> sets how many networks (default 500, the CI run; e.g. 10000
/// for the large run), <c>COMPILED_DIFFERENTIAL_SEED</c> the seed (default 20261126), <c>COMPILED_DIFFERENTIAL_PROGRESS</c>
/// a file to append progress lines to while it runs (the test's own output appears only at its end),
/// <c>COMPILED_DIFFERENTIAL_ONLY=1044,1434</c> replays those networks of the same count and seed (the test then fails
/// on purpose, so a replay is never mistaken for a run). A failure message gives each
/// failing declaration as generated and shrunk to a small one that still fails, with its seed and index.</para>
/// </summary>
public sealed class DifferentialTests
{
    private const int DefaultCount = 500;
    private const int DefaultSeed = 20261126;
    private readonly ITestOutputHelper _output;

    public DifferentialTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void RandomNetworksMatchTheReferenceInterpreter()
    {
        int count = EnvironmentInt("COMPILED_DIFFERENTIAL_COUNT", DefaultCount);
        int seed = EnvironmentInt("COMPILED_DIFFERENTIAL_SEED", DefaultSeed);
        string? progress = Environment.GetEnvironmentVariable("COMPILED_DIFFERENTIAL_PROGRESS");
        string? onlyText = Environment.GetEnvironmentVariable("COMPILED_DIFFERENTIAL_ONLY");
        HashSet<int>? only = string.IsNullOrWhiteSpace(onlyText) ? null
            : onlyText.Split(',').Select(t => int.Parse(t.Trim().TrimStart('N'), CultureInfo.InvariantCulture)).ToHashSet();
        DifferentialSummary summary = DifferentialRun.Run(count, seed, line =>
        {
            _output.WriteLine(line);
            if (!string.IsNullOrEmpty(progress)) System.IO.File.AppendAllText(progress, line + "\n");
        }, only);
        _output.WriteLine($"seed {seed}: {summary.Networks} networks ({summary.WithHead} with a loss head, {summary.Untrainable} with Training = false), " +
            $"{summary.Configurations} width/thread/batch configurations, {summary.FiniteDifferenceChecked} interpreters checked by finite differences, " +
            $"{summary.MultiChunk} also at a batch of several workspace chunks per thread, " +
            $"{summary.Fragile} with inputs near a kink after 4 draws, {summary.IllConditioned} with an ill-conditioned batch norm after 4 draws, {summary.Failures.Count} failing, {summary.Elapsed.TotalSeconds:F1} s");
        Assert.True(summary.Networks == count);
        Assert.True(only is null, "COMPILED_DIFFERENTIAL_ONLY replays some networks; unset it for the real run");
        if (summary.Failures.Count > 0) Assert.Fail(Describe(summary, seed));
    }

    [Fact]
    public void GeneratorCoversTheDeclarationApi()
    {
        // The random declarations reach every layer kind, head, padding form and option this suite claims to test.
        var generator = new SpecGenerator(DefaultSeed);
        var specs = Enumerable.Range(0, DefaultCount).Select(_ => generator.Next()).ToList();
        // Every layer drawn, those inside blocks too (a block's main path, shortcut, branches and what follows it).
        static IEnumerable<LayerSpec> WithInner(LayerSpec l) => l.Block is not { } b ? new[] { l }
            : new[] { l }.Concat(b.Main.Concat(b.Shortcut ?? Array.Empty<LayerSpec>()).Concat(b.Branches?.SelectMany(x => x) ?? Array.Empty<LayerSpec>()).Concat(b.After).SelectMany(WithInner));
        var layers = specs.SelectMany(s => s.Layers).SelectMany(WithInner).ToList();
        foreach (SpecKind kind in Enum.GetValues<SpecKind>()) Assert.Contains(layers, l => l.Kind == kind);
        foreach (HeadSpec head in Enum.GetValues<HeadSpec>()) Assert.Contains(specs, s => s.Head == head);
        Assert.Contains(specs, s => !s.Training && s.Head == HeadSpec.None);
        Assert.Contains(specs, s => !s.Training && s.Head != HeadSpec.None);
        Assert.Contains(layers, l => l.Padding?.Keyword == "same" && l.ConvStride > 1);
        Assert.Contains(layers, l => l.Padding?.Keyword == "valid");
        Assert.Contains(layers, l => l.Padding is { Keyword: null, Pixels: > 0 });
        Assert.Contains(layers, l => l.Kind is SpecKind.MaxPool or SpecKind.AvgPool && l.Stride is > 0 && l.Stride != l.Size);
        Assert.Contains(layers, l => l.Kind is SpecKind.MaxPool or SpecKind.AvgPool && l.Stride == 0);
        Assert.Contains(layers, l => l.Kind == SpecKind.Conv2D && l.ConvKernel == 1 && l.ConvKernelWidth > 1);
        Assert.Contains(layers, l => l.Kind == SpecKind.Conv2D && l.ConvKernel > 1 && l.ConvKernelWidth == 1);
        Assert.Contains(layers, l => l.Kind == SpecKind.Conv2D && l.ConvStride != l.ConvStrideWidth);
        Assert.Contains(layers, l => l.Padding is { Keyword: null } p && p.Pixels != p.PixelsWidth);
        Assert.Contains(layers, l => l.Kind == SpecKind.Conv2D && l.DilationHeight > 1 && l.DilationWidthOrHeight > 1);
        Assert.Contains(layers, l => l.Kind == SpecKind.Conv2D && l.DilationHeight != l.DilationWidthOrHeight);
        Assert.Contains(layers, l => l.Kind == SpecKind.Conv2D && l.ConvGroups > 1 && l.ConvGroups < l.Size);
        Assert.Contains(specs, s => s.Layers.Select((l, i) => (l, i)).Any(t => t.l.Kind == SpecKind.Conv2D && t.l.ConvGroups > 1
            && t.l.ConvGroups == SpecShapes.All(s, out _)![t.i][0])); // depthwise: groups = input channels
        Assert.Contains(layers, l => l.Kind == SpecKind.MaxPool && l.PoolPad > 0);
        Assert.Contains(layers, l => l.Kind == SpecKind.AvgPool && l.PoolPad > 0 && l.CountIncludePad == false);
        Assert.Contains(layers, l => l.Kind == SpecKind.AvgPool && l.PoolPad > 0 && l.CountIncludePad != false);
        Assert.Contains(layers, l => l.Kind is SpecKind.MaxPool or SpecKind.AvgPool && l.CeilMode);
        // Rectangular pools: windows, strides and padding that differ between the axes.
        Assert.Contains(layers, l => l.Kind == SpecKind.MaxPool && l.Size != l.PoolWindowWidth);
        Assert.Contains(layers, l => l.Kind == SpecKind.AvgPool && l.Size != l.PoolWindowWidth);
        Assert.Contains(layers, l => l.Kind is SpecKind.MaxPool or SpecKind.AvgPool && l.PoolStride != l.PoolStrideWidth);
        Assert.Contains(layers, l => l.Kind is SpecKind.MaxPool or SpecKind.AvgPool && l.PoolPad != l.PoolPadWidth);
        Assert.Contains(layers, l => l.Kind is SpecKind.MaxPool or SpecKind.AvgPool && l.Size != l.PoolWindowWidth && l.PoolPad + l.PoolPadWidth > 0);
        Assert.Contains(layers, l => l.Kind is SpecKind.MaxPool or SpecKind.AvgPool && l.Size != l.PoolWindowWidth && l.CeilMode);
        Assert.Contains(layers, l => !l.Bias);
        Assert.Contains(layers, l => l.Init is not null);
        Assert.Contains(layers, l => l.Name is not null);
        Assert.Contains(layers, l => l.Kind == SpecKind.LeakyReLU && l.Parameter is not null);
        // Blocks: residual sums with no shortcut, an empty one and projections (always and only where the shape changes),
        // branches with an identity branch, repetitions, an explicit "pad" argument.
        var blocks = layers.Where(l => l.Kind == SpecKind.Block).Select(l => l.Block!).ToList();
        Assert.Contains(blocks, b => b.IsResidual && b.Shortcut is null);
        Assert.Contains(blocks, b => b.IsResidual && b.Shortcut is { Count: 0 });
        Assert.Contains(blocks, b => b.IsResidual && b.Shortcut is { Count: > 0 } && b.OnlyWhenShapeChanges);
        Assert.Contains(blocks, b => b.IsResidual && b.Shortcut is { Count: > 0 } && !b.OnlyWhenShapeChanges);
        Assert.Contains(blocks, b => !b.IsResidual && b.Branches!.Any(branch => branch.Count == 0));
        Assert.Contains(blocks, b => !b.IsResidual && b.Branches!.Count == 3);
        Assert.Contains(blocks, b => b.Repeat > 1);
        // Batch norm inside residual main paths, per channel and per feature, and a convolution into one that ends the path
        // (a ResNet block's conv → bn before the sum).
        Assert.Contains(blocks, b => b.IsResidual && b.Main.Any(l => l.Kind == SpecKind.BatchNorm) && b.Main.Any(l => l.Kind == SpecKind.Conv2D));
        Assert.Contains(blocks, b => b.IsResidual && b.Main.Any(l => l.Kind == SpecKind.BatchNorm) && b.Main.Any(l => l.Kind == SpecKind.Dense));
        Assert.Contains(blocks, b => b.IsResidual && b.Main.Count >= 2 && b.Main[^1].Kind == SpecKind.BatchNorm && b.Main[^2].Kind == SpecKind.Conv2D);
        Assert.Contains(blocks, b => !b.IsResidual && b.Branches!.Any(branch => branch.Zip(branch.Skip(1)).Any(p => p.First.Kind == SpecKind.Conv2D && p.Second.Kind == SpecKind.BatchNorm)));
        // Dropout inside blocks (between a wide ResNet block's convolutions; in a branch).
        Assert.Contains(blocks, b => b.IsResidual && b.Main.Any(l => l.Kind is SpecKind.Dropout or SpecKind.Dropout2d));
        Assert.Contains(blocks, b => !b.IsResidual && b.Branches!.Any(branch => branch.Any(l => l.Kind is SpecKind.Dropout or SpecKind.Dropout2d)));
        Assert.Contains(blocks, b => !b.IsResidual && b.Branches!.Any(branch => branch.Any(l => l.Kind == SpecKind.MaxPool && l.Size == 3 && l.Stride == 1)));
        Assert.Contains(blocks, b => b.Pad is not null);
        Assert.Contains(layers, l => l.Kind == SpecKind.ELU && l.Parameter is not null);
        Assert.Contains(specs, s => s.Margin is not null);
        Assert.Contains(specs, s => s.Layers.Take(s.Layers.Count - 1).Any(l => l.Kind == SpecKind.Flatten));
        Assert.Contains(specs, s => s.Layers[^1].Kind == SpecKind.Flatten && s.Head != HeadSpec.None);
        Assert.Contains(specs, s => s.Layers[^1].Kind == SpecKind.Flatten && s.Head == HeadSpec.None);
        foreach (int size in new[] { 1, 2, 3, 5, 7, 17, 31 }) Assert.Contains(layers, l => l.Kind == SpecKind.Dense && l.Size == size);
        // Batch norm per feature and per channel, in training networks, with a momentum written; dropout rates from 0; LRN's alpha.
        Assert.Contains(specs, s => s.Training && s.Layers.Any(l => l.Kind == SpecKind.BatchNorm) && SpecShapes.All(s, out _)!
            .Where((shape, i) => i < s.Layers.Count && s.Layers[i].Kind == SpecKind.BatchNorm && shape.Length == 1).Any());
        Assert.Contains(specs, s => s.Training && SpecShapes.All(s, out _)!
            .Where((shape, i) => i < s.Layers.Count && s.Layers[i].Kind == SpecKind.BatchNorm && shape.Length == 3).Any());
        Assert.Contains(layers, l => l.Kind == SpecKind.BatchNorm && l.Rate is not null);
        Assert.Contains(layers, l => l.Kind == SpecKind.Dropout && l.Rate == 0);
        Assert.Contains(specs, s => s.Training && s.Layers.Any(l => l.Kind == SpecKind.Dropout2d));
        Assert.Contains(layers, l => l.Kind == SpecKind.LocalResponseNorm && l.Rate is not null);
        Assert.All(specs, s => Assert.NotNull(SpecShapes.All(s, out _)));
    }

    [Fact]
    public void ConcatenationsOfTheRandomNetworksWriteBranchesInPlace()
    {
        // The run above checks the generated code of these networks; this holds that among them, branches are written
        // straight into their concatenation's channel slices (Planning/ConcatPlacement), by a convolution and by nodes in
        // place after one, and others still copied, so the differential run checks both.
        var generator = new SpecGenerator(DefaultSeed);
        var specs = Enumerable.Range(0, DefaultCount).Select(_ => generator.Next()).ToList();
        var concatenating = specs.Select((spec, i) => new CompiledNetwork(spec, "Differential.Placement", $"N{i}"))
            .Where(n => n.Spec.Layers.Any(l => l.Kind == SpecKind.Block && !l.Block!.IsResidual)).ToList();
        Dictionary<string, string> sources = NetworkCompiler.GenerateSources(concatenating);
        Assert.Equal(concatenating.Count, sources.Count);
        string all = string.Join("\n", sources.Values);
        Assert.Contains("// written in place into their channel slices:", all);
        Assert.Matches(StridedConvolution, all);
        Assert.Contains(PerSample + "ActivationKernels.", all);
        Assert.Contains("StridedRows.Copy(", all);
    }

    private const string PerSample = "for (int sample = 0; sample < n; sample++) global::Compiled.Kernels.";

    private const string StridedConvolution = @"Conv2DKernels\.Forward\(in s_\w+, \w+, [^;]*, \w+Out, \d+, (workspace\.Columns|ctx\.Scratch)";

    [Fact]
    public void BranchesWrittenIntoTheirConcatenationMatchTheInterpreter()
    {
        // Fixed Inception-style blocks whose branches end in each kind of node the planner places in a concatenation's
        // channel slice, in training (the random networks rarely end a branch in a pool or a training batch norm): Conv2D →
        // BatchNorm → Tanh/LeakyReLU (→ ReLU is fused in training, and copied), a pool alone and after a convolution and ReLU (its
        // dy read from the concatenation's), activations in
        // place after a pool (dy handed on to the pool), a LeakyReLU and an ELU writing from their own input, the identity.
        static LayerSpec Block(params LayerSpec[][] branches)
            => new(SpecKind.Block) { Block = new BlockSpec(Array.Empty<LayerSpec>(), null, branches, Array.Empty<LayerSpec>()) };
        LayerSpec Conv(int filters, int kernel = 1) => new(SpecKind.Conv2D, filters) { Kernel = kernel, Padding = new PaddingSpec(kernel / 2, null) };
        var smooth = new NetworkSpec(true, new[] { 3, 6, 5 },
            new[]
            {
                Conv(4), new LayerSpec(SpecKind.Tanh),
                Block(
                    new[] { Conv(3) with { Bias = false }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.Tanh) },
                    new[] { new LayerSpec(SpecKind.AvgPool, 3) { Stride = 1, PoolPadding = 1 }, new LayerSpec(SpecKind.Sigmoid) },
                    new[] { Conv(2, 3), new LayerSpec(SpecKind.ELU) },
                    new[] { new LayerSpec(SpecKind.AvgPool, 3) { Stride = 1, PoolPadding = 1, CountIncludePad = false } },
                    // A batch norm after a pool has nothing to fold into: evaluation normalizes into the slice per sample.
                    new[] { new LayerSpec(SpecKind.AvgPool, 3) { Stride = 1, PoolPadding = 1 }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.Tanh) },
                    Array.Empty<LayerSpec>()),
                new LayerSpec(SpecKind.Dense, 3),
            },
            HeadSpec.SoftmaxCrossEntropy);
        var kinked = new NetworkSpec(true, new[] { 2, 5, 6 },
            new[]
            {
                Conv(3, 3),
                Block(
                    new[] { Conv(2) with { Bias = false }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.LeakyReLU) },
                    new[] { Conv(2) with { Bias = false }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU) }, // fused: copied
                    new[] { new LayerSpec(SpecKind.MaxPool, 3) { Stride = 1, PoolPadding = 1 }, new LayerSpec(SpecKind.ReLU) },
                    new[] { Conv(2), new LayerSpec(SpecKind.ReLU), new LayerSpec(SpecKind.MaxPool, 3) { Stride = 1, PoolPadding = 1 } },
                    new[] { Conv(2, 3), new LayerSpec(SpecKind.LeakyReLU) }),
                new LayerSpec(SpecKind.Dense, 4),
            },
            HeadSpec.MeanSquaredError);
        Assert.True(SpecShapes.All(smooth, out string? why) is not null, why);
        Assert.True(SpecShapes.All(kinked, out why) is not null, why);
        var networks = new List<CompiledNetwork> { new(smooth, "Differential.Placed", "Smooth"), new(kinked, "Differential.Placed", "Kinked") };

        // The generated code places what this test means to check.
        string all = string.Join("\n", NetworkCompiler.GenerateSources(networks).Values);
        Assert.Matches(StridedConvolution, all);
        Assert.Contains(", yStride: ", all);
        Assert.Contains(PerSample + "BatchNormKernels.Normalize(", all);
        Assert.Contains(PerSample + "ActivationKernels.Tanh(", all);
        Assert.Contains(PerSample + "ActivationKernels.Relu(", all);
        Assert.Contains(PerSample + "ActivationKernels.Elu(", all);
        Assert.Contains(PerSample + "ActivationKernels.LeakyRelu(", all);
        Assert.Contains(PerSample + "ActivationKernels.SigmoidBackward(", all);
        foreach (string pool in new[] { "MaxForward", "AvgForward", "MaxBackward", "AvgBackward" }) Assert.Contains(PerSample + "PoolKernels." + pool, all);
        Assert.Contains("is this slice of dy, read in place", all);

        System.Runtime.Loader.AssemblyLoadContext? context = NetworkCompiler.CompileAndLoad(networks);
        try
        {
            // Batch 2 on 3 threads leaves a thread without samples (its views of the concatenation are empty).
            var plan = new CheckPlan(new[] { VectorWidth.Scalar, Simd.Detect() }, new[] { 1, 3 }, new[] { 2, 5 }, FiniteDifferences: true);
            foreach (CompiledNetwork network in networks)
            {
                Assert.Empty(network.Problems);
                CheckOutcome outcome = NetworkChecker.Check(network, plan, 7);
                Assert.True(outcome.Failures.Count == 0, string.Join("\n", outcome.Failures.Take(8)));
                if (ReferenceEquals(network.Spec, smooth)) Assert.True(outcome.FiniteDifferences, "the smooth network's gradients were not checked by finite differences");
            }
        }
        finally
        {
            context?.Unload();
        }
    }

    [Fact]
    public void BatchesOfSeveralWorkspaceChunksMatchTheInterpreter()
    {
        // Random networks are mostly small, so their workspace holds the whole batch.
        // Wide activations (seven of 4·32·32 floats per sample) with little arithmetic: the generated workspace holds fewer samples
        // than a chunk's most (256), so the batch of 3·ChunkSamples + 2 runs several chunks on each of 1 and 3 threads.
        var spec = new NetworkSpec(true, new[] { 4, 32, 32 },
            new[]
            {
                new LayerSpec(SpecKind.Conv2D, 4) { Kernel = 1 }, new LayerSpec(SpecKind.Tanh), new LayerSpec(SpecKind.Sigmoid),
                new LayerSpec(SpecKind.ELU), new LayerSpec(SpecKind.LeakyReLU), new LayerSpec(SpecKind.Tanh), new LayerSpec(SpecKind.Sigmoid),
                new LayerSpec(SpecKind.AvgPool, 2), new LayerSpec(SpecKind.Dense, 3),
            },
            HeadSpec.SoftmaxCrossEntropy);
        var networks = new List<CompiledNetwork> { new(spec, "Differential.Chunks", "Large") };
        System.Runtime.Loader.AssemblyLoadContext? context = NetworkCompiler.CompileAndLoad(networks);
        try
        {
            Assert.Empty(networks[0].Problems);
            var plan = new CheckPlan(new[] { VectorWidth.Scalar, Simd.Detect() }, new[] { 1, 3 }, new[] { 1, 5 }, FiniteDifferences: false) { AlwaysChunked = true };
            CheckOutcome outcome = NetworkChecker.Check(networks[0], plan, 5);
            Assert.True(outcome.MultiChunk, "the generated class has no ChunkSamples constant");
            Assert.True(outcome.ChunkSamples < 256, $"the workspace should hold fewer samples than the most a chunk takes (256), holds {outcome.ChunkSamples}");
            Assert.Empty(outcome.Failures);
        }
        finally
        {
            context?.Unload();
        }
    }

    [Fact]
    public void ConvAndPoolGeometryNetworksMatchTheInterpreterAndFiniteDifferences()
    {
        // Fixed networks with each of PyTorch's Conv2D and pool geometry forms (the random ones also reach them): Inception
        // v3's 1x7 then 7x1, a depthwise dilated 3x3, groups with pair stride and dilation, pools with padding, ceil mode and
        // CountIncludePad. The smooth one must also pass the interpreter's finite differences.
        var smooth = new NetworkSpec(true, new[] { 3, 9, 10 },
            new[]
            {
                new LayerSpec(SpecKind.Conv2D, 4) { Kernel = 1, KernelWidth = 7, Padding = new PaddingSpec(0, null, 3) }, new LayerSpec(SpecKind.Tanh),
                new LayerSpec(SpecKind.Conv2D, 4) { Kernel = 7, KernelWidth = 1, Padding = new PaddingSpec(3, null, 0) }, new LayerSpec(SpecKind.Sigmoid),
                new LayerSpec(SpecKind.Conv2D, 4) { Kernel = 3, Padding = new PaddingSpec(2, null), Dilation = 2, Groups = 4 }, new LayerSpec(SpecKind.Tanh),
                new LayerSpec(SpecKind.AvgPool, 3) { Stride = 2, PoolPadding = 1, CeilMode = true, CountIncludePad = false },
                new LayerSpec(SpecKind.AvgPool, 2) { Stride = 1, PoolPadding = 1 },
                new LayerSpec(SpecKind.Dense, 5),
            },
            HeadSpec.SoftmaxCrossEntropy);
        var kinked = new NetworkSpec(true, new[] { 4, 8, 7 },
            new[]
            {
                new LayerSpec(SpecKind.Conv2D, 6) { Kernel = 3, Stride = 2, StrideWidth = 1, Padding = new PaddingSpec(1, null), Dilation = 1, DilationWidth = 2, Groups = 2 },
                new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.MaxPool, 3) { Stride = 2, PoolPadding = 1, CeilMode = true },
                new LayerSpec(SpecKind.Dense, 3),
            },
            HeadSpec.MeanSquaredError);
        Assert.NotNull(SpecShapes.All(smooth, out string? why));
        Assert.True(SpecShapes.All(kinked, out why) is not null, why);
        var networks = new List<CompiledNetwork> { new(smooth, "Differential.Geometry", "Smooth"), new(kinked, "Differential.Geometry", "Kinked") };
        System.Runtime.Loader.AssemblyLoadContext? context = NetworkCompiler.CompileAndLoad(networks);
        try
        {
            var plan = new CheckPlan(new[] { VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, Simd.Detect() }, new[] { 1, 3 }, new[] { 1, 5 }, FiniteDifferences: true);
            foreach (CompiledNetwork network in networks)
            {
                Assert.Empty(network.Problems);
                CheckOutcome outcome = NetworkChecker.Check(network, plan, 7);
                Assert.True(outcome.Failures.Count == 0, string.Join("\n", outcome.Failures.Take(8)));
                if (ReferenceEquals(network.Spec, smooth)) Assert.True(outcome.FiniteDifferences, "the smooth network's gradients were not checked by finite differences");
            }
        }
        finally
        {
            context?.Unload();
        }
    }

    [Fact]
    public void FusedBatchNormReluChainsMatchTheInterpreter()
    {
        // The chains the generator fuses (Planning/FusionLayout), which the random networks reach only now and then: in
        // training Conv2D → BatchNorm → ReLU with the statistics gathered by the convolution (3x3 stride 1 and 2 on the
        // register-tiled path, 5x5 and 1x1 on the others), before a max-pool (which then does not move the ReLU), Dense →
        // BatchNorm → ReLU, a batch norm on the network's input, a fused ReLU as the last layer; in evaluation the folded
        // batch norm's ReLU as the convolution's epilogue, a Conv2D → ReLU epilogue in both modes, and an inference-only net.
        var deep = new NetworkSpec(true, new[] { 3, 9, 9 },
            new[]
            {
                new LayerSpec(SpecKind.Conv2D, 8) { Kernel = 3, Padding = new PaddingSpec(1, null), Bias = false }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Conv2D, 8) { Kernel = 3, Stride = 2, Padding = new PaddingSpec(1, null) }, new LayerSpec(SpecKind.BatchNorm) { Rate = 0.3 }, new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.MaxPool, 2),
                new LayerSpec(SpecKind.Conv2D, 5) { Kernel = 5, Padding = new PaddingSpec(2, null) }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Conv2D, 4) { Kernel = 1 }, new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Dense, 6), new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Dense, 3),
            },
            HeadSpec.SoftmaxCrossEntropy);
        var inputNorm = new NetworkSpec(true, new[] { 2, 5, 6 },
            new[]
            {
                new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Conv2D, 3) { Kernel = 3, Padding = new PaddingSpec(1, null) }, new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Flatten), new LayerSpec(SpecKind.Dense, 4), new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
            },
            HeadSpec.MeanSquaredError);
        var inference = new NetworkSpec(false, new[] { 4, 7, 7 },
            new[]
            {
                new LayerSpec(SpecKind.Conv2D, 6) { Kernel = 3, Padding = new PaddingSpec(1, null) }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Conv2D, 3) { Kernel = 3, Padding = new PaddingSpec(1, null), Bias = false }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
            },
            HeadSpec.None);
        // Residual blocks ending Conv2D → BatchNorm → sum (→ ReLU): in training the batch norm adds the shortcut and
        // rectifies in its pass (FusionLayout.TrainingResidual), in evaluation the convolution with the batch norm folded
        // does: an identity shortcut, a projection shortcut (1x1 stride 2 → batch norm, which then takes the sum), no ReLU.
        LayerSpec Conv3(int filters, int stride = 1) => new(SpecKind.Conv2D, filters) { Kernel = 3, Stride = stride, Padding = new PaddingSpec(1, null), Bias = false };
        var residual = new NetworkSpec(true, new[] { 2, 8, 8 },
            new[]
            {
                Conv3(8), new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Block) { Block = new BlockSpec(new[] { Conv3(8), new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU), Conv3(8), new LayerSpec(SpecKind.BatchNorm) },
                    null, null, new[] { new LayerSpec(SpecKind.ReLU) }) },
                new LayerSpec(SpecKind.Block) { Block = new BlockSpec(new[] { Conv3(9, 2), new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU), Conv3(9), new LayerSpec(SpecKind.BatchNorm) },
                    new[] { new LayerSpec(SpecKind.Conv2D, 9) { Kernel = 1, Stride = 2, Bias = false }, new LayerSpec(SpecKind.BatchNorm) }, null, new[] { new LayerSpec(SpecKind.ReLU) }) },
                new LayerSpec(SpecKind.Block) { Block = new BlockSpec(new[] { Conv3(9), new LayerSpec(SpecKind.BatchNorm) }, null, null, Array.Empty<LayerSpec>()) },
                new LayerSpec(SpecKind.GlobalAvgPool), new LayerSpec(SpecKind.Dense, 3),
            },
            HeadSpec.SoftmaxCrossEntropy);
        var specs = new[] { deep, inputNorm, inference, residual };
        foreach (NetworkSpec spec in specs) Assert.True(SpecShapes.All(spec, out string? why) is not null, why);
        var networks = specs.Select((spec, i) => new CompiledNetwork(spec, "Differential.Fusion", "Fused" + i.ToString(CultureInfo.InvariantCulture))).ToList();
        // The residual network takes both fused block ends (so the check below covers them): three sums in the batch norms'
        // training passes, two with the ReLU.
        string residualSource = NetworkCompiler.GenerateSources(networks)[networks[^1].ClassName];
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(residualSource, @"TrainingForward\(in ctx, [^;]*, residual: ").Count);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(residualSource, @"relu: true, statisticsGathered: true, residual: ").Count);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(residualSource, "ForwardResidual").Count);
        System.Runtime.Loader.AssemblyLoadContext? context = NetworkCompiler.CompileAndLoad(networks);
        try
        {
            var plan = new CheckPlan(new[] { VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, Simd.Detect() }, new[] { 1, 3 }, new[] { 1, 7 }, FiniteDifferences: false);
            foreach (CompiledNetwork network in networks)
            {
                Assert.Empty(network.Problems);
                CheckOutcome outcome = NetworkChecker.Check(network, plan, 11);
                Assert.True(outcome.Failures.Count == 0, string.Join("\n", outcome.Failures.Take(8)));
            }
        }
        finally
        {
            context?.Unload();
        }
    }

    [Fact]
    public void WinogradLayersMatchTheInterpreterAndFiniteDifferences()
    {
        // 3x3 stride-1 convolutions with 8+ channels each way run F(4x4, 3x3) forward and dx, F(2x2, 3x3) dw (Conv2DKernels.Algorithm),
        // which the random networks (filters up to 17, padding 1 now and then) reach only rarely: a chain of them on odd and
        // tiny planes (9x7, then 4x3 after a pool), with and without bias, through a batch norm and a residual block, trained.
        var block = new BlockSpec(new[] { new LayerSpec(SpecKind.Conv2D, 9) { Kernel = 3, Padding = new PaddingSpec(1, null), Bias = false }, new LayerSpec(SpecKind.ReLU) },
            null, null, new[] { new LayerSpec(SpecKind.ReLU) });
        var spec = new NetworkSpec(true, new[] { 3, 9, 7 },
            new[]
            {
                new LayerSpec(SpecKind.Conv2D, 9) { Kernel = 3, Padding = new PaddingSpec(1, null), Bias = false }, new LayerSpec(SpecKind.BatchNorm), new LayerSpec(SpecKind.ReLU),
                new LayerSpec(SpecKind.Block) { Block = block },
                new LayerSpec(SpecKind.Conv2D, 17) { Kernel = 3, Padding = new PaddingSpec(1, null) }, new LayerSpec(SpecKind.Tanh),
                new LayerSpec(SpecKind.MaxPool, 2),
                new LayerSpec(SpecKind.Conv2D, 8) { Kernel = 3, Padding = new PaddingSpec(0, "same") }, new LayerSpec(SpecKind.Sigmoid),
                new LayerSpec(SpecKind.Flatten), new LayerSpec(SpecKind.Dense, 3),
            },
            HeadSpec.SoftmaxCrossEntropy);
        Assert.True(SpecShapes.All(spec, out string? why) is not null, why);
        foreach (var (cin, height, width, cout) in new[] { (9, 9, 7, 9), (9, 9, 7, 17), (17, 4, 3, 8) })
        {
            var geometry = new Compiled.Kernels.Conv2DGeometry(cin, height, width, cout, 3, 3, 1, 1, 1, 1, 1, 1);
            foreach (VectorWidth width2 in new[] { VectorWidth.Scalar, VectorWidth.V512 })
                Assert.Equal(new Compiled.Kernels.Conv2DAlgorithm(Compiled.Kernels.Conv2DMethod.Winograd, Compiled.Kernels.Conv2DMethod.Winograd, Compiled.Kernels.Conv2DMethod.Winograd),
                    Compiled.Kernels.Conv2DKernels.Algorithm(geometry, width2));
        }
        var networks = new List<CompiledNetwork> { new(spec, "Differential.Winograd", "WinogradChain") };
        System.Runtime.Loader.AssemblyLoadContext? context = NetworkCompiler.CompileAndLoad(networks);
        try
        {
            Assert.Empty(networks[0].Problems);
            var plan = new CheckPlan(new[] { VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 }, new[] { 1, 2 }, new[] { 1, 5 }, FiniteDifferences: true);
            CheckOutcome outcome = NetworkChecker.Check(networks[0], plan, 12);
            Assert.True(outcome.Failures.Count == 0, string.Join("\n", outcome.Failures.Take(8)));
        }
        finally
        {
            context?.Unload();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CheckerCatchesAWrongNetwork(bool batchNorm)
    {
        // A network compiled from one declaration and judged as another (a different LeakyReLU slope) must fail:
        // the comparison is able to see a wrong network. Also behind a training-mode batch norm, whose allowance for
        // cancelling terms (carried back to every gradient before it) must not hide a wrong slope.
        LayerSpec[] layers = { new LayerSpec(SpecKind.Dense, 5), new LayerSpec(SpecKind.LeakyReLU) { Parameter = 0.2f }, new LayerSpec(SpecKind.Dense, 3) };
        if (batchNorm) layers = layers.Append(new LayerSpec(SpecKind.BatchNorm)).ToArray();
        var compiled = new NetworkSpec(true, new[] { 7 }, layers, HeadSpec.MeanSquaredError);
        LayerSpec[] misjudgedLayers = (LayerSpec[])layers.Clone();
        misjudgedLayers[1] = new LayerSpec(SpecKind.LeakyReLU) { Parameter = 0.3f };
        NetworkSpec judgedAs = compiled with { Layers = misjudgedLayers };
        var networks = new List<CompiledNetwork> { new(compiled, "Differential.Meta", "Wrong") };
        System.Runtime.Loader.AssemblyLoadContext? context = NetworkCompiler.CompileAndLoad(networks);
        try
        {
            Assert.Empty(networks[0].Problems);
            var plan = new CheckPlan(new[] { VectorWidth.Scalar }, new[] { 1 }, new[] { 5 }, FiniteDifferences: false);
            CheckOutcome right = NetworkChecker.Check(networks[0], plan, 1);
            Assert.Empty(right.Failures);
            var misjudged = new CompiledNetwork(judgedAs, "Differential.Meta", "Wrong") { Type = networks[0].Type };
            CheckOutcome wrong = NetworkChecker.Check(misjudged, plan, 1);
            Assert.Contains(wrong.Failures, f => f.Contains("Forward", StringComparison.Ordinal));
            Assert.Contains(wrong.Failures, f => f.Contains("dfc1.weight", StringComparison.Ordinal));
        }
        finally
        {
            context?.Unload();
        }
    }

    [Fact]
    public void ShrinkerFindsASmallFailingDeclaration()
    {
        // With "fails when it has a Tanh after a Conv2D" as the oracle, shrinking a large declaration keeps only that.
        NetworkSpec large = new SpecGenerator(3).Next() with
        {
            Training = true,
            Input = new[] { 3, 11, 9 },
            Head = HeadSpec.SoftmaxCrossEntropy,
            Layers = new[]
            {
                new LayerSpec(SpecKind.Conv2D, 7) { Kernel = 3, Padding = new PaddingSpec(0, "same"), Name = "stem_1" },
                new LayerSpec(SpecKind.ReLU), new LayerSpec(SpecKind.MaxPool, 2),
                new LayerSpec(SpecKind.Conv2D, 5) { Bias = false }, new LayerSpec(SpecKind.Tanh),
                new LayerSpec(SpecKind.Dense, 31), new LayerSpec(SpecKind.ELU) { Parameter = 0.5f }, new LayerSpec(SpecKind.Dense, 5),
            },
        };
        static bool Fails(NetworkSpec s) => s.Layers.Select((l, i) => (l, i)).Any(p => p.l.Kind == SpecKind.Tanh && s.Layers.Take(p.i).Any(c => c.Kind == SpecKind.Conv2D));
        NetworkSpec smallest = Shrinker.Shrink(large, candidates =>
        {
            for (int i = 0; i < candidates.Count; i++)
                if (Fails(candidates[i])) return i;
            return null;
        });
        Assert.True(Fails(smallest));
        Assert.Equal(new[] { SpecKind.Conv2D, SpecKind.Tanh }, smallest.Layers.Select(l => l.Kind));
        Assert.Equal(new[] { 1, 1, 1 }, smallest.Input);
        Assert.Equal(HeadSpec.None, smallest.Head);
    }

    private static string Describe(DifferentialSummary summary, int seed)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{summary.Failures.Count} of {summary.Networks} random networks (seed {seed}) disagree with the reference interpreter:");
        foreach (DifferentialFailure failure in summary.Failures.Take(12))
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"network N{failure.Index}, shrunk to:");
            text.Append(failure.Smallest.DeclarationText());
            foreach (string reason in failure.SmallestReasons.Take(4)) text.AppendLine("  " + reason);
            if (!ReferenceEquals(failure.Smallest, failure.Original))
            {
                text.AppendLine("as generated:").Append(failure.Original.DeclarationText());
                foreach (string reason in failure.Reasons.Take(2)) text.AppendLine("  " + reason);
            }
        }
        return text.ToString();
    }

    private static int EnvironmentInt(string name, int fallback)
    {
        string? value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) && parsed >= 0
            ? parsed
            : throw new ArgumentException($"{name}={value} is not a non-negative integer.");
    }
}
