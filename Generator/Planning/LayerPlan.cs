using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>How the emitted code runs one layer (the loss head is not a layer plan; see <see cref="NetworkPlan.Loss"/>).</summary>
/// <param name="Layer">The layer and its shapes.</param>
/// <param name="Variable">Local name of the span holding this layer's output in the emitted code (<c>conv1Out</c>), or of the span it aliases.</param>
/// <param name="InputVariable">Local name of the span holding its input (<c>input</c> for the first layer).</param>
/// <param name="ActivationOffset">Offset of its output per sample in the activation workspace (times the chunk size); -1 when it writes none (a Flatten before the last layer aliases its input; an in-place activation overwrites it).</param>
/// <param name="ArgmaxOffset">MaxPool: offset per sample in the arg-max workspace; otherwise -1.</param>
/// <param name="WeightOffset">Offset of its weight in the parameter buffer; -1 without parameters.</param>
/// <param name="BiasOffset">Offset of its bias; -1 without a bias.</param>
/// <param name="FanIn">Initialization fan-in (Dense: in; Conv2D: in·k·k).</param>
/// <param name="FanOut">Initialization fan-out (Dense: out; Conv2D: out·k·k).</param>
/// <param name="Init">Resolved initialization (never Default).</param>
/// <param name="InitReason">Why, when the declaration said Default (for the emitted comment), else empty.</param>
/// <param name="Backward">Whether the backward pass visits it (it or an earlier layer has parameters).</param>
/// <param name="InputGradient">Whether its backward computes the gradient of its input (false for the first layer with parameters).</param>
/// <param name="Step">Its position in the run order (<see cref="ExecutionOrder"/>): a ReLU before a MaxPool runs after it.</param>
/// <param name="Operand">The shape of one sample its kernel call produces: its output, or the pooled shape for a ReLU moved after its MaxPool.</param>
/// <param name="Note">Why it runs out of the declared order (for the emitted comments), else empty.</param>
internal sealed record LayerPlan(
    ShapedLayer Layer,
    string Variable,
    string InputVariable,
    int ActivationOffset,
    int ArgmaxOffset,
    int WeightOffset,
    int BiasOffset,
    int FanIn,
    int FanOut,
    InitKind Init,
    string InitReason,
    bool Backward,
    bool InputGradient,
    int Step,
    Shape Operand,
    string Note)
{
    public LayerKind Kind => Layer.Kind;
}
