namespace Compiled;

// Normalization layers (docs/api.md, "Regularization and normalization"). The kernels are Kernels/Normalization/.

/// <summary>
/// Batch normalization (PyTorch <c>nn.BatchNorm1d</c> after a Dense layer, per feature; <c>nn.BatchNorm2d</c> after a
/// Conv2D layer or a pool, per channel over the batch and the plane): y = (x − mean) / √(var + ε) · weight + bias.
/// </summary>
/// <remarks>
/// Training (<c>TrainStep</c>, or <see cref="NetworkMode.Training"/>) normalizes with the statistics of the whole
/// batch, however it is split among threads (the biased variance), and updates the running statistics:
/// running = (1 − momentum)·running + momentum·batch, the variance unbiased (÷ (n − 1)), as PyTorch does.
/// Evaluation (<c>Forward</c>, <c>Predict</c>) uses the running statistics and is folded into the preceding
/// convolution or dense weights. Parameters <c>bnN.weight</c> [C] (starts at 1) and <c>bnN.bias</c> [C] (starts at 0);
/// state (not parameters, saved with them) <c>bnN.running_mean</c> [C] (0), <c>bnN.running_var</c> [C] (1) and
/// <c>bnN.num_batches_tracked</c>, as in a PyTorch <c>state_dict</c>. Default name: <c>bn1</c>, <c>bn2</c>, ...
/// PyTorch's <c>momentum=None</c> (a cumulative average) and <c>affine=False</c> are not offered.
/// </remarks>
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>The weight of the current batch in the running statistics (PyTorch's <c>momentum</c>). Default 0.1.</summary>
    public double Momentum { get; set; } = 0.1;

    /// <summary>Added to the variance before its square root (PyTorch's <c>eps</c>). Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;
}

/// <summary>
/// Local response normalization across channels (PyTorch <c>nn.LocalResponseNorm</c>, AlexNet's):
/// y = x / (k + alpha/size · Σ x²)^beta, the sum over the <see cref="Size"/> channels around each channel (zero beyond
/// the edges). Needs a [c, h, w] input; shape unchanged; no parameters. Default name: <c>lrn1</c>, <c>lrn2</c>, ...
/// </summary>
public sealed class LocalResponseNormAttribute : LayerAttribute
{
    /// <summary>A window of <paramref name="size"/> neighbouring channels (PyTorch's <c>size</c>; AlexNet uses 5).</summary>
    public LocalResponseNormAttribute(int size) => Size = size;

    /// <summary>The number of neighbouring channels summed over, this channel included (PyTorch's <c>size</c>).</summary>
    public int Size { get; }

    /// <summary>Multiplicative factor, divided by <see cref="Size"/> as PyTorch does (PyTorch's <c>alpha</c>). Default 1e-4.</summary>
    public double Alpha { get; set; } = 1e-4;

    /// <summary>Exponent (PyTorch's <c>beta</c>). Default 0.75.</summary>
    public double Beta { get; set; } = 0.75;

    /// <summary>Additive constant (PyTorch's <c>k</c>). Default 1.</summary>
    public double K { get; set; } = 1.0;
}
