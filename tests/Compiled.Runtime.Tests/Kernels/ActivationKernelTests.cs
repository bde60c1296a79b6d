using System;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Every activation, forward and backward, at every width and every length 0..256 (whole vectors, overlapped tails,
/// spans shorter than a vector), against the reference in double; in place; wrong lengths.
/// Tolerances: ReLU exact, leaky ReLU one float rounding (1e-7 relative); backward passes 1e-6 relative (one extra rounding);
/// sigmoid and tanh 1e-6 absolute (the stated accuracy); ELU 1e-6 absolute + 1e-6 relative.
/// </summary>
public class ActivationKernelTests
{
    private const float Slope = 0.1f, Alpha = 1.3f;

    public delegate void Forward(ReadOnlySpan<float> x, Span<float> y, VectorWidth width);
    public delegate void ForwardReference(ReadOnlySpan<double> x, Span<double> y);
    public delegate void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, VectorWidth width);
    public delegate void BackwardReference(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> dy, Span<double> dx);

    private sealed record Activation(string Name, Forward Run, ForwardReference Reference, Backward RunBackward, BackwardReference ReferenceBackward,
        double Abs, double Rel, double Range);

    // float32's smallest normal number: the only absolute floor sigmoid's outputs get (its tail is tiny but meaningful).
    private const double SmallestNormal = 1.1754943508222875e-38;

    // The backward passes take what each needs: ReLU, sigmoid, tanh the output y; leaky ReLU the input x; ELU both.
    private static readonly Dictionary<string, Activation> Activations = new()
    {
        ["relu"] = new("relu", (x, y, w) => ActivationKernels.Relu(x, y, w), (x, y) => ActivationReference.Relu(x, y),
            (x, y, dy, dx, w) => ActivationKernels.ReluBackward(y, dy, dx, w), (x, y, dy, dx) => ActivationReference.ReluBackward(y, dy, dx), 0, 0, 4),
        ["leaky"] = new("leaky", (x, y, w) => ActivationKernels.LeakyRelu(x, y, Slope, w), (x, y) => ActivationReference.LeakyRelu(x, y, (double)Slope),
            (x, y, dy, dx, w) => ActivationKernels.LeakyReluBackward(x, dy, dx, Slope, w), (x, y, dy, dx) => ActivationReference.LeakyReluBackward(x, dy, dx, (double)Slope), 0, 1e-7, 4),
        ["elu"] = new("elu", (x, y, w) => ActivationKernels.Elu(x, y, Alpha, w), (x, y) => ActivationReference.Elu(x, y, (double)Alpha),
            (x, y, dy, dx, w) => ActivationKernels.EluBackward(x, y, dy, dx, Alpha, w), (x, y, dy, dx) => ActivationReference.EluBackward(x, y, dy, dx, (double)Alpha), 1e-6, 1e-6, 6),
        ["sigmoid"] = new("sigmoid", (x, y, w) => ActivationKernels.Sigmoid(x, y, w), (x, y) => ActivationReference.Sigmoid(x, y),
            (x, y, dy, dx, w) => ActivationKernels.SigmoidBackward(y, dy, dx, w), (x, y, dy, dx) => ActivationReference.SigmoidBackward(y, dy, dx), SmallestNormal, 1e-6, 12),
        ["tanh"] = new("tanh", (x, y, w) => ActivationKernels.Tanh(x, y, w), (x, y) => ActivationReference.Tanh(x, y),
            (x, y, dy, dx, w) => ActivationKernels.TanhBackward(y, dy, dx, w), (x, y, dy, dx) => ActivationReference.TanhBackward(y, dy, dx), 1e-6, 0, 6),
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (string name in Activations.Keys)
        foreach (VectorWidth width in TestValues.AllWidths)
            yield return [name, width];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_reference_for_every_length(string name, VectorWidth width)
    {
        Activation activation = Activations[name];
        var random = new TestValues(3);
        for (int length = 0; length <= 256; length++)
        {
            float[] x = random.Floats(length, -activation.Range, activation.Range), y = new float[length];
            activation.Run(x, y, width);
            double[] expected = new double[length];
            activation.Reference(TestValues.Wide(x), expected);
            KernelAssert.Close(expected, y, activation.Abs, activation.Rel, $"{name} {width} length {length}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_reference_for_every_length(string name, VectorWidth width)
    {
        Activation activation = Activations[name];
        var random = new TestValues(4);
        for (int length = 0; length <= 256; length++)
        {
            float[] x = random.Floats(length, -activation.Range, activation.Range), y = new float[length], dy = random.Floats(length), dx = new float[length];
            activation.Run(x, y, VectorWidth.Scalar);
            activation.RunBackward(x, y, dy, dx, width);
            double[] expected = new double[length];
            activation.ReferenceBackward(TestValues.Wide(x), TestValues.Wide(y), TestValues.Wide(dy), expected);
            KernelAssert.Close(expected, dx, 1e-7, 1e-6, $"{name} backward {width} length {length}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void In_place_gives_the_same_result(string name, VectorWidth width)
    {
        Activation activation = Activations[name];
        var random = new TestValues(5);
        foreach (int length in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 63, 100 })
        {
            float[] x = random.Floats(length, -activation.Range, activation.Range), y = new float[length];
            activation.Run(x, y, width);
            float[] inPlace = (float[])x.Clone();
            activation.Run(inPlace, inPlace, width);
            KernelAssert.Identical(y, inPlace, $"{name} forward in place, length {length}");

            float[] dy = random.Floats(length), dx = new float[length];
            activation.RunBackward(x, y, dy, dx, width);
            activation.RunBackward(x, y, dy, dy, width);
            KernelAssert.Identical(dx, dy, $"{name} backward in place, length {length}");
        }
    }

    /// <summary>
    /// ReLU is max(x, 0) to the bit at every width: NaN stays NaN, −0 becomes +0, every
    /// other value its own or +0; in the vector part and in the tail, at both ends of a vector.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Relu_is_max_with_zero_to_the_bit(VectorWidth width)
    {
        float[] specials = [float.NaN, -float.NaN, -0f, 0f, float.NegativeInfinity, float.PositiveInfinity, -float.Epsilon, float.Epsilon,
            -1f, 1f, float.MinValue, float.MaxValue, -1e-39f, 1e-39f, -3.5f, 2.25f, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001))];
        foreach (int length in new[] { specials.Length, 33, 64 })
        {
            float[] x = new float[length], y = new float[length];
            for (int shift = 0; shift < specials.Length; shift++)
            {
                for (int i = 0; i < length; i++) x[i] = specials[(i + shift) % specials.Length];
                ActivationKernels.Relu(x, y, width);
                for (int i = 0; i < length; i++)
                {
                    float expected = MathF.Max(x[i], 0f);
                    Assert.True(float.IsNaN(x[i]) ? float.IsNaN(y[i]) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[i]),
                        $"{width}: relu({x[i]:R}) = {y[i]:R}, expected {expected:R}");
                }
                Assert.Equal(0, BitConverter.SingleToInt32Bits(y[Array.IndexOf(x, -0f)]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Sigmoid_and_tanh_saturate_without_overflow(VectorWidth width)
    {
        float[] x = [-1000f, -100f, -88.8f, -20f, 20f, 88.8f, 100f, 1000f, float.NegativeInfinity, float.PositiveInfinity, float.MinValue, float.MaxValue, 0f, -0f, 1e-30f];
        float[] y = new float[x.Length], t = new float[x.Length];
        ActivationKernels.Sigmoid(x, y, width);
        ActivationKernels.Tanh(x, t, width);
        for (int i = 0; i < x.Length; i++)
        {
            double expectedSigmoid = 1 / (1 + Math.Exp(-(double)x[i])), expectedTanh = Math.Tanh(x[i]);
            // Relative (down to float32's normal range): sigmoid(−20) ≈ 2e-9 must not pass as 0 or 1e-7.
            Assert.True(Math.Abs(y[i] - expectedSigmoid) <= 1e-6 * expectedSigmoid + SmallestNormal, $"sigmoid({x[i]}) = {y[i]:R}, expected {expectedSigmoid:R}");
            Assert.True(Math.Abs(t[i] - expectedTanh) <= 1e-6, $"tanh({x[i]}) = {t[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Elu_is_relatively_accurate_near_zero(VectorWidth width)
    {
        // ELU(x) = alpha·expm1(x) for x ≤ 0: near 0, exp(x) − 1 cancels (the vector Exp gave ELU(0) = 1.2e-7 and a
        // positive ELU(−1e-8)); an absolute tolerance would hide that, so compare relatively, and 0 exactly.
        var x = new float[1001];
        for (int i = 0; i < 1000; i++) x[i] = -MathF.Pow(10f, -30f + i * 0.03f);   // −1e-30 … −1e0, geometric
        x[1000] = 0f;
        var y = new float[x.Length];
        ActivationKernels.Elu(x, y, Alpha, width);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i], expM1 = 0, term = 1;
            if (Math.Abs(v) < 0.25)
            {
                for (int k = 1; k <= 12; k++) expM1 += term *= v / k;
            }
            else
            {
                expM1 = Math.Exp(v) - 1;
            }
            double expected = Alpha * expM1;
            Assert.True(Math.Abs(y[i] - expected) <= 4e-7 * Math.Abs(expected), $"elu({x[i]}) = {y[i]}, expected {expected} at {width}");
        }
        Assert.Equal(0f, y[1000]);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Tanh_is_accurate_across_its_range(VectorWidth width)
    {
        // Dense sweep through the polynomial/exponential switch at 0.625 and the saturation region.
        var x = new float[4001];
        for (int i = 0; i < x.Length; i++) x[i] = -10f + i * 0.005f;
        var y = new float[x.Length];
        ActivationKernels.Tanh(x, y, width);
        // Measured worst error about 1.0e-7 (relative 1.7e-7); 3e-7 leaves room, 1e-6 is the promise.
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(y[i] - Math.Tanh(x[i])) <= 3e-7, $"tanh({x[i]}) = {y[i]}, expected {Math.Tanh(x[i])}");
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void NaN_propagates_through_forward_passes(VectorWidth width)
    {
        float[] x = new float[20];
        x[3] = float.NaN;
        x[17] = float.NaN;
        foreach (Activation activation in Activations.Values)
        {
            float[] y = new float[x.Length];
            activation.Run(x, y, width);
            Assert.True(float.IsNaN(y[3]) && float.IsNaN(y[17]), $"{activation.Name} at {width} lost a NaN");
        }
    }

    [Fact]
    public void Wrong_lengths_throw_naming_the_span()
    {
        float[] four = new float[4], five = new float[5];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => ActivationKernels.Relu(four, five)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => ActivationKernels.Sigmoid(five, four)).ParamName);
        Assert.Equal("dy", Assert.Throws<ArgumentException>(() => ActivationKernels.ReluBackward(four, five, four)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => ActivationKernels.TanhBackward(four, four, five)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => ActivationKernels.LeakyReluBackward(four, four, five, 0.1f)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => ActivationKernels.EluBackward(four, five, four, four, 1f)).ParamName);
        Assert.Equal("width", Assert.Throws<ArgumentOutOfRangeException>(() => ActivationKernels.Relu(four, four, (VectorWidth)3)).ParamName);
    }
}
