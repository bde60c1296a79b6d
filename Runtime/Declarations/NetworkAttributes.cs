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
    /// <summary>A layer of <paramref name="units"/> outputs (PyTorch <c>out_features</c>).</summary>
    public DenseAttribute(int units) => Units = units;

    /// <summary>
    /// Inside a <c>[Block]</c>: the units as an expression of the block's parameters, e.g. <c>[Dense("width")]</c>, bound
    /// where the block is used. Outside a block the generator reports the string as an error.
    /// </summary>
    public DenseAttribute(string units) => UnitsExpression = units;

    /// <summary>The number of outputs (PyTorch <c>out_features</c>); 0 when given as an expression.</summary>
    public int Units { get; }

    /// <summary>The units as a block expression, or null when given as an int.</summary>
    public string? UnitsExpression { get; }

    /// <summary>Adds a learned bias (PyTorch <c>bias=True</c>). Default true.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>Weight initialization; see <see cref="Compiled.Init"/>.</summary>
    public Init Init { get; set; }
}

/// <summary>
/// 2-D convolution (PyTorch <c>nn.Conv2d</c>): weight <c>[filters, in / Groups, kernel height, kernel width]</c> (OIHW), bias
/// <c>[filters]</c>. <see cref="Kernel"/>, <see cref="Stride"/>, <see cref="Padding"/> and <see cref="Dilation"/> take an int
/// (both axes) or a pair <c>new[] { height, width }</c>, as PyTorch's <c>kernel_size=(1, 7)</c>.
/// </summary>
public sealed class Conv2DAttribute : LayerAttribute
{
    /// <summary>A convolution with <paramref name="filters"/> output channels (PyTorch <c>out_channels</c>).</summary>
    public Conv2DAttribute(int filters) => Filters = filters;

    /// <summary>
    /// Inside a <c>[Block]</c>: the filters as an expression of the block's parameters, e.g. <c>[Conv2D("channels")]</c>,
    /// bound where the block is used. Outside a block the generator reports the string as an error.
    /// </summary>
    public Conv2DAttribute(string filters) => FiltersExpression = filters;

    /// <summary>Output channels (PyTorch <c>out_channels</c>); 0 when given as an expression.</summary>
    public int Filters { get; }

    /// <summary>The filters as a block expression, or null when given as an int.</summary>
    public string? FiltersExpression { get; }

    /// <summary>Kernel size (PyTorch <c>kernel_size</c>): an int for a square kernel or <c>new[] { height, width }</c>, e.g. <c>new[] { 1, 7 }</c>. Default 3.</summary>
    public object Kernel { get; set; } = 3;

    /// <summary>Stride (PyTorch <c>stride</c>): an int or <c>new[] { height, width }</c>. Default 1.</summary>
    public object Stride { get; set; } = 1;

    /// <summary>
    /// Zero padding (PyTorch <c>padding</c>): pixels on every side (<c>Padding = 2</c>), <c>new[] { height, width }</c> pixels on
    /// top and bottom / left and right (<c>new[] { 0, 3 }</c> with a 1x7 kernel), or <c>"same"</c> / <c>"valid"</c>. "same" keeps
    /// ceil(input / stride) (PyTorch's <c>padding='same'</c> for stride 1; for larger strides Keras's split, the odd pixel bottom/right). Default 0.
    /// </summary>
    public object Padding { get; set; } = 0;

    /// <summary>Spacing between kernel taps (PyTorch <c>dilation</c>): an int or <c>new[] { height, width }</c>. Default 1.</summary>
    public object Dilation { get; set; } = 1;

    /// <summary>
    /// Channel groups (PyTorch <c>groups</c>): input and output channels split into this many groups, each convolved on its own;
    /// it must divide both. Groups equal to the input channels is a depthwise convolution. Default 1.
    /// </summary>
    public int Groups { get; set; } = 1;

    /// <summary>Adds a learned bias per output channel (PyTorch <c>bias=True</c>). Default true.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>Weight initialization; see <see cref="Compiled.Init"/>.</summary>
    public Init Init { get; set; }
}

/// <summary>
/// Max pooling (PyTorch <c>nn.MaxPool2d</c>): the maximum of each window. The window is an int (square) or
/// <c>new[] { height, width }</c>; <see cref="Stride"/> defaults to the window; padding counts as −∞.
/// </summary>
public sealed class MaxPoolAttribute : LayerAttribute
{
    /// <summary>A square <paramref name="window"/> × <paramref name="window"/> pool (PyTorch <c>kernel_size=window</c>).</summary>
    public MaxPoolAttribute(int window) => Window = new[] { window, window };

    /// <summary>A <c>window[0]</c> × <c>window[1]</c> (height × width) pool (PyTorch <c>kernel_size=(h, w)</c>).</summary>
    public MaxPoolAttribute(int[] window) => Window = window;

    /// <summary>
    /// Inside a <c>[Block]</c>: the window as an expression of the block's parameters, e.g. <c>[MaxPool("window")]</c>, bound
    /// where the block is used. Outside a block the generator reports the string as an error.
    /// </summary>
    public MaxPoolAttribute(string window) => WindowExpression = window;

    /// <summary>The window, height and width; empty when given as an expression.</summary>
    public int[] Window { get; } = System.Array.Empty<int>();

    /// <summary>The window as a block expression, or null when given as ints.</summary>
    public string? WindowExpression { get; }

    /// <summary>Stride (PyTorch <c>stride</c>): an int or <c>new[] { height, width }</c>. Default 0: the window, as PyTorch's <c>stride=None</c>.</summary>
    public object Stride { get; set; } = 0;

    /// <summary>Implicit padding on each side (PyTorch <c>padding</c>): an int or <c>new[] { height, width }</c>, at most half the window. Default 0.</summary>
    public object Padding { get; set; } = 0;

    /// <summary>Rounds the output size up (PyTorch <c>ceil_mode</c>); a last window starting in the right or bottom padding is dropped. Default false.</summary>
    public bool CeilMode { get; set; }
}

/// <summary>
/// Average pooling (PyTorch <c>nn.AvgPool2d</c>): the mean of each window. The window is an int (square) or
/// <c>new[] { height, width }</c>; <see cref="Stride"/> defaults to the window.
/// </summary>
public sealed class AvgPoolAttribute : LayerAttribute
{
    /// <summary>A square <paramref name="window"/> × <paramref name="window"/> pool (PyTorch <c>kernel_size=window</c>).</summary>
    public AvgPoolAttribute(int window) => Window = new[] { window, window };

    /// <summary>A <c>window[0]</c> × <c>window[1]</c> (height × width) pool (PyTorch <c>kernel_size=(h, w)</c>).</summary>
    public AvgPoolAttribute(int[] window) => Window = window;

    /// <summary>
    /// Inside a <c>[Block]</c>: the window as an expression of the block's parameters, e.g. <c>[AvgPool("window")]</c>, bound
    /// where the block is used. Outside a block the generator reports the string as an error.
    /// </summary>
    public AvgPoolAttribute(string window) => WindowExpression = window;

    /// <summary>The window, height and width; empty when given as an expression.</summary>
    public int[] Window { get; } = System.Array.Empty<int>();

    /// <summary>The window as a block expression, or null when given as ints.</summary>
    public string? WindowExpression { get; }

    /// <summary>Stride (PyTorch <c>stride</c>): an int or <c>new[] { height, width }</c>. Default 0: the window, as PyTorch's <c>stride=None</c>.</summary>
    public object Stride { get; set; } = 0;

    /// <summary>Implicit zero padding on each side (PyTorch <c>padding</c>): an int or <c>new[] { height, width }</c>, at most half the window. Default 0.</summary>
    public object Padding { get; set; } = 0;

    /// <summary>Rounds the output size up (PyTorch <c>ceil_mode</c>); a last window starting in the right or bottom padding is dropped. Default false.</summary>
    public bool CeilMode { get; set; }

    /// <summary>Divides by the whole window, padding included (PyTorch <c>count_include_pad</c>); false counts only input cells. Default true.</summary>
    public bool CountIncludePad { get; set; } = true;
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
