using Compiled.Generator.Graph;
using Compiled.Generator.Model;

namespace Compiled.Generator.Planning;

/// <summary>How the emitted code runs one node (the loss head is not a layer plan; see <see cref="NetworkPlan.Loss"/>).</summary>
/// <param name="Node">The node and its shapes.</param>
/// <param name="Variable">Local name of the span holding this node's output in the emitted code (<c>conv1Out</c>), or of the span it aliases.</param>
/// <param name="InputVariable">Local name of the span holding its input (<c>input</c> for the first layer).</param>
/// <param name="ActivationOffset">Offset of its output per sample in the activation workspace (times the chunk size); -1 when it writes none (a Flatten before the last layer aliases its input; an in-place activation overwrites it).</param>
/// <param name="Saved">The tensors its forward saves for its backward, with their spans and offsets.</param>
/// <param name="WeightOffset">Offset of its weight in the parameter buffer; -1 without parameters.</param>
/// <param name="WeightLength">Floats of its weight.</param>
/// <param name="BiasOffset">Offset of its bias; -1 without a bias.</param>
/// <param name="BiasLength">Floats of its bias.</param>
/// <param name="FanIn">Initialization fan-in (Dense: in; Conv2D: in·k·k).</param>
/// <param name="FanOut">Initialization fan-out (Dense: out; Conv2D: out·k·k).</param>
/// <param name="Init">Resolved initialization (never Default).</param>
/// <param name="InitReason">Why, when the declaration said Default (for the emitted comment), else empty.</param>
/// <param name="Backward">Whether the backward pass visits it (it or an earlier layer has parameters).</param>
/// <param name="InputGradient">Whether its backward computes the gradient of its input (false for the first layer with parameters).</param>
/// <param name="AccumulateInputGradient">Whether its input feeds several nodes (a fork), so its input gradient is added (<c>dx +=</c>) to the others'; the first consumer to run its backward writes it, the others add (a kernel that cannot accumulate writes <see cref="TemporaryGradient"/>, then added).</param>
/// <param name="OutputGradient">The span holding the gradient of its output (dy) in the backward pass; empty when it has none.</param>
/// <param name="InputGradientVariable">The span its backward writes its input's gradient (dx) to; empty when it computes none.</param>
/// <param name="Step">Its position in the run order (<see cref="RunOrder"/>): a ReLU before a MaxPool runs after it.</param>
/// <param name="Operand">The shape of one sample its kernel call produces: its output, or the pooled shape for a ReLU moved after its MaxPool.</param>
/// <param name="Note">Why it runs out of the declared order (for the emitted comments), else empty.</param>
internal sealed record LayerPlan(
    GraphNode Node,
    string Variable,
    string InputVariable,
    int ActivationOffset,
    EquatableArray<SavedPlan> Saved,
    int WeightOffset,
    int WeightLength,
    int BiasOffset,
    int BiasLength,
    int FanIn,
    int FanOut,
    InitKind Init,
    string InitReason,
    bool Backward,
    bool InputGradient,
    bool AccumulateInputGradient,
    string OutputGradient,
    string InputGradientVariable,
    int Step,
    TensorShape Operand,
    string Note)
{
    /// <summary>The spans of all its inputs, in <see cref="GraphNode.Inputs"/> order (a join reads several).</summary>
    public EquatableArray<string> InputVariables { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The gradient span of each input (empty where none is computed), in <see cref="GraphNode.Inputs"/> order: a join's backward writes each.</summary>
    public EquatableArray<string> InputGradientVariables { get; init; } = EquatableArray<string>.Empty;

    /// <summary>
    /// A layer whose input is a fork and whose input gradient another consumer wrote first: the span its kernel writes dx to
    /// before it is added into the fork's gradient (empty when it is not needed: the first writer writes the fork's
    /// gradient directly, a backward in dy's buffer adds from there).
    /// </summary>
    public string TemporaryGradient { get; init; } = "";

    /// <summary>
    /// The sample stride of its output's rows when they sit in a concatenation's channel slice (<see cref="ConcatPlacement"/>):
    /// its output span is that slice, each sample's rows this many floats after the previous one's; 0 when contiguous.
    /// </summary>
    public int OutputStride { get; init; }

    /// <summary>The sample stride of the rows it reads (its run input's <see cref="OutputStride"/>: a node in place over a placed tensor); 0 when contiguous.</summary>
    public int InputStride { get; init; }

    /// <summary>The sample stride of its output gradient's rows when dy is a slice of a concatenation's gradient (and so dx, for a backward in dy's buffer); 0 when contiguous.</summary>
    public int OutputGradientStride { get; init; }

    /// <summary>The concatenation's output span its output span is a slice of (it writes the placed tensor first), or empty.</summary>
    public string ViewOf { get; init; } = "";

    /// <summary>Where that slice starts in each of the concatenation's rows (the channels before it times h·w).</summary>
    public int ViewOffset { get; init; }

    /// <summary>A concatenation's inputs, in <see cref="GraphNode.Inputs"/> order: whether each is written into its output in place (nothing to copy forward).</summary>
    public EquatableArray<bool> PlacedInputs { get; init; } = EquatableArray<bool>.Empty;

    /// <summary>A concatenation's inputs: whether each one's gradient is its slice of dy (nothing to copy backward).</summary>
    public EquatableArray<bool> PlacedInputGradients { get; init; } = EquatableArray<bool>.Empty;

    /// A batch norm in a network that trains whose only reader is a ReLU: that ReLU's node index (the training step runs
    /// them as one, <see cref="FusionLayout"/>; the batch norm aliases its input and saves no copy of it, the ReLU writes a
    /// buffer of its own), else -1.
    /// </summary>
    public int FusedRelu { get; init; } = -1;

    /// <summary>
    /// A residual sum, or the ReLU after one, that evaluation runs in the epilogue of the convolution computing one of the
    /// sum's inputs (<see cref="FusionLayout.ResidualRunners"/>): that convolution's node index, else -1. Its output is alive
    /// from the convolution's step (<see cref="Liveness"/>), which may write it.
    /// </summary>
    public int ResidualRunner { get; init; } = -1;

    /// <summary>
    /// Whether its weight and bias gradients are owned by output features when the step runs on two or more threads
    /// (<see cref="CostModel.OwnsWeightGradient"/>): its backward then computes only dx on the thread's slice, and after a
    /// barrier at the end of the backward pass each thread adds its range of output features over the whole batch straight
    /// into the network's gradients. Its input and its output's gradient stay alive until then (<see cref="Liveness"/>).
    /// </summary>
    public bool OwnedGradients { get; init; }

    /// <summary>The span of its saved tensor with this suffix (<c>argmax</c> → <c>pool1Argmax</c>).</summary>
    public string SavedVariable(string suffix)
    {
        foreach (SavedPlan saved in Saved)
        {
            if (saved.Suffix == suffix) return saved.Variable;
        }
        throw new System.InvalidOperationException($"{Node.FullName} saves no tensor '{suffix}'");
    }

    /// <summary>Whether it has parameters (a weight; maybe a bias).</summary>
    public bool HasParameters => WeightOffset >= 0;
}

/// <summary>A planned saved tensor (<see cref="Layers.SavedSpec"/>): its span, element type, offset and length per sample.</summary>
internal sealed record SavedPlan(string Suffix, string Variable, ElementType Element, int Offset, int Length);
