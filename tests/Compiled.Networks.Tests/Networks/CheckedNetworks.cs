namespace Compiled.Networks.Tests.Networks;

// Small networks for the finite-difference checks: each covers loss heads, activations and layer forms
// (stride 2, 'same' padding with odd and even kernels, 1×1, AvgPool, overlapping pools) at a size that runs in milliseconds.

/// <summary>A smooth LeNet-like net (Tanh, Sigmoid, AvgPool): finite differences with a large step are accurate on it.</summary>
[Network]
[Input(1, 12, 12)]
[Conv2D(4, Kernel = 3, Padding = 1), Tanh, AvgPool(2)]   // [1,12,12] → [4,12,12] → [4,6,6]
[Conv2D(6, Kernel = 3), Sigmoid, AvgPool(2)]              // → [6,4,4] → [6,2,2]
[Dense(10), Tanh]                                         // flatten 24 → 10
[Dense(4), SoftmaxCrossEntropy]                           // → 4
public partial class SmoothConvNet;

/// <summary>A smooth MLP (Tanh, Sigmoid) with a softmax cross-entropy head: labels and one-hot / probability targets.</summary>
[Network]
[Input(20)]
[Dense(16), Tanh]
[Dense(12), Sigmoid]
[Dense(5), SoftmaxCrossEntropy]
public partial class SmoothMlp;

/// <summary>Sigmoid + binary cross-entropy head after LeakyReLU(0.1).</summary>
[Network]
[Input(10)]
[Dense(8), LeakyReLU(0.1f)]
[Dense(3), SigmoidBinaryCrossEntropy]
public partial class BinaryCrossEntropyNet;

/// <summary>Mean squared error head after ELU(1).</summary>
[Network]
[Input(10)]
[Dense(8), ELU(1f)]
[Dense(4), MeanSquaredError]
public partial class MeanSquaredErrorNet;

/// <summary>Multi-class hinge head (margin 1) after Sigmoid.</summary>
[Network]
[Input(10)]
[Dense(8), Sigmoid]
[Dense(5), MultiClassHinge]
public partial class HingeNet;

/// <summary>
/// Conv forms in a smooth net: stride 2 with padding 2, 'same' with an odd and an even kernel (the extra pixel bottom/right),
/// 1×1, overlapping and plain average pooling, ELU(1) (continuously differentiable).
/// </summary>
[Network]
[Input(2, 11, 11)]
[Conv2D(3, Kernel = 5, Stride = 2, Padding = 2), Tanh]   // [2,11,11] → [3,6,6]
[Conv2D(4, Kernel = 3, Padding = "same"), ELU(1f)]       // → [4,6,6]
[Conv2D(4, Kernel = 2, Padding = "same"), Sigmoid]       // → [4,6,6] (pads 0 top/left, 1 bottom/right)
[AvgPool(3, Stride = 1)]                                  // → [4,4,4] (overlapping windows)
[Conv2D(3, Kernel = 1), Tanh]                            // → [3,4,4]
[AvgPool(2)]                                              // → [3,2,2]
[Dense(3), SoftmaxCrossEntropy]                           // flatten 12 → 3
public partial class ConvFormsNet;

/// <summary>The kinked forms: LeakyReLU(0.1) and ELU(0.5) after convolutions, overlapping max pooling, a stride-2 convolution.</summary>
[Network]
[Input(1, 9, 9)]
[Conv2D(3, Kernel = 3, Padding = 1), LeakyReLU(0.1f), MaxPool(3, Stride = 2)]   // [1,9,9] → [3,9,9] → [3,4,4]
[Conv2D(4, Kernel = 2, Stride = 2), ELU(0.5f)]                                  // → [4,2,2]
[Dense(3), SoftmaxCrossEntropy]                                                  // flatten 16 → 3
public partial class KinkedConvNet;
