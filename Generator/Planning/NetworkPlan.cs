using Compiled.Generator.Graph;
using Compiled.Generator.Layers.Losses;
using Compiled.Generator.Model;

namespace Compiled.Generator.Planning;

/// <summary>Everything the emitter needs for one network: every number in it becomes a literal in the generated code.</summary>
/// <param name="Namespace">Containing namespace, or null.</param>
/// <param name="ClassName">The network class.</param>
/// <param name="Training">Emit training code (the class implements ITrainableNetwork).</param>
/// <param name="Loss">The loss head (the last declared node), or null.</param>
/// <param name="Input">Shape of one input sample.</param>
/// <param name="Output">Shape of one output sample (what Forward writes): the loss head's input, flattened.</param>
/// <param name="OutputVariable">The span holding the output in the emitted forward pass.</param>
/// <param name="ParameterCount">Floats in the parameter buffer.</param>
/// <param name="Layers">The nodes before the loss head, in declared (topological) order.</param>
/// <param name="Parameters">The parameter table, in buffer order.</param>
/// <param name="State">The state table (running statistics), in buffer order; empty for a network without state.</param>
/// <param name="StateCount">Floats in the state buffer.</param>
/// <param name="Buffers">The workspace regions (activations and gradients) with their offsets and lifetimes, planned by liveness.</param>
/// <param name="WorkspacePerSample">Workspace floats per sample: the end of the highest region.</param>
/// <param name="OutputGradientOffset">Offset per sample of the region the loss writes dLoss/dOutput to; -1 without training.</param>
/// <param name="ArgmaxPerSample">Integers per sample of the integer workspace (saved arg-max indices).</param>
/// <param name="ColumnLength">im2col floats the largest convolution needs per sample.</param>
/// <param name="ChunkSamples">Most samples one thread processes at once (bounds the workspace).</param>
/// <param name="Summary">The Keras-style summary table.</param>
/// <param name="Architecture">The canonical one-line architecture checkpoints hash (<see cref="ArchitectureBuilder"/>).</param>
/// <param name="CopyObstacle">Why the class cannot be copied for an inference session, or null (<see cref="NetworkDeclaration.CopyObstacle"/>).</param>
internal sealed record NetworkPlan(
    string? Namespace,
    string ClassName,
    bool Training,
    GraphNode? Loss,
    TensorShape Input,
    TensorShape Output,
    string OutputVariable,
    int ParameterCount,
    EquatableArray<LayerPlan> Layers,
    EquatableArray<ParameterPlan> Parameters,
    EquatableArray<StatePlan> State,
    int StateCount,
    EquatableArray<BufferPlan> Buffers,
    int WorkspacePerSample,
    int OutputGradientOffset,
    int ArgmaxPerSample,
    int ColumnLength,
    int ChunkSamples,
    string Summary,
    string Architecture,
    string? CopyObstacle = null)
{
    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;

    /// <summary>Whether some node's forward differs between training and evaluation: TrainStep then runs a forward pass of its own.</summary>
    public bool HasModes
    {
        get
        {
            foreach (LayerPlan layer in Layers)
            {
                if (layer.Node.Descriptor.ForwardDependsOnMode) return true;
            }
            return false;
        }
    }

    /// <summary>The loss head's descriptor, or null.</summary>
    public LossLayer? LossLayer => Loss?.Descriptor as LossLayer;

    /// <summary>The layers in run order (<see cref="LayerPlan.Step"/>), which the forward pass follows and the backward pass reverses.</summary>
    public LayerPlan[] Steps
    {
        get
        {
            var steps = new LayerPlan[Layers.Count];
            foreach (LayerPlan layer in Layers) steps[layer.Step] = layer;
            return steps;
        }
    }
}
