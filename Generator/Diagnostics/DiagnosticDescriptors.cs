using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. IDs are stable (CMP0001..., CMP9999 for internal errors) and listed in
/// AnalyzerReleases.Unshipped.md and docs/api.md. Each points at the offending attribute and its message states the
/// shapes involved and what to change.
/// </summary>
internal static class DiagnosticDescriptors
{
    public static readonly DiagnosticDescriptor ClassNotPartial = Error(
        "CMP0001",
        "Network class must be partial",
        "The network class '{0}' is not partial; the generator adds the network's members in a second part of the class: declare it as 'partial class {0}'");

    public static readonly DiagnosticDescriptor UnsupportedClass = Error(
        "CMP0002",
        "Network class kind is not supported",
        "The network type '{0}' is {1}, which is not supported; declare the network as a partial class (not a record, generic, static, file-local or nested) directly in a namespace");

    public static readonly DiagnosticDescriptor MissingInput = Error(
        "CMP0003",
        "Network has no [Input]",
        "The network '{0}' has no [Input] attribute; add [Input(features)] for a feature vector or [Input(channels, height, width)] for images, e.g. [Input(1, 28, 28)]");

    public static readonly DiagnosticDescriptor InvalidInputShape = Error(
        "CMP0004",
        "Invalid input shape",
        "The input shape [{0}] of network '{1}' is invalid: every dimension must be at least 1; change [Input(...)]");

    public static readonly DiagnosticDescriptor NonPositiveArgument = Error(
        "CMP0005",
        "Layer size, kernel, window or stride out of range",
        "{0} of layer '{1}' is {2}, but it must be {3}; change the [{4}] attribute");

    public static readonly DiagnosticDescriptor InvalidPadding = Error(
        "CMP0006",
        "Invalid padding",
        "Padding {0} of layer '{1}' is invalid: use a number of pixels (0 or more) added on every side, a pair new[] {{ height, width }} of them, \"same\" (output size = ceil(input / stride)) or \"valid\" (no padding)");

    public static readonly DiagnosticDescriptor UnreadableArgument = Error(
        "CMP0007",
        "Attribute argument is not a readable constant",
        "Argument '{0}' of [{1}] cannot be read: it is {2}; {3}");

    public static readonly DiagnosticDescriptor KernelLargerThanInput = Error(
        "CMP0008",
        "Kernel or window larger than its input",
        "Layer '{0}': the {1} is larger than its input {2}{3}; {4}");

    public static readonly DiagnosticDescriptor SpatialLayerOnFlatInput = Error(
        "CMP0009",
        "Convolution or pooling on a flat input",
        "Layer '{0}' ({1}) needs a channels x height x width input, but its input is the flat vector [{2}]{3}; declare [Input(channels, height, width)], or move the layer before the first Dense or Flatten");

    public static readonly DiagnosticDescriptor LayerAfterLossHead = Error(
        "CMP0010",
        "Layer after the loss head",
        "Layer '{0}' ({1}) comes after the loss head '{2}' ({3}); the loss head must be the last layer: move or remove '{0}'");

    public static readonly DiagnosticDescriptor MissingLossHead = Error(
        "CMP0011",
        "Training requested but no loss head",
        "The network '{0}' has no loss head, but training code is requested ([Network] means Training = true); end the layers with a loss head (SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, MeanSquaredError or MultiClassHinge), or write [Network(Training = false)] for an inference-only network");

    public static readonly DiagnosticDescriptor LayersOnSeveralDeclarations = Error(
        "CMP0012",
        "Layers split over several partial declarations",
        "The layers of network '{0}' are declared on more than one partial declaration of the class, so their order is not defined; put [Input] and every layer attribute on one declaration");

    public static readonly DiagnosticDescriptor UnknownLayer = Error(
        "CMP0013",
        "Unknown layer attribute",
        "[{0}] derives from Compiled.LayerAttribute but is not a layer the generator knows; use the built-in layer attributes (docs/api.md lists them)");

    public static readonly DiagnosticDescriptor InvalidLayerName = Error(
        "CMP0014",
        "Invalid layer name",
        "Layer name \"{0}\" is invalid: {1}");

    public static readonly DiagnosticDescriptor NoLayers = Error(
        "CMP0015",
        "Network has no layers",
        "The network '{0}' declares no layers before its loss head; add at least one layer after [Input], e.g. [Dense(10)]");

    public static readonly DiagnosticDescriptor NetworkTooLarge = Error(
        "CMP0016",
        "Network too large",
        "Layer '{0}' makes the network too large: {1} would be {2} elements, more than one array can hold (2147483647); use smaller layers");

    public static readonly DiagnosticDescriptor ConstructorConflict = Error(
        "CMP0017",
        "Constructor conflicts with a generated one",
        "The network class '{0}' declares the constructor {0}({1}), which the generator also writes ({0}() and {0}(int threads)); remove it, or give it other parameters and chain to ': this(threads)'");

    public static readonly DiagnosticDescriptor MemberClash = Error(
        "CMP0018",
        "Member has the name of a generated member",
        "The {0} '{1}' of network '{2}' has the name of {3}, which the generator adds to the class; {4}");

    public static readonly DiagnosticDescriptor InheritedMemberClash = Error(
        "CMP0019",
        "Inherited member has the name of a generated member",
        "The network '{0}' inherits the {1} from '{2}', but the generator adds {3} to the network, which would hide it (CS0108) or overload it; rename it in '{2}', or derive '{0}' from another class");

    public static readonly DiagnosticDescriptor ClassNameClash = Error(
        "CMP0020",
        "Network class has the name of a generated member",
        "The network class '{0}' has the name of {1}, which the generator adds, and a member cannot have its class's name (CS0542); rename the class{2}");

    public static readonly DiagnosticDescriptor PrimaryConstructor = Error(
        "CMP0021",
        "Network class has a primary constructor",
        "The network class '{0}' has a primary constructor {1}; the generator writes the constructors {0}() and {0}(int threads), which could not chain to it (CS8862): remove the parameter list and declare an ordinary constructor that chains to ': this(threads)'");

    public static readonly DiagnosticDescriptor DerivedFromNetwork = Error(
        "CMP0022",
        "Network class derives from another network",
        "The network class '{0}' derives from the network '{1}', whose generated members its own would hide; derive it from another class, or give it a field holding a '{1}'");

    public static readonly DiagnosticDescriptor NoMatchingConstructor = Error(
        "CMP0023",
        "Attribute arguments match no constructor",
        "The arguments {0} given to [{1}] match none of its constructors (the compiler's error says why); {2}");

    public static readonly DiagnosticDescriptor BaseWithoutParameterlessConstructor = Error(
        "CMP0024",
        "Base class has no parameterless constructor",
        "The network class '{0}' derives from '{1}', which has no accessible parameterless constructor, but the generated constructor {0}(int threads) calls base(); give '{1}' a public or protected parameterless constructor, or derive '{0}' from another class");

    public static readonly DiagnosticDescriptor MemberLeftNull = Error(
        "CMP0025",
        "Non-nullable member not set by the generated constructor",
        "The {0} '{1}' of network '{2}' is a non-nullable {3} with no initializer, but the generated constructor {2}(int threads) does not set it (CS8618); give it an initializer, declare it nullable ({3}?), or mark it 'required'");

    public static readonly DiagnosticDescriptor ExpressionOutsideBlock = Error(
        "CMP0026",
        "Block expression outside a block",
        "Argument '{0}' of [{1}] is the expression \"{2}\", but expressions of block parameters are only read inside a [Block] (bound where the block is used); outside a block {3}");

    public static readonly DiagnosticDescriptor GroupsDoNotDivide = Error(
        "CMP0027",
        "Convolution groups do not divide the channels",
        "Layer '{0}': Groups = {1} must divide both its input channels and its filters, but its input {2} has {3} channels and it has {4} filters; {5}");

    public static readonly DiagnosticDescriptor PoolPaddingTooLarge = Error(
        "CMP0028",
        "Pool padding more than half the window",
        "Layer '{0}': padding {1} is more than half its {2} window (PyTorch requires padding at most half the window on each axis, here at most {3}); lower the padding or enlarge the window");

    public static readonly DiagnosticDescriptor InvalidBlockStructure = Error(
        "CMP0029",
        "Block structure attribute out of place",
        "[{0}] in '{1}' {2}");

    public static readonly DiagnosticDescriptor InvalidBlockExpression = Error(
        "CMP0030",
        "Invalid expression over block parameters",
        "The argument \"{0}\" ({1} of [{2}]) is not an expression over the block's parameters: {3} ({4}); write an int, a parameter's name or an expression such as \"channels * 4\" (+ - * / and parentheses)");

    public static readonly DiagnosticDescriptor ResidualShapeMismatch = Error(
        "CMP0031",
        "Residual sum of different shapes",
        "The residual sum '{0}' adds the main path's output {1} and the shortcut's {2}, which differ; give the block a projection shortcut ([Shortcut] followed by a 1x1 Conv2D with the main path's channels and stride), or keep the main path's shape");

    public static readonly DiagnosticDescriptor ConcatShapeMismatch = Error(
        "CMP0032",
        "Concatenated branches differ outside the channels",
        "The concatenation '{0}' joins branches of shapes {1}, whose heights and widths differ; only the channels may differ: change the branches' strides, padding or windows");

    public static readonly DiagnosticDescriptor RecursiveBlock = Error(
        "CMP0033",
        "Block uses itself",
        "The block '{0}' uses itself ({1}); a block cannot contain itself: remove the [Use]");

    public static readonly DiagnosticDescriptor InvalidBlockUse = Error(
        "CMP0034",
        "Invalid use of a block",
        "[Use] of '{0}' {1}");

    public static readonly DiagnosticDescriptor InvalidBlockParameter = Error(
        "CMP0035",
        "Invalid block parameter",
        "The parameter \"{0}\" of block '{1}' is invalid: {2}; write \"name\" or \"name = 3\" (a default that is an int constant)");
    public static readonly DiagnosticDescriptor DropoutRateOutOfRange = Error(
        "CMP0036",
        "Dropout rate outside [0, 1)",
        "The rate of dropout layer '{0}' is {1}, but it must be at least 0 and less than 1 (the probability of zeroing an element); change the [{2}] attribute");

    public static readonly DiagnosticDescriptor BatchNormWithoutFeatureAxis = Error(
        "CMP0037",
        "Batch norm where no feature axis exists",
        "Batch norm layer '{0}' gets {1} ({2}), which has no feature axis to normalize over: it takes features [f] (as after a Dense layer, BatchNorm1d) or channels × height × width [c, h, w] (as after a Conv2D layer, BatchNorm2d)");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "CMP9999",
        "Internal generator error",
        "Internal error in the Compiled generator while {0} '{1}': {2}; this is a bug, please report it with the declaration that triggers it");

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, DiagnosticCategories.Network, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
