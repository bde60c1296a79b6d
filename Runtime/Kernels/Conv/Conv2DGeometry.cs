namespace Compiled.Kernels;

/// <summary>Geometry of one Conv2D layer for one sample: input [InChannels, InHeight, InWidth], output [OutChannels, OutHeight, OutWidth].</summary>
public readonly record struct Conv2DGeometry(
    int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    public int OutHeight => (InHeight + PadTop + PadBottom - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - KernelWidth) / StrideWidth + 1;
    public int InputLength => InChannels * InHeight * InWidth;
    public int OutputLength => OutChannels * OutHeight * OutWidth;
    public int WeightLength => OutChannels * InChannels * KernelHeight * KernelWidth;
    /// <summary>Floats of im2col workspace one sample needs.</summary>
    public int ColumnLength => InChannels * KernelHeight * KernelWidth * OutHeight * OutWidth;

    /// <summary>Rows of the im2col matrix: InChannels·KernelHeight·KernelWidth (the GEMM's k).</summary>
    public int PatchLength => InChannels * KernelHeight * KernelWidth;

    /// <summary>Output pixels per channel: OutHeight·OutWidth (the GEMM's n).</summary>
    public int OutPixels => OutHeight * OutWidth;

    /// <summary>A 1×1 kernel with stride 1 and no padding: the input already is the im2col matrix.</summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1
        && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    /// <summary>The declared sizes only (never the derived ones, which divide by the strides and so fail on an invalid geometry).</summary>
    public override string ToString()
        => $"Conv2DGeometry {{ input {InChannels}×{InHeight}×{InWidth}, {OutChannels} filters {KernelHeight}×{KernelWidth}, "
            + $"stride {StrideHeight}×{StrideWidth}, padding top {PadTop} left {PadLeft} bottom {PadBottom} right {PadRight} }}";
}
