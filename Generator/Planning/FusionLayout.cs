using System.Collections.Generic;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Layers.Activations;

namespace Compiled.Generator.Planning;

/// <summary>
/// Which ReLUs another node's kernel runs, in each pass, derived from the plan (like <see cref="NormalizationLayout"/>):
/// <list type="bullet">
/// <item>Training, batch norm + ReLU (<see cref="LayerPlan.FusedRelu"/>, planned by <see cref="FusedRelu"/>): the batch
/// norm normalizes and rectifies in one pass into the ReLU's buffer (its own output is not materialized: it aliases its
/// input, which its backward reads as x), and its backward masks dy with the ReLU's output inside its two passes. A
/// Conv2D whose only reader is such a batch norm gathers the slice statistics while it writes its output.</item>
/// <item>Both passes, Conv2D → ReLU with the ReLU in place over the convolution's output: the convolution's ReLU
/// epilogue. In evaluation also through a batch norm folded into the convolution, and into the ReLU's own buffer where
/// that is safe to write at the convolution's step (the planned fused layout starts it there, or it is the output).</item>
/// <item>Evaluation, a fused batch norm that is not folded: normalize + ReLU in one pass with the running statistics.</item>
/// </list>
/// Everything else runs unfused.
/// </summary>
internal sealed class FusionLayout
{
    private readonly Dictionary<int, LayerPlan> _byIndex = new();
    private readonly Dictionary<int, List<LayerPlan>> _readers = new();
    private readonly NormalizationLayout _norm;
    private readonly int _last;

    public FusionLayout(NetworkPlan plan, NormalizationLayout norm)
    {
        _norm = norm;
        _last = plan.Layers.Count == 0 ? -1 : plan.Layers[plan.Layers.Count - 1].Node.Index;
        foreach (LayerPlan layer in plan.Layers)
        {
            _byIndex[layer.Node.Index] = layer;
            foreach (int input in layer.Node.Inputs)
            {
                if (!_readers.TryGetValue(input, out List<LayerPlan>? list)) _readers[input] = list = new List<LayerPlan>();
                if (!list.Contains(layer)) list.Add(layer);
            }
        }
    }

    /// <summary>
    /// Planning: the ReLU a training batch norm at <paramref name="node"/> runs with its normalization, or -1: a
    /// <see cref="BatchNormLayer"/> in a network that trains whose only reader is a <see cref="ReluLayer"/> reading nothing else
    /// (not a LeakyReLU or any other activation, not a ReLU that also reads another tensor).
    /// </summary>
    public static int FusedRelu(NetworkGraph graph, int node, int count, bool training)
    {
        if (!training || node >= count || graph[node].Descriptor is not BatchNormLayer) return -1;
        List<GraphNode> readers = graph.Consumers(node);
        if (readers.Count != 1) return -1;
        GraphNode relu = readers[0];
        return relu.Descriptor is ReluLayer && relu.Inputs.Count == 1 && relu.Index < count ? relu.Index : -1;
    }

    /// <summary>The training batch norm's fused ReLU, or null.</summary>
    public LayerPlan? TrainingRelu(LayerPlan norm) => norm.FusedRelu >= 0 ? _byIndex[norm.FusedRelu] : null;

    /// <summary>Training: whether the Conv2D <paramref name="layer"/> gathers the slice statistics of the fused batch norm that alone reads its output.</summary>
    public bool GathersStatistics(LayerPlan layer)
        => layer.Node.Descriptor is Conv2DLayer && OnlyReader(layer) is { } norm && norm.FusedRelu >= 0 && norm.InputVariable == layer.Variable;

    /// <summary>Training: whether the fused batch norm <paramref name="norm"/>'s slice statistics were gathered by the Conv2D before it.</summary>
    public bool StatisticsGathered(LayerPlan norm)
        => norm.FusedRelu >= 0 && norm.Node.Inputs[0] >= 0 && _byIndex.TryGetValue(norm.Node.Inputs[0], out LayerPlan? producer) && GathersStatistics(producer);

    /// <summary>
    /// The ReLU the Conv2D <paramref name="layer"/> applies in its epilogue in this pass, writing the ReLU's buffer, or null.
    /// </summary>
    public LayerPlan? EpilogueRelu(LayerPlan layer, bool training)
    {
        if (layer.Node.Descriptor is not Conv2DLayer || OnlyReader(layer) is not { } next) return null;
        if (next.Node.Descriptor is ReluLayer)
        {
            if (next.InputVariable != layer.Variable) return null; // it runs after a max-pool (RunOrder)
            if (next.Variable == layer.Variable) return next;      // in place over the convolution's output
            return !training && next.Node.Index == _last ? next : null;
        }
        if (training || next.Node.Descriptor is not BatchNormLayer || _norm.FoldOfNorm(next) is null) return null;
        if (OnlyReader(next) is not { } relu || relu.Node.Descriptor is not ReluLayer || relu.InputVariable != next.Variable) return null;
        bool safe = relu.Variable == layer.Variable || relu.Node.Index == _last || next.FusedRelu == relu.Node.Index;
        return safe ? relu : null;
    }

    /// <summary>Evaluation: whether the batch norm <paramref name="norm"/> (not folded) normalizes and rectifies into its fused ReLU's buffer.</summary>
    public LayerPlan? EvaluationRelu(LayerPlan norm)
        => norm.FusedRelu >= 0 && _norm.FoldOfNorm(norm) is null ? _byIndex[norm.FusedRelu] : null;

    /// <summary>The node whose kernel runs the ReLU <paramref name="relu"/> in this pass (its forward emits nothing of its own), or null.</summary>
    public LayerPlan? ForwardRunner(LayerPlan relu, bool training)
    {
        if (relu.Node.Descriptor is not ReluLayer || relu.Node.Inputs.Count != 1) return null;
        if (!_byIndex.TryGetValue(relu.Node.Inputs[0], out LayerPlan? producer)) return null;
        if (producer.Node.Descriptor is BatchNormLayer)
        {
            if (producer.FusedRelu == relu.Node.Index && (training || EvaluationRelu(producer) is not null)) return producer;
            if (!training && producer.Node.Inputs[0] >= 0 && _byIndex.TryGetValue(producer.Node.Inputs[0], out LayerPlan? conv) && EpilogueRelu(conv, training) == relu) return conv;
            return null;
        }
        return EpilogueRelu(producer, training) == relu ? producer : null;
    }

    /// <summary>Training: the batch norm whose backward applies the ReLU <paramref name="relu"/>'s mask (its backward emits nothing), or null.</summary>
    public LayerPlan? BackwardRunner(LayerPlan relu)
        => relu.Node.Inputs.Count == 1 && _byIndex.TryGetValue(relu.Node.Inputs[0], out LayerPlan? norm) && norm.FusedRelu == relu.Node.Index ? norm : null;

    private LayerPlan? OnlyReader(LayerPlan layer)
        => _readers.TryGetValue(layer.Node.Index, out List<LayerPlan>? readers) && readers.Count == 1 ? readers[0] : null;
}
