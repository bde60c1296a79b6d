namespace Compiled.Networks.Tests.Serialization;

// Networks the checkpoint and safetensors tests declare.

/// <summary>A small MLP: [8] → 16 (ReLU) → 4 classes.</summary>
[Network]
[Input(8)]
[Dense(16), ReLU]
[Dense(4), SoftmaxCrossEntropy]
public partial class CheckpointMlp;

/// <summary>Like <see cref="CheckpointMlp"/> with a wider hidden layer: its checkpoints must not load into the other.</summary>
[Network]
[Input(8)]
[Dense(17), ReLU]
[Dense(4), SoftmaxCrossEntropy]
public partial class CheckpointMlpWider;

/// <summary>Parameters the same as <see cref="CheckpointMlp"/>'s, tanh instead of ReLU: a different architecture all the same.</summary>
[Network]
[Input(8)]
[Dense(16), Tanh]
[Dense(4), SoftmaxCrossEntropy]
public partial class CheckpointMlpTanh;

/// <summary>About 2.1 million parameters (8.4 MB): large enough that a save takes a while, for the kill-during-save test.</summary>
[Network]
[Input(1024)]
[Dense(2048), ReLU]
[Dense(10), SoftmaxCrossEntropy]
public partial class LargeCheckpointNet;

/// <summary>
/// The network <c>tests/fixtures/make_safetensors_fixture.py</c> builds in PyTorch with the same layout:
/// conv1 (3@3x3, padding 1) → ReLU → max pool 2 → conv2 (4@3x3, no bias) → tanh → flatten → fc1 (10) → ReLU → fc2 (3).
/// </summary>
[Network]
[Input(2, 8, 8)]
[Conv2D(3, Kernel = 3, Padding = 1), ReLU, MaxPool(2)]
[Conv2D(4, Kernel = 3, Bias = false), Tanh, Flatten]
[Dense(10), ReLU]
[Dense(3), SoftmaxCrossEntropy]
public partial class SafeTensorsNet;
