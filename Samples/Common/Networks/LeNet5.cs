namespace Compiled.Samples;

// The network both samples offer (MNIST and Fashion-MNIST images are both 1x28x28 with 10 classes). The Compiled source
// generator reads these attributes and writes the rest of the class: shapes as constants, the parameter table,
// initialization, Forward, TrainStep and the summary.

/// <summary>LeNet-5 (ReLU and max-pooling variant), as in the issue: 61 706 parameters.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]   // [1,28,28] → [6,28,28] → [6,14,14]
[Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]               // → [16,10,10] → [16,5,5]
[Dense(120), ReLU]                                       // flatten 400 → 120
[Dense(84), ReLU]                                        // → 84
[Dense(10), SoftmaxCrossEntropy]                         // → 10 logits
public partial class LeNet5;
