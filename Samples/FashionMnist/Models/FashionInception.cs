namespace Compiled.Samples.FashionMnist;

/// <summary>
/// Inception-style (GoogLeNet at Fashion-MNIST's size): a stem of two 3x3 convolutions with batch norm (max-pooled to
/// 14x14 between them), then GoogLeNet's modules 3a and 3b at half their widths (<see cref="InceptionBlock"/>: 128 and
/// 240 channels) with a max-pool between, global average pooling, dropout and a dense classifier.
/// About 32 MFLOP per image forward; 0.16 M parameters (156 858).
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(32, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool(2)]   // stem: [1,28,28] → [32,28,28] → [32,14,14]
[Conv2D(64, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]               // → [64,14,14]
[Use(typeof(InceptionBlock), 32, 48, 64, 8, 16, 16)]                              // 3a/2: 32 + 64 + 16 + 16 → [128,14,14]
[MaxPool(2)]                                                                       // → [128,7,7]
[Use(typeof(InceptionBlock), 64, 64, 96, 16, 48, 32)]                             // 3b/2: 64 + 96 + 48 + 32 → [240,7,7]
[GlobalAvgPool, Dropout(0.2), Dense(10), SoftmaxCrossEntropy]                      // → [240] → 10 logits
public partial class FashionInception;
