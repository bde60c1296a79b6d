using System;

namespace Compiled.Kernels;

/// <summary>
/// Geometry of one pooling layer for one sample: [Channels, InHeight, InWidth] → [Channels, OutHeight, OutWidth], with PyTorch's
/// <c>MaxPool2d</c>/<c>AvgPool2d</c> rules per axis: out = ⌊(in + 2·pad − window)/stride⌋ + 1 (⌈…⌉ with <see cref="CeilMode"/>,
/// where a last window that would start beyond the input and its left (top) padding is dropped, and a window may overhang the
/// padded input as long as one output remains). Windows, strides and padding may differ between the axes (PyTorch's
/// <c>kernel_size=(3, 1)</c>); <see cref="Pool2DGeometry(int, int, int, int, int)"/> makes a square one.
/// </summary>
/// <remarks>
/// Padding is implicit: max pooling ignores it (as if −∞), average pooling counts it in the divisor when
/// <see cref="CountIncludePad"/> (PyTorch's default) but never counts the overhang of a ceil-mode window past the padded edge.
/// Without padding and ceil mode the geometry is the plain one the vectorized rows handle.
/// </remarks>
public readonly record struct Pool2DGeometry(int Channels, int InHeight, int InWidth, int WindowHeight, int WindowWidth, int StrideHeight, int StrideWidth)
{
    /// <summary>
    /// A square window and stride (PyTorch's <c>MaxPool2d(window, stride)</c> with ints). The parameters are named as the
    /// positional ones are, so that generated code reads <c>new(Channels: 6, InHeight: 28, InWidth: 28, Window: 2, Stride: 2)</c>.
    /// </summary>
    public Pool2DGeometry(int Channels, int InHeight, int InWidth, int Window, int Stride)
        : this(Channels, InHeight, InWidth, Window, Window, Stride, Stride)
    {
    }

    /// <summary>Implicit padding above and below (PyTorch's <c>padding[0]</c>: at most half <see cref="WindowHeight"/>).</summary>
    public int PadHeight { get; init; }

    /// <summary>Implicit padding left and right (PyTorch's <c>padding[1]</c>: at most half <see cref="WindowWidth"/>).</summary>
    public int PadWidth { get; init; }

    /// <summary>Round the output size up (PyTorch <c>ceil_mode=True</c>).</summary>
    public bool CeilMode { get; init; }

    /// <summary>Average pooling divides by the window area including padding (PyTorch's default, true); false counts only input cells.</summary>
    public bool CountIncludePad { get; init; } = true;

    public int OutHeight => OutSize(InHeight, WindowHeight, StrideHeight, PadHeight);
    public int OutWidth => OutSize(InWidth, WindowWidth, StrideWidth, PadWidth);
    public int InputLength => Channels * InHeight * InWidth;
    public int OutputLength => Channels * OutHeight * OutWidth;

    /// <summary>No padding and no ceil mode: every window lies inside the input.</summary>
    public bool IsPlain => PadHeight == 0 && PadWidth == 0 && !CeilMode;

    /// <summary>The same window, stride and padding on both axes.</summary>
    public bool IsSquare => WindowHeight == WindowWidth && StrideHeight == StrideWidth && PadHeight == PadWidth;

    private int OutSize(int size, int window, int stride, int padding)
    {
        // Floor division, as PyTorch's div_rtn: in ceil mode a window may overhang the padded input (span < 0) and still
        // give one output, where truncation toward zero would give a different count.
        int span = size + 2 * padding - window;
        int outSize = FloorDiv(CeilMode ? span + stride - 1 : span, stride) + 1;
        // PyTorch (pooling_output_shape): the last window must start inside the input or its left padding.
        if (CeilMode && (outSize - 1) * stride >= size + padding) outSize--;
        return outSize;
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>The declared sizes only (never the derived ones, which divide by the stride and so fail on an invalid geometry).</summary>
    public override string ToString()
        => $"Pool2DGeometry {{ input {Channels}×{InHeight}×{InWidth}, window {Axes(WindowHeight, WindowWidth)}, stride {Axes(StrideHeight, StrideWidth)}"
            + (PadHeight != 0 || PadWidth != 0 ? $", padding {Axes(PadHeight, PadWidth)}" : "") + (CeilMode ? ", ceil mode" : "")
            + (CountIncludePad ? "" : ", padding not counted") + " }";

    private static string Axes(int height, int width) => height == width ? $"{height}" : $"{height}×{width}";
}
