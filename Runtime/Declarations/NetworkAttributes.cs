using System;

namespace Compiled;

// The declaration API. A network is a `partial` class carrying [Network], one [Input] and then its layers
// as attributes, in order, top to bottom (several may share one attribute list: `[Conv2D(6, Kernel = 5), ReLU, MaxPool(2)]`).
// The source generator reads them, infers every shape at compile time and emits the forward and backward passes.
// The deep-CNN layers are in Layers/ and the blocks ([Block], [Use], [Shortcut], [Residual], [Branch], [Concat]) in Blocks/;
// docs/api.md lists the forms planned for later work and which of them the generator reads yet.

/// <summary>Marks a <c>partial</c> class as a network whose code the Compiled generator writes.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>Emit training code (loss, backward pass, <c>TrainStep</c>). Requires a loss head. Default true.</summary>
    public bool Training { get; set; } = true;
}

/// <summary>The shape of one input sample: <c>[Input(784)]</c> for features, <c>[Input(1, 28, 28)]</c> for channels × height × width.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    public InputAttribute(int features) => Shape = new[] { features };
    public InputAttribute(int channels, int height, int width) => Shape = new[] { channels, height, width };
    public int[] Shape { get; }
}

/// <summary>Weight initialization. <see cref="Default"/> is He (Kaiming) normal before a ReLU-family activation, Xavier (Glorot) uniform otherwise.</summary>
public enum Init
{
    Default = 0,
    HeNormal,
    HeUniform,
    XavierNormal,
    XavierUniform,
    /// <summary>PyTorch's default for Linear/Conv: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).</summary>
    PyTorchDefault,
    Zeros,
}

/// <summary>
/// Base of every layer attribute. Layers run in declaration order. The block attributes that take a place in the same
/// ordered list (<see cref="UseAttribute"/>, <see cref="ShortcutAttribute"/>, <see cref="ResidualAttribute"/>,
/// <see cref="BranchAttribute"/>, <see cref="ConcatAttribute"/>) derive from it too.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
    /// <summary>The layer's name, used for parameter names (<c>name.weight</c>) and messages. Default: kind and index, e.g. <c>conv1</c>, <c>fc2</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>Fully connected layer (PyTorch <c>nn.Linear</c>): weight <c>[units, in]</c>, bias <c>[units]</c>. Flattens its input.</summary>
public sealed class DenseAttribute : LayerAttribute
{
    public DenseAttribute(int units) => Units = units;
    public int Units { get; }
    public bool Bias { get; set; } = true;
    public Init Init { get; set; }
}

/// <summary>2-D convolution (PyTorch <c>nn.Conv2d</c>): weight <c>[filters, in, kernel, kernel]</c> (OIHW), bias <c>[filters]</c>.</summary>
public sealed class Conv2DAttribute : LayerAttribute
{
    public Conv2DAttribute(int filters) => Filters = filters;
    public int Filters { get; }
    /// <summary>Square kernel size. Default 3.</summary>
    public int Kernel { get; set; } = 3;
    public int Stride { get; set; } = 1;
    /// <summary>Zero padding: a number of pixels on every side (<c>Padding = 2</c>), or <c>"same"</c> / <c>"valid"</c> as in PyTorch and Keras. Default 0.</summary>
    public object Padding { get; set; } = 0;
    public bool Bias { get; set; } = true;
    public Init Init { get; set; }
}

/// <summary>Max pooling over <c>Window × Window</c>, stride defaulting to the window (PyTorch <c>nn.MaxPool2d</c>).</summary>
public sealed class MaxPoolAttribute : LayerAttribute
{
    public MaxPoolAttribute(int window) => Window = window;
    public int Window { get; }
    /// <summary>Default 0: the window size.</summary>
    public int Stride { get; set; }
}

/// <summary>Average pooling over <c>Window × Window</c>, stride defaulting to the window (PyTorch <c>nn.AvgPool2d</c>).</summary>
public sealed class AvgPoolAttribute : LayerAttribute
{
    public AvgPoolAttribute(int window) => Window = window;
    public int Window { get; }
    /// <summary>Default 0: the window size.</summary>
    public int Stride { get; set; }
}

/// <summary>Flattens <c>C × H × W</c> to one feature vector (in C, H, W order, as <c>torch.flatten</c>). Implicit before <see cref="DenseAttribute"/>.</summary>
public sealed class FlattenAttribute : LayerAttribute { }

public sealed class ReLUAttribute : LayerAttribute { }

public sealed class LeakyReLUAttribute : LayerAttribute
{
    public LeakyReLUAttribute(float slope = 0.01f) => Slope = slope;
    public float Slope { get; }
}

public sealed class ELUAttribute : LayerAttribute
{
    public ELUAttribute(float alpha = 1f) => Alpha = alpha;
    public float Alpha { get; }
}

public sealed class SigmoidAttribute : LayerAttribute { }

public sealed class TanhAttribute : LayerAttribute { }

/// <summary>Base of the loss heads. A loss head is the last layer; it defines what <c>TrainStep</c> minimizes.</summary>
public abstract class LossAttribute : LayerAttribute { }

/// <summary>Softmax then cross-entropy, mean over the batch (PyTorch <c>nn.CrossEntropyLoss</c>). Labels as class indices or one-hot rows.</summary>
public sealed class SoftmaxCrossEntropyAttribute : LossAttribute { }

/// <summary>Sigmoid then binary cross-entropy, mean over all outputs (PyTorch <c>nn.BCEWithLogitsLoss</c>).</summary>
public sealed class SigmoidBinaryCrossEntropyAttribute : LossAttribute { }

/// <summary>Mean squared error over all outputs (PyTorch <c>nn.MSELoss</c>).</summary>
public sealed class MeanSquaredErrorAttribute : LossAttribute { }

/// <summary>Multi-class hinge (SVM) loss, <c>Σ_{j≠y} max(0, margin − s_y + s_j) / classes</c>, mean over the batch (PyTorch <c>nn.MultiMarginLoss</c>).</summary>
public sealed class MultiClassHingeAttribute : LossAttribute
{
    public float Margin { get; set; } = 1f;
}
