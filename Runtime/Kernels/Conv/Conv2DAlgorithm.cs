namespace Compiled.Kernels;

/// <summary>The ways <see cref="Conv2DKernels"/> computes one product of a convolution (its forward, dw or dx).</summary>
public enum Conv2DMethod
{
    /// <summary>3×3, padding 1, stride 1 or 2: register-tiled direct convolution (<see cref="Conv3x3Kernels"/>), no im2col.</summary>
    Direct3x3 = 1,

    /// <summary>Stride 1: the implicit im2col of the padded grid (<c>GridConvolution</c>), no expanded matrix.</summary>
    Grid,

    /// <summary>Stride-1 weight gradient: six patch entries × the output channels at a time over the padded grid.</summary>
    PatchGrid,

    /// <summary>Explicit im2col per sample, then a GEMM (dx: a GEMM, then col2im).</summary>
    Im2ColGemm,

    /// <summary>A 1×1 kernel with stride 1 and no padding: the input is its own im2col matrix, one GEMM.</summary>
    Gemm,

    /// <summary>Stride-1 input gradient: per sample, scatter of dy's non-zeros when at most half are non-zero, else im2col + GEMM.</summary>
    SparseScatterOrIm2ColGemm,

    /// <summary>Dilated or grouped geometries: explicit im2col and one GEMM per group.</summary>
    DilatedGrouped,

    /// <summary>3×3, padding 1, stride 1, at least 8 channels in and out: Winograd F(4×4, 3×3), F(2×2, 3×3) on planes of at most 2×2 (<c>WinogradConvolution</c>, <c>WinogradWeightGradient</c>): 4× (2.25×) fewer multiply-adds.</summary>
    Winograd,

    /// <summary>
    /// The forward as a direct convolution with the output channels in the vector lanes (<c>ChannelVectorConvolution</c>):
    /// not returned by <see cref="Conv2DKernels.Algorithm(in Conv2DGeometry, VectorWidth)"/>, whose forward method it replaces
    /// per call, on a few samples or (for <see cref="Im2ColGemm"/> and <see cref="Direct3x3"/>) any number, for 9 to 64
    /// output channels.
    /// </summary>
    ChannelVectors,
}

/// <summary>
/// What <see cref="Conv2DKernels"/> runs for one geometry at one vector width: the forward pass, the weight gradient
/// and the input gradient (<see cref="Conv2DKernels.Algorithm(in Conv2DGeometry, VectorWidth)"/>). The kernels
/// dispatch on this, and the generator's compile-time report mirrors it.
/// </summary>
/// <param name="Forward">How y = conv(x, w) + b is computed.</param>
/// <param name="WeightGradient">How dw is computed.</param>
/// <param name="InputGradient">How dx is computed.</param>
public readonly record struct Conv2DAlgorithm(Conv2DMethod Forward, Conv2DMethod WeightGradient, Conv2DMethod InputGradient);
