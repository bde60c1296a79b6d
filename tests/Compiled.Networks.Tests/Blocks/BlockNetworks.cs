namespace Compiled.Networks.Tests.Blocks;

// Networks built from blocks (docs/api.md, "Blocks"): residual sums with identity and projection shortcuts, parallel
// branches joined on channels, a block used inside a block. Small enough for finite differences. The blocks'
// parameters reach Padding here; filters, kernels, strides and dilation as expressions: Generator.Tests' BlockGeometryTests.

/// <summary>Two smooth convolutions and a residual sum; the shortcut projects (1x1 conv) only where the channels change.</summary>
[Block("pad")]
[Conv2D(5, Kernel = 3, Padding = "pad"), Tanh]
[Conv2D(5, Kernel = 3, Padding = "pad")]
[Shortcut(When = ShortcutWhen.ShapeChanges)]
[Conv2D(5, Kernel = 1)]
[Residual, Tanh]
public class SmoothResidualBlock;

/// <summary>Three branches (1x1, 3x3, identity) concatenated on channels.</summary>
[Block("pad = 1")]
[Branch, Conv2D(2, Kernel = 1), Tanh]
[Branch, Conv2D(3, Kernel = 3, Padding = "pad"), Sigmoid]
[Branch]
[Concat]
public class SmoothInceptionBlock;

/// <summary>A block using a block: the residual block, then the branches.</summary>
[Block("pad")]
[Use(typeof(SmoothResidualBlock), "pad")]
[Use(typeof(SmoothInceptionBlock), "pad", Name = "mixed")]
public class SmoothStage;

/// <summary>Residual blocks: layer1.0 projects 3 → 5 channels (the shape changes), layer1.1 adds its input unchanged.</summary>
[Network]
[Input(3, 6, 6)]
[Use(typeof(SmoothResidualBlock), 1, Repeat = 2)]
[Dense(4), SoftmaxCrossEntropy]
public partial class SmoothResidualNet;

/// <summary>Concatenated branches after a convolution: 2 + 3 + 4 channels.</summary>
[Network]
[Input(2, 5, 5)]
[Conv2D(4, Kernel = 1), Tanh]
[Use(typeof(SmoothInceptionBlock))]
[Dense(3), SoftmaxCrossEntropy]
public partial class SmoothInceptionNet;

/// <summary>A block of blocks, with ReLU (kinks) and the network's input feeding a fork directly.</summary>
[Block("c = 0")]
[Conv2D(3, Kernel = 3, Padding = 1), ReLU]
[Conv2D(3, Kernel = 3, Padding = 1)]
[Residual, ReLU]
public class ReluResidualBlock;

/// <summary>The network's input is the first block's fork (identity shortcut from the input).</summary>
[Network]
[Input(3, 5, 5)]
[Use(typeof(ReluResidualBlock))]
[Use(typeof(SmoothStage), 1)]
[Dense(3), SoftmaxCrossEntropy]
public partial class NestedBlockNet;

/// <summary>
/// A pre-activation residual block (batch norm, ReLU, convolution, twice, then the sum): the block's input is a fork whose
/// first reader is a batch norm, which must not run in place over it (the sum reads it too), and a projection with batch
/// norm where the channels change.
/// </summary>
[Block]
[BatchNorm, Tanh, Conv2D(4, Kernel = 3, Padding = 1, Bias = false)]
[BatchNorm, Tanh, Conv2D(4, Kernel = 3, Padding = 1)]
[Shortcut(When = ShortcutWhen.ShapeChanges), Conv2D(4, Kernel = 1, Bias = false), BatchNorm]
[Residual]
public class PreActivationBlock;

/// <summary>Two pre-activation blocks (the first projects 2 → 4 channels) and a dense head.</summary>
[Network]
[Input(2, 5, 5)]
[Use(typeof(PreActivationBlock), Repeat = 2)]
[Dense(3), SoftmaxCrossEntropy]
public partial class PreActivationNet;
