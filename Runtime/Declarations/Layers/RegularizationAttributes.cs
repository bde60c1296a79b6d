namespace Compiled;

// Dropout layers (docs/api.md, "Regularization and normalization"). The kernels are Kernels/Regularization/.

/// <summary>
/// Inverted dropout (PyTorch <c>nn.Dropout</c>): in training each element is zeroed with probability
/// <see cref="Rate"/> and the others are scaled by 1/(1 − rate); in evaluation it is the identity and costs nothing.
/// The mask is reproducible: it depends only on the seed, the step and the element, not on the thread split.
/// Any shape, unchanged; no parameters. Default name: <c>dropout1</c>, <c>dropout2</c>, ...
/// </summary>
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Zero each element with probability <paramref name="p"/> (PyTorch's <c>p</c>), in [0, 1). A <c>double</c>, so <c>[Dropout(0.5)]</c> needs no suffix.</summary>
    public DropoutAttribute(double p) => Rate = p;

    /// <summary>The probability that an element is zeroed in training (PyTorch's <c>p</c>).</summary>
    public double Rate { get; }
}

/// <summary>
/// Channel dropout (PyTorch <c>nn.Dropout2d</c>): in training each whole channel of a [c, h, w] sample is zeroed with
/// probability <see cref="Rate"/> and the others are scaled by 1/(1 − rate); identity in evaluation. Needs a
/// [c, h, w] input; shape unchanged; no parameters. Default name: <c>dropout1</c>, ... (shared with <see cref="DropoutAttribute"/>).
/// </summary>
public sealed class Dropout2dAttribute : LayerAttribute
{
    /// <summary>Zero each channel with probability <paramref name="p"/> (PyTorch's <c>p</c>), in [0, 1).</summary>
    public Dropout2dAttribute(double p) => Rate = p;

    /// <summary>The probability that a channel is zeroed in training (PyTorch's <c>p</c>).</summary>
    public double Rate { get; }
}
