using System.Collections.Generic;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;

namespace Compiled.Generator.Planning;

/// <summary>
/// The ways the runtime's <c>Conv2DKernels</c> computes a product of a convolution; the same names as the runtime's
/// <c>Conv2DMethod</c> (a test holds <see cref="CostModel.ConvolutionAlgorithm"/> against <c>Conv2DKernels.Algorithm</c>).
/// </summary>
internal enum ConvMethod
{
    Direct3x3 = 1,
    Grid,
    PatchGrid,
    Im2ColGemm,
    Gemm,
    SparseScatterOrIm2ColGemm,
    DilatedGrouped,
    Winograd,
    /// <summary>Direct, output channels in the vector lanes (<c>ChannelVectorConvolution</c>): the forward of a layer that would run im2col or the 3x3 tiles.</summary>
    ChannelVectors,
}

/// <summary>What one layer costs per sample: FLOPs of its forward and backward passes, its memory, and how it runs.</summary>
/// <param name="Node">The node.</param>
/// <param name="ForwardFlops">FLOPs of its forward pass for one sample (<see cref="CostModel"/>'s convention).</param>
/// <param name="BackwardFlops">FLOPs of its backward pass for one sample (0 without a backward pass).</param>
/// <param name="ParameterFloats">Floats of its parameters (4 bytes each).</param>
/// <param name="ActivationValues">4-byte values per sample its forward writes to the workspace and liveness keeps: its
/// output (unless it runs in place or aliases its input) and the tensors saved for its backward.</param>
/// <param name="Algorithm">What its kernels do (<c>GEMM</c>, <c>grid</c>, ...), or empty for a layer without a weighted product.</param>
/// <param name="OwnedWeightGradient">Whether its weight gradient is owned by output features on two or more threads (<see cref="CostModel.OwnsWeightGradient"/>).</param>
internal sealed record LayerCost(GraphNode Node, long ForwardFlops, long BackwardFlops, long ParameterFloats, long ActivationValues, string Algorithm, bool OwnedWeightGradient = false);

/// <summary>
/// The compile-time cost report's numbers. FLOP convention (the benchmark's, Samples/Benchmarks/.../Flops.cs): only
/// Dense and Conv2D count, one multiply-add is 2 FLOPs (bias, activations, pools, joins, normalization and the loss
/// are left out); forward = 2 · MACs; backward = the weight gradient (as many MACs as the forward) plus the input
/// gradient (as many again) where the plan computes one (not for the first layer with parameters). The algorithm
/// mirrors the runtime's dispatch (<c>Conv2DKernels.Algorithm</c>) on a machine with SIMD.
/// </summary>
internal static class CostModel
{
    /// <summary>Fewest input and output channels of a 3×3 stride-1 layer whose forward runs Winograd (<c>WinogradConvolution.MinChannels</c>).</summary>
    private const int WinogradChannels = 8;

    /// <summary>
    /// Weight floats from which a Dense layer's weight and bias gradients are owned by output features when a step runs on
    /// two or more threads (<see cref="OwnsWeightGradient"/>). Below it the layer keeps per-thread copies reduced in thread
    /// order. The number comes from measurement (docs/architecture.md, "Owned weight gradients").
    /// </summary>
    public const int OwnedWeightGradientFloats = 65536;

    /// <summary>
    /// Whether a layer's weight and bias gradients are owned by output features on two or more threads: after a barrier at
    /// the end of the backward pass each thread adds its range of output features over the whole batch straight into the
    /// network's gradients, with no per-thread copy and no reduction. Saving the reduction of a per-thread copy (a read and
    /// a write of the whole gradient per extra thread, and its re-zeroing) pays only where that copy is large: Dense layers
    /// whose weight has at least <see cref="OwnedWeightGradientFloats"/> floats. Convolutions keep per-thread copies.
    /// </summary>
    public static bool OwnsWeightGradient(GraphNode node, bool training, bool backward)
        => training && backward && node.Descriptor is DenseLayer && (long)node.Input.Length * node.Output.Length >= OwnedWeightGradientFloats;

    /// <summary>
    /// Multiply-adds each part of a forward call on one sample must get before the runtime splits a Conv2D or Dense layer
    /// over a runner's idle threads, and the blocks of output channels or features it splits by: the mirror of the
    /// runtime's <c>OneSampleSplit.MinMultiplyAddsPerPart</c> and <c>OneSampleSplit.Grain</c>.
    /// </summary>
    public const long OneSampleSplitMultiplyAdds = 1L << 18;

    /// <summary>The same minimum for a Dense layer (<c>OneSampleSplit.MinDenseMultiplyAddsPerPart</c>): its matrix-vector products are bound by the cache's bandwidth.</summary>
    public const long OneSampleSplitDenseMultiplyAdds = 1L << 15;

    /// <summary>The same minimum for a strided 1×1 convolution (<c>OneSampleSplit.MinStridedPointwiseMultiplyAddsPerPart</c>): a ResNet's projection, run on channel vectors.</summary>
    public const long OneSampleSplitStridedPointwiseMultiplyAdds = 1L << 15;

    /// <inheritdoc cref="OneSampleSplitMultiplyAdds"/>
    public const int OneSampleSplitGrain = 8;

    /// <summary>
    /// The minimum for a 3×3 stride-1 layer over one or two input channels, which splits by rows in blocks of
    /// <see cref="OneSampleSplitRowGrain"/> (<c>OneSampleSplit.MinFewChannelMultiplyAddsPerPart</c>, <c>OneSampleSplit.RowGrain</c>).
    /// </summary>
    public const long OneSampleSplitFewChannelMultiplyAdds = 1L << 15;

    /// <inheritdoc cref="OneSampleSplitFewChannelMultiplyAdds"/>
    public const int OneSampleSplitRowGrain = 4;

    /// <summary>
    /// The minimum for a grid layer of at most 8 output channels, which splits by output rows
    /// (<c>OneSampleSplit.MinGridRowMultiplyAddsPerPart</c>: LeNet-5's conv1).
    /// </summary>
    public const long OneSampleSplitGridRowMultiplyAdds = 1L << 15;

    /// <summary>
    /// The minimum for a layer on channel vectors of at most <see cref="OneSampleSplitPixelChannels"/> output channels, which
    /// splits by pixels in whole tiles of <see cref="OneSampleSplitPixelGrain"/> (<c>OneSampleSplit.MinChannelVectorPixelMultiplyAddsPerPart</c>,
    /// <c>OneSampleSplit.MaxPixelSplitChannels</c>, <c>ChannelVectorConvolution.PixelGrain</c>: LeNet-5's conv2).
    /// </summary>
    public const long OneSampleSplitPixelMultiplyAdds = 1L << 16;

    /// <inheritdoc cref="OneSampleSplitPixelMultiplyAdds"/>
    public const int OneSampleSplitPixelChannels = 24, OneSampleSplitPixelGrain = 24;

    /// <summary>Whether a forward call on one sample on two or more threads splits this layer over them (<c>OneSampleSplit</c>).</summary>
    public static bool SplitsOneSample(GraphNode node)
    {
        if (node.Descriptor is Conv2DLayer && Groups(node) == 1 && !node.Window!.Dilated)
        {
            ConvMethod forward = ConvolutionAlgorithm(node.Input.Channels, node.Input.Height, node.Input.Width, node.Output.Channels, node.Window, 1).Forward;
            if (forward == ConvMethod.Grid && node.Output.Channels <= 8 && node.Output.Height >= 2 && MultiplyAdds(node) >= 2 * OneSampleSplitGridRowMultiplyAdds)
                return true;   // by rows (the grid's channel-major forward)
            bool fewChannels = forward == ConvMethod.Direct3x3 && node.Window.StrideHeight == 1 && node.Window.StrideWidth == 1 && node.Input.Channels <= FewInputChannels;
            if (forward is ConvMethod.Grid or ConvMethod.Im2ColGemm or ConvMethod.Direct3x3 && !fewChannels && ChannelVectorsFit(node.Output.Channels, node.Window, 1)
                && node.Output.Channels <= OneSampleSplitPixelChannels && node.Output.Height * node.Output.Width > OneSampleSplitPixelGrain
                && MultiplyAdds(node) >= 2 * OneSampleSplitPixelMultiplyAdds)
            {
                return true;   // by pixels (channel vectors)
            }
        }
        if (node.Descriptor is Conv2DLayer && Groups(node) == 1 && !node.Window!.Dilated && node.Input.Channels <= 2
            && node.Window.StrideHeight == 1 && node.Window.StrideWidth == 1
            && ConvolutionAlgorithm(node.Input.Channels, node.Input.Height, node.Input.Width, node.Output.Channels, node.Window, 1).Forward == ConvMethod.Direct3x3
            && MultiplyAdds(node) >= 2 * OneSampleSplitFewChannelMultiplyAdds && node.Output.Height >= 2 * OneSampleSplitRowGrain)
        {
            return true;   // by rows (FewChannels3x3)
        }
        int outputs = node.Descriptor switch
        {
            DenseLayer => node.Output.Length,
            Conv2DLayer when Groups(node) == 1 && !node.Window!.Dilated => node.Output.Channels,
            _ => 0,
        };
        long minimum = node.Descriptor switch
        {
            DenseLayer => OneSampleSplitDenseMultiplyAdds,
            _ when node.Window is { KernelHeight: 1, KernelWidth: 1 } w && (w.StrideHeight > 1 || w.StrideWidth > 1) => OneSampleSplitStridedPointwiseMultiplyAdds,
            _ => OneSampleSplitMultiplyAdds,
        };
        return outputs >= 2 * OneSampleSplitGrain && MultiplyAdds(node) >= 2 * minimum;
    }

    /// <summary>Each layer's cost, in the plan's (declared) order.</summary>
    public static IReadOnlyList<LayerCost> Of(IReadOnlyList<LayerPlan> layers, bool training)
    {
        var costs = new List<LayerCost>(layers.Count);
        foreach (LayerPlan layer in layers) costs.Add(Of(layer, training));
        return costs;
    }

    public static LayerCost Of(LayerPlan layer, bool training)
    {
        GraphNode node = layer.Node;
        long macs = MultiplyAdds(node);
        long backward = !training || !layer.Backward ? 0 : macs * (layer.InputGradient ? 2 : 1);
        long activations = layer.ActivationOffset >= 0 ? layer.Operand.Length : 0;
        foreach (SavedPlan saved in layer.Saved) activations += saved.Length;
        return new LayerCost(node, 2 * macs, 2 * backward, node.ParameterCount, activations, Algorithm(layer, training), layer.OwnedGradients);
    }

    /// <summary>Multiply-adds of one sample's forward: Dense in·out, Conv2D out·OH·OW·in·KH·KW (its weight's length times the output positions); 0 for any other kind.</summary>
    public static long MultiplyAdds(GraphNode node)
    {
        if (node.Descriptor is not (DenseLayer or Conv2DLayer)) return 0;
        foreach (ParameterSpec parameter in node.Descriptor.Parameters(node))
        {
            if (!parameter.IsBias) return (long)parameter.Length * node.Output.SpatialLength;
        }
        return 0;
    }

    /// <summary>
    /// What <c>Conv2DKernels</c> runs for a convolution at a SIMD width: the mirror of <c>Conv2DKernels.Algorithm</c>.
    /// </summary>
    public static (ConvMethod Forward, ConvMethod WeightGradient, ConvMethod InputGradient) ConvolutionAlgorithm(
        int inChannels, int inHeight, int inWidth, int outChannels, Window2D w, int groups = 1)
    {
        if (w.Dilated || groups != 1) return (ConvMethod.DilatedGrouped, ConvMethod.DilatedGrouped, ConvMethod.DilatedGrouped);
        bool pointwise = w.KernelHeight == 1 && w.KernelWidth == 1 && w.StrideHeight == 1 && w.StrideWidth == 1 && !w.HasPadding;
        ConvMethod columns = pointwise ? ConvMethod.Gemm : ConvMethod.Im2ColGemm;
        bool grid = w.StrideHeight == 1 && w.StrideWidth == 1 && !pointwise;
        ConvMethod inputs = grid ? ConvMethod.SparseScatterOrIm2ColGemm : columns;
        bool direct3x3 = w.KernelHeight == 3 && w.KernelWidth == 3 && w.PadTop == 1 && w.PadLeft == 1 && w.PadBottom == 1 && w.PadRight == 1
            && w.StrideHeight == w.StrideWidth && (w.StrideHeight == 1 || w.StrideHeight == 2);
        // Its dx only from three input channels on (fewer fill too few rows of the tile).
        bool winograd = direct3x3 && w.StrideHeight == 1 && inChannels >= WinogradChannels && outChannels >= WinogradChannels;
        // Stride 1 with 8 channels or more each way: Winograd for the forward, dw and dx.
        if (winograd) return (ConvMethod.Winograd, ConvMethod.Winograd, ConvMethod.Winograd);
        if (direct3x3) return (ConvMethod.Direct3x3, ConvMethod.Direct3x3, inChannels >= 3 ? ConvMethod.Direct3x3 : inputs);
        int outHeight = (inHeight + w.PadTop + w.PadBottom - w.KernelHeight) / w.StrideHeight + 1;
        bool gridWeights = grid && outChannels <= 8 && (long)outHeight * (inWidth + w.PadLeft + w.PadRight) >= 256;
        ConvMethod weights = gridWeights ? ConvMethod.Grid : grid ? ConvMethod.PatchGrid : columns;
        return (grid ? ConvMethod.Grid : columns, weights, inputs);
    }

    /// <summary>
    /// Whether a layer's inference forward runs on filters packed or transformed once and kept between calls (a convolution
    /// whose forward is <see cref="ConvMethod.Direct3x3"/>, <see cref="ConvMethod.Winograd"/> or, at a few samples, on channel vectors:
    /// <c>PackedWeightCache</c>), so inference keeps <c>InferenceWeights</c> and a session's calls use the packing without
    /// comparing the weights again.
    /// </summary>
    public static bool PacksFilters(GraphNode node)
    {
        if (node.Descriptor is not Conv2DLayer) return false;
        ConvMethod forward = ConvolutionAlgorithm(node.Input.Channels, node.Input.Height, node.Input.Width, node.Output.Channels, node.Window!, Groups(node)).Forward;
        if (forward is ConvMethod.Direct3x3 or ConvMethod.Winograd) return true;
        // The mirror of ChannelVectorConvolution.Applies at a few samples (batch 1 among them): a grid or im2col forward
        // the channel vectors take packs the filters too.
        return forward is ConvMethod.Grid or ConvMethod.Im2ColGemm && ChannelVectorsFit(node.Output.Channels, node.Window!, Groups(node));
    }

    /// <summary>A convolution's groups, from its weight [out, in/groups, kh, kw].</summary>
    private static int Groups(GraphNode node)
    {
        foreach (ParameterSpec parameter in node.Descriptor.Parameters(node))
        {
            if (!parameter.IsBias && parameter.Shape.Count == 4 && parameter.Shape[1] > 0) return node.Input.Channels / parameter.Shape[1];
        }
        return 1;
    }

    /// <summary>
    /// The report's short names for Winograd's F(4×4, 3×3) and, on planes of at most 2×2, F(2×2, 3×3)
    /// (<c>WinogradConvolution.TileSize</c>); the summary explains them below the table where a layer runs them.
    /// </summary>
    public const string WinogradName = "F(4,3)", WinogradSmallName = "F(2,3)";

    /// <summary>The report's name for <see cref="ConvMethod.ChannelVectors"/>; the summary explains it below the table where a layer runs it.</summary>
    public const string ChannelVectorsName = "lanes";

    /// <summary>
    /// Whether a convolution's forward of any number of samples runs on channel vectors instead of <paramref name="forward"/>:
    /// the mirror of <c>ChannelVectorConvolution.Applies</c> past a few samples (one group, no dilation, 9 to 64 output
    /// channels, instead of im2col or the 3x3 tiles, not over one or two input channels at stride 1).
    /// </summary>
    public static bool ForwardOnChannelVectors(int inChannels, int outChannels, Window2D w, int groups, ConvMethod forward)
    {
        if (!ChannelVectorsFit(outChannels, w, groups)) return false;
        bool fewChannels = w.StrideHeight == 1 && w.StrideWidth == 1 && inChannels <= FewInputChannels;
        return forward == ConvMethod.Im2ColGemm || (forward == ConvMethod.Direct3x3 && !fewChannels);
    }

    /// <summary>The geometries channel vectors take at all: one group, no dilation, 9 to 64 output channels.</summary>
    private static bool ChannelVectorsFit(int outChannels, Window2D w, int groups)
        => !w.Dilated && groups == 1 && outChannels is >= 9 and <= 64;

    /// <summary>Most input channels of a stride-1 3x3 layer that runs on output columns (<c>FewChannels3x3.MaxInChannels</c>).</summary>
    private const int FewInputChannels = 2;

    /// <summary>The report's words for a method.</summary>
    public static string Describe(ConvMethod method) => method switch
    {
        ConvMethod.Direct3x3 => "3x3 tiles",
        ConvMethod.Grid => "grid",
        ConvMethod.PatchGrid => "patch grid",
        ConvMethod.Im2ColGemm => "im2col+GEMM",
        ConvMethod.Gemm => "GEMM",
        ConvMethod.DilatedGrouped => "im2col+GEMM/group",
        ConvMethod.Winograd => WinogradName,
        ConvMethod.ChannelVectors => ChannelVectorsName,
        _ => "scatter|im2col",
    };

    /// <summary>One name when forward, dw and dx (those the step computes) run the same way, else "forward / dw / dx".</summary>
    private static string Algorithm(LayerPlan layer, bool training)
    {
        GraphNode node = layer.Node;
        string forward, weights, inputs;
        switch (node.Descriptor)
        {
            case DenseLayer:
                forward = weights = inputs = "GEMM";
                break;
            case Conv2DLayer:
                var (f, dw, dx) = ConvolutionAlgorithm(node.Input.Channels, node.Input.Height, node.Input.Width, node.Output.Channels, node.Window!, Groups(node));
                if (ForwardOnChannelVectors(node.Input.Channels, node.Output.Channels, node.Window!, Groups(node), f)) f = ConvMethod.ChannelVectors;
                (forward, weights, inputs) = (Describe(f), Describe(dw), Describe(dx));
                if (node.Input.Height <= 2 && node.Input.Width <= 2)
                {
                    (forward, weights, inputs) = (forward.Replace(WinogradName, WinogradSmallName), weights.Replace(WinogradName, WinogradSmallName),
                        inputs.Replace(WinogradName, WinogradSmallName));
                }
                break;
            default:
                return "";
        }
        if (!training || !layer.Backward) return forward;
        if (!layer.InputGradient) return forward == weights ? forward : forward + " / " + weights + " / -";
        return forward == weights && weights == inputs ? forward : forward + " / " + weights + " / " + inputs;
    }
}
