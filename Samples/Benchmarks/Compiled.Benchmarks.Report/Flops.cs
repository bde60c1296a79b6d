using System;
using System.Collections.Generic;
using System.Linq;

namespace Compiled.Benchmarks.Report;

/// <summary>
/// Floating-point operations per image of each benchmark model, counted once from its layer shapes.
/// <para>
/// Convention: only the layers with weights count (Conv2D and Dense; bias, activations, batch norm, pooling, residual sums
/// and the loss are left out), one multiply-add is 2 FLOPs. Forward = 2 · MACs. Training = forward + the weight gradients
/// (as many MACs as the forward) + the input gradients of every weighted layer but the first (whose input, the image,
/// needs none): 3 · forward minus the first layer's share, so a little under 3x.
/// </para>
/// </summary>
public static class Flops
{
    /// <summary>Forward and training FLOPs per image, and the forward multiply-adds they come from.</summary>
    public sealed record Count(long ForwardMacs, long FirstLayerMacs)
    {
        public double Forward => 2.0 * ForwardMacs;
        public double Training => 2.0 * (ForwardMacs + ForwardMacs + (ForwardMacs - FirstLayerMacs));
    }

    /// <summary>The count for a benchmark model (the same layers as Networks.cs, bench_pytorch.py and the TorchSharp runner).</summary>
    public static Count For(string model)
    {
        var net = new LayerShapes(1, 28, 28);
        switch (model)
        {
            case "mlp":
                net = new LayerShapes(784);
                net.Dense(128); net.Dense(64); net.Dense(10);
                break;
            case "lenet5":
                net.Conv(6, kernel: 5, padding: 2); net.MaxPool(2);
                net.Conv(16, kernel: 5); net.MaxPool(2);
                net.Dense(120); net.Dense(84); net.Dense(10);
                break;
            case "vgg":
                net.Conv(32, kernel: 3, padding: 1); net.Conv(32, kernel: 3, padding: 1); net.MaxPool(2);
                net.Conv(64, kernel: 3, padding: 1); net.Conv(64, kernel: 3, padding: 1); net.MaxPool(2);
                net.Dense(256); net.Dense(10);
                break;
            case "resnet":
                net.Conv(16, kernel: 3, padding: 1);
                foreach (var (channels, stride) in new[] { (16, 1), (16, 1), (32, 2), (32, 1), (64, 2), (64, 1) })
                {
                    var input = net.Shape;
                    net.Conv(channels, kernel: 3, stride: stride, padding: 1);
                    net.Conv(channels, kernel: 3, padding: 1);
                    if (stride != 1 || input.C != channels) net.ConvOn(input, channels, kernel: 1, stride: stride);  // downsample
                }
                net.GlobalAvgPool();
                net.Dense(10);
                break;
            default:
                throw new ArgumentException($"no FLOP count for model {model}");
        }
        return new Count(net.Macs.Sum(), net.Macs[0]);
    }
}

/// <summary>Walks a network's shapes layer by layer (PyTorch's rules) and records each weighted layer's multiply-adds per image.</summary>
public sealed class LayerShapes
{
    /// <summary>An image shape, or a flat one (<see cref="C"/> features, H = W = 1, <see cref="Flat"/>).</summary>
    public readonly record struct Tensor(int C, int H, int W, bool Flat)
    {
        public long Length => (long)C * H * W;
    }

    public Tensor Shape { get; private set; }
    public List<long> Macs { get; } = [];

    public LayerShapes(int c, int h, int w) => Shape = new Tensor(c, h, w, Flat: false);

    public LayerShapes(int features) => Shape = new Tensor(features, 1, 1, Flat: true);

    /// <summary>Conv2d on the current shape.</summary>
    public void Conv(int filters, int kernel, int stride = 1, int padding = 0) =>
        Shape = ConvOn(Shape, filters, kernel, stride, padding);

    /// <summary>Conv2d on <paramref name="input"/> (a branch such as a shortcut's projection); returns its output shape.</summary>
    public Tensor ConvOn(Tensor input, int filters, int kernel, int stride = 1, int padding = 0)
    {
        if (input.Flat) throw new InvalidOperationException("Conv2d on a flat input");
        int h = (input.H + 2 * padding - kernel) / stride + 1, w = (input.W + 2 * padding - kernel) / stride + 1;
        var output = new Tensor(filters, h, w, Flat: false);
        Macs.Add(output.Length * input.C * kernel * kernel);
        return output;
    }

    public void MaxPool(int window) => Shape = Shape with { H = Shape.H / window, W = Shape.W / window };

    public void GlobalAvgPool() => Shape = new Tensor(Shape.C, 1, 1, Flat: true);

    /// <summary>Linear on the current shape, flattened.</summary>
    public void Dense(int units)
    {
        Macs.Add(Shape.Length * units);
        Shape = new Tensor(units, 1, 1, Flat: true);
    }
}
