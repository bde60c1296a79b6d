using System;
using System.Collections.Generic;

namespace Compiled;

/// <summary>
/// Inference on a snapshot of a network: what <see cref="INetwork.CreateInferenceSession"/> returns. The session runs its own
/// copy of the network, made with the parameters and state the network had then; training the network afterwards, loading a
/// checkpoint into it or writing into its <see cref="INetwork.Parameters"/> does not reach the session (make a new one), as
/// a network frozen or exported for serving in PyTorch (<c>torch.jit.freeze</c>) or an ONNX Runtime session does not follow
/// the module it came from.
/// </summary>
/// <remarks>
/// <para>
/// Because nothing can change its weights, a session skips the check that a network's own <c>Forward</c> and <c>Predict</c>
/// make on every call: that the weights inference derives packed or transformed filters and folded batch norms from are
/// those of the last call (a comparison of every such weight with a copy). On one sample that check is a noticeable part of
/// a convolutional network's call; on a batch it is shared by the samples. The outputs are those of the network's own
/// <c>Forward</c> and <c>Predict</c> on the same weights and thread count, bit for bit.
/// </para>
/// <para>
/// Like a network, a session owns worker threads: dispose it to end them. It is not for concurrent callers (one call at a
/// time, as a network).
/// </para>
/// </remarks>
public sealed class InferenceSession : IDisposable
{
    private readonly INetwork _network;

    /// <summary>
    /// A session over <paramref name="network"/>, which it owns from now on (and disposes). Generated networks create their
    /// sessions over a copy of themselves that nothing else references (<see cref="INetwork.CreateInferenceSession"/>);
    /// over a network that others still reference and change, the session's calls follow those changes as the network's own
    /// calls do.
    /// </summary>
    public InferenceSession(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
    }

    /// <summary>Floats per input sample.</summary>
    public int InputLength => _network.InputLength;

    /// <summary>Floats per output sample.</summary>
    public int OutputLength => _network.OutputLength;

    /// <summary>Shape of one input sample, e.g. [1, 28, 28] or [784].</summary>
    public IReadOnlyList<int> InputShape => _network.InputShape;

    /// <summary>The network's loss head, which decides what <see cref="Predict"/> applies.</summary>
    public LossKind Loss => _network.Loss;

    /// <summary>The network's Keras-style summary.</summary>
    public string Summary => _network.Summary;

    /// <summary>The network's canonical one-line architecture (<see cref="INetwork.Architecture"/>).</summary>
    public string Architecture => _network.Architecture;

    /// <summary>Threads that split every batch (and a call on one sample); results are deterministic for a fixed count. Setting it (0 or negative: all cores) restarts the session's worker threads.</summary>
    public int Threads
    {
        get => _network.Threads;
        set => _network.Threads = value;
    }

    /// <summary>Raw outputs of the last layer before the loss head (logits or scores), <c>[batch, OutputLength]</c>, as <see cref="INetwork.Forward(ReadOnlySpan{float}, Span{float}, int)"/>.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => _network.Forward(input, output, batch);

    /// <summary>Outputs with the loss head's link applied (softmax or sigmoid probabilities, or raw values), as <see cref="INetwork.Predict"/>.</summary>
    public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch) => _network.Predict(input, output, batch);

    /// <summary>Ends the session's worker threads; calls afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _network.Dispose();
}
