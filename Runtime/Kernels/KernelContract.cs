// TEMPORARY CONTRACT FILE: the kernel API the generated code calls. The kernel work replaces these bodies
// with real implementations (one file per kernel family) and deletes this file.
using System;

namespace Compiled.Kernels;

/// <summary>Vector width a kernel runs at. Every width runs on every CPU (emulated where not accelerated).</summary>
public enum VectorWidth
{
    Scalar = 0,
    V128 = 128,
    V256 = 256,
    V512 = 512,
}

/// <summary>Geometry of one Conv2D layer for one sample: input [InChannels, InHeight, InWidth], output [OutChannels, OutHeight, OutWidth].</summary>
public readonly record struct Conv2DGeometry(
    int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    public int OutHeight => (InHeight + PadTop + PadBottom - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - KernelWidth) / StrideWidth + 1;
    public int InputLength => InChannels * InHeight * InWidth;
    public int OutputLength => OutChannels * OutHeight * OutWidth;
    public int WeightLength => OutChannels * InChannels * KernelHeight * KernelWidth;
    /// <summary>Floats of im2col workspace one sample needs.</summary>
    public int ColumnLength => InChannels * KernelHeight * KernelWidth * OutHeight * OutWidth;
}

/// <summary>Geometry of one pooling layer for one sample: [Channels, InHeight, InWidth] → [Channels, OutHeight, OutWidth] (floor, no padding).</summary>
public readonly record struct Pool2DGeometry(int Channels, int InHeight, int InWidth, int Window, int Stride)
{
    public int OutHeight => (InHeight - Window) / Stride + 1;
    public int OutWidth => (InWidth - Window) / Stride + 1;
    public int InputLength => Channels * InHeight * InWidth;
    public int OutputLength => Channels * OutHeight * OutWidth;
}

public static class Simd
{
    public static VectorWidth Width => throw new NotImplementedException();
}

public static class Gemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
        => throw new NotImplementedException();
}

public static class DenseKernels
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures)
        => throw new NotImplementedException();
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, int n, int inFeatures, int outFeatures)
        => throw new NotImplementedException();
}

public static class Conv2DKernels
{
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col, int n)
        => throw new NotImplementedException();
    public static void Backward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, Span<float> col, int n)
        => throw new NotImplementedException();
}

public static class PoolKernels
{
    public static void MaxForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n) => throw new NotImplementedException();
    public static void MaxBackward(in Pool2DGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int n) => throw new NotImplementedException();
    public static void AvgForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n) => throw new NotImplementedException();
    public static void AvgBackward(in Pool2DGeometry g, ReadOnlySpan<float> dy, Span<float> dx, int n) => throw new NotImplementedException();
}

public static class ActivationKernels
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => throw new NotImplementedException();
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => throw new NotImplementedException();
    public static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float slope) => throw new NotImplementedException();
    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float slope) => throw new NotImplementedException();
    public static void Elu(ReadOnlySpan<float> x, Span<float> y, float alpha) => throw new NotImplementedException();
    public static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha) => throw new NotImplementedException();
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => throw new NotImplementedException();
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => throw new NotImplementedException();
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => throw new NotImplementedException();
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => throw new NotImplementedException();
}

public static class LossKernels
{
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int n, int classes, float gradScale) => throw new NotImplementedException();
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> dlogits, int n, int classes, float gradScale) => throw new NotImplementedException();
    public static float SigmoidBinaryCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> dlogits, int count, float gradScale) => throw new NotImplementedException();
    public static float MeanSquaredError(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> dpredictions, int count, float gradScale) => throw new NotImplementedException();
    public static float MultiClassHinge(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, Span<float> dscores, int n, int classes, float margin, float gradScale) => throw new NotImplementedException();
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities, int n, int classes) => throw new NotImplementedException();
}
