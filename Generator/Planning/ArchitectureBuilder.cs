using System.Text;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// The canonical one-line architecture a network reports as <c>INetwork.Architecture</c> and checkpoints hash to refuse
/// loading into a different network: the input shape, then every declared layer in order with its kind, name, the
/// resolved arguments that change parameters or shapes, and its output shape; the loss head by kind only.
/// For example <c>Input[1,28,28];Conv2D conv1 filters=6 kernel=5 stride=1 padding=2 bias=true -&gt;[6,28,28];ReLU relu1 -&gt;[6,28,28];...;SoftmaxCrossEntropy</c>.
/// A node that does not read the previous one's output (a join, a branch) lists what it reads: <c>Add add1 inputs=relu1,tanh1 -&gt;[4]</c>.
/// Arguments that change neither (an activation's slope, the initialization, a hinge margin) are left out, so
/// a checkpoint still loads after they change. The format is stable: changing it invalidates every saved checkpoint.
/// </summary>
internal static class ArchitectureBuilder
{
    public static string Build(ShapedNetwork network)
    {
        NetworkGraph graph = network.Graph;
        var text = new StringBuilder();
        text.Append("Input").Append(graph.Input.Compact);
        foreach (GraphNode node in graph.Nodes)
        {
            text.Append(';');
            if (node.Role == LayerRole.Loss)
            {
                text.Append(node.Descriptor.Kind);
                continue;
            }
            text.Append(node.Descriptor.Kind).Append(' ').Append(node.FullName);
            text.Append(node.Descriptor.ArchitectureArguments(node));
            if (!(node.Inputs.Count == 1 && node.Inputs[0] == node.Index - 1))
            {
                // Not the previous node's output (a join, a branch): name what it reads. Chains never write this.
                var inputs = new string[node.Inputs.Count];
                for (int i = 0; i < inputs.Length; i++) inputs[i] = node.Inputs[i] == GraphNode.NetworkInput ? "input" : graph[node.Inputs[i]].FullName;
                text.Append(" inputs=").Append(string.Join(",", inputs));
            }
            text.Append(" ->").Append(node.Output.Compact);
        }
        return text.ToString();
    }
}
