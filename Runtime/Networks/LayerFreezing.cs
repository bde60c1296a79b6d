using System;

namespace Compiled.Networks;

/// <summary>
/// Which layers with parameters of a generated network are frozen, and what that spares the backward pass.
/// A frozen layer's weight and bias gradients are not computed (its part of <see cref="ITrainableNetwork.Gradients"/> is
/// left as it is). The network is a graph of nodes (forks and joins included): the gradient of a node's output is needed
/// iff the node or some node upstream of it (through any path) is a trained layer with parameters, and a node's backward
/// runs iff the gradient of one of its inputs is needed (or it is itself trained).
/// </summary>
/// <remarks>
/// Generated networks hold one of these and consult it in their backward pass (<see cref="IsFrozen(int)"/>,
/// <see cref="NeedsInputGradient"/>, <see cref="RunsBackward"/>); change it only between training steps. The optimizer must
/// skip frozen tensors too, or momentum and weight decay keep moving them: the <see cref="Training.Trainer"/> freezes them
/// in its optimizer, by hand call <c>optimizer.Freeze(layer)</c> (after <c>optimizer.SetGroups(network.ParameterTable)</c>).
/// </remarks>
public sealed class LayerFreezing
{
    private readonly string _network;
    private readonly string[] _layers;
    private readonly int[] _layerNodes;
    private readonly int[][] _nodeInputs;
    private readonly int[] _nodeLayers;
    private readonly bool[] _frozen;
    private readonly bool[] _live;       // per node: the gradient of its output is needed
    private readonly bool[] _runs;       // per node: the gradient of one of its inputs is needed

    /// <param name="network">The network's class name, for messages.</param>
    /// <param name="layers">Its layers with parameters, in forward order.</param>
    /// <param name="layerNodes">For each of <paramref name="layers"/>, the index of its node in the graph.</param>
    /// <param name="nodeInputs">For each node of the graph in topological order, the indices of the nodes it reads (the
    /// network's input is left out; every index is below the node's own).</param>
    /// <exception cref="ArgumentException">The tables disagree: lengths differ, or an index is out of range or not upstream.</exception>
    public LayerFreezing(string network, string[] layers, int[] layerNodes, int[][] nodeInputs)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(layerNodes);
        ArgumentNullException.ThrowIfNull(nodeInputs);
        if (layers.Length != layerNodes.Length) throw new ArgumentException("One node index per layer with parameters is needed.", nameof(layerNodes));
        _network = network;
        _layers = layers;
        _layerNodes = layerNodes;
        _nodeInputs = nodeInputs;
        _nodeLayers = new int[nodeInputs.Length];
        Array.Fill(_nodeLayers, -1);
        for (int k = 0; k < layerNodes.Length; k++)
        {
            int node = layerNodes[k];
            if ((uint)node >= (uint)nodeInputs.Length || _nodeLayers[node] >= 0)
                throw new ArgumentException($"Layer '{layers[k]}' has node index {node}, which is out of range or taken.", nameof(layerNodes));
            _nodeLayers[node] = k;
        }
        for (int i = 0; i < nodeInputs.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(nodeInputs[i], nameof(nodeInputs));
            foreach (int input in nodeInputs[i])
            {
                if (input < 0 || input >= i) throw new ArgumentException($"Node {i} reads node {input}, which is not upstream of it.", nameof(nodeInputs));
            }
        }
        _frozen = new bool[layers.Length];
        _live = new bool[nodeInputs.Length];
        _runs = new bool[nodeInputs.Length];
        Update();
    }

    /// <summary>Whether layer number <paramref name="layer"/> (among the layers with parameters) is frozen.</summary>
    public bool IsFrozen(int layer) => _frozen[layer];

    /// <summary>
    /// Whether layer number <paramref name="layer"/> (among the layers with parameters) must compute its input gradient:
    /// some layer with parameters upstream of its input is trained.
    /// </summary>
    public bool NeedsInputGradient(int layer) => _runs[_layerNodes[layer]];

    /// <summary>
    /// Whether node number <paramref name="node"/> of the graph must run its backward for its inputs: the gradient of at
    /// least one of them is needed (a trained layer with parameters is upstream of it). A layer with parameters also runs
    /// it for its own gradients while it is trained.
    /// </summary>
    public bool RunsBackward(int node) => _runs[node];

    /// <summary>Whether the layer named <paramref name="layer"/> is frozen.</summary>
    /// <exception cref="ArgumentException">No layer with parameters has that name.</exception>
    public bool IsFrozen(string layer) => _frozen[IndexOf(layer)];

    /// <summary>Freezes or unfreezes the layer named <paramref name="layer"/>.</summary>
    /// <exception cref="ArgumentException">No layer with parameters has that name.</exception>
    public void Set(string layer, bool frozen)
    {
        _frozen[IndexOf(layer)] = frozen;
        Update();
    }

    // Nodes come in topological order, so one forward sweep settles which gradients are needed.
    private void Update()
    {
        for (int i = 0; i < _nodeInputs.Length; i++)
        {
            bool inputs = false;
            foreach (int input in _nodeInputs[i]) inputs |= _live[input];
            int layer = _nodeLayers[i];
            _runs[i] = inputs;
            _live[i] = inputs || (layer >= 0 && !_frozen[layer]);
        }
    }

    private int IndexOf(string layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        int index = Array.IndexOf(_layers, layer);
        if (index >= 0) return index;
        string known = _layers.Length == 0 ? "it has none" : "they are: " + string.Join(", ", _layers);
        throw new ArgumentException($"{_network} has no layer with parameters named '{layer}'; {known}.", nameof(layer));
    }
}
