using System.Collections.Generic;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Graph;

/// <summary>
/// A network as a directed acyclic graph: its input shape and its nodes in topological order (every node's inputs come
/// before it). The loss head, if any, is the last node. A chain of layers is the special case where node i reads node
/// i − 1; forks (an output read by several nodes) and joins (<see cref="Layers.Joins.AddJoin"/>,
/// <see cref="Layers.Joins.ConcatJoin"/>) are the general one.
/// </summary>
internal sealed record NetworkGraph(TensorShape Input, EquatableArray<GraphNode> Nodes)
{
    public int Count => Nodes.Count;

    public GraphNode this[int index] => Nodes[index];

    /// <summary>The loss head (the last node when its role is Loss), or null.</summary>
    public GraphNode? Loss => Count > 0 && Nodes[Count - 1].Role == LayerRole.Loss ? Nodes[Count - 1] : null;

    /// <summary>The nodes that read <paramref name="index"/>'s output (<see cref="GraphNode.NetworkInput"/>: the network's input), in order.</summary>
    public List<GraphNode> Consumers(int index)
    {
        var consumers = new List<GraphNode>();
        foreach (GraphNode node in Nodes)
        {
            foreach (int input in node.Inputs)
            {
                if (input == index)
                {
                    consumers.Add(node);
                    break;
                }
            }
        }
        return consumers;
    }

    /// <summary>
    /// Whether the output of <paramref name="index"/> feeds several consumers (a fork): their input gradients then meet
    /// in one delta buffer, so each backward adds (<c>dx +=</c>) instead of overwriting.
    /// </summary>
    public bool IsFork(int index)
    {
        int uses = 0;
        foreach (GraphNode node in Nodes)
        {
            foreach (int input in node.Inputs)
            {
                if (input == index) uses++;
            }
        }
        return uses > 1;
    }
}
