namespace Compiled.Networks.Tests.Smoke;

// Networks the smoke tests declare: they prove the generated code compiles and runs end to end.

/// <summary>LeNet-5 as the issue declares it: [1,28,28] → conv 6@28x28 → pool 14x14 → conv 16@10x10 → pool 5x5 → 120 → 84 → 10.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]
[Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]
[Dense(120), ReLU]
[Dense(84), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class SmokeLeNet5;

/// <summary>A tiny MLP: [12] → 16 (tanh) → 3 classes.</summary>
[Network]
[Input(12)]
[Dense(16), Tanh]
[Dense(3), SoftmaxCrossEntropy]
public partial class TinyMlp;

/// <summary>A small convolutional regressor with every spatial option: stride-2 "same" padding, average pooling, no bias.</summary>
[Network]
[Input(2, 9, 9)]
[Conv2D(4, Kernel = 3, Stride = 2, Padding = "same"), LeakyReLU(0.1f), AvgPool(2, Stride = 1)]
[Conv2D(3, Kernel = 1, Bias = false), ELU, Flatten]
[Dense(2), MeanSquaredError]
public partial class TinyConvRegressor;

/// <summary>A multi-label classifier: sigmoid + binary cross-entropy over 4 outputs.</summary>
[Network]
[Input(6)]
[Dense(8), ReLU]
[Dense(4), SigmoidBinaryCrossEntropy]
public partial class TinyMultiLabel;

/// <summary>Inference only: no loss head, no training code.</summary>
[Network(Training = false)]
[Input(5)]
[Dense(3), Sigmoid]
public partial class InferenceOnly;
