using System;
using BenchmarkDotNet.Attributes;
using Compiled.Kernels;

namespace Compiled.Benchmarks.Kernels;

/// <summary>
/// 3×3 convolutions with padding 1 of VGG- and ResNet-shaped layers on a batch of 32: the register-tiled
/// <see cref="Conv3x3Kernels"/> (what <see cref="Conv2DKernels"/> dispatches to) against the general paths it replaced
/// (stride 1: the padded-grid micro-kernels, im2col + GEMM + fold for dx; stride 2: im2col + GEMM), in the same run.
/// Shapes: "C×S" is C → C channels on S×S at stride 1; "C×Ss2" is C → 2C channels from S×S at stride 2 (a ResNet stage's
/// first convolution). FLOPs: forward 2·n·Cout·OH·OW·Cin·9; the backward does twice that (dx and dw) plus db; dw alone as
/// many as the forward, by the direct kernel or by Winograd.
/// </summary>
public class Conv3x3Benchmarks
{
    public const int Batch = 32;

    [Params(VectorWidth.V512, VectorWidth.V256)]
    public VectorWidth Width { get; set; }

    [Params("32x28", "64x14", "128x7", "32x28s2", "64x14s2")]
    public string Shape { get; set; } = "32x28";

    private Conv2DGeometry _g;
    private float[] _x = [], _w = [], _b = [], _y = [], _col = [], _dy = [], _dx = [], _dw = [], _db = [], _mean = [], _m2 = [];

    [GlobalSetup]
    public void Setup()
    {
        bool strided = Shape.EndsWith("s2", StringComparison.Ordinal);
        string[] parts = Shape.Replace("s2", "", StringComparison.Ordinal).Split('x');
        int channels = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        int size = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        int stride = strided ? 2 : 1;
        _g = new Conv2DGeometry(channels, size, size, strided ? 2 * channels : channels, 3, 3, stride, stride, 1, 1, 1, 1);
        _x = Filled(Batch * _g.InputLength, 1); _w = Filled(_g.WeightLength, 2); _b = Filled(_g.OutChannels, 3);
        _y = new float[Batch * _g.OutputLength]; _col = new float[_g.ColumnLength];
        _dy = Filled(Batch * _g.OutputLength, 4);  // dense, as out of a batch norm's backward
        _dx = new float[Batch * _g.InputLength]; _dw = new float[_g.WeightLength]; _db = new float[_g.OutChannels];
        _mean = new float[_g.OutChannels]; _m2 = new float[_g.OutChannels];
    }

    /// <summary>Conv3x3Kernels through the dispatcher.</summary>
    [Benchmark]
    public void Forward() => Conv2DKernels.Forward(_g, _x, _w, _b, _y, _col, Batch, Width);

    /// <summary>The general path the dispatcher took before.</summary>
    [Benchmark]
    public void ForwardGeneral()
    {
        Conv2DKernels.UseDirect3x3 = false;
        try { Conv2DKernels.Forward(_g, _x, _w, _b, _y, _col, Batch, Width); }
        finally { Conv2DKernels.UseDirect3x3 = true; }
    }

    /// <summary>Forward with the batch-norm slice statistics gathered in the epilogue.</summary>
    [Benchmark]
    public void ForwardWithStatistics() => Conv3x3Kernels.ForwardWithStatistics(_g, _x, _w, _b, _y, _mean, _m2, Batch, Width);

    /// <summary>The same unfused: forward, then the statistics' two passes over y.</summary>
    [Benchmark]
    public void ForwardThenStatistics()
    {
        Conv3x3Kernels.Forward(_g, _x, _w, _b, _y, Batch, Conv3x3Epilogue.None, Width);
        BatchNormKernels.SliceStatistics(_y, _mean, _m2, Batch, _g.OutChannels, _g.OutPixels, Width);
    }

    /// <summary>dx (Conv3x3Kernels at stride 1), dw and db through the dispatcher.</summary>
    [Benchmark]
    public void Backward() => Conv2DKernels.Backward(_g, _x, _w, _dy, _dx, _dw, _db, _col, Batch, Width);

    /// <summary>The general backward the dispatcher took before.</summary>
    [Benchmark]
    public void BackwardGeneral()
    {
        Conv2DKernels.UseDirect3x3 = false;
        try { Conv2DKernels.Backward(_g, _x, _w, _dy, _dx, _dw, _db, _col, Batch, Width); }
        finally { Conv2DKernels.UseDirect3x3 = true; }
    }

    /// <summary>dw alone by the register-tiled direct kernel (what stride 2 and fewer than 8 channels run).</summary>
    [Benchmark]
    public void WeightGradientDirect() => Conv3x3Kernels.WeightGradientCore(_g, _x, _dy, _dw, Batch, Width);

    /// <summary>dw alone by Winograd F(2×2, 3×3) where it applies (stride 1, 8+ channels); the direct kernel on the stride-2 shapes.</summary>
    [Benchmark]
    public void WeightGradientWinograd()
    {
        if (WinogradConvolution.Applies(_g)) WinogradWeightGradient.Run(_g, _x, _dy, _dw, Batch, Width);
        else Conv3x3Kernels.WeightGradientCore(_g, _x, _dy, _dw, Batch, Width);
    }

    private static float[] Filled(int length, int seed)
    {
        var a = new float[length];
        var random = new Random(seed);
        for (int i = 0; i < a.Length; i++) a[i] = (float)(random.NextDouble() * 2 - 1);
        return a;
    }
}
