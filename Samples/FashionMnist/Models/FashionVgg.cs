namespace Compiled.Samples.FashionMnist;

/// <summary>
/// VGG-style (Simonyan and Zisserman 2015, at Fashion-MNIST's size): two stages of two 3x3 convolutions with batch norm
/// and ReLU, each closed by 2x2 max-pooling and dropout, then a dense layer with batch norm and dropout. 32 and 64
/// channels: the width of the Keras-style "VGG-like" Fashion-MNIST nets that report 93-94% without augmentation.
/// About 38 MFLOP per image forward; 0.87 M parameters (871 082), most in fc1 (3136 x 256).
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(32, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]               // [1,28,28] → [32,28,28]
[Conv2D(32, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool(2)]   // → [32,14,14]
[Dropout(0.25)]
[Conv2D(64, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]               // → [64,14,14]
[Conv2D(64, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool(2)]   // → [64,7,7]
[Dropout(0.25)]
[Dense(256, Bias = false), BatchNorm, ReLU, Dropout(0.5)]                          // flatten 3136 → 256
[Dense(10), SoftmaxCrossEntropy]                                                   // → 10 logits
public partial class FashionVgg;
