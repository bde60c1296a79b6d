using System;

namespace Compiled.Kernels;

/// <summary>
/// Element-wise activations over flat spans (any shape: the layout does not matter), forward and backward.
/// Every span of one call has the same length. Forward: <c>y</c> may be <c>x</c> (in place). Backward: <c>dx</c> is
/// overwritten and may be <c>dy</c>. No span may partially overlap another.
/// </summary>
public static partial class ActivationKernels
{
    // ---- ReLU ----

    /// <summary>y = max(x, 0).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => Relu(x, y, Simd.Width);

    public static void Relu(ReadOnlySpan<float> x, Span<float> y, VectorWidth width)
    {
        Check(x, y, nameof(y), width);
        ElementwiseDriver.Unary(new ReluOperator(), x, y, width);
    }

    /// <summary>dx = y &gt; 0 ? dy : 0, from the forward output y.</summary>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => ReluBackward(y, dy, dx, Simd.Width);

    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, VectorWidth width)
    {
        Check(y, dy, nameof(dy), width);
        Check(y, dx, nameof(dx), width);
        ElementwiseDriver.Binary(new ReluBackwardOperator(), y, dy, dx, width);
    }

    // ---- Leaky ReLU ----

    /// <summary>y = x &gt; 0 ? x : slope·x.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float slope) => LeakyRelu(x, y, slope, Simd.Width);

    public static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float slope, VectorWidth width)
    {
        Check(x, y, nameof(y), width);
        ElementwiseDriver.Unary(new LeakyReluOperator(slope), x, y, width);
    }

    /// <summary>dx = x &gt; 0 ? dy : slope·dy, from the forward input x.</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float slope)
        => LeakyReluBackward(x, dy, dx, slope, Simd.Width);

    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float slope, VectorWidth width)
    {
        Check(x, dy, nameof(dy), width);
        Check(x, dx, nameof(dx), width);
        ElementwiseDriver.Binary(new LeakyReluBackwardOperator(slope), x, dy, dx, width);
    }

    // ---- ELU ----

    /// <summary>y = x &gt; 0 ? x : alpha·(exp(x) − 1).</summary>
    public static void Elu(ReadOnlySpan<float> x, Span<float> y, float alpha) => Elu(x, y, alpha, Simd.Width);

    public static void Elu(ReadOnlySpan<float> x, Span<float> y, float alpha, VectorWidth width)
    {
        Check(x, y, nameof(y), width);
        ElementwiseDriver.Unary(new EluOperator(alpha), x, y, width);
    }

    /// <summary>dx = x &gt; 0 ? dy : dy·(y + alpha), from the forward input x and output y.</summary>
    public static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha)
        => EluBackward(x, y, dy, dx, alpha, Simd.Width);

    public static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha, VectorWidth width)
    {
        Check(x, y, nameof(y), width);
        Check(x, dy, nameof(dy), width);
        Check(x, dx, nameof(dx), width);
        ElementwiseDriver.Ternary(new EluBackwardOperator(alpha), x, y, dy, dx, width);
    }

    // ---- Sigmoid ----

    /// <summary>y = 1 / (1 + exp(−x)).</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Sigmoid(x, y, Simd.Width);

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y, VectorWidth width)
    {
        Check(x, y, nameof(y), width);
        ElementwiseDriver.Unary(new SigmoidOperator(), x, y, width);
    }

    /// <summary>dx = dy·y·(1 − y), from the forward output y.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => SigmoidBackward(y, dy, dx, Simd.Width);

    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, VectorWidth width)
    {
        Check(y, dy, nameof(dy), width);
        Check(y, dx, nameof(dx), width);
        ElementwiseDriver.Binary(new SigmoidBackwardOperator(), y, dy, dx, width);
    }

    // ---- Tanh ----

    /// <summary>y = tanh(x).</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Tanh(x, y, Simd.Width);

    public static void Tanh(ReadOnlySpan<float> x, Span<float> y, VectorWidth width)
    {
        Check(x, y, nameof(y), width);
        ElementwiseDriver.Unary(new TanhOperator(), x, y, width);
    }

    /// <summary>dx = dy·(1 − y²), from the forward output y.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => TanhBackward(y, dy, dx, Simd.Width);

    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, VectorWidth width)
    {
        Check(y, dy, nameof(dy), width);
        Check(y, dx, nameof(dx), width);
        ElementwiseDriver.Binary(new TanhBackwardOperator(), y, dy, dx, width);
    }

    private static void Check(ReadOnlySpan<float> first, ReadOnlySpan<float> other, string otherName, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.Exactly(other.Length, first.Length, otherName);
    }
}
