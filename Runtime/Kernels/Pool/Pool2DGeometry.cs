namespace Compiled.Kernels;

/// <summary>Geometry of one pooling layer for one sample: [Channels, InHeight, InWidth] → [Channels, OutHeight, OutWidth] (floor, no padding).</summary>
public readonly record struct Pool2DGeometry(int Channels, int InHeight, int InWidth, int Window, int Stride)
{
    public int OutHeight => (InHeight - Window) / Stride + 1;
    public int OutWidth => (InWidth - Window) / Stride + 1;
    public int InputLength => Channels * InHeight * InWidth;
    public int OutputLength => Channels * OutHeight * OutWidth;

    /// <summary>The declared sizes only (never the derived ones, which divide by the stride and so fail on an invalid geometry).</summary>
    public override string ToString() => $"Pool2DGeometry {{ input {Channels}×{InHeight}×{InWidth}, window {Window}, stride {Stride} }}";
}
