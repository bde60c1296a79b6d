namespace Compiled.Networks.Tests.PyTorch;

// One-layer networks with an MSE head, one per conv2d.json / dense.json case (same sizes, stride and padding as the
// fixture), so the generated geometry (stride, symmetric and PyTorch's asymmetric 'same' padding, 1×1, no bias) is held
// against PyTorch end to end. Input shapes are per sample; the fixture's batch is the TrainStep batch.

[Network, Input(1, 8, 8), Conv2D(3, Kernel = 3), MeanSquaredError]
public partial class ConvS1P0Layer;

[Network, Input(2, 6, 6), Conv2D(3, Kernel = 3, Padding = 1, Bias = false), MeanSquaredError]
public partial class ConvS1P1NoBiasLayer;

[Network, Input(2, 9, 7), Conv2D(4, Kernel = 5, Padding = 2), MeanSquaredError]
public partial class ConvS1P2K5RectLayer;

[Network, Input(3, 9, 9), Conv2D(2, Kernel = 3, Stride = 2), MeanSquaredError]
public partial class ConvS2P0Layer;

[Network, Input(2, 8, 10), Conv2D(3, Kernel = 3, Stride = 2), MeanSquaredError]
public partial class ConvS2P0EvenInputLayer;

[Network, Input(2, 10, 10), Conv2D(3, Kernel = 5, Stride = 2, Padding = 2), MeanSquaredError]
public partial class ConvS2P2K5Layer;

[Network, Input(2, 7, 7), Conv2D(3, Kernel = 3, Padding = "same"), MeanSquaredError]
public partial class ConvSameK3Layer;

[Network, Input(2, 6, 8), Conv2D(2, Kernel = 5, Padding = "same"), MeanSquaredError]
public partial class ConvSameK5Layer;

[Network, Input(3, 6, 6), Conv2D(2, Kernel = 4, Padding = "same"), MeanSquaredError]
public partial class ConvSameK4EvenLayer;

[Network, Input(2, 5, 4), Conv2D(3, Kernel = 2, Padding = "same"), MeanSquaredError]
public partial class ConvSameK2EvenLayer;

[Network, Input(4, 5, 5), Conv2D(3, Kernel = 1), MeanSquaredError]
public partial class ConvK1Layer;

[Network, Input(3, 5, 6), Conv2D(4, Kernel = 1, Stride = 2), MeanSquaredError]
public partial class ConvK1S2Layer;

[Network, Input(3), Dense(2), MeanSquaredError]
public partial class DenseIn3Out2Layer;

[Network, Input(7), Dense(5), MeanSquaredError]
public partial class DenseIn7Out5Layer;

[Network, Input(16), Dense(9), MeanSquaredError]
public partial class DenseIn16Out9Layer;

[Network, Input(33), Dense(17), MeanSquaredError]
public partial class DenseIn33Out17Layer;

[Network, Input(10), Dense(6, Bias = false), MeanSquaredError]
public partial class DenseIn10Out6NoBiasLayer;
