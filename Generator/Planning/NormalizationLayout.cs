using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Layers;

namespace Compiled.Generator.Planning;

/// <summary>
/// Where the batch-norm layers of a network keep what is not a parameter or a workspace tensor: each layer's block of the
/// network's <c>_normStats</c> buffer (<see cref="BatchNormLayer.StatsLength"/>), its state tensors' offsets in the state
/// buffer, and which layers evaluation folds (<c>_folded</c>: the folded weight and bias of the Conv2D or Dense layer before
/// it). A batch norm is folded when it runs in place over the output of a Conv2D or Dense layer that nothing else reads:
/// then evaluation computes that layer with the folded weights and the batch norm has nothing left to do. Derived from the
/// plan, so the emitters need nothing else.
/// </summary>
internal sealed class NormalizationLayout
{
    private readonly Dictionary<string, int> _stats = new();
    private readonly Dictionary<string, Fold> _foldsByProducer = new();
    private readonly Dictionary<string, Fold> _foldsByNorm = new();
    private readonly Dictionary<string, int> _state = new();

    /// <summary>One folded pair: the batch norm, the layer before it, and the folded weight's and bias's offsets in <c>_folded</c>.</summary>
    public sealed record Fold(LayerPlan Norm, LayerPlan Producer, int WeightOffset, int WeightLength, int BiasOffset, int BiasLength);

    public NormalizationLayout(NetworkPlan plan)
    {
        int stats = 0, folded = 0;
        foreach (StatePlan tensor in plan.State) _state[tensor.Name] = tensor.Offset;
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Node.Descriptor is not BatchNormLayer) continue;
            _stats[layer.Node.FullName] = stats;
            stats += BatchNormLayer.StatsLength(layer.Node);
            if (Producer(plan, layer) is not { } producer) continue;
            int channels = layer.Node.Output.Channels;
            var fold = new Fold(layer, producer, folded, producer.WeightLength, folded + producer.WeightLength, channels);
            folded += producer.WeightLength + channels;
            _foldsByProducer[producer.Node.FullName] = fold;
            _foldsByNorm[layer.Node.FullName] = fold;
            Folds.Add(fold);
        }
        StatsLength = stats;
        FoldedLength = folded;
    }

    /// <summary>Floats of <c>_normStats</c> (0: the network has no batch norm).</summary>
    public int StatsLength { get; }

    /// <summary>Floats of <c>_folded</c> (0: evaluation folds nothing).</summary>
    public int FoldedLength { get; }

    public List<Fold> Folds { get; } = new();

    public int StatsOffset(LayerPlan layer) => _stats[layer.Node.FullName];

    public int StateOffset(LayerPlan layer, string suffix) => _state[layer.Node.FullName + "." + suffix];

    /// <summary>The fold whose producer is <paramref name="layer"/>, or null.</summary>
    public Fold? FoldOfProducer(LayerPlan layer) => _foldsByProducer.TryGetValue(layer.Node.FullName, out Fold? fold) ? fold : null;

    /// <summary>The fold of the batch norm <paramref name="layer"/>, or null.</summary>
    public Fold? FoldOfNorm(LayerPlan layer) => _foldsByNorm.TryGetValue(layer.Node.FullName, out Fold? fold) ? fold : null;

    private static LayerPlan? Producer(NetworkPlan plan, LayerPlan norm)
    {
        if (norm.Variable != norm.InputVariable) return null; // not in place: the producer's output stays as it is
        int source = norm.Node.Inputs[0];
        if (source < 0) return null;
        LayerPlan? producer = null;
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Node.Index == source) producer = layer;
            else if (layer != norm && layer.Node.Inputs.Contains(source)) return null; // another node reads it
        }
        if (producer is null || producer.WeightOffset < 0) return null;
        return producer.Node.Descriptor is DenseLayer or Conv2DLayer ? producer : null;
    }
}
