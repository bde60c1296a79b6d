namespace Compiled.Generator.Shapes;

/// <summary>Output sizes and "same" padding of convolutions and pools (all in long, so absurd sizes cannot overflow).</summary>
internal static class ConvolutionArithmetic
{
    /// <summary>floor((input + padding - kernel) / stride) + 1, as PyTorch's Conv2d and MaxPool2d compute it.</summary>
    public static long OutputSize(long input, long padTotal, long kernel, long stride) => (input + padTotal - kernel) / stride + 1;

    /// <summary>
    /// A pool's output size as PyTorch's <c>pooling_output_shape</c> computes it: floor (or ceil with
    /// <paramref name="ceilMode"/>) of (input + 2·padding − window) / stride, plus 1; in ceil mode a last window that would
    /// start beyond the input and its top/left padding (in the bottom/right padding) is dropped. Division rounds toward
    /// −∞ (PyTorch's div_rtn): in ceil mode a window larger than the padded input still gives one output, overhanging it;
    /// below 1 the pool has no output (PyTorch refuses it).
    /// </summary>
    public static long PoolOutputSize(long input, long padding, long window, long stride, bool ceilMode)
    {
        long span = input + 2 * padding - window;
        long output = FloorDiv(ceilMode ? span + stride - 1 : span, stride) + 1;
        if (ceilMode && (output - 1) * stride >= input + padding) output--;
        return output;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>
    /// "same" padding as Keras/TensorFlow define it, for any stride: output = ceil(input / stride),
    /// total padding = max((output - 1) * stride + kernel - input, 0), the smaller half before (top/left), the rest after.
    /// For stride 1 this equals PyTorch's padding='same'.
    /// </summary>
    public static (long Before, long After) SamePadding(long input, long kernel, long stride)
    {
        long output = (input + stride - 1) / stride;
        long total = System.Math.Max((output - 1) * stride + kernel - input, 0);
        return (total / 2, total - total / 2);
    }
}
