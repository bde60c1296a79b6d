using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Local response normalization across channels (PyTorch <c>nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1)</c>, AlexNet):
/// x, y and scale are (n, C, S), S = H·W;
/// scale[c] = k + alpha/size · Σ x[j]² over the channels j = c − ⌊size/2⌋ … c + ⌊(size − 1)/2⌋ that exist (PyTorch pads with zeros
/// and averages over size, so alpha is divided by size), y = x·scale^(−beta).
/// </summary>
/// <remarks>
/// Forward writes y and scale (saved for backward). Backward, with t[c] = dy[c]·y[c]/scale[c]:
/// dx[i] = dy[i]·scale[i]^(−beta) − 2·alpha·beta/size · x[i] · Σ t[c] over the channels c whose window holds i;
/// written, or added to dx when <c>accumulate</c>. It needs a workspace of (C + 1)·S floats. Powers are exp(−beta·ln scale)
/// (vectorized exp and log, so within a few ulps of the twin's <c>Pow</c>). Nothing allocates.
/// </remarks>
public static class LocalResponseNormKernels
{
    /// <summary>y = x·scale^(−beta), scale = k + alpha/size·Σ window x² (both written).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scale, int n, int channels, int spatial, int size, float alpha, float beta, float k)
        => Forward(x, y, scale, n, channels, spatial, size, alpha, beta, k, Simd.Width);

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, int, float, float, float)"/>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scale, int n, int channels, int spatial, int size, float alpha, float beta, float k, VectorWidth width)
    {
        Validate(n, channels, spatial, size, k, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(y.Length, length, nameof(y));
        KernelArguments.AtLeast(scale.Length, length, nameof(scale));

        int sample = channels * spatial;
        var square = new MultiplyThenAddOperator();
        var affine = new AffineOperator(alpha / size, k);
        var power = new TimesPowerOperator(-beta);
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> xs = x.Slice(s * sample, sample);
            for (int c = 0; c < channels; c++)
            {
                Span<float> sc = scale.Slice(s * sample + c * spatial, spatial);
                sc.Clear();
                (int first, int last) = Window(c, channels, size);
                for (int j = first; j <= last; j++)
                {
                    ReadOnlySpan<float> xj = xs.Slice(j * spatial, spatial);
                    ElementwiseDriver.Ternary(square, xj, xj, sc, sc, width);
                }
                ElementwiseDriver.Unary(affine, sc, sc, width);
                ElementwiseDriver.Binary(power, xs.Slice(c * spatial, spatial), sc, y.Slice(s * sample + c * spatial, spatial), width);
            }
        }
    }

    /// <summary>dx (written, or added when <paramref name="accumulate"/>) from x, the forward's y and scale, and dy; workspace holds (C + 1)·S floats.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scale, ReadOnlySpan<float> dy, Span<float> dx, Span<float> workspace,
        int n, int channels, int spatial, int size, float alpha, float beta, float k, bool accumulate)
        => Backward(x, y, scale, dy, dx, workspace, n, channels, spatial, size, alpha, beta, k, accumulate, Simd.Width);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, int, float, float, float, bool)"/>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scale, ReadOnlySpan<float> dy, Span<float> dx, Span<float> workspace,
        int n, int channels, int spatial, int size, float alpha, float beta, float k, bool accumulate, VectorWidth width)
    {
        Validate(n, channels, spatial, size, k, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(y.Length, length, nameof(y));
        KernelArguments.AtLeast(scale.Length, length, nameof(scale));
        KernelArguments.AtLeast(dy.Length, length, nameof(dy));
        KernelArguments.AtLeast(dx.Length, length, nameof(dx));
        KernelArguments.AtLeast(workspace.Length, (long)(channels + 1) * spatial, nameof(workspace));

        int sample = channels * spatial;
        Span<float> t = workspace[..sample], r = workspace.Slice(sample, spatial);
        float cross = -2f * alpha * beta / size;
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> xs = x.Slice(s * sample, sample), ys = y.Slice(s * sample, sample), ss = scale.Slice(s * sample, sample), dys = dy.Slice(s * sample, sample);
            ElementwiseDriver.Ternary(new TimesOverOperator(), dys, ys, ss, t, width);   // t = dy·y/scale
            for (int i = 0; i < channels; i++)
            {
                // Channels c whose window [c − ⌊size/2⌋, c + ⌊(size − 1)/2⌋] holds i.
                int first = Math.Max(0, i - (size - 1) / 2), last = Math.Min(channels - 1, i + size / 2);
                t.Slice(first * spatial, spatial).CopyTo(r);
                for (int c = first + 1; c <= last; c++) ElementwiseDriver.Binary(new AddOperator(), t.Slice(c * spatial, spatial), r, r, width);
                ReadOnlySpan<float> plane = xs.Slice(i * spatial, spatial);
                ElementwiseDriver.Binary(new ScaledProductOperator(cross), plane, r, r, width);                                       // r = cross·x·Σt
                ElementwiseDriver.Ternary(new PowerTermOperator(-beta), dys.Slice(i * spatial, spatial), ss.Slice(i * spatial, spatial), r, r, width);   // r += dy·scale^−β
                Span<float> dxPlane = dx.Slice(s * sample + i * spatial, spatial);
                if (accumulate) ElementwiseDriver.Binary(new AddOperator(), r, dxPlane, dxPlane, width);
                else r.CopyTo(dxPlane);
            }
        }
    }

    /// <summary>The channels [first, last] of channel c's window (clipped to the existing ones).</summary>
    internal static (int First, int Last) Window(int c, int channels, int size) => (Math.Max(0, c - size / 2), Math.Min(channels - 1, c + (size - 1) / 2));

    private static void Validate(int n, int channels, int spatial, int size, float k, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.Positive(channels, nameof(channels));
        KernelArguments.Positive(spatial, nameof(spatial));
        KernelArguments.Positive(size, nameof(size));
        if (!(k > 0f)) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive (PyTorch's default is 1): the scale k + alpha/size·Σx² is raised to −beta.");
    }

    /// <summary>a·x + b.</summary>
    private readonly struct AffineOperator(float a, float b) : IUnaryOperator
    {
        public float Invoke(float x) => a * x + b;
        public Vector128<float> Invoke(Vector128<float> x) => x * a + Vector128.Create(b);
        public Vector256<float> Invoke(Vector256<float> x) => x * a + Vector256.Create(b);
        public Vector512<float> Invoke(Vector512<float> x) => x * a + Vector512.Create(b);
    }

    /// <summary>x·s^p, the power as exp(p·ln s) (s &gt; 0).</summary>
    private readonly struct TimesPowerOperator(float p) : IBinaryOperator
    {
        public float Invoke(float x, float s) => x * MathF.Exp(p * MathF.Log(s));
        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> s) => x * Vector128.Exp(Vector128.Log(s) * p);
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> s) => x * Vector256.Exp(Vector256.Log(s) * p);
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> s) => x * Vector512.Exp(Vector512.Log(s) * p);
    }

    /// <summary>dy·s^p + r.</summary>
    private readonly struct PowerTermOperator(float p) : ITernaryOperator
    {
        public float Invoke(float dy, float s, float r) => dy * MathF.Exp(p * MathF.Log(s)) + r;
        public Vector128<float> Invoke(Vector128<float> dy, Vector128<float> s, Vector128<float> r) => dy * Vector128.Exp(Vector128.Log(s) * p) + r;
        public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> s, Vector256<float> r) => dy * Vector256.Exp(Vector256.Log(s) * p) + r;
        public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> s, Vector512<float> r) => dy * Vector512.Exp(Vector512.Log(s) * p) + r;
    }

    /// <summary>a·y/s.</summary>
    private readonly struct TimesOverOperator : ITernaryOperator
    {
        public float Invoke(float a, float y, float s) => a * y / s;
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> y, Vector128<float> s) => a * y / s;
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> y, Vector256<float> s) => a * y / s;
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> y, Vector512<float> s) => a * y / s;
    }

    /// <summary>c·x·y.</summary>
    private readonly struct ScaledProductOperator(float c) : IBinaryOperator
    {
        public float Invoke(float x, float y) => c * x * y;
        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x * y * c;
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x * y * c;
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x * y * c;
    }
}
