namespace Compiled.Networks.Tests.Modes;

// tests/fixtures/pytorch/vgg_small.json's declaration, as written there (make_network_fixtures_cnn.py).
[Network]
[Input(1, 12, 12)]
[Conv2D(4, Kernel = 3, Padding = 1), BatchNorm, ReLU]                            // conv1 (with a bias), bn1
[Conv2D(4, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool(2)]  // conv2, bn2 -> [4, 6, 6]
[Conv2D(8, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool(2)]  // conv3, bn3 -> [8, 3, 3]
[Dense(16, Bias = false), BatchNorm, ReLU, Dropout(0.5)]                         // fc1, bn4 (per feature), dropout1
[Dense(10), SoftmaxCrossEntropy]                                                 // fc2
public partial class TinyVgg;

/// <summary>Batch norm that evaluation cannot fold: after a pool and a ReLU, on the input, and with other constants.</summary>
[Network]
[Input(2, 6, 6)]
[BatchNorm(Momentum = 0.3, Epsilon = 1e-3)]
[Conv2D(3, Kernel = 3, Padding = 1), ReLU, BatchNorm, MaxPool(2), BatchNorm]
[Flatten, Dense(5), Tanh, BatchNorm, Dense(3), MeanSquaredError]
public partial class UnfoldedBatchNorm;
