namespace Compiled.Samples.Mnist;

// The two networks of the sample. The Compiled source generator reads these attributes and writes the rest of each
// class: shapes as constants, the parameter table, initialization, Forward, TrainStep and the summary.

/// <summary>LeNet-5 (ReLU and max-pooling variant), as in the issue: 61 706 parameters.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]   // [1,28,28] → [6,28,28] → [6,14,14]
[Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]               // → [16,10,10] → [16,5,5]
[Dense(120), ReLU]                                       // flatten 400 → 120
[Dense(84), ReLU]                                        // → 84
[Dense(10), SoftmaxCrossEntropy]                         // → 10 logits
public partial class LeNet5;

/// <summary>Multi-layer perceptron 784-128-64-10 with ReLU: 109 386 parameters.</summary>
[Network]
[Input(784)]
[Dense(128), ReLU]                                       // [784] → 128
[Dense(64), ReLU]                                        // → 64
[Dense(10), SoftmaxCrossEntropy]                         // → 10 logits
public partial class Mlp;
