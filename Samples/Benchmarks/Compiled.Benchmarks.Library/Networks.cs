namespace Compiled.Benchmarks;

// The benchmark's models, declared as the MNIST sample declares them; bench_pytorch.py and the TorchSharp runner build
// the same layers (PyTorch defaults: Conv2d stride 1, MaxPool2d(2), CrossEntropyLoss on the logits). The small ResNet
// is not here yet: it needs BatchNorm, GlobalAvgPool and residual blocks (issue 8), and the runner reports it as not
// available until then.

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
