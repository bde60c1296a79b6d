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
