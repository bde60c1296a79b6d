using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// The 3×3 convolution over one or two input channels (output columns in the lanes) at every width: bit for bit its scalar
/// twin, within 1e-5 of the double reference (relative to the sum of magnitudes), for one to three samples, output channels
/// in whole blocks of four and not (1, 5, 32), rows as wide as a vector, wider, narrower than 4 (the scalar lane), padding
/// 0, 1, 2 and asymmetric, with and without bias and ReLU, with a sample stride (the floats between untouched); and
/// <see cref="Conv2DKernels"/> runs it for such layers.
/// </summary>
public class FewChannels3x3Tests
{
    private const double Tolerance = 1e-5;

    public static readonly Conv2DGeometry[] Geometries =
    [
        new(1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1),       // VGG's first layer: 28 = 16 + 12 columns (the second vector overlaps)
        new(2, 9, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1),          // two channels; a block of four and one more
        new(1, 3, 3, 1, 3, 3, 1, 1, 0, 0, 0, 0),          // one output: the scalar lane at every width
        new(1, 5, 17, 9, 3, 3, 1, 1, 2, 2, 2, 2),         // padding 2: 19 columns
        new(2, 6, 20, 4, 3, 3, 1, 1, 1, 0, 2, 1),         // asymmetric padding
        new(1, 8, 66, 6, 3, 3, 1, 1, 1, 1, 1, 1),         // a row of 66: an odd number of vectors at 512 and 128 bits
    ];

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Every_width_gives_the_scalar_twins_bits_and_the_reference_values(VectorWidth width, bool bias)
    {
        var random = new TestValues(81);
        foreach (Conv2DGeometry g in Geometries)
        foreach (bool relu in new[] { false, true })
        for (int n = 1; n <= 3; n++)
        {
            Assert.True(FewChannels3x3.Applies(g));
            float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = bias ? random.Floats(g.OutChannels) : [];
            float[] y = random.Floats(n * g.OutputLength), twin = random.Floats(y.Length);
            FewChannels3x3.Forward(g, x, w, b, y, g.OutputLength, n, relu, random.Floats(FewChannels3x3.PaddedLength(g)), width);
            FewChannels3x3.Forward(g, x, w, b, twin, g.OutputLength, n, relu, random.Floats(FewChannels3x3.PaddedLength(g)), VectorWidth.Scalar);
            KernelAssert.Identical(twin, y, $"{width} against the scalar twin, relu {relu}, {g}, n {n}");

            double[] expected = new double[y.Length], magnitude = new double[y.Length];
            Conv2DReference.Forward<double>(g, TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, n);
            Conv2DReference.Forward<double>(g, TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, n);
            if (relu)
            {
                for (int i = 0; i < expected.Length; i++) expected[i] = Math.Max(expected[i], 0);
                if (y.Length > 16) Assert.Contains(y, v => v == 0f);
            }
            KernelAssert.CloseToMagnitude(expected, magnitude, y, Tolerance, $"y {width} relu {relu} {g} n {n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void A_sample_stride_writes_each_samples_rows_and_nothing_between(VectorWidth width)
    {
        var random = new TestValues(82);
        Conv2DGeometry g = Geometries[1];
        const int n = 3, gap = 7;
        int stride = g.OutputLength + gap;
        float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
        float[] contiguous = new float[n * g.OutputLength], strided = new float[(n - 1) * stride + g.OutputLength];
        Array.Fill(strided, 42f);
        float[] padded = new float[FewChannels3x3.PaddedLength(g)];
        FewChannels3x3.Forward(g, x, w, b, contiguous, g.OutputLength, n, relu: true, padded, width);
        FewChannels3x3.Forward(g, x, w, b, strided, stride, n, relu: true, padded, width);
        for (int s = 0; s < n; s++)
        {
            KernelAssert.Identical(contiguous.AsSpan(s * g.OutputLength, g.OutputLength), strided.AsSpan(s * stride, g.OutputLength), $"sample {s}");
            if (s < n - 1) Assert.All(strided.AsSpan(s * stride + g.OutputLength, gap).ToArray(), v => Assert.Equal(42f, v));
        }
    }

    /// <summary>A NaN input reaches the outputs whose windows hold it, and only those, through the fused ReLU.</summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void A_NaN_reaches_only_the_outputs_whose_windows_hold_it(VectorWidth width)
    {
        var random = new TestValues(83);
        Conv2DGeometry g = Geometries[0];
        float[] x = random.Floats(g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels), y = new float[g.OutputLength];
        const int row = 13, column = 27;
        x[row * g.InWidth + column] = float.NaN;
        FewChannels3x3.Forward(g, x, w, b, y, g.OutputLength, 1, relu: true, new float[FewChannels3x3.PaddedLength(g)], width);
        for (int o = 0; o < g.OutChannels; o++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    bool holds = Math.Abs(oh - row) <= 1 && Math.Abs(ow - column) <= 1;
                    Assert.True(holds == float.IsNaN(y[(o * g.OutHeight + oh) * g.OutWidth + ow]), $"{width}: output ({o}, {oh}, {ow})");
                }
    }

    /// <summary>
    /// The convolution entries run it for the layers they give the 3×3 kernels (padding 1) with one or two input channels:
    /// plain, ReLU, a sample stride.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void The_convolution_entries_run_it(VectorWidth width)
    {
        var random = new TestValues(84);
        foreach (Conv2DGeometry g in Geometries)
        {
            if (Conv2DKernels.Algorithm(g, width).Forward != Conv2DMethod.Direct3x3) continue;   // the 3×3 padding-1 layers
            const int n = 2;
            float[] x = random.Floats(n * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] expected = new float[n * g.OutputLength], expectedRelu = new float[expected.Length], col = new float[g.ColumnLength];
            float[] padded = new float[FewChannels3x3.PaddedLength(g)];
            FewChannels3x3.Forward(g, x, w, b, expected, g.OutputLength, n, relu: false, padded, width);
            FewChannels3x3.Forward(g, x, w, b, expectedRelu, g.OutputLength, n, relu: true, padded, width);

            float[] y = new float[expected.Length];
            Conv2DKernels.Forward(g, x, w, b, y, col, n, width);
            KernelAssert.Identical(expected, y, $"Forward {width} {g}");
            Conv2DKernels.ForwardRelu(g, x, w, b, y, col, n, width);
            KernelAssert.Identical(expectedRelu, y, $"ForwardRelu {width} {g}");
            int stride = g.OutputLength + 3;
            float[] strided = new float[(n - 1) * stride + g.OutputLength];
            Conv2DKernels.ForwardRelu(g, x, w, b, strided, stride, col, n, width);
            for (int s = 0; s < n; s++)
                KernelAssert.Identical(expectedRelu.AsSpan(s * g.OutputLength, g.OutputLength), strided.AsSpan(s * stride, g.OutputLength), $"strided {s} {width} {g}");
        }
    }
}
