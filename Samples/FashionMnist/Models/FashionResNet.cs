namespace Compiled.Samples.FashionMnist;

/// <summary>
/// A small ResNet (He et al. 2016, the CIFAR design at 28x28): a 3x3 stem, three stages of two <see cref="BasicBlock"/>s
/// with 16, 32 and 64 channels (the second and third halve height and width), global average pooling and a dense
/// classifier. 13 convolutions and the dense layer: ResNet-14. About 40 MFLOP per image forward; 0.17 M parameters (174 970).
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]   // stem: [1,28,28] → [16,28,28]
[Use(typeof(BasicBlock), 16, Repeat = 2)]                             // layer1: → [16,28,28]
[Use(typeof(BasicBlock), 32, Stride = 2, Repeat = 2)]                 // layer2: → [32,14,14]; layer2.0.downsample projects
[Use(typeof(BasicBlock), 64, Stride = 2, Repeat = 2)]                 // layer3: → [64,7,7]
[GlobalAvgPool, Dense(10), SoftmaxCrossEntropy]                        // → [64] → 10 logits
public partial class FashionResNet;

/// <summary>
/// <see cref="FashionResNet"/> without shortcuts (<see cref="PlainBlock"/>): the same convolutions and batch norms minus
/// the two 1x1 projections (172 218 parameters). Trained with the same defaults, its history shows the course's point: without skip
/// connections the same depth trains worse.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]   // stem: [1,28,28] → [16,28,28]
[Use(typeof(PlainBlock), 16, Repeat = 2)]                             // layer1: → [16,28,28]
[Use(typeof(PlainBlock), 32, Stride = 2, Repeat = 2)]                 // layer2: → [32,14,14]
[Use(typeof(PlainBlock), 64, Stride = 2, Repeat = 2)]                 // layer3: → [64,7,7]
[GlobalAvgPool, Dense(10), SoftmaxCrossEntropy]                        // → [64] → 10 logits
public partial class FashionPlain;

/// <summary>
/// ResNet-56 (He et al. 2016, section 4.2: 6n+2 layers with n = 9): <see cref="FashionResNet"/> with nine basic blocks
/// per stage. The depth where the paper's plain network trains clearly worse than the residual one; compare with
/// <see cref="FashionPlain56"/>. 855 482 parameters; about 192 MFLOP per image forward, 4.8x ResNet-14's.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]   // stem: [1,28,28] → [16,28,28]
[Use(typeof(BasicBlock), 16, Repeat = 9)]                             // layer1: → [16,28,28]
[Use(typeof(BasicBlock), 32, Stride = 2, Repeat = 9)]                 // layer2: → [32,14,14]
[Use(typeof(BasicBlock), 64, Stride = 2, Repeat = 9)]                 // layer3: → [64,7,7]
[GlobalAvgPool, Dense(10), SoftmaxCrossEntropy]                        // → [64] → 10 logits
public partial class FashionResNet56;

/// <summary>
/// <see cref="FashionResNet56"/> without shortcuts: He et al.'s plain-56, whose training error stays above the
/// residual network's at the same depth (the degradation problem).
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]   // stem: [1,28,28] → [16,28,28]
[Use(typeof(PlainBlock), 16, Repeat = 9)]                             // layer1: → [16,28,28]
[Use(typeof(PlainBlock), 32, Stride = 2, Repeat = 9)]                 // layer2: → [32,14,14]
[Use(typeof(PlainBlock), 64, Stride = 2, Repeat = 9)]                 // layer3: → [64,7,7]
[GlobalAvgPool, Dense(10), SoftmaxCrossEntropy]                        // → [64] → 10 logits
public partial class FashionPlain56;
