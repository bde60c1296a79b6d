namespace Compiled.Generator.Graph;

/// <summary>
/// The resolved sliding-window geometry of a convolution or pool: kernel (window), strides and zero padding per side,
/// as the shape inference worked them out ("same" padding split, a pool's default stride made its window).
/// </summary>
internal sealed record Window2D(int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    public bool HasPadding => PadTop + PadLeft + PadBottom + PadRight > 0;

    public bool UniformPadding => PadTop == PadLeft && PadTop == PadBottom && PadTop == PadRight;
}
