namespace Compiled.Networks.Tests.Modes;

// One network per dropout.json case (an identity layer without bias before the dropout, so the dropout's input gradient
// shows in that layer's weight gradient), and small networks for the mode and reproducibility tests.

[Network, Input(33), Dense(33, Bias = false), Dropout(0.5), MeanSquaredError]
public partial class DropoutP05Flat;

[Network, Input(2, 7, 7), Conv2D(2, Kernel = 1, Bias = false), Dropout(0.2), MeanSquaredError]
public partial class DropoutP02Spatial;

[Network, Input(70), Dense(70, Bias = false), Dropout(0.7), MeanSquaredError]
public partial class DropoutP07Flat;

[Network, Input(3, 7, 7), Conv2D(3, Kernel = 1, Bias = false), Dropout2d(0.5), MeanSquaredError]
public partial class Dropout2dP05;

[Network, Input(6, 9, 9), Conv2D(6, Kernel = 1, Bias = false), Dropout2d(0.3), MeanSquaredError]
public partial class Dropout2dP03;

/// <summary>Dropout after a ReLU (not in place: ReLU's backward reads its output) and after a Dense layer (in place).</summary>
[Network, Input(20), Dense(64), ReLU, Dropout(0.5), Dense(32), Dropout(0.25), Dense(4), SoftmaxCrossEntropy]
public partial class DropoutMlp;

/// <summary>Channel dropout between convolutions.</summary>
[Network, Input(2, 6, 6), Conv2D(4, Kernel = 3, Padding = 1), ReLU, Dropout2d(0.5), Conv2D(3, Kernel = 3), Flatten, Dense(3), SoftmaxCrossEntropy]
public partial class Dropout2dCnn;
