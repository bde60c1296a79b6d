using System.Collections.Generic;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers.Joins;

namespace Compiled.Generator.Planning;

/// <summary>
/// Where a concatenation's inputs live: a branch whose last tensor is only the concatenation's is placed in its channel
/// slice of the concatenation's output ([n, ΣC, ...] rows; the slice starts at the channels before it and its samples are
/// ΣC·h·w apart), so the nodes that write that tensor (its writer and the nodes running in place over it: Conv2D, then
/// BatchNorm, then ReLU) write straight into the concatenation and the join copies nothing forward. In training, the
/// branch's output gradient is likewise its slice of the concatenation's gradient when every backward that reads it can
/// read strided rows (an activation working in dy's buffer hands it on to the node before it); otherwise the join copies
/// that slice out as before.
/// </summary>
/// <remarks>
/// A tensor is placed only when each node writing or reading it can work on strided rows
/// (<see cref="Layers.LayerDescriptor.WritesStridedOutput"/>, <see cref="Layers.LayerDescriptor.ReadsStridedOutputGradient"/>),
/// it is not a fork's (another consumer would read it, or add its gradient, contiguously), not the network's input, not
/// another join's output, and no node producing it moved in the run order. Liveness then treats the placed tensor and the
/// concatenation's as one region: <see cref="Merge"/> widens the concatenation's lifetime to cover the placed tensor's and
/// drops the placed one from the allocation (it has no floats of its own), so the allocator's overlap check still holds.
/// </remarks>
internal sealed class ConcatPlacement
{
    private readonly List<(int Concat, int Source, int Offset, int Stride)> _outputs = new();
    private readonly List<(int Concat, int Source, int Offset, int Stride)> _gradients = new();

    /// <summary>Per node: the sample stride of its output's rows when its output is placed in a concatenation; 0 when contiguous.</summary>
    public int[] OutputStrides { get; }

    /// <summary>Per node: the sample stride of its output gradient's rows when that is a slice of a concatenation's gradient; 0 when contiguous.</summary>
    public int[] GradientStrides { get; }

    /// <summary>Per node: for a concatenation, which inputs are placed in its output (it copies only the others).</summary>
    public bool[][] PlacedInputs { get; }

    /// <summary>Per node: for a concatenation, which inputs' gradients are slices of its gradient (it copies only the others' out).</summary>
    public bool[][] PlacedInputGradients { get; }

    /// <summary>Per node: the concatenation and channel offset its output is a slice of; (-1, 0) when it has its own region (or shares an input's).</summary>
    public (int Concat, int Offset)[] Views { get; }

    private ConcatPlacement(int count)
    {
        OutputStrides = new int[count];
        GradientStrides = new int[count];
        PlacedInputs = new bool[count][];
        PlacedInputGradients = new bool[count][];
        Views = new (int, int)[count];
        for (int i = 0; i < count; i++) Views[i] = (-1, 0);
    }

    /// <param name="graph">The network.</param>
    /// <param name="order">The run order.</param>
    /// <param name="count">Nodes before the loss head.</param>
    /// <param name="writes">Per node: whether it writes a tensor of its own.</param>
    /// <param name="dependsOnParameters">Per node: whether a gradient flows through it.</param>
    /// <param name="training">Whether there is a backward pass.</param>
    /// <param name="fusedRelus">Per node: a ReLU whose forward and backward a training batch norm runs (<see cref="FusionLayout"/>).</param>
    public static ConcatPlacement Of(NetworkGraph graph, RunOrder order, int count, bool[] writes, bool[] dependsOnParameters, bool training, bool[] fusedRelus)
    {
        var placement = new ConcatPlacement(count);
        for (int c = 0; c < count; c++)
        {
            GraphNode concat = graph[c];
            placement.PlacedInputs[c] = new bool[concat.Inputs.Count];
            placement.PlacedInputGradients[c] = new bool[concat.Inputs.Count];
            if (concat.Descriptor is not ConcatJoin || concat.Output.HasTimeAxis) continue;
            int stride = concat.Output.Length, offset = 0;
            for (int j = 0; j < concat.Inputs.Count; offset += concat.InputShapes[j].Length, j++)
            {
                int source = concat.Inputs[j];
                if (source == GraphNode.NetworkInput || graph.IsFork(source) || OccursTwice(concat, source)) continue;
                if (!Writer(graph, order, writes, fusedRelus, source, out List<int> chain)) continue;
                placement.PlacedInputs[c][j] = true;
                placement.Views[chain[chain.Count - 1]] = (c, offset);
                foreach (int node in chain) placement.OutputStrides[node] = stride;
                placement._outputs.Add((c, source, offset, stride));

                if (!training || !dependsOnParameters[source] || !GradientChain(graph, order, source, dependsOnParameters, out List<int> readers)) continue;
                placement.PlacedInputGradients[c][j] = true;
                foreach (int node in readers) placement.GradientStrides[node] = stride;
                placement._gradients.Add((c, source, offset, stride));
            }
        }
        return placement;
    }

    /// <summary>
    /// The nodes that write or read the tensor holding <paramref name="source"/>'s output, from <paramref name="source"/>
    /// back to its writer (the last one); false when one of them cannot work on strided rows. A ReLU fused with the batch norm
    /// before it in training is written and masked by the batch norm's kernels, which take contiguous rows: its branch keeps
    /// the copy.
    /// </summary>
    private static bool Writer(NetworkGraph graph, RunOrder order, bool[] writes, bool[] fusedRelus, int source, out List<int> chain)
    {
        chain = new List<int>();
        for (int node = source; ; node = order.RunInputs[node])
        {
            if (node == GraphNode.NetworkInput || order.SwappedWith[node] >= 0 || fusedRelus[node] || !graph[node].Descriptor.WritesStridedOutput) return false;
            chain.Add(node);
            if (writes[node]) return true;
        }
    }

    /// <summary>
    /// The backwards that read <paramref name="source"/>'s output gradient: the source's, and while a backward works in dy's
    /// buffer (an activation), the one before it, up to the first that writes its dx elsewhere; false when one cannot read
    /// strided rows or the gradient would reach a fork (whose consumers add contiguous gradients).
    /// </summary>
    private static bool GradientChain(NetworkGraph graph, RunOrder order, int source, bool[] dependsOnParameters, out List<int> readers)
    {
        readers = new List<int>();
        for (int node = source; ; )
        {
            if (order.SwappedWith[node] >= 0 || !graph[node].Descriptor.ReadsStridedOutputGradient) return false;
            readers.Add(node);
            if (!graph[node].Descriptor.BackwardInPlace) return true;
            int input = order.RunInputs[node];
            if (input == GraphNode.NetworkInput || !dependsOnParameters[input]) return true; // no gradient goes further
            if (graph.IsFork(input)) return false;
            node = input;
        }
    }

    private static bool OccursTwice(GraphNode concat, int source)
    {
        int uses = 0;
        foreach (int input in concat.Inputs)
        {
            if (input == source) uses++;
        }
        return uses > 1;
    }

    /// <summary>
    /// After liveness: each placed tensor becomes a view of its concatenation's (the concatenation's lifetime widened to
    /// cover it) and leaves the allocation. Returns the views, keyed by the placed tensor, with their parent, channel offset
    /// and stride.
    /// </summary>
    public List<WorkspaceView> Merge(Liveness.Result live)
    {
        var views = new List<WorkspaceView>();
        foreach ((int concat, int source, int offset, int stride) in _outputs)
            views.Add(Alias(live, live.Outputs[source]!, live.Outputs[concat]!, offset, stride));
        foreach ((int concat, int source, int offset, int stride) in _gradients)
        {
            if (live.Gradients[source] is { } child && live.Gradients[concat] is { } parent) views.Add(Alias(live, child, parent, offset, stride));
        }
        return views;
    }

    private static WorkspaceView Alias(Liveness.Result live, WorkspaceBuffer child, WorkspaceBuffer parent, int offset, int stride)
    {
        parent.Start = System.Math.Min(parent.Start, child.Start);
        parent.End = System.Math.Max(parent.End, child.End);
        live.Tensors.Remove(child);
        return new WorkspaceView(child, parent, offset, stride);
    }
}

/// <summary>A tensor placed inside another's rows (a branch's channel slice of a concatenation): no floats of its own.</summary>
internal sealed record WorkspaceView(WorkspaceBuffer Tensor, WorkspaceBuffer Parent, int Offset, int Stride);
