using System;

namespace Compiled.Networks;

/// <summary>
/// Which layers with parameters of a generated network are frozen, and what that spares the backward pass.
/// A frozen layer's weight and bias gradients are not computed (its part of <see cref="ITrainableNetwork.Gradients"/> is
/// left as it is); its input gradient is still computed while some earlier layer with parameters is trained, and the
/// backward pass ends at the first layer below which every layer with parameters is frozen.
/// </summary>
/// <remarks>
/// Generated networks hold one of these and consult it in their backward pass (<see cref="IsFrozen(int)"/>,
/// <see cref="NeedsInputGradient"/>); change it only between training steps. The optimizer must skip frozen tensors too,
/// or momentum and weight decay keep moving them: the <see cref="Training.Trainer"/> freezes them in its optimizer, by hand
/// call <c>optimizer.Freeze(layer)</c> (after <c>optimizer.SetGroups(network.ParameterTable)</c>).
/// </remarks>
public sealed class LayerFreezing
{
    private readonly string _network;
    private readonly string[] _layers;
    private readonly bool[] _hasInputGradient;
    private readonly bool[] _frozen;
    private readonly bool[] _needsInputGradient;

    /// <param name="network">The network's class name, for messages.</param>
    /// <param name="layers">Its layers with parameters, in forward order.</param>
    /// <param name="hasInputGradient">For each, whether its backward computes an input gradient at all (false for the first).</param>
    public LayerFreezing(string network, string[] layers, bool[] hasInputGradient)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(hasInputGradient);
        if (layers.Length != hasInputGradient.Length) throw new ArgumentException("One input-gradient flag per layer is needed.", nameof(hasInputGradient));
        _network = network;
        _layers = layers;
        _hasInputGradient = hasInputGradient;
        _frozen = new bool[layers.Length];
        _needsInputGradient = (bool[])hasInputGradient.Clone();
    }

    /// <summary>Whether layer number <paramref name="layer"/> (among the layers with parameters) is frozen.</summary>
    public bool IsFrozen(int layer) => _frozen[layer];

    /// <summary>Whether layer number <paramref name="layer"/> must compute its input gradient: some earlier layer with parameters is trained.</summary>
    public bool NeedsInputGradient(int layer) => _needsInputGradient[layer];

    /// <summary>Whether the layer named <paramref name="layer"/> is frozen.</summary>
    /// <exception cref="ArgumentException">No layer with parameters has that name.</exception>
    public bool IsFrozen(string layer) => _frozen[IndexOf(layer)];

    /// <summary>Freezes or unfreezes the layer named <paramref name="layer"/>.</summary>
    /// <exception cref="ArgumentException">No layer with parameters has that name.</exception>
    public void Set(string layer, bool frozen)
    {
        _frozen[IndexOf(layer)] = frozen;
        bool trainedBelow = false;
        for (int k = 0; k < _layers.Length; k++)
        {
            _needsInputGradient[k] = _hasInputGradient[k] && trainedBelow;
            trainedBelow |= !_frozen[k];
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
