namespace Compiled.Kernels;

/// <summary>
/// Geometry of one Conv2D layer for one sample: input [InChannels, InHeight, InWidth], output [OutChannels, OutHeight, OutWidth];
/// PyTorch's <c>dilation</c> and <c>groups</c> as init properties (default 1): the weight is [OutChannels, InChannels/Groups, KH, KW],
/// output channel o reads the input channels of its group g = o / (OutChannels/Groups).
/// </summary>
public readonly record struct Conv2DGeometry(
    int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    /// <summary>Spacing between kernel rows (PyTorch <c>dilation[0]</c>), 1 by default.</summary>
    public int DilationHeight { get; init; } = 1;

    /// <summary>Spacing between kernel columns (PyTorch <c>dilation[1]</c>), 1 by default.</summary>
    public int DilationWidth { get; init; } = 1;

    /// <summary>Channel groups (PyTorch <c>groups</c>; InChannels for a depthwise convolution), 1 by default.</summary>
    public int Groups { get; init; } = 1;

    /// <summary>No dilation and one group: the geometry every fast path handles.</summary>
    public bool IsDense => DilationHeight == 1 && DilationWidth == 1 && Groups == 1;

    /// <summary>Input channels each output channel reads: InChannels / Groups.</summary>
    public int GroupInChannels => InChannels / Groups;

    /// <summary>Output channels of one group: OutChannels / Groups.</summary>
    public int GroupOutChannels => OutChannels / Groups;

    public int OutHeight => (InHeight + PadTop + PadBottom - DilationHeight * (KernelHeight - 1) - 1) / StrideHeight + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - DilationWidth * (KernelWidth - 1) - 1) / StrideWidth + 1;
    public int InputLength => InChannels * InHeight * InWidth;
    public int OutputLength => OutChannels * OutHeight * OutWidth;
    public int WeightLength => OutChannels * GroupInChannels * KernelHeight * KernelWidth;
    /// <summary>Floats of im2col workspace one sample needs (every group's rows).</summary>
    public int ColumnLength => InChannels * KernelHeight * KernelWidth * OutHeight * OutWidth;

    /// <summary>Rows of one group's im2col matrix: (InChannels/Groups)·KernelHeight·KernelWidth (the GEMM's k).</summary>
    public int PatchLength => GroupInChannels * KernelHeight * KernelWidth;

    /// <summary>Output pixels per channel: OutHeight·OutWidth (the GEMM's n).</summary>
    public int OutPixels => OutHeight * OutWidth;

    /// <summary>A 1×1 kernel with stride 1 and no padding: the input already is the im2col matrix.</summary>
    public bool IsPointwise => IsDense && KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1
        && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    /// <summary>The declared sizes only (never the derived ones, which divide by the strides and so fail on an invalid geometry).</summary>
    public override string ToString()
        => $"Conv2DGeometry {{ input {InChannels}×{InHeight}×{InWidth}, {OutChannels} filters {KernelHeight}×{KernelWidth}, "
            + $"stride {StrideHeight}×{StrideWidth}, padding top {PadTop} left {PadLeft} bottom {PadBottom} right {PadRight}"
            + (DilationHeight != 1 || DilationWidth != 1 ? $", dilation {DilationHeight}×{DilationWidth}" : "") + (Groups != 1 ? $", groups {Groups}" : "") + " }";
}
