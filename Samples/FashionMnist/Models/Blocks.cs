namespace Compiled.Samples.FashionMnist;

// The blocks the deep Fashion-MNIST networks reuse. Inside a block an integer argument may name a block parameter
// ("channels"); [Use] binds them.

/// <summary>
/// ResNet's basic block (He et al. 2016; torchvision's <c>BasicBlock</c>): two 3x3 convolutions with batch norm, and a
/// shortcut added before the last ReLU: the identity, or a 1x1 convolution with batch norm (torchvision's
/// <c>downsample</c>) in the repetition whose stride or channel count changes the shape.
/// </summary>
[Block("channels", "stride = 1")]
[Conv2D("channels", Kernel = 3, Stride = "stride", Padding = 1, Bias = false), BatchNorm, ReLU]
[Conv2D("channels", Kernel = 3, Padding = 1, Bias = false), BatchNorm]
[Shortcut(When = ShortcutWhen.ShapeChanges)]                     // the skip path; identity where the shape is kept
[Conv2D("channels", Kernel = 1, Stride = "stride", Bias = false), BatchNorm]
[Residual, ReLU]                                                 // main + shortcut, then ReLU
public partial class BasicBlock;

/// <summary>
/// <see cref="BasicBlock"/> without its shortcut: the same layers and parameters on the main path, so a network of these
/// (<see cref="FashionPlain"/>) differs from <see cref="FashionResNet"/> only by the skip connections (He et al.'s
/// "plain" baseline, which trains worse as depth grows: the degradation problem).
/// </summary>
[Block("channels", "stride = 1")]
[Conv2D("channels", Kernel = 3, Stride = "stride", Padding = 1, Bias = false), BatchNorm, ReLU]
[Conv2D("channels", Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
public partial class PlainBlock;

/// <summary>
/// GoogLeNet's Inception module (Szegedy et al. 2015): four parallel branches joined on channels, 1x1 / 1x1 → 3x3 /
/// 1x1 → 5x5 / 3x3 max-pool → 1x1. Every convolution is followed by batch norm and ReLU, as torchvision's GoogLeNet
/// (<c>BasicConv2d</c>) does; the output has c1 + c3 + c5 + pool channels at the input's height and width.
/// </summary>
[Block("c1", "c3r", "c3", "c5r", "c5", "pool")]
[Branch, Conv2D("c1", Kernel = 1, Bias = false), BatchNorm, ReLU]
[Branch, Conv2D("c3r", Kernel = 1, Bias = false), BatchNorm, ReLU, Conv2D("c3", Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
[Branch, Conv2D("c5r", Kernel = 1, Bias = false), BatchNorm, ReLU, Conv2D("c5", Kernel = 5, Padding = 2, Bias = false), BatchNorm, ReLU]
[Branch, MaxPool(3, Stride = 1, Padding = 1), Conv2D("pool", Kernel = 1, Bias = false), BatchNorm, ReLU]
[Concat]                                                         // channels of all branches, in order
public partial class InceptionBlock;
