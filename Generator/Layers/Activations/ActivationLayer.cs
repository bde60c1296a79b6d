using System.Collections.Generic;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers.Activations;

/// <summary>
/// An element-wise activation: the shape is unchanged; its backward turns dy into dx in dy's own buffer, reading its
/// saved input or output (<see cref="LayerDescriptor.BackwardReads"/>). One that reads only its output may run in place.
/// </summary>
internal abstract class ActivationLayer : LayerDescriptor
{
    public override LayerRole Role => LayerRole.Activation;

    public override InferredShape? Infer(ShapeContext context) => new(context.Input);

    /// <summary>Element-wise per sample: strided rows (a branch's slice of a concatenation) run the same call per sample.</summary>
    public override bool WritesStridedOutput => true;

    /// <inheritdoc cref="WritesStridedOutput"/>
    public override bool ReadsStridedOutputGradient => true;

    public override void EmitForward(ForwardEmission e)
    {
        e.Line(e.Header);
        if (e.OutputStride == 0 && e.InputStride == 0)
        {
            e.Line(Forward(e.X, e.Y, e.Node));
            return;
        }
        int length = e.Layer.Operand.Length;
        e.PerSample(Forward(e.XRow(length), e.YRow(length), e.Node));
    }

    public override void EmitBackward(BackwardEmission e)
    {
        if ((BackwardReads & SavedTensors.Input) != 0) e.Use(e.X);
        if ((BackwardReads & SavedTensors.Output) != 0) e.Use(e.Y);
        e.Add(e.InPlaceHeader);
        if (!e.Strided)
        {
            e.Add(Backward(e.X, e.Y, e.Dy, e.Node));
            return;
        }
        // dy (and dx, in dy's buffer) or the saved x or y are rows of a concatenation: per sample.
        int length = e.Layer.Operand.Length;
        e.PerSample(Backward(BackwardEmission.Row(e.X, e.Layer.InputStride, length), BackwardEmission.Row(e.Y, e.Layer.OutputStride, length),
            BackwardEmission.Row(e.Dy, e.OutputGradientStride, length), e.Node));
    }

    /// <summary>The forward kernel call from x to y.</summary>
    protected abstract string Forward(string x, string y, GraphNode node);

    /// <summary>The backward kernel call, dy to dx in place (dy's buffer).</summary>
    protected abstract string Backward(string x, string y, string dy, GraphNode node);
}

/// <summary>An activation with one float argument (a slope or alpha), read from its constructor.</summary>
internal abstract class ParametricActivationLayer : ActivationLayer
{
    private readonly ArgumentSpec[] _schema;

    protected ParametricActivationLayer(string argument, float fallback)
    {
        _schema = new[] { ArgumentSpec.OptionalFloat(argument, 0, fallback, $"[{Kind}({Literals.Float(fallback)})]", ArgumentRange.FiniteNumber) };
    }

    public override IReadOnlyList<ArgumentSpec> Arguments => _schema;

    public override string ConstructorExample(string attributeName) => $"[{Kind}] or [{Kind}({Literals.Float(_schema[0].Default!.Value.Float)})]";

    public override string Describe(GraphNode node) => Kind + " " + Invariant.Float(Value(node));

    protected static float Value(GraphNode node) => node.Arguments[0].Float;
}

/// <summary><c>[ReLU]</c>: max(x, 0); its backward reads y, so it runs in place.</summary>
internal sealed class ReluLayer : ActivationLayer
{
    public static readonly ReluLayer Instance = new();

    public override string Kind => "ReLU";

    public override string DefaultNamePrefix => "relu";

    public override bool IsRectifier => true;

    public override SavedTensors BackwardReads => SavedTensors.Output;

    protected override string Forward(string x, string y, GraphNode node) => $"{TypeNames.ActivationKernels}.Relu({x}, {y});";

    protected override string Backward(string x, string y, string dy, GraphNode node) => $"{TypeNames.ActivationKernels}.ReluBackward({y}, {dy}, {dy});";
}

/// <summary><c>[LeakyReLU(slope = 0.01f)]</c>: x or slope·x; its backward reads x.</summary>
internal sealed class LeakyReluLayer : ParametricActivationLayer
{
    public static readonly LeakyReluLayer Instance = new();

    private LeakyReluLayer()
        : base("slope", 0.01f)
    {
    }

    public override string Kind => "LeakyReLU";

    public override string DefaultNamePrefix => "leaky_relu";

    public override bool IsRectifier => true;

    public override SavedTensors BackwardReads => SavedTensors.Input;

    protected override string Forward(string x, string y, GraphNode node) => $"{TypeNames.ActivationKernels}.LeakyRelu({x}, {y}, {Literals.Float(Value(node))});";

    protected override string Backward(string x, string y, string dy, GraphNode node) => $"{TypeNames.ActivationKernels}.LeakyReluBackward({x}, {dy}, {dy}, {Literals.Float(Value(node))});";
}

/// <summary><c>[ELU(alpha = 1f)]</c>: x or alpha·(eˣ − 1); its backward reads x and y.</summary>
internal sealed class EluLayer : ParametricActivationLayer
{
    public static readonly EluLayer Instance = new();

    private EluLayer()
        : base("alpha", 1f)
    {
    }

    public override string Kind => "ELU";

    public override string DefaultNamePrefix => "elu";

    public override bool IsRectifier => true;

    public override SavedTensors BackwardReads => SavedTensors.Input | SavedTensors.Output;

    protected override string Forward(string x, string y, GraphNode node) => $"{TypeNames.ActivationKernels}.Elu({x}, {y}, {Literals.Float(Value(node))});";

    protected override string Backward(string x, string y, string dy, GraphNode node) => $"{TypeNames.ActivationKernels}.EluBackward({x}, {y}, {dy}, {dy}, {Literals.Float(Value(node))});";
}

/// <summary><c>[Sigmoid]</c>: 1 / (1 + e⁻ˣ); its backward reads y, so it runs in place.</summary>
internal sealed class SigmoidLayer : ActivationLayer
{
    public static readonly SigmoidLayer Instance = new();

    public override string Kind => "Sigmoid";

    public override string DefaultNamePrefix => "sigmoid";

    public override SavedTensors BackwardReads => SavedTensors.Output;

    protected override string Forward(string x, string y, GraphNode node) => $"{TypeNames.ActivationKernels}.Sigmoid({x}, {y});";

    protected override string Backward(string x, string y, string dy, GraphNode node) => $"{TypeNames.ActivationKernels}.SigmoidBackward({y}, {dy}, {dy});";
}

/// <summary><c>[Tanh]</c>; its backward reads y, so it runs in place.</summary>
internal sealed class TanhLayer : ActivationLayer
{
    public static readonly TanhLayer Instance = new();

    public override string Kind => "Tanh";

    public override string DefaultNamePrefix => "tanh";

    public override SavedTensors BackwardReads => SavedTensors.Output;

    protected override string Forward(string x, string y, GraphNode node) => $"{TypeNames.ActivationKernels}.Tanh({x}, {y});";

    protected override string Backward(string x, string y, string dy, GraphNode node) => $"{TypeNames.ActivationKernels}.TanhBackward({y}, {dy}, {dy});";
}
