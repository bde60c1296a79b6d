namespace Compiled.Generator.Graph;

/// <summary>
/// The resolved sliding-window geometry of a convolution or pool: kernel (window), strides, zero padding per side and
/// dilation, as the shape inference worked them out ("same" padding split, a pool's default stride made its window,
/// an int argument made both axes).
/// </summary>
internal sealed record Window2D(
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationHeight = 1, int DilationWidth = 1)
{
    public bool HasPadding => PadTop + PadLeft + PadBottom + PadRight > 0;

    public bool UniformPadding => PadTop == PadLeft && PadTop == PadBottom && PadTop == PadRight;

    public bool SquareKernel => KernelHeight == KernelWidth;

    public bool SquareStride => StrideHeight == StrideWidth;

    public bool Dilated => DilationHeight != 1 || DilationWidth != 1;

    /// <summary>The input extent one output reads along the height: dilation·(kernel − 1) + 1.</summary>
    public int SpanHeight => DilationHeight * (KernelHeight - 1) + 1;

    /// <summary>The input extent one output reads along the width: dilation·(kernel − 1) + 1.</summary>
    public int SpanWidth => DilationWidth * (KernelWidth - 1) + 1;
}
