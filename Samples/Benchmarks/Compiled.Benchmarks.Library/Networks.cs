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
