namespace Compiled.Networks.Tests.Networks;

// Networks these tests declare and the generator implements. Shapes per layer in the comments.

/// <summary>LeNet-5 exactly as the PyTorch fixture (tests/fixtures/pytorch/lenet5.json) builds it; default names conv1, conv2, fc1-fc3.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]   // [1,28,28] → [6,28,28] → [6,14,14]
[Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]               // → [16,10,10] → [16,5,5]
[Dense(120), ReLU]                                       // flatten 400 → 120
[Dense(84), ReLU]                                        // → 84
[Dense(10), SoftmaxCrossEntropy]                         // → 10
public partial class ReferenceLeNet5;

/// <summary>The MLP 784-128-64-10 of the sample.</summary>
[Network]
[Input(784)]
[Dense(128), ReLU]
[Dense(64), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class ReferenceMlp;
