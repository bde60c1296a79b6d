// The benchmark's models in TorchSharp, layer for layer as bench_pytorch.py builds them (PyTorch's default
// initialization; module names as there, so the two are easy to compare).
using System;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Compiled.Benchmarks.TorchSharpRunner;

/// <summary>Builds a benchmark model by its name (<see cref="BenchModels.All"/>).</summary>
public static class Models
{
    /// <summary>A fresh model with PyTorch's default initialization from the current seed.</summary>
    public static Module<Tensor, Tensor> Create(string model) => model switch
    {
        "mlp" => Sequential(Flatten(), Linear(784, 128), ReLU(), Linear(128, 64), ReLU(), Linear(64, 10)),
        "lenet5" => Sequential(
            Conv2d(1, 6, 5, padding: 2), ReLU(), MaxPool2d(2),
            Conv2d(6, 16, 5), ReLU(), MaxPool2d(2),
            Flatten(), Linear(400, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, 10)),
        // Issue 9's VGG-style net: no batch norm, no dropout.
        "vgg" => Sequential(
            Conv2d(1, 32, 3, padding: 1), ReLU(),
            Conv2d(32, 32, 3, padding: 1), ReLU(), MaxPool2d(2),
            Conv2d(32, 64, 3, padding: 1), ReLU(),
            Conv2d(64, 64, 3, padding: 1), ReLU(), MaxPool2d(2),
            Flatten(), Linear(64 * 7 * 7, 256), ReLU(), Linear(256, 10)),
        "resnet" => new SmallResNet(),
        _ => throw new ArgumentException($"no TorchSharp model {model}"),
    };
}

/// <summary>
/// ResNet's basic block (torchvision's BasicBlock): conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (the identity, or a 1x1
/// convolution with batch norm where the stride or the channel count changes the shape), then ReLU.
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1, bn1, conv2, bn2;
    private readonly Module<Tensor, Tensor>? downsample;

    public BasicBlock(long inChannels, long channels, long stride = 1) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inChannels, channels, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(channels);
        conv2 = Conv2d(channels, channels, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(channels);
        if (stride != 1 || inChannels != channels)
            downsample = Sequential(Conv2d(inChannels, channels, 1, stride: stride, bias: false), BatchNorm2d(channels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor y = bn2.forward(conv2.forward(functional.relu(bn1.forward(conv1.forward(x)))));
        return functional.relu(y + (downsample is null ? x : downsample.forward(x)));
    }
}

/// <summary>
/// The small ResNet of the deep-CNN issue (Samples/FashionMnist's FashionResNet): a 3x3 stem with 16 channels, batch norm
/// and ReLU; three stages of two basic blocks with 16, 32 and 64 channels (the second and third start at stride 2);
/// global average pooling; dense 10. 174 970 parameters.
/// </summary>
public sealed class SmallResNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1, bn1, layer1, layer2, layer3, fc1;

    public SmallResNet() : base(nameof(SmallResNet))
    {
        conv1 = Conv2d(1, 16, 3, padding: 1, bias: false);
        bn1 = BatchNorm2d(16);
        layer1 = Sequential(new BasicBlock(16, 16), new BasicBlock(16, 16));
        layer2 = Sequential(new BasicBlock(16, 32, 2), new BasicBlock(32, 32));
        layer3 = Sequential(new BasicBlock(32, 64, 2), new BasicBlock(64, 64));
        fc1 = Linear(64, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor h = functional.relu(bn1.forward(conv1.forward(x)));
        h = layer3.forward(layer2.forward(layer1.forward(h)));
        return fc1.forward(h.mean([2L, 3L]));
    }
}
