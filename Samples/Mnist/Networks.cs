namespace Compiled.Samples.Mnist;

// The MNIST sample's own network; LeNet-5, which the Fashion-MNIST sample trains too, is in Samples/Common/Networks.
// The Compiled source generator reads these attributes and writes the rest of the class.

/// <summary>Multi-layer perceptron 784-128-64-10 with ReLU: 109 386 parameters.</summary>
[Network]
[Input(784)]
[Dense(128), ReLU]                                       // [784] → 128
[Dense(64), ReLU]                                        // → 64
[Dense(10), SoftmaxCrossEntropy]                         // → 10 logits
public partial class Mlp;
