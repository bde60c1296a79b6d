using System;

namespace Compiled.Kernels;

/// <summary>
/// Geometry of one pooling layer for one sample: [Channels, InHeight, InWidth] → [Channels, OutHeight, OutWidth], with PyTorch's
/// <c>MaxPool2d</c>/<c>AvgPool2d</c> rules: out = ⌊(in + 2·Padding − Window)/Stride⌋ + 1 (⌈…⌉ with <see cref="CeilMode"/>, where a
/// last window that would start beyond the input and its left padding is dropped, and a window may overhang the padded
/// input as long as one output remains).
/// </summary>
/// <remarks>
/// Padding is implicit: max pooling ignores it (as if −∞), average pooling counts it in the divisor when
/// <see cref="CountIncludePad"/> (PyTorch's default) but never counts the overhang of a ceil-mode window past the padded edge.
/// Without padding and ceil mode the geometry is the plain one the vectorized rows handle.
/// </remarks>
public readonly record struct Pool2DGeometry(int Channels, int InHeight, int InWidth, int Window, int Stride)
{
    /// <summary>Implicit padding on every side (PyTorch: at most half the window).</summary>
    public int Padding { get; init; }

    /// <summary>Round the output size up (PyTorch <c>ceil_mode=True</c>).</summary>
    public bool CeilMode { get; init; }

    /// <summary>Average pooling divides by the window area including padding (PyTorch's default, true); false counts only input cells.</summary>
    public bool CountIncludePad { get; init; } = true;

    public int OutHeight => OutSize(InHeight);
    public int OutWidth => OutSize(InWidth);
    public int InputLength => Channels * InHeight * InWidth;
    public int OutputLength => Channels * OutHeight * OutWidth;

    /// <summary>No padding and no ceil mode: every window lies inside the input.</summary>
    public bool IsPlain => Padding == 0 && !CeilMode;

    private int OutSize(int size)
    {
        // Floor division, as PyTorch's div_rtn: in ceil mode a window may overhang the padded input (span < 0) and still
        // give one output, where truncation toward zero would give a different count.
        int span = size + 2 * Padding - Window;
        int outSize = FloorDiv(CeilMode ? span + Stride - 1 : span, Stride) + 1;
        // PyTorch (pooling_output_shape): the last window must start inside the input or its left padding.
        if (CeilMode && (outSize - 1) * Stride >= size + Padding) outSize--;
        return outSize;
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>The declared sizes only (never the derived ones, which divide by the stride and so fail on an invalid geometry).</summary>
    public override string ToString()
        => $"Pool2DGeometry {{ input {Channels}×{InHeight}×{InWidth}, window {Window}, stride {Stride}"
            + (Padding != 0 ? $", padding {Padding}" : "") + (CeilMode ? ", ceil mode" : "") + (CountIncludePad ? "" : ", padding not counted") + " }";
}
