using System;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// The padded grid's copies: a sample's channels land in the interior of their zero-bordered planes at every row width the
/// vector copy takes differently (under 4 floats, 4-7, whole and overlapped 256-bit vectors), the border and the tail keep
/// what they held, and spans too short for the geometry are refused.
/// </summary>
public sealed class ConvGridTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(28)]
    public void The_interior_gets_each_row_and_the_border_is_untouched(int width)
    {
        var g = new Conv2DGeometry(2, 4, width, 3, 3, 3, 1, 1, 1, 2, 1, 0);
        var grid = new ConvGrid(g, 8);
        float[] x = new TestValues(98).Floats(g.InputLength);
        float[] xpad = new float[grid.SourceLength];
        Array.Fill(xpad, -7f);
        grid.CopyInterior(g, x, xpad);
        for (int c = 0; c < g.InChannels; c++)
            for (int r = 0; r < grid.PlaneHeight; r++)
                for (int col = 0; col < grid.PlaneWidth; col++)
                {
                    int i = r - g.PadTop, j = col - g.PadLeft;
                    bool inside = i >= 0 && i < g.InHeight && j >= 0 && j < g.InWidth;
                    float expected = inside ? x[(c * g.InHeight + i) * g.InWidth + j] : -7f;
                    Assert.Equal(expected, xpad[(c * grid.PlaneHeight + r) * grid.PlaneWidth + col]);
                }
        for (int k = g.InChannels * grid.PlaneHeight * grid.PlaneWidth; k < xpad.Length; k++) Assert.Equal(-7f, xpad[k]);
    }

    [Fact]
    public void Spans_too_short_for_the_geometry_are_refused()
    {
        var g = new Conv2DGeometry(2, 6, 9, 4, 5, 5, 1, 1, 2, 2, 2, 2);
        var grid = new ConvGrid(g, 8);
        Assert.Throws<ArgumentException>(() => grid.CopyInterior(g, new float[g.InputLength - 1], new float[grid.SourceLength]));
        Assert.Throws<ArgumentException>(() => grid.CopyInterior(g, new float[g.InputLength], new float[g.InChannels * grid.PlaneHeight * grid.PlaneWidth - grid.PlaneWidth * 2 - 3]));
    }
}
