using System;
using BenchmarkDotNet.Attributes;
using Compiled.Kernels;

namespace Compiled.Benchmarks.Kernels;

// One class per layer kind; every benchmark runs at each vector width and at the scalar width (the twin), on a batch of
// 64 with the shapes of the benchmark's models (MLP 784-128-64-10, LeNet-5, the VGG-style net). Inputs are seeded pseudo-random values;
// ReLU-style sparsity is not modelled except where a kernel's speed depends on it (noted per class).

/// <summary>Shared set-up: the batch, the widths and a deterministic filler.</summary>
public abstract class KernelBenchmark
{
    public const int Batch = 64;

    [Params(VectorWidth.V512, VectorWidth.V256, VectorWidth.V128, VectorWidth.Scalar)]
    public VectorWidth Width { get; set; }

    protected static float[] Filled(int length, int seed)
    {
        var a = new float[length];
        var random = new Random(seed);
        for (int i = 0; i < a.Length; i++) a[i] = (float)(random.NextDouble() * 2 - 1);
        return a;
    }
}

/// <summary>Dense forward and backward: the MLP's, LeNet-5's and the VGG-style net's hidden layers (in → out).</summary>
public class DenseBenchmarks : KernelBenchmark
{
    [Params("784x128", "128x64", "400x120", "120x84", "3136x256")]
    public string Shape { get; set; } = "784x128";

    private int _in, _out;
    private float[] _x = [], _w = [], _b = [], _y = [], _dy = [], _dx = [], _dw = [], _db = [];

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split('x');
        _in = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        _out = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        _x = Filled(Batch * _in, 1); _w = Filled(_out * _in, 2); _b = Filled(_out, 3); _y = new float[Batch * _out];
        _dy = Filled(Batch * _out, 4); _dx = new float[Batch * _in]; _dw = new float[_out * _in]; _db = new float[_out];
    }

    [Benchmark]
    public void Forward() => DenseKernels.Forward(_x, _w, _b, _y, Batch, _in, _out, Width);

    [Benchmark]
    public void Backward() => DenseKernels.Backward(_x, _w, _dy, _dx, _dw, _db, Batch, _in, _out, Width);
}

/// <summary>
/// Conv2D forward and backward: LeNet-5's conv1 (1→6, 5×5, pad 2, 28×28) and conv2 (6→16, 5×5, 14×14); the VGG-style
/// net's 3×3 pad-1 convolutions vgg1 (1→32, 28×28), vgg2 (32→32, 28×28), vgg3 (32→64, 14×14) and vgg4 (64→64, 14×14).
/// </summary>
public class Conv2DBenchmarks : KernelBenchmark
{
    [Params("conv1", "conv2", "vgg1", "vgg2", "vgg3", "vgg4")]
    public string Layer { get; set; } = "conv1";

    // The layers whose output goes through ReLU and then 2×2 max-pooling (the others only through ReLU).
    private bool Pooled => Layer is "conv1" or "conv2" or "vgg2" or "vgg4";

    // The first layer of its network: its input (the image) needs no gradient.
    private bool First => Layer is "conv1" or "vgg1";

    private Conv2DGeometry _g;
    private float[] _x = [], _w = [], _b = [], _y = [], _col = [], _dy = [], _dx = [], _dw = [], _db = [];

    [GlobalSetup]
    public void Setup()
    {
        _g = Layer switch
        {
            "conv1" => new Conv2DGeometry(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2),
            "conv2" => new Conv2DGeometry(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0),
            "vgg1" => new Conv2DGeometry(1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1),
            "vgg2" => new Conv2DGeometry(32, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1),
            "vgg3" => new Conv2DGeometry(32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1),
            "vgg4" => new Conv2DGeometry(64, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1),
            _ => throw new ArgumentException($"unknown layer {Layer}"),
        };
        _x = Filled(Batch * _g.InputLength, 1); _w = Filled(_g.WeightLength, 2); _b = Filled(_g.OutChannels, 3);
        _y = new float[Batch * _g.OutputLength]; _col = new float[_g.ColumnLength];
        // dy as after ReLU and max-pooling (three of four entries zero) or after ReLU alone (one of two): the sparse input
        // gradient depends on it.
        _dy = Filled(Batch * _g.OutputLength, 4);
        int keep = Pooled ? 4 : 2;
        for (int i = 0; i < _dy.Length; i++) if (i % keep != 0) _dy[i] = 0;
        _dx = First ? [] : new float[Batch * _g.InputLength];
        _dw = new float[_g.WeightLength]; _db = new float[_g.OutChannels];
    }

    [Benchmark]
    public void Forward() => Conv2DKernels.Forward(_g, _x, _w, _b, _y, _col, Batch, Width);

    [Benchmark]
    public void Backward() => Conv2DKernels.Backward(_g, _x, _w, _dy, _dx, _dw, _db, _col, Batch, Width);
}

/// <summary>
/// Max pooling 2×2 stride 2 forward and backward: LeNet-5's pool1 (6×28×28) and pool2 (16×10×10), the VGG-style net's
/// vgg1 (32×28×28) and vgg2 (64×14×14).
/// </summary>
public class MaxPoolBenchmarks : KernelBenchmark
{
    [Params("pool1", "pool2", "vgg1", "vgg2")]
    public string Layer { get; set; } = "pool1";

    private Pool2DGeometry _g;
    private float[] _x = [], _y = [], _dy = [], _dx = [];
    private int[] _argmax = [];

    [GlobalSetup]
    public void Setup()
    {
        _g = Layer switch
        {
            "pool1" => new Pool2DGeometry(6, 28, 28, 2, 2),
            "pool2" => new Pool2DGeometry(16, 10, 10, 2, 2),
            "vgg1" => new Pool2DGeometry(32, 28, 28, 2, 2),
            "vgg2" => new Pool2DGeometry(64, 14, 14, 2, 2),
            _ => throw new ArgumentException($"unknown layer {Layer}"),
        };
        _x = Filled(Batch * _g.InputLength, 1); _y = new float[Batch * _g.OutputLength]; _argmax = new int[Batch * _g.OutputLength];
        _dy = Filled(Batch * _g.OutputLength, 2); _dx = new float[Batch * _g.InputLength];
        PoolKernels.MaxForward(_g, _x, _y, _argmax, Batch, VectorWidth.Scalar);
    }

    [Benchmark]
    public void Forward() => PoolKernels.MaxForward(_g, _x, _y, _argmax, Batch, Width);

    [Benchmark]
    public void Backward() => PoolKernels.MaxBackward(_g, _dy, _argmax, _dx, Batch, Width);

    /// <summary>Inference's pool when a ReLU precedes it (LeNet-5's and VGG's): no indices, rectified as it stores.</summary>
    [Benchmark]
    public void ForwardRelu() => PoolKernels.MaxReluForward(_g, _x, _y, Batch, Width);

    /// <summary>Training's pool when a ReLU precedes it: rectified as it stores, with the indices.</summary>
    [Benchmark]
    public void ForwardReluArgmax() => PoolKernels.MaxReluForward(_g, _x, _y, _argmax, Batch, Width);
}

/// <summary>
/// ReLU forward and backward over the VGG-style net's largest activation (64 × 32×28×28), LeNet-5's (64 × 6×28×28) and the
/// MLP's first (64 × 128).
/// </summary>
public class ReluBenchmarks : KernelBenchmark
{
    [Params(64 * 32 * 28 * 28, 64 * 6 * 28 * 28, 64 * 128)]
    public int Length { get; set; }

    private float[] _x = [], _y = [], _dy = [], _dx = [];

    [GlobalSetup]
    public void Setup()
    {
        _x = Filled(Length, 1); _y = new float[Length]; _dy = Filled(Length, 2); _dx = new float[Length];
        ActivationKernels.Relu(_x, _y, VectorWidth.Scalar);
    }

    [Benchmark]
    public void Forward() => ActivationKernels.Relu(_x, _y, Width);

    [Benchmark]
    public void Backward() => ActivationKernels.ReluBackward(_y, _dy, _dx, Width);
}

/// <summary>Softmax + cross-entropy (loss and gradient in one pass) over 64 × 10 logits.</summary>
public class SoftmaxCrossEntropyBenchmarks : KernelBenchmark
{
    private float[] _logits = [], _dlogits = [];
    private int[] _labels = [];

    [GlobalSetup]
    public void Setup()
    {
        _logits = Filled(Batch * 10, 1); _dlogits = new float[Batch * 10];
        _labels = new int[Batch];
        for (int i = 0; i < Batch; i++) _labels[i] = i % 10;
    }

    [Benchmark]
    public float ForwardBackward() => LossKernels.SoftmaxCrossEntropy(_logits, _labels, _dlogits, Batch, 10, 1f / Batch, Width);
}
