using System.Collections.Generic;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;

namespace Compiled.Generator.Planning;

/// <summary>
/// Which tensors a training step keeps in the workspace and when each is alive, on one timeline: forward step k at time
/// k, the loss at K (the number of nodes before the loss head), the backward of step k at 2K − k. A node's output is
/// written at its forward step and read by its consumers' forward steps, by the loss (the last node), and by the backward
/// of any node that reads it again (<see cref="LayerDescriptor.BackwardReads"/>: a Dense or Conv2D its input, a ReLU its
/// output). An output gradient is written by the loss or by the backward that computes it and read by the next backward.
/// A node that runs in place or aliases its input (Flatten) shares its input's tensor, and a backward that works in dy's
/// buffer (or a sum's, for one of its inputs) shares its output gradient with its input gradient; the shared tensor lives as
/// long as its longest use.
/// <see cref="WorkspaceAllocator"/> then gives every tensor an offset, reusing the memory of dead ones.
/// </summary>
internal static class Liveness
{
    /// <summary>The tensors and, per node, the one holding its output and the one holding its output's gradient (null where there is none).</summary>
    public sealed record Result(List<WorkspaceBuffer> Tensors, WorkspaceBuffer?[] Outputs, WorkspaceBuffer?[] Gradients, WorkspaceBuffer?[] Temporaries);

    /// <param name="graph">The network.</param>
    /// <param name="order">The run order (<see cref="RunOrder"/>).</param>
    /// <param name="count">Nodes before the loss head.</param>
    /// <param name="writes">Per node: whether it writes a tensor of its own (not in place, not an alias).</param>
    /// <param name="variables">Per node: the local name of its output span.</param>
    /// <param name="operands">Per node: the shape its kernel produces.</param>
    /// <param name="backward">Per node: whether the backward pass visits it.</param>
    /// <param name="inputGradient">Per node: whether its backward computes its input's gradient.</param>
    /// <param name="dependsOnParameters">Per node: whether its output depends on parameters (only then does its gradient matter).</param>
    /// <param name="training">Whether a backward pass exists at all (an inference-only network keeps nothing for it).</param>
    /// <param name="owned">Per node: whether its weight gradient is owned by output features (<see cref="CostModel.OwnsWeightGradient"/>),
    /// computed after a barrier at the end of the backward pass from every thread's rows: its input and its output's gradient
    /// are read then, at time 2K + 1, so no later backward reuses their memory while another thread may still read it.</param>
    /// <param name="fusedRelu">Per node: for a batch norm fused with the ReLU after it (<see cref="FusionLayout"/>), that ReLU's
    /// index, else -1. The ReLU's output is alive from the step of the batch norm's producer (which may write it: a
    /// convolution's ReLU epilogue in evaluation, into a region clear of its input) to the batch norm's backward, which reads
    /// it and the batch norm's input.</param>
    /// <param name="residualRunner">Per node: for a residual sum or the ReLU after it that evaluation runs in a convolution's
    /// epilogue (<see cref="FusionLayout.ResidualRunners"/>), that convolution's index, else -1. The node's output is alive
    /// from the convolution's step, which writes it there, so it lies clear of the convolution's input and of the shortcut.</param>
    public static Result Of(NetworkGraph graph, RunOrder order, int count, bool[] writes, string[] variables, TensorShape[] operands,
        bool[] backward, bool[] inputGradient, bool[] dependsOnParameters, bool training, bool[] owned, int[] fusedRelu, int[] residualRunner)
    {
        var stepOf = new int[count];
        for (int k = 0; k < count; k++) stepOf[order.Steps[k]] = k;
        var fusedStart = new int[count];
        for (int i = 0; i < count; i++) fusedStart[i] = -1;
        for (int i = 0; i < count; i++)
        {
            if (fusedRelu[i] < 0) continue;
            int producer = order.RunInputs[i];
            fusedStart[fusedRelu[i]] = producer == GraphNode.NetworkInput ? stepOf[i] : stepOf[producer];
        }
        for (int i = 0; i < count; i++)
        {
            if (residualRunner[i] >= 0) fusedStart[i] = stepOf[residualRunner[i]];
        }

        var tensors = new List<WorkspaceBuffer>();
        var outputs = new WorkspaceBuffer?[count];
        var gradients = new WorkspaceBuffer?[count];
        var temporaries = new WorkspaceBuffer?[count];
        int end = count; // the loss

        for (int k = 0; k < count; k++)
        {
            int i = order.Steps[k];
            int input = order.RunInputs[i];
            WorkspaceBuffer? read = input == GraphNode.NetworkInput ? null : outputs[input];
            if (read is not null) read.End = System.Math.Max(read.End, k);
            if (graph[i].Inputs.Count > 1)
            {
                // A join reads every input.
                foreach (int source in graph[i].Inputs)
                {
                    if (source != GraphNode.NetworkInput) Extend(outputs[source], k);
                }
            }
            if (writes[i])
            {
                outputs[i] = new WorkspaceBuffer(variables[i], operands[i].Length, fusedStart[i] >= 0 ? fusedStart[i] : k, k, isGradient: false);
                tensors.Add(outputs[i]!);
            }
            else
            {
                outputs[i] = read;
            }
        }
        if (count == 0) return new Result(tensors, outputs, gradients, temporaries);
        int last = order.Steps[count - 1];
        outputs[last]!.End = System.Math.Max(outputs[last]!.End, end); // the loss (or Predict's link) reads the network's output
        if (!training) return new Result(tensors, outputs, gradients, temporaries);

        // The loss writes dLoss/dOutput, which the last node's backward (if any) reads.
        gradients[last] = new WorkspaceBuffer(LayerNames(graph[last]) + "Delta", operands[last].Length, end, end, isGradient: true);
        tensors.Add(gradients[last]!);
        for (int k = count - 1; k >= 0; k--)
        {
            int i = order.Steps[k];
            if (!backward[i]) continue; // before the first layer with parameters, or on a path no parameter feeds
            int time = 2 * count - k;
            GraphNode node = graph[i];
            int input = order.RunInputs[i];
            SavedTensors reads = node.Descriptor.BackwardReads;
            if ((reads & SavedTensors.Input) != 0 && input != GraphNode.NetworkInput) Extend(outputs[input], time);
            if ((reads & SavedTensors.Output) != 0) Extend(outputs[i], time);
            if (fusedRelu[i] >= 0)
            {
                // Batch norm + ReLU: its backward reads its input x and the ReLU's output y.
                if (input != GraphNode.NetworkInput) Extend(outputs[input], time);
                Extend(outputs[fusedRelu[i]], time);
            }

            WorkspaceBuffer dy = gradients[i] ?? throw new System.InvalidOperationException($"no gradient reaches {node.FullName}");
            dy.End = System.Math.Max(dy.End, time);
            if (owned[i])
            {
                // Read again by the owned weight gradients, after every backward step.
                int afterBackward = 2 * count + 1;
                dy.End = afterBackward;
                if (input != GraphNode.NetworkInput) Extend(outputs[input], afterBackward);
            }
            if (!inputGradient[i]) continue;
            // A join hands a gradient to each input; a layer to the one it reads in the run order.
            int[] inputs = node.Inputs.Count > 1 ? ToArray(node.Inputs) : new[] { input };
            bool handedOn = false; // a sum hands dy's buffer itself to one input (HandsOnGradient)
            foreach (int source in inputs)
            {
                if (source == GraphNode.NetworkInput || !dependsOnParameters[source]) continue;
                bool fork = graph.IsFork(source);
                if (gradients[source] is { } shared)
                {
                    // A fork: every consumer adds its part into one gradient, alive from the first writer on. A later
                    // layer whose kernel writes dx elsewhere than dy gets a temporary to add from.
                    shared.Start = System.Math.Min(shared.Start, time);
                    shared.End = System.Math.Max(shared.End, time);
                    if (node.Inputs.Count == 1 && !node.Descriptor.BackwardInPlace && !node.Descriptor.CanAccumulateInputGradient)
                    {
                        temporaries[i] = new WorkspaceBuffer(LayerNames(node) + "InputDelta", operands[source].Length, time, time, isGradient: true);
                        tensors.Add(temporaries[i]!);
                    }
                }
                else if (node.Descriptor.BackwardInPlace && !fork)
                {
                    gradients[source] = dy;
                }
                else if (!handedOn && !fork && HandsOnGradient(node, source))
                {
                    gradients[source] = dy;
                    handedOn = true;
                }
                else
                {
                    gradients[source] = new WorkspaceBuffer(LayerNames(graph[source]) + "Delta", operands[source].Length, time, time, isGradient: true);
                    tensors.Add(gradients[source]!);
                }
            }
        }
        return new Result(tensors, outputs, gradients, temporaries);

        static void Extend(WorkspaceBuffer? tensor, int time)
        {
            if (tensor is not null) tensor.End = System.Math.Max(tensor.End, time);
        }
    }

    /// <summary>
    /// Whether the sum <paramref name="node"/> hands dy's buffer itself to its input <paramref name="source"/> as that input's
    /// gradient: dL/d(input) = dy for every input of a sum, so one input (the first that is no fork's and that the sum reads
    /// once) takes dy where it lies and the sum's backward copies dy only to the others, at its own step, before any input's
    /// backward can change its gradient in place. dy is never a strided slice of a concatenation's gradient here (a sum reads
    /// contiguous rows, <see cref="ConcatPlacement"/>).
    /// </summary>
    private static bool HandsOnGradient(GraphNode node, int source)
    {
        if (node.Descriptor is not Layers.Joins.AddJoin) return false;
        int uses = 0;
        foreach (int other in node.Inputs)
        {
            if (other == source) uses++;
        }
        return uses == 1;
    }

    private static int[] ToArray(Model.EquatableArray<int> items)
    {
        var array = new int[items.Count];
        for (int i = 0; i < array.Length; i++) array[i] = items[i];
        return array;
    }

    private static string LayerNames(GraphNode node) => Shapes.LayerNames.ToCamel(node.Identifier);
}
