using System.Collections.Generic;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Layers.Activations;
using Compiled.Generator.Layers.Joins;

namespace Compiled.Generator.Planning;

/// <summary>
/// Which ReLUs another node's kernel runs, in each pass, derived from the plan (like <see cref="NormalizationLayout"/>):
/// <list type="bullet">
/// <item>Training, batch norm + ReLU (<see cref="LayerPlan.FusedRelu"/>, planned by <see cref="FusedRelu"/>): the batch
/// norm normalizes and rectifies in one pass into the ReLU's buffer (its own output is not materialized: it aliases its
/// input, which its backward reads as x), and its backward masks dy with the ReLU's output inside its two passes. A
/// Conv2D whose only reader is a batch norm (fused or not) gathers the slice statistics while it writes its output.</item>
/// <item>Both passes, Conv2D → ReLU with the ReLU in place over the convolution's output: the convolution's ReLU
/// epilogue. In evaluation also through a batch norm folded into the convolution, and into the ReLU's own buffer where
/// that is safe to write at the convolution's step (the planned fused layout starts it there, or it is the output).</item>
/// <item>Evaluation, a fused batch norm that is not folded: normalize + ReLU in one pass with the running statistics.</item>
/// <item>Evaluation, a residual block's end (planned by <see cref="ResidualRunners"/>): Conv2D (→ a batch norm folded into
/// it) → Add → ReLU, the Add's other input computed before the convolution runs: the convolution adds that input and
/// rectifies on the way out, into the ReLU's buffer (the Add's, without a ReLU).</item>
/// <item>Training, the same block end with a batch norm between the convolution and the sum (<see cref="TrainingResidual"/>):
/// the batch norm normalizes, adds the shortcut and rectifies in one pass, into the same buffer.</item>
/// <item>Both passes, a ReLU that <see cref="RunOrder"/> moved after a max-pool, in place over the pool's output: the pool
/// rectifies as it stores (<see cref="PoolRelu"/>).</item>
/// <item>Evaluation, a Conv2D → 2×2 MaxPool (→ that ReLU): the convolution pools (and rectifies) on the way out, into the
/// pool's buffer (<see cref="EpiloguePool"/>).</item>
/// </list>
/// Everything else runs unfused.
/// </summary>
internal sealed class FusionLayout
{
    private readonly Dictionary<int, LayerPlan> _byIndex = new();
    private readonly Dictionary<string, LayerPlan> _byVariable = new();   // the layer writing each span's buffer
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
            if (layer.ActivationOffset >= 0 || !_byVariable.ContainsKey(layer.Variable)) _byVariable[layer.Variable] = layer;
            foreach (int input in layer.Node.Inputs)
            {
                if (!_readers.TryGetValue(input, out List<LayerPlan>? list)) _readers[input] = list = new List<LayerPlan>();
                if (!list.Contains(layer)) list.Add(layer);
            }
        }
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.ResidualRunner < 0 || layer.Node.Descriptor is not AddJoin) continue;
            LayerPlan conv = _byIndex[layer.ResidualRunner];
            LayerPlan? relu = OnlyReader(layer) is { } reader && reader.ResidualRunner == conv.Node.Index ? reader : null;
            LayerPlan final = relu ?? layer;
            // Not where concatenation placement made the sum's (or ReLU's) output, or the convolution's, strided rows.
            if (final.OutputStride != 0 || final.ViewOf.Length > 0 || conv.OutputStride != 0) continue;
            int side = ChainEnds(layer.Node.Inputs[0], conv) ? 0 : 1;
            LayerPlan? batchNorm = layer.Node.Inputs[side] != conv.Node.Index ? _byIndex[layer.Node.Inputs[side]] : null;
            var residual = new Residual(layer, relu, layer.InputVariables[1 - side], batchNorm);
            _residuals[conv.Node.Index] = residual;
            if (batchNorm is not null && batchNorm.OutputStride == 0 && batchNorm.InputStride == 0) _trainingResiduals[batchNorm.Node.Index] = residual;
        }
    }

    /// <summary>
    /// A residual block's end: the sum, the ReLU after it (or null), the shortcut's span, and the batch norm between the
    /// convolution and the sum (or null). Evaluation runs it in the convolution; training in that batch norm, if any.
    /// </summary>
    public sealed record Residual(LayerPlan Add, LayerPlan? Relu, string Shortcut, LayerPlan? Norm)
    {
        /// <summary>The node whose output the fused pass writes: the ReLU, else the sum.</summary>
        public LayerPlan Final => Relu ?? Add;
    }

    private readonly Dictionary<int, Residual> _residuals = new();
    private readonly Dictionary<int, Residual> _trainingResiduals = new();

    /// <summary>
    /// Training: the residual sum (and ReLU) the batch norm <paramref name="norm"/> runs with its normalization, or null:
    /// y = max(x·scale + shift + shortcut, 0) into the last one's buffer, which liveness starts at the convolution's step
    /// (<see cref="ResidualRunners"/>). The sum's output is never written: no backward reads it (the ReLU's reads its own
    /// output, the sum's nothing, the batch norm's its saved x).
    /// </summary>
    public Residual? TrainingResidual(LayerPlan norm) => _trainingResiduals.TryGetValue(norm.Node.Index, out Residual? residual) ? residual : null;

    /// <summary>The variable <paramref name="runner"/>'s fused pass wrote for the nodes it runs (the residual's last buffer), or null.</summary>
    public string? FusedOutput(LayerPlan runner, bool training)
        => (training ? TrainingResidual(runner) : ResidualEpilogue(runner, training))?.Final.Variable;

    // Whether node `tail` is the convolution itself or the batch norm in place over its output.
    private bool ChainEnds(int tail, LayerPlan conv)
        => tail == conv.Node.Index || (tail >= 0 && _byIndex.TryGetValue(tail, out LayerPlan? norm) && norm.Node.Descriptor is BatchNormLayer && norm.Node.Inputs[0] == conv.Node.Index);

    /// <summary>
    /// Planning: per node, the convolution whose epilogue runs it in evaluation, else -1: an <see cref="AddJoin"/> of two
    /// inputs, one of them a Conv2D's output read by nothing else, directly or through a batch norm in place over it (so
    /// evaluation folds it into the convolution) read by nothing else, the other computed before that convolution runs;
    /// and the ReLU that alone reads such a sum (not one moved after a max-pool). Where both inputs qualify, the convolution
    /// that runs later. The convolution computes y = conv(x) + b + shortcut, then ReLU, straight into the last one's buffer
    /// (Conv2DKernels.ForwardResidual): the same values as the separate sum and ReLU.
    /// </summary>
    public static int[] ResidualRunners(NetworkGraph graph, RunOrder order, int count, int[] steps, string[] variables)
    {
        var runner = new int[count];
        for (int i = 0; i < count; i++) runner[i] = -1;
        for (int a = 0; a < count; a++)
        {
            GraphNode add = graph[a];
            if (add.Descriptor is not AddJoin || add.Inputs.Count != 2 || add.Inputs[0] == add.Inputs[1]) continue;
            int conv = -1;
            for (int side = 0; side < 2; side++)
            {
                int c = ResidualConvolution(graph, add.Inputs[side], count, variables);
                int other = add.Inputs[1 - side];
                if (c < 0 || (other != GraphNode.NetworkInput && steps[other] > steps[c])) continue;
                if (conv < 0 || steps[c] > steps[conv]) conv = c;
            }
            if (conv < 0) continue;
            runner[a] = conv;
            List<GraphNode> readers = graph.Consumers(a);
            if (readers.Count == 1 && readers[0].Descriptor is ReluLayer && readers[0].Inputs.Count == 1 && readers[0].Index < count
                && order.SwappedWith[readers[0].Index] < 0)
                runner[readers[0].Index] = conv;
        }
        return runner;
    }

    // The Conv2D whose output reaches a sum as its input `tail` and nothing else (through a batch norm in place over it), or -1.
    private static int ResidualConvolution(NetworkGraph graph, int tail, int count, string[] variables)
    {
        if (tail < 0 || tail >= count || graph.Consumers(tail).Count != 1) return -1;
        GraphNode node = graph[tail];
        if (node.Descriptor is Conv2DLayer) return tail;
        if (node.Descriptor is not BatchNormLayer || node.Inputs.Count != 1) return -1;
        int conv = node.Inputs[0];
        if (conv < 0 || graph[conv].Descriptor is not Conv2DLayer || graph.Consumers(conv).Count != 1) return -1;
        return variables[tail] == variables[conv] ? conv : -1;
    }

    /// <summary>Evaluation: the residual sum (and ReLU) the Conv2D <paramref name="conv"/> runs in its epilogue, or null.</summary>
    public Residual? ResidualEpilogue(LayerPlan conv, bool training)
        => !training && _residuals.TryGetValue(conv.Node.Index, out Residual? residual) ? residual : null;

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

    /// <summary>
    /// Training: whether the Conv2D <paramref name="layer"/> gathers the slice statistics of the batch norm that alone reads
    /// its output: one fused with its ReLU, or one that reads the convolution's contiguous rows (in place, from its saved copy).
    /// </summary>
    public bool GathersStatistics(LayerPlan layer)
        => layer.Node.Descriptor is Conv2DLayer && OnlyReader(layer) is { } norm && norm.Node.Descriptor is BatchNormLayer && norm.InputVariable == layer.Variable
            && (norm.FusedRelu >= 0 || (layer.OutputStride == 0 && norm.InputStride == 0));

    /// <summary>
    /// Training: the span the Conv2D <paramref name="layer"/> writes its output to. Where it gathers the statistics of a batch
    /// norm that keeps a copy of its input for its backward (one not fused with a ReLU), that copy: the batch norm then
    /// normalizes from it into its own output (over the convolution's buffer when in place) and copies nothing. The saved
    /// tensor is planned alive from the convolution's step (<see cref="Layers.SavedSpec.FromProducer"/>).
    /// </summary>
    public string TrainingOutput(LayerPlan layer)
        => GathersStatistics(layer) && OnlyReader(layer) is { FusedRelu: < 0 } norm ? norm.SavedVariable("input") : layer.Variable;

    /// <summary>Training: whether the Conv2D before the batch norm <paramref name="norm"/> (not fused with a ReLU) wrote its input straight into its saved copy (<see cref="TrainingOutput"/>).</summary>
    public bool InputSavedByProducer(LayerPlan norm) => norm.FusedRelu < 0 && StatisticsGathered(norm);

    /// <summary>Training: whether the batch norm <paramref name="norm"/>'s slice statistics were gathered by the Conv2D before it.</summary>
    public bool StatisticsGathered(LayerPlan norm)
        => norm.Node.Inputs[0] >= 0 && _byIndex.TryGetValue(norm.Node.Inputs[0], out LayerPlan? producer) && GathersStatistics(producer);

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

    /// <summary>
    /// Both passes: the ReLU the max-pool <paramref name="pool"/> applies as it stores, or null. A ReLU declared before the
    /// pool that <see cref="RunOrder"/> moved after it (max-pool commutes with ReLU; the declared ReLU is the pool's input in
    /// the graph and reads the pool's output in the run order), in place over the pool's output, both writing contiguous
    /// rows. Its backward is unchanged: it reads the rectified values in the shared buffer, the pool's its arg-max indices.
    /// </summary>
    public LayerPlan? PoolRelu(LayerPlan pool)
    {
        if (pool.Node.Descriptor is not MaxPoolLayer || pool.Node.Inputs.Count != 1 || pool.OutputStride != 0 || pool.ViewOf.Length > 0) return null;
        if (pool.Node.Inputs[0] < 0 || !_byIndex.TryGetValue(pool.Node.Inputs[0], out LayerPlan? relu)) return null;
        if (relu.Node.Descriptor is not ReluLayer || OnlyReader(relu) != pool) return null;
        bool movedInPlace = relu.InputVariable == pool.Variable && relu.Variable == pool.Variable;
        return movedInPlace && relu.OutputStride == 0 && relu.ViewOf.Length == 0 ? relu : null;
    }

    /// <summary>
    /// Evaluation: the max-pool the Conv2D <paramref name="conv"/> runs in its epilogue (<c>Conv2DKernels.ForwardMaxPool</c>,
    /// which pools a Winograd layer's output tiles as they are written and a channel-vector layer's planes before they are
    /// transposed, and otherwise convolves into the convolution's own buffer and pools), or null. A convolution of one group
    /// without dilation (the layers those two run), writing contiguous
    /// rows read by nothing but a plain 2×2 max-pool (<see cref="PoolLayer.IsPlainTwoByTwo"/>), directly or through a ReLU
    /// that <see cref="RunOrder"/> moved after the pool (which the pool then runs, <see cref="PoolRelu"/>); the pool writing
    /// contiguous rows that lie clear of the convolution's input: the fused pass writes the pooled rows at the convolution's
    /// step, while it reads its input (every other tensor in the pool's region is dead by then: the allocator put it there
    /// because their lives do not meet the pool's, which starts one step later).
    /// </summary>
    public LayerPlan? EpiloguePool(LayerPlan conv, bool training)
    {
        if (training || conv.Node.Descriptor is not Conv2DLayer || conv.OutputStride != 0 || conv.ViewOf.Length > 0) return null;
        if (conv.Node.Window is not { } w || w.Dilated || Conv2DLayer.GroupCount(conv.Node) != 1) return null;
        if (ResidualEpilogue(conv, training) is not null || OnlyReader(conv) is not { } reader) return null;
        LayerPlan? pool = reader.Node.Descriptor is MaxPoolLayer ? reader
            : reader.Node.Descriptor is ReluLayer && OnlyReader(reader) is { } after && PoolRelu(after) == reader ? after : null;
        if (pool is null || pool.InputVariable != conv.Variable || !PoolLayer.IsPlainTwoByTwo(pool.Node) || pool.OutputStride != 0 || pool.ViewOf.Length > 0) return null;
        return Overlaps(pool, conv.InputVariable) ? null : pool;
    }

    /// <summary>Evaluation: the Conv2D whose epilogue runs the max-pool <paramref name="pool"/> (<see cref="EpiloguePool"/>), or null.</summary>
    public LayerPlan? PoolRunner(LayerPlan pool, bool training)
        => !training && pool.Node.Descriptor is MaxPoolLayer && _byVariable.TryGetValue(pool.InputVariable, out LayerPlan? conv) && EpiloguePool(conv, training) == pool ? conv : null;

    // Whether the workspace region of `layer`'s output meets that of the tensor named `variable` (per sample: every region
    // scales with the chunk alike). The network's input is a span of its own; a tensor without a region of its own (a view
    // into a concatenation's) is taken to meet it.
    private bool Overlaps(LayerPlan layer, string variable)
    {
        if (!_byVariable.TryGetValue(variable, out LayerPlan? writer)) return false;
        if (layer.ActivationOffset < 0 || writer.ActivationOffset < 0) return true;
        long start = layer.ActivationOffset, end = start + layer.Operand.Length;
        long otherStart = writer.ActivationOffset, otherEnd = otherStart + writer.Operand.Length;
        return start < otherEnd && otherStart < end;
    }

    /// <summary>Evaluation: whether the batch norm <paramref name="norm"/> (not folded) normalizes and rectifies into its fused ReLU's buffer.</summary>
    public LayerPlan? EvaluationRelu(LayerPlan norm)
        => norm.FusedRelu >= 0 && _norm.FoldOfNorm(norm) is null ? _byIndex[norm.FusedRelu] : null;

    /// <summary>The node whose kernel runs the ReLU <paramref name="relu"/> in this pass (its forward emits nothing of its own), or null.</summary>
    public LayerPlan? ForwardRunner(LayerPlan relu, bool training)
    {
        if (relu.ResidualRunner >= 0 && _residuals.TryGetValue(relu.ResidualRunner, out Residual? residual)
            && (residual.Add == relu || residual.Relu == relu))
        {
            if (!training) return _byIndex[relu.ResidualRunner];
            if (residual.Norm is { } norm && TrainingResidual(norm) == residual) return norm;
        }
        if (relu.Node.Descriptor is not ReluLayer || relu.Node.Inputs.Count != 1) return null;
        if (OnlyReader(relu) is { } pool && PoolRelu(pool) == relu) return PoolRunner(pool, training) ?? pool;
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
