using System;
using System.Collections.Generic;

namespace Compiled;

/// <summary>What the loss head of a network is; decides what <see cref="INetwork.Predict"/> applies and which targets training takes.</summary>
public enum LossKind
{
    None = 0,
    SoftmaxCrossEntropy,
    SigmoidBinaryCrossEntropy,
    MeanSquaredError,
    MultiClassHinge,
}

/// <summary>One parameter tensor inside the network's single contiguous parameter buffer (PyTorch layout and naming).</summary>
/// <param name="Name">PyTorch-style name, e.g. <c>conv1.weight</c>.</param>
/// <param name="Layer">The layer's name, e.g. <c>conv1</c>.</param>
/// <param name="Offset">Offset in floats into <see cref="INetwork.Parameters"/> (and the gradient buffer).</param>
/// <param name="Shape">Dimensions, PyTorch order: Dense <c>[out, in]</c>, Conv2D <c>[out, in, kh, kw]</c>, biases <c>[out]</c>.</param>
public sealed record ParameterInfo(string Name, string Layer, int Offset, int[] Shape)
{
    public int Length
    {
        get
        {
            int n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }
}

/// <summary>A generated network, seen by the runtime (trainer, optimizers, checkpoints).</summary>
/// <remarks>
/// A network owns worker threads: dispose it (<c>using var net = new LeNet5();</c>) to end them; any call after
/// <see cref="IDisposable.Dispose"/> throws <see cref="ObjectDisposedException"/>. Networks without threads of their own
/// inherit a <c>Dispose</c> that does nothing.
/// </remarks>
public interface INetwork : IDisposable
{
    /// <summary>Ends the network's worker threads (a network that has none does nothing). Calls afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    void IDisposable.Dispose()
    {
    }

    /// <summary>Floats per input sample.</summary>
    int InputLength { get; }
    /// <summary>Floats per output sample (classes, or regression outputs).</summary>
    int OutputLength { get; }
    /// <summary>Shape of one input sample, e.g. [1, 28, 28] or [784].</summary>
    IReadOnlyList<int> InputShape { get; }
    LossKind Loss { get; }
    /// <summary>All parameters, one contiguous buffer laid out as <see cref="ParameterTable"/> says.</summary>
    float[] Parameters { get; }
    IReadOnlyList<ParameterInfo> ParameterTable { get; }
    /// <summary>
    /// Non-parameter state that checkpoints and <c>state_dict</c>s carry but optimizers never update (PyTorch's buffers,
    /// e.g. batch norm's <c>running_mean</c>): one contiguous buffer laid out as <see cref="StateTable"/> says.
    /// Empty for networks without such layers (batch norm is the one that has state).
    /// </summary>
    float[] StateBuffer => [];
    /// <summary>Names (PyTorch's, e.g. <c>bn1.running_var</c>), offsets and shapes of the tensors in <see cref="StateBuffer"/>.</summary>
    IReadOnlyList<ParameterInfo> StateTable => [];
    /// <summary>Threads used by <see cref="Forward(ReadOnlySpan{float}, Span{float}, int)"/> and training; results are deterministic for a fixed count. Default: all cores.</summary>
    int Threads { get; set; }
    /// <summary>Keras-style summary: layers, output shapes, parameter counts.</summary>
    string Summary { get; }
    /// <summary>
    /// A canonical, stable one-line description of the architecture: input shape, then every layer in declared order with
    /// kind, name, its arguments that change parameters or shapes, and output shape; checkpoints store a hash of it.
    /// </summary>
    string Architecture { get; }
    /// <summary>Seeded initialization: He for ReLU-family layers, Xavier otherwise, zero biases (overridable per layer).</summary>
    void Initialize(int seed);
    /// <summary>Inference: raw outputs of the last layer before the loss head (logits / scores), <c>[batch, OutputLength]</c>.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batch);
    /// <summary>Inference with the head's link applied: softmax probabilities, sigmoid probabilities, or raw values.</summary>
    void Predict(ReadOnlySpan<float> input, Span<float> output, int batch);

    /// <summary>
    /// A session for inference on a copy of this network as it is now (its parameters and state, on as many threads): later
    /// changes to this network do not reach it, so its calls skip the check for changed weights that
    /// <see cref="Forward(ReadOnlySpan{float}, Span{float}, int)"/> and <see cref="Predict"/> make here on every call
    /// (<see cref="InferenceSession"/>). Dispose the session to end its threads. This default (for networks that are not
    /// generated) cannot copy the network.
    /// </summary>
    /// <exception cref="NotSupportedException">The network is not generated, or its class is abstract.</exception>
    InferenceSession CreateInferenceSession()
        => throw new NotSupportedException($"{GetType().Name} cannot create an inference session: only a generated network of a class that is not abstract copies itself.");

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{float}, Span{float}, int)"/> in the given mode: <see cref="NetworkMode.Evaluation"/> is
    /// <c>Forward</c> itself; <see cref="NetworkMode.Training"/> runs the training-mode forward pass (dropout draws masks and
    /// advances the dropout step; batch norm normalizes with the statistics of this batch, across all threads, and updates its
    /// running statistics, as PyTorch's <c>train()</c> mode does), e.g. for Monte-Carlo dropout. A network none of whose layers
    /// differ between the modes gives the same outputs in both. This default (for networks that are not generated) supports
    /// evaluation only.
    /// </summary>
    /// <exception cref="NotSupportedException">Training mode on a network that cannot run it (compiled without training code).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a <see cref="NetworkMode"/>.</exception>
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, NetworkMode mode)
    {
        switch (mode)
        {
            case NetworkMode.Evaluation:
                Forward(input, output, batch);
                return;
            case NetworkMode.Training:
                throw new NotSupportedException($"{GetType().Name} cannot run a training-mode forward pass.");
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "mode must be NetworkMode.Evaluation or NetworkMode.Training.");
        }
    }
}

/// <summary>A network with training code (it has a loss head).</summary>
public interface ITrainableNetwork : INetwork
{
    /// <summary>
    /// Gradients, same layout as <see cref="INetwork.Parameters"/>. <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{int}, int)"/> adds to them.
    /// After a step that failed while running (a kernel's argument check, a failed finite check, out of memory, on any
    /// thread) they are all zero, and <see cref="INetwork.Parameters"/> are unchanged; the network is ready for the next
    /// step. Arguments refused before the step starts (wrong lengths, a label out of range) change nothing.
    /// </summary>
    float[] Gradients { get; }
    void ZeroGradients();
    /// <summary>Forward, loss and backward over a batch with integer class labels; accumulates (+=) into <see cref="Gradients"/>; returns the mean loss.</summary>
    float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch);
    /// <summary>As above with float targets <c>[batch, OutputLength]</c> (one-hot rows, BCE targets or regression values).</summary>
    float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch);
    /// <summary>
    /// Freezes the layer named <paramref name="layer"/> (e.g. <c>"conv1"</c>): the backward pass no longer computes its weight and
    /// bias gradients (their part of <see cref="Gradients"/> is left as it is), and the <see cref="Training.Trainer"/> does not
    /// update it. Generated networks implement it; other networks throw <see cref="NotSupportedException"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No layer with parameters has that name.</exception>
    void Freeze(string layer) => throw new NotSupportedException($"{GetType().Name} does not support freezing layers.");

    /// <summary>Trains the layer named <paramref name="layer"/> again after <see cref="Freeze"/>.</summary>
    void Unfreeze(string layer) => throw new NotSupportedException($"{GetType().Name} does not support freezing layers.");

    /// <summary>Whether the layer named <paramref name="layer"/> is frozen (false for networks that cannot freeze layers).</summary>
    bool IsFrozen(string layer) => false;
}

/// <summary>
/// A network that can end its training step inside the same parallel dispatch (<see cref="Networks.StepRunner"/>): after the
/// backward pass each thread checks its range of the gradients for NaN/Inf, the optimizer updates that range and zeroes
/// it (<see cref="Networks.StepOptions"/>). The <see cref="Training.Trainer"/> uses it when no weight penalty or gradient
/// clipping needs the whole gradient first; the results are bitwise those of <c>TrainStep</c> followed by
/// <c>optimizer.StepAndZeroGradients</c>. The step calls <see cref="Networks.StepOptions.Gather"/> (when set) before it
/// reads the input, each thread for its rows.
/// </summary>
public interface IFusedTrainStep : ITrainableNetwork
{
    /// <summary>
    /// <see cref="ITrainableNetwork.TrainStep(ReadOnlySpan{float}, ReadOnlySpan{int}, int)"/>, then, in the same dispatch, the
    /// finite check and the optimizer step that <paramref name="options"/> ask for (the gradients are zero afterwards when
    /// an optimizer stepped). Returns the mean loss.
    /// </summary>
    /// <exception cref="Training.NonFiniteException">The loss or a gradient is NaN or infinite; the parameters are unchanged, the gradients zeroed.</exception>
    float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Networks.StepOptions options);

    /// <summary>As above with float targets <c>[batch, OutputLength]</c>.</summary>
    float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Networks.StepOptions options);
}
