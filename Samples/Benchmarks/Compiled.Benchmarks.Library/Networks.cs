namespace Compiled.Benchmarks;

// The benchmark's models, declared as the MNIST sample declares them; bench_pytorch.py and the TorchSharp runner build
// the same layers (PyTorch defaults: Conv2d stride 1, MaxPool2d(2), CrossEntropyLoss on the logits).

/// <summary>LeNet-5 (ReLU, max-pooling): 61 706 parameters.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]
[Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]
[Dense(120), ReLU]
[Dense(84), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class BenchLeNet5;

/// <summary>MLP 784-128-64-10 with ReLU: 109 386 parameters.</summary>
[Network]
[Input(784)]
[Dense(128), ReLU]
[Dense(64), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class BenchMlp;

/// <summary>
/// The VGG-style net of issue 9 on Fashion-MNIST: 3x3 convolutions 32-32-pool-64-64-pool, dense 256, dense 10, ReLU after
/// every convolution and the hidden dense layer; no batch norm and no dropout (the issue names none; the Fashion-MNIST
/// sample's FashionVgg adds both). 870 634 parameters, 19.1 M multiply-adds per image forward.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(32, Kernel = 3, Padding = 1), ReLU]               // [1,28,28] → [32,28,28]
[Conv2D(32, Kernel = 3, Padding = 1), ReLU, MaxPool(2)]   // → [32,28,28] → [32,14,14]
[Conv2D(64, Kernel = 3, Padding = 1), ReLU]               // → [64,14,14]
[Conv2D(64, Kernel = 3, Padding = 1), ReLU, MaxPool(2)]   // → [64,14,14] → [64,7,7]
[Dense(256), ReLU]                                        // flattens 3136 → 256
[Dense(10), SoftmaxCrossEntropy]                          // 10 logits
public partial class BenchVgg;

/// <summary>
/// ResNet's basic block, as torchvision's <c>BasicBlock</c> and bench_pytorch.py's: conv3x3-BN-ReLU-conv3x3-BN plus the
/// shortcut (the identity, or a 1x1 convolution with batch norm where the shape changes), then ReLU.
/// </summary>
[Block("channels", "stride = 1")]
[Conv2D("channels", Kernel = 3, Stride = "stride", Padding = 1, Bias = false), BatchNorm, ReLU]
[Conv2D("channels", Kernel = 3, Padding = 1, Bias = false), BatchNorm]
[Shortcut(When = ShortcutWhen.ShapeChanges)]
[Conv2D("channels", Kernel = 1, Stride = "stride", Bias = false), BatchNorm]
[Residual, ReLU]
public partial class BenchBasicBlock;

/// <summary>
/// The small ResNet of issue 8 (Samples/FashionMnist's <c>FashionResNet</c>, ResNet-14), layer for layer and name for name
/// as bench_pytorch.py's <c>ResNet</c>: 174 970 parameters.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]   // stem: [1,28,28] → [16,28,28]
[Use(typeof(BenchBasicBlock), 16, Repeat = 2)]                        // layer1: → [16,28,28]
[Use(typeof(BenchBasicBlock), 32, Stride = 2, Repeat = 2)]            // layer2: → [32,14,14]
[Use(typeof(BenchBasicBlock), 64, Stride = 2, Repeat = 2)]            // layer3: → [64,7,7]
[GlobalAvgPool, Dense(10), SoftmaxCrossEntropy]                        // → [64] → 10 logits
public partial class BenchResNet;
