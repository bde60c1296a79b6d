namespace Compiled.Networks.Tests.PyTorch;

// One network per lrn.json and globalavgpool.json case: a 1x1 convolution without bias (set to the identity by the test,
// so the layer sees the fixture's x and its input gradient shows in the convolution's weight gradient), the layer with
// the case's arguments, and an MSE head.

[Network, Input(7, 5, 5), Conv2D(7, Kernel = 1, Bias = false), LocalResponseNorm(5), MeanSquaredError]
public partial class LrnAlexNetLayer;

[Network, Input(7, 5, 5), Conv2D(7, Kernel = 1, Bias = false), LocalResponseNorm(5, Alpha = 0.5, K = 2), MeanSquaredError]
public partial class LrnStrongLayer;

[Network, Input(6, 3, 3), Conv2D(6, Kernel = 1, Bias = false), LocalResponseNorm(4, Alpha = 0.3, Beta = 0.5), MeanSquaredError]
public partial class LrnEvenSizeLayer;

[Network, Input(4, 9, 9), Conv2D(4, Kernel = 1, Bias = false), LocalResponseNorm(3, Alpha = 1), MeanSquaredError]
public partial class LrnWideLayer;

[Network, Input(3, 4, 4), Conv2D(3, Kernel = 1, Bias = false), LocalResponseNorm(9, Alpha = 0.2, Beta = 1.5, K = 0.5), MeanSquaredError]
public partial class LrnWindowBeyondChannelsLayer;

[Network, Input(3, 7, 7), Conv2D(3, Kernel = 1, Bias = false), GlobalAvgPool, MeanSquaredError]
public partial class Gap3x7x7Layer;

[Network, Input(4, 9, 11), Conv2D(4, Kernel = 1, Bias = false), GlobalAvgPool, MeanSquaredError]
public partial class Gap4x9x11Layer;

[Network, Input(70, 1, 1), Conv2D(70, Kernel = 1, Bias = false), GlobalAvgPool, MeanSquaredError]
public partial class Gap70x1x1Layer;

[Network, Input(17, 2, 3), Conv2D(17, Kernel = 1, Bias = false), GlobalAvgPool, MeanSquaredError]
public partial class Gap17x2x3Layer;

[Network, Input(2, 10, 10), Conv2D(2, Kernel = 1, Bias = false), GlobalAvgPool, MeanSquaredError]
public partial class Gap2x10x10Layer;
