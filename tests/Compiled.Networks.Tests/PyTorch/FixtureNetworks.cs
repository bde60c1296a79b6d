namespace Compiled.Networks.Tests.PyTorch;

// The small whole networks of tests/fixtures/pytorch/networks.json (made by make_fixtures.py's network_cases), declared as
// the fixture's "declaration" says. Dense and Conv2D layers get the generator's default names (fc1, conv1, ...), which
// are PyTorch's module names in the fixture, so parameters load by name.

[Network, Input(13), Dense(21), Tanh, Dense(17), Sigmoid, Dense(19), MultiClassHinge]
public partial class MlpTanhSigmoidHinge;

[Network, Input(11), Dense(18), ELU(0.5f), Dense(17), LeakyReLU(0.2f), Dense(3), Sigmoid, MeanSquaredError]
public partial class MlpEluLeakySigmoidMse;

[Network]
[Input(1, 6, 38)]
[Conv2D(3, Kernel = 3, Padding = 1), Tanh, AvgPool(2)]
[Conv2D(4, Kernel = 1, Bias = false), ELU, AvgPool(3, Stride = 1), Flatten]
[Dense(6), SigmoidBinaryCrossEntropy]
public partial class ConvTanhAvgPoolEluBce;

[Network]
[Input(2, 9, 9)]
[Conv2D(4, Kernel = 3, Stride = 2, Padding = 1), LeakyReLU(0.1f), AvgPool(2, Stride = 1)]
[Dense(7), Sigmoid, MeanSquaredError]
public partial class ConvLeakyAvgPoolSigmoidMse;

// PyTorch's whole Conv2D and pool geometry: Inception v3's factorized 1x7 then 7x1, a depthwise dilated 3x3
// (Groups = channels), max pooling with padding and ceil mode.
[Network]
[Input(3, 11, 13)]
[Conv2D(6, Kernel = new[] { 1, 7 }, Padding = new[] { 0, 3 }), ReLU]
[Conv2D(6, Kernel = new[] { 7, 1 }, Padding = new[] { 3, 0 }), Tanh]
[Conv2D(6, Kernel = 3, Padding = 2, Dilation = 2, Groups = 6), ELU, MaxPool(3, Stride = 2, Padding = 1, CeilMode = true)]
[Dense(5), MultiClassHinge]
public partial class ConvFactorizedDepthwiseDilatedMaxPoolHinge;

// Groups of 2 with a rectangular stride and dilation; average pooling in ceil mode whose last row of windows would start
// in the bottom padding (dropped, as PyTorch does), padding not counted; then an average pool counting its padding.
[Network]
[Input(4, 10, 9)]
[Conv2D(8, Kernel = 3, Stride = new[] { 2, 1 }, Padding = 1, Dilation = new[] { 1, 2 }, Groups = 2), LeakyReLU(0.1f)]
[AvgPool(3, Padding = 1, CeilMode = true, CountIncludePad = false), AvgPool(2, Stride = 1, Padding = 1)]
[Dense(7), Sigmoid, MeanSquaredError]
public partial class ConvGroupedAvgPoolCeilPadMse;

// Rectangular pools: a 3x1 max pool with stride (2, 1) and padding (1, 0) after a ReLU (run after the pool), then a 1x3
// average pool with stride (1, 2), padding (0, 1), ceil mode and padding not counted.
[Network]
[Input(3, 12, 10)]
[Conv2D(4, Kernel = 3, Padding = 1), ReLU, MaxPool(new[] { 3, 1 }, Stride = new[] { 2, 1 }, Padding = new[] { 1, 0 })]
[Conv2D(5, Kernel = new[] { 1, 3 }), Tanh, AvgPool(new[] { 1, 3 }, Stride = new[] { 1, 2 }, Padding = new[] { 0, 1 }, CeilMode = true, CountIncludePad = false)]
[Dense(6), MultiClassHinge]
public partial class ConvRectangularPoolsHinge;
