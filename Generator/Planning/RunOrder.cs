using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Layers.Activations;

namespace Compiled.Generator.Planning;

/// <summary>
/// The graph rewrite that decides the order the emitted code runs the nodes in, and which tensor each reads and writes.
/// It changes only the work done, never a result: the summary, constants and diagnostics keep the declared graph.
/// Today one rewrite: a ReLU whose only consumer is a MaxPool runs after it, on the pooled tensor (see <see cref="PoolsFirst"/>).
/// </summary>
internal sealed class RunOrder
{
    private RunOrder(int[] steps, int[] runInputs, int[] swappedWith)
    {
        Steps = steps;
        RunInputs = runInputs;
        SwappedWith = swappedWith;
    }

    /// <summary>The node indices in run order.</summary>
    public int[] Steps { get; }

    /// <summary>Per node: the node whose output it reads in the run order (<see cref="GraphNode.NetworkInput"/> for the input).</summary>
    public int[] RunInputs { get; }

    /// <summary>Per node: the node it swapped places with, or -1.</summary>
    public int[] SwappedWith { get; }

    /// <summary>
    /// Whether the ReLU <paramref name="relu"/> runs after the MaxPool that is its only consumer, on the pooled tensor:
    /// max(relu(x)) = relu(max(x)) exactly, and the arg-max is the same element whenever the gradient is not zero (a
    /// window with a positive maximum keeps it; a window without one gets dx = 0 in both orders). Not for LeakyReLU or
    /// ELU: slope·x can round two different negatives to one float, and the tie would move the gradient. Not when the
    /// pool is the network's output node (it writes the network's output). <paramref name="count"/>: nodes before the loss head.
    /// </summary>
    /// <remarks>Not for a ReLU a training batch norm runs with its normalization (<paramref name="fusedRelus"/>, see
    /// <see cref="FusionLayout"/>): normalize + ReLU in one pass costs less than a separate ReLU on the pooled tensor.</remarks>
    public static bool PoolsFirst(NetworkGraph graph, int relu, int count, bool[] fusedRelus)
    {
        if (relu + 2 >= count || graph[relu].Descriptor is not ReluLayer || fusedRelus[relu]) return false;
        GraphNode pool = graph[relu + 1];
        if (pool.Descriptor is not MaxPoolLayer || pool.Inputs.Count != 1 || pool.Inputs[0] != relu) return false;
        if (graph.Consumers(relu).Count != 1) return false;
        // The swap reroutes the pool's readers to the ReLU; keep it to a pool read by one ordinary layer (not a fork, not a join).
        var readers = graph.Consumers(relu + 1);
        return readers.Count <= 1 && readers.TrueForAll(r => r.Inputs.Count == 1);
    }

    /// <summary>Applies the rewrite to the first <paramref name="count"/> nodes (those before the loss head); <paramref name="fusedRelus"/>: per node, a ReLU a batch norm runs.</summary>
    public static RunOrder Of(NetworkGraph graph, int count, bool[] fusedRelus)
    {
        var steps = new int[count];
        var runInputs = new int[count];
        var swapped = new int[count];
        for (int i = 0; i < count; i++)
        {
            runInputs[i] = graph[i].Inputs[0];
            swapped[i] = -1;
        }
        for (int i = 0; i < count; i++)
        {
            if (PoolsFirst(graph, i, count, fusedRelus))
            {
                steps[i] = i + 1;
                steps[i + 1] = i;
                runInputs[i + 1] = runInputs[i]; // the pool reads what the ReLU read
                runInputs[i] = i + 1;            // the ReLU works on the pooled tensor
                swapped[i] = i + 1;
                swapped[i + 1] = i;
                // The pool's consumers now read the ReLU's output: relu(max(x)), the value the declared pool gave.
                for (int j = i + 2; j < count; j++)
                {
                    if (runInputs[j] == i + 1) runInputs[j] = i;
                }
                i++;
            }
            else
            {
                steps[i] = i;
            }
        }
        return new RunOrder(steps, runInputs, swapped);
    }

    /// <summary>
    /// Whether <paramref name="node"/> may overwrite the tensor it reads: its backward reads only its output
    /// (<see cref="LayerDescriptor.CanRunInPlace"/>: ReLU, Sigmoid, Tanh; not LeakyReLU or ELU, which read x), that
    /// tensor's producer writes a buffer of its own whose values its backward does not need (<see cref="LayerDescriptor.MayBeOverwritten"/>:
    /// Dense, Conv2D, a pool; not the network input, an activation or a Flatten alias), and it is not the output node
    /// (that one writes the network's output).
    /// </summary>
    public static bool InPlace(GraphNode node, GraphNode? producer, bool last)
        => !last && node.Descriptor.CanRunInPlace && producer is not null && producer.Descriptor.MayBeOverwritten;
}
