using System;
using System.Collections.Generic;
using Compiled.Generator.Graph;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>
/// What a descriptor's forward emission is given for one node: the spans of its input and output (local names in the
/// emitted RunForward), its parameter slices, geometry, workspaces, and the header comment to write before its call.
/// </summary>
internal sealed class ForwardEmission
{
    private readonly SourceWriter _writer;

    public ForwardEmission(SourceWriter writer, LayerPlan layer, bool training, bool sliced)
    {
        _writer = writer;
        Layer = layer;
        Training = training;
        Sliced = sliced;
    }

    /// <summary>
    /// Whether this pass runs in a step body (<c>in StepContext ctx</c>: this thread's slice, batch-wide regions, barriers
    /// available as <c>ctx.Barrier()</c>) rather than on a chunk of an inference call (<c>NetworkWorkspace workspace</c>).
    /// </summary>
    public bool Sliced { get; }

    /// <summary>
    /// Whether this is the forward pass TrainStep runs (training mode: dropout draws masks, batch norm uses the batch's
    /// statistics) rather than the one Forward and Predict run (evaluation mode). A node whose
    /// <see cref="Layers.LayerDescriptor.ForwardDependsOnMode"/> is false computes the same values in both (max-pooling's
    /// inference call leaves out the arg-max indices only a backward pass reads).
    /// </summary>
    public bool Training { get; }

    public LayerPlan Layer { get; }

    public GraphNode Node => Layer.Node;

    /// <summary>The input span's local name (<c>input</c>, <c>pool1Out</c>).</summary>
    public string X => Layer.InputVariable;

    /// <summary>The output span's local name (the input's for an in-place or aliasing node).</summary>
    public string Y => Layer.Variable;

    public bool InPlace => X == Y;

    /// <summary>The sample stride of the output's rows (a slice of a concatenation, Planning/ConcatPlacement), or 0: contiguous.</summary>
    public int OutputStride => Layer.OutputStride;

    /// <summary>The sample stride of the input's rows (a node in place over a placed tensor), or 0: contiguous.</summary>
    public int InputStride => Layer.InputStride;

    /// <summary>The output span, or for a strided one each sample's rows: <c>y.Slice(sample * stride, length)</c> inside <see cref="PerSample"/>.</summary>
    public string YRow(int length) => LayerComments.Row(Y, OutputStride, length);

    /// <summary>The input span's rows of one sample inside <see cref="PerSample"/> (contiguous rows of <paramref name="length"/> unless strided).</summary>
    public string XRow(int length) => LayerComments.Row(X, InputStride, length);

    /// <summary>Writes <paramref name="call"/> once per sample (<c>sample</c>, with n = 1 inside): kernels without a stride parameter on strided rows.</summary>
    public void PerSample(string call) => Line(LayerComments.PerSample(call));

    /// <summary>The standard header: <c>// conv1: Conv2D 5x5, pad 2 · [n, 1, 28, 28] → [n, 6, 28, 28]</c>, with "in place" and the run-order note.</summary>
    public string Header
    {
        get
        {
            string shapes = Node.Role == Layers.LayerRole.Activation
                ? $"{Layer.Operand.Batched} → {Layer.Operand.Batched}"
                : $"{Node.Input.Batched} → {Layer.Operand.Batched}";
            return LayerComments.Header(Layer, shapes, InPlace);
        }
    }

    /// <summary>Where the network's batch norms keep their statistics and folded weights (Planning/NormalizationLayout).</summary>
    public NormalizationLayout Norm { get; init; } = null!;

    /// <summary>Whether its output is the network's (the last layer: a step body's <c>ctx.Output</c>, a chunk's <c>output</c>), not a workspace region.</summary>
    public bool WritesNetworkOutput { get; init; }

    /// <summary>Which ReLUs a convolution, batch norm or max-pool runs in its own pass (Planning/FusionLayout).</summary>
    public FusionLayout Fusion { get; init; } = null!;

    /// <summary>
    /// The weight's parameter slice (<c>p.Slice(0, 150)</c>), or <c>default</c>; in evaluation, for a layer a batch norm is
    /// folded into, its folded weight (<c>_folded</c>, which Forward and Predict refold from the parameters at every call).
    /// </summary>
    public string Weight => !Training && Norm?.FoldOfProducer(Layer) is { } fold
        ? Folded(fold.WeightOffset, fold.WeightLength)
        : LayerComments.Slice("p", Layer.WeightOffset, Layer.WeightLength);

    /// <summary>The bias's parameter slice, or <c>default</c> without a bias; in evaluation, the folded bias of a layer a batch norm is folded into (it has one even when the layer has none).</summary>
    public string Bias => !Training && Norm?.FoldOfProducer(Layer) is { } fold
        ? Folded(fold.BiasOffset, fold.BiasLength)
        : LayerComments.Slice("p", Layer.BiasOffset, Layer.BiasLength);

    private static string Folded(int offset, int length) => $"new {TypeNames.ReadOnlySpan}(_folded, {Literals.Int(offset)}, {Literals.Int(length)})";

    /// <summary>The static geometry field (<c>s_conv1Geometry</c>).</summary>
    public string Geometry => ConstantsEmitter.GeometryField(Layer);

    /// <summary>The im2col buffer of this node (the thread's scratch in a step body): exactly its per-sample column length.</summary>
    public string Columns => LayerComments.Columns(Node, Sliced);

    /// <summary>The span of the tensor it saves for its backward with this suffix (<see cref="Layers.SavedSpec"/>).</summary>
    public string Saved(string suffix) => Layer.SavedVariable(suffix);

    public void Line(string line) => _writer.Line(line);

    /// <summary>A braced block (<c>header { … }</c>), its lines indented; dispose to close it.</summary>
    public System.IDisposable Open(string header) => _writer.Open(header);
}

/// <summary>
/// What a descriptor's backward emission is given for one node: dy and dx (slices of the delta buffers), its input and
/// output spans (marking each it reads with <see cref="Use"/>, so the pass declares it), its parameter and gradient
/// slices, and <see cref="Trainable"/> for the freezing logic every layer with parameters shares.
/// </summary>
internal sealed class BackwardEmission
{
    private readonly List<string> _statements;
    private readonly Action<string> _use;

    public BackwardEmission(LayerPlan layer, int trainableIndex, string dy, string dx, List<string> statements, Action<string> use)
    {
        // The backward pass runs in a step body (in StepContext ctx).
        Layer = layer;
        TrainableIndex = trainableIndex;
        Dy = dy;
        Dx = dx;
        _statements = statements;
        _use = use;
    }

    public LayerPlan Layer { get; }

    public GraphNode Node => Layer.Node;

    /// <summary>Its position among the layers with parameters (the index of <c>_freezing</c>), or -1.</summary>
    public int TrainableIndex { get; }

    public string X => Layer.InputVariable;

    public string Y => Layer.Variable;

    /// <summary>The output gradient's slice.</summary>
    public string Dy { get; }

    /// <summary>The sample stride of dy's rows (a slice of a concatenation's gradient; dx too for a backward in dy's buffer), or 0: contiguous.</summary>
    public int OutputGradientStride => Layer.OutputGradientStride;

    /// <summary>Whether any span it reads or writes has strided rows (the emitted call then runs per sample).</summary>
    public bool Strided => Layer.OutputStride != 0 || Layer.InputStride != 0 || Layer.OutputGradientStride != 0;

    /// <summary>One sample's rows of a span inside <see cref="PerSample"/>: <c>span.Slice(sample * stride, length)</c>, stride the length when 0.</summary>
    public static string Row(string span, int stride, int length) => LayerComments.Row(span, stride, length);

    /// <summary>Adds <paramref name="call"/> once per sample (<c>sample</c>).</summary>
    public void PerSample(string call) => Add(LayerComments.PerSample(call));

    /// <summary>The input gradient's slice, or <c>default</c> when it is not needed.</summary>
    public string Dx { get; }

    /// <summary>The standard header for a node whose gradient moves to another buffer: <c>// fc3: Dense · dy [n, 10] → dx [n, 84]</c>.</summary>
    public string Header
        => LayerComments.Header(Layer, $"dy {Node.Output.Batched} → dx {(Layer.InputGradient ? Node.Input.Batched : "(not needed)")}", inPlace: false);

    /// <summary>The header of an element-wise node whose gradient stays in dy's buffer.</summary>
    public string InPlaceHeader => LayerComments.Header(Layer, $"dy → dx {Layer.Operand.Batched}", inPlace: true);

    public string Weight => LayerComments.Slice("p", Layer.WeightOffset, Layer.WeightLength);

    /// <summary>The parameter slice of its bias (batch norm's β), or <c>default</c>.</summary>
    public string Bias => LayerComments.Slice("p", Layer.BiasOffset, Layer.BiasLength);

    /// <summary>Where the network's batch norms keep their statistics (Planning/NormalizationLayout).</summary>
    public NormalizationLayout Norm { get; init; } = null!;

    /// <summary>Which ReLUs a batch norm runs in its own passes (Planning/FusionLayout).</summary>
    public FusionLayout Fusion { get; init; } = null!;

    /// <summary>
    /// The weight gradient's slice of this thread's gradients; for a layer whose gradients are owned by output features
    /// (<see cref="LayerPlan.OwnedGradients"/>) only when the step runs on one thread (<c>owned</c> false), else
    /// <c>default</c>: the owned pass at the end of RunBackward computes it (<see cref="OwnedGradients"/>).
    /// </summary>
    public string WeightGradient => Owned(LayerComments.Slice("g", Layer.WeightOffset, Layer.WeightLength));

    /// <summary>The bias gradient's slice, or <c>default</c> (no bias; or owned, as <see cref="WeightGradient"/>).</summary>
    public string BiasGradient => Owned(LayerComments.Slice("g", Layer.BiasOffset, Layer.BiasLength));

    private string Owned(string slice)
        => Layer.OwnedGradients && slice != "default" ? $"{OwnedGradients.Flag} ? default : {slice}" : slice;

    public string Geometry => ConstantsEmitter.GeometryField(Layer);

    public string Columns => LayerComments.Columns(Node, sliced: true);

    /// <summary>The span of a tensor its forward saved (<see cref="Layers.SavedSpec"/>), marked used.</summary>
    public string Saved(string suffix) => Use(Layer.SavedVariable(suffix));

    /// <summary>
    /// For a join's inputs: true the first time a gradient span is written in the pass (the join copies into it), false
    /// after (a fork whose other consumer wrote it first: the join adds into it).
    /// </summary>
    public Func<string, bool> FirstWrite { get; init; } = _ => true;

    /// <summary>Marks a span the statements read, so RunBackward declares it; returns it.</summary>
    public string Use(string variable)
    {
        _use(variable);
        return variable;
    }

    public void Add(string statement) => _statements.Add(statement);

    /// <summary>
    /// A layer with parameters: the full backward while trained (its input gradient only if a layer upstream of it is
    /// trained), the input gradient alone while frozen and needed, nothing while frozen and not needed. No early return:
    /// in a graph another path may still need the nodes that run after it.
    /// <paramref name="call"/> makes the kernel call from (dx, dw, db).
    /// </summary>
    public void Trainable(Func<string, string, string, string> call)
    {
        string k = Literals.Int(TrainableIndex);
        if (!Layer.InputGradient)
        {
            Add($"if (!_freezing.IsFrozen({k})) {call("default", WeightGradient, BiasGradient)}");
            return;
        }
        Add($"if (!_freezing.IsFrozen({k})) {call($"_freezing.NeedsInputGradient({k}) ? {Dx} : default", WeightGradient, BiasGradient)}");
        Add($"else if (_freezing.NeedsInputGradient({k})) {call(Dx, "default", "default")}");
    }
}

/// <summary>The comment over each layer's call and the parameter slice expressions, shared by both passes.</summary>
internal static class LayerComments
{
    /// <summary>The comment over a layer's call: what it computes, in place or not, and why it runs out of the declared order.</summary>
    public static string Header(LayerPlan layer, string shapes, bool inPlace)
    {
        GraphNode node = layer.Node;
        string header = $"// {node.FullName}: {node.Descriptor.Describe(node)} · {shapes}";
        if (inPlace && node.Role == Layers.LayerRole.Activation) header += ", in place";
        if (layer.Note.Length > 0) header += "; " + layer.Note;
        return header;
    }

    /// <summary>A node's im2col buffer: the chunk workspace's column buffer, or in a step body the thread's private scratch.</summary>
    public static string Columns(GraphNode node, bool sliced)
        => $"{(sliced ? "ctx.Scratch" : "workspace.Columns")}({Literals.Int(node.Descriptor.ColumnLength(node))})";

    /// <summary>One sample's rows of a span: <c>span.Slice(sample * stride, length)</c> (stride <paramref name="length"/> when 0: contiguous).</summary>
    public static string Row(string span, int stride, int length)
        => $"{span}.Slice(sample * {Literals.Int(stride == 0 ? length : stride)}, {Literals.Int(length)})";

    /// <summary>A statement run once per sample of the pass (<c>sample</c> in 0..n).</summary>
    public static string PerSample(string call) => $"for (int sample = 0; sample < n; sample++) {call}";

    /// <summary>The parameter (or gradient) slice of a weight or bias, or <c>default</c> when the layer has none.</summary>
    public static string Slice(string buffer, int offset, int length) => offset < 0 ? "default" : $"{buffer}.Slice({Literals.Int(offset)}, {Literals.Int(length)})";
}
