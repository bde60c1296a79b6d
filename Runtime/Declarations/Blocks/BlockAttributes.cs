using System;

namespace Compiled;

// Blocks: a group of layers declared once on its own class and used in a network (or in another block) with arguments,
// repeated for a stage (docs/api.md, "Blocks"). Inside a block the layers may fork and join: [Shortcut] ... [Residual]
// (a residual sum) and [Branch] ... [Concat] (parallel branches joined on channels).
//
// Parameter names follow torchvision, so a torchvision-style state_dict maps by name:
//   [Use] (default name layerN, N counting the [Use]s of the network)  → layer2.0., layer2.1. (one index per repetition, always)
//   main-path layers of a block, by kind as in a network               → layer2.0.conv1.weight, layer2.0.bn1.running_mean
//   [Shortcut] (default name downsample), its layers by position        → layer2.0.downsample.0.weight, layer2.0.downsample.1.weight
//   [Branch] (default name branchN, N from 1), its layers by position   → layer1.0.branch2.0.weight, layer1.0.branch2.2.bias
// A path ([Shortcut] or [Branch]) is numbered as an nn.Sequential is: from 0, every layer counted (a ReLU too).

/// <summary>
/// Marks a <c>partial</c> class as a block: its layer attributes (in order, as in a network) are used by
/// <see cref="UseAttribute"/> with arguments. Each parameter is a name, optionally with a default:
/// <c>[Block("channels", "stride = 1")]</c>. Inside the block an integer argument may be a parameter's name or an
/// expression over the parameters (<c>"channels * 4"</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BlockAttribute : Attribute
{
    /// <summary>The block's parameters in order: <c>"name"</c>, or <c>"name = default"</c> (an integer constant).</summary>
    public BlockAttribute(params string[] parameters) => Parameters = parameters;

    /// <summary>The parameters as written: <c>"name"</c> or <c>"name = default"</c>.</summary>
    public string[] Parameters { get; }
}

/// <summary>
/// Inserts a block (a class with <see cref="BlockAttribute"/>) <see cref="Repeat"/> times, one after the other: a stage.
/// <c>[Use(typeof(BasicBlock), 128, Stride = 2, Repeat = 2)]</c>.
/// </summary>
/// <remarks>
/// The arguments bind the block's parameters positionally, in its parameter order; parameters with a default may be
/// left out. Every repetition gets the same arguments except <see cref="Stride"/>. Names: <see cref="LayerAttribute.Name"/>
/// defaults to <c>layerN</c> (N counts the <c>[Use]</c> attributes, from 1) and each repetition is numbered from 0, as
/// torchvision's stages are: <c>layer2.0.conv1.weight</c>, <c>layer2.1.bn2.running_var</c>.
/// </remarks>
public sealed class UseAttribute : LayerAttribute
{
    /// <summary>Use <paramref name="block"/>, binding its parameters to <paramref name="arguments"/> in order.</summary>
    public UseAttribute(Type block, params object[] arguments)
    {
        Block = block;
        Arguments = arguments;
    }

    /// <summary>The block class (marked with <see cref="BlockAttribute"/>).</summary>
    public Type Block { get; }

    /// <summary>The positional arguments, bound to the block's parameters in order (integers, or inside a block expressions over its parameters).</summary>
    public object[] Arguments { get; }

    /// <summary>How many copies of the block follow one another. Default 1.</summary>
    public int Repeat { get; set; } = 1;

    /// <summary>
    /// Binds the block parameter named <c>"stride"</c> in the first repetition only; the later ones keep its default
    /// (ResNet's stages downsample once, at their first block). Null (the default): not bound here. A named property
    /// cannot name an arbitrary parameter, so this one is fixed to <c>"stride"</c>; a block without that parameter is an error.
    /// </summary>
    public object? Stride { get; set; }
}

/// <summary>When the layers of a <see cref="ShortcutAttribute"/> path apply.</summary>
public enum ShortcutWhen
{
    /// <summary>The shortcut's layers always run.</summary>
    Always = 0,

    /// <summary>
    /// The shortcut's layers run only where the main path changes the shape (a stride, a new channel count); elsewhere
    /// the shortcut is the identity and the layers do not exist (torchvision's <c>downsample</c>, which is <c>None</c>
    /// when the block keeps the shape).
    /// </summary>
    ShapeChanges = 1,
}

/// <summary>
/// Starts the skip path of a residual block: the layers after it, up to <see cref="ResidualAttribute"/>, transform the
/// block's input for the sum (a 1x1 convolution and batch norm to project it); with none it is the identity.
/// Default name <c>downsample</c> (torchvision's): its layers are numbered from 0, <c>downsample.0.weight</c>.
/// </summary>
public sealed class ShortcutAttribute : LayerAttribute
{
    /// <summary>When the shortcut's layers apply. Default <see cref="ShortcutWhen.Always"/>.</summary>
    public ShortcutWhen When { get; set; }
}

/// <summary>
/// Ends a residual block: the main path's output plus the shortcut's (<see cref="ShortcutAttribute"/>, or the block's
/// input when there is none); the shapes must match. In the backward pass the gradient reaching the block's input along
/// both paths is summed. Layers after it (typically ReLU) continue the main path.
/// </summary>
public sealed class ResidualAttribute : LayerAttribute { }

/// <summary>
/// Starts one of several parallel branches, each reading the same input (the layers before the first branch); the
/// layers after it, up to the next <c>[Branch]</c> or <see cref="ConcatAttribute"/>, are the branch. Default name
/// <c>branchN</c> (N from 1, in order): its layers are numbered from 0, <c>branch2.0.weight</c>.
/// </summary>
public sealed class BranchAttribute : LayerAttribute { }

/// <summary>
/// Joins the branches (<see cref="BranchAttribute"/>) by concatenating their outputs along channels, in declaration
/// order (<c>torch.cat(outputs, dim=1)</c>, Inception's join): [c1, h, w] ... [cn, h, w] → [c1 + ... + cn, h, w]; the
/// heights and widths must match. Each branch writes its slice of the result in place.
/// </summary>
public sealed class ConcatAttribute : LayerAttribute { }
