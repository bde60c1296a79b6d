using System;
using System.Numerics;
using System.Runtime.InteropServices;
using Compiled.Kernels;

namespace Compiled.Regularization;

/// <summary>
/// Gradient clipping over the flat gradient buffer, as <c>torch.nn.utils.clip_grad_norm_</c> and
/// <c>clip_grad_value_</c> do over a model's parameters (one buffer = every parameter tensor, so the norm is global).
/// </summary>
public static class GradientClipping
{
    /// <summary>torch's <c>1e-6</c> added to the norm before dividing, so a zero gradient stays zero.</summary>
    public const float Epsilon = 1e-6f;

    // Partial sums are carried in float over blocks of this many floats, then added in double: the error stays that of a
    // short float sum (as torch's blocked reductions), whatever the buffer's length.
    private const int Block = 1024;

    /// <summary>
    /// Scales <paramref name="gradients"/> so their total <paramref name="normType"/>-norm is at most
    /// <paramref name="maxNorm"/>: every gradient is multiplied by <c>min(1, maxNorm / (total + 1e-6))</c>.
    /// Returns the total norm before clipping (torch's return value), which is worth logging.
    /// </summary>
    /// <param name="gradients">The gradients (all parameters), changed in place.</param>
    /// <param name="maxNorm">The largest norm allowed (&gt; 0).</param>
    /// <param name="normType">p of the p-norm (default 2); <see cref="float.PositiveInfinity"/> for the largest magnitude.</param>
    /// <param name="errorIfNonfinite">Throw when the total norm is NaN or infinite instead of scaling (torch's <c>error_if_nonfinite</c>, default false: the gradients then become NaN, as in torch).</param>
    /// <exception cref="ArgumentOutOfRangeException">maxNorm or normType is not a positive number.</exception>
    /// <exception cref="ArithmeticException">The total norm is not finite and <paramref name="errorIfNonfinite"/> is set.</exception>
    public static float ClipGradNorm(Span<float> gradients, float maxNorm, float normType = 2f, bool errorIfNonfinite = false)
    {
        if (!(maxNorm > 0) || float.IsInfinity(maxNorm)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be finite and > 0.");
        if (!(normType > 0)) throw new ArgumentOutOfRangeException(nameof(normType), normType, "normType must be > 0 (or +Infinity).");
        float total = Norm(gradients, normType);
        if (!float.IsFinite(total) && errorIfNonfinite)
            throw new ArithmeticException($"The total norm of order {normType} of the gradients is {total}, so they cannot be clipped (errorIfNonfinite is set).");
        float coefficient = maxNorm / (total + Epsilon);
        if (coefficient < 1f || float.IsNaN(coefficient)) Scale(gradients, coefficient);
        return total;
    }

    /// <summary>Clamps every gradient into <c>[−clipValue, clipValue]</c> (torch's <c>clip_grad_value_</c>; NaN stays NaN).</summary>
    public static void ClipGradValue(Span<float> gradients, float clipValue)
    {
        if (!(clipValue >= 0) || float.IsInfinity(clipValue)) throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "clipValue must be finite and >= 0.");
        int i = 0;
        if (Vector.IsHardwareAccelerated && gradients.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
            var hi = new Vector<float>(clipValue);
            var lo = new Vector<float>(-clipValue);
            for (int v = 0; v < g.Length; v++)
            {
                Vector<float> x = g[v];
                // Min/Max would turn NaN into a bound on some targets; select keeps NaN lanes as they are.
                Vector<float> clamped = Vector.Min(Vector.Max(x, lo), hi);
                g[v] = Vector.ConditionalSelect(Vector.Equals(x, x), clamped, x);
            }
            i = g.Length * Vector<float>.Count;
        }
        for (; i < gradients.Length; i++)
        {
            float x = gradients[i];
            if (x > clipValue) gradients[i] = clipValue;
            else if (x < -clipValue) gradients[i] = -clipValue;
        }
    }

    /// <summary>The <paramref name="normType"/>-norm of <paramref name="values"/> (∞: the largest magnitude; NaN if any value is NaN).</summary>
    public static float Norm(ReadOnlySpan<float> values, float normType = 2f)
    {
        if (!(normType > 0)) throw new ArgumentOutOfRangeException(nameof(normType), normType, "normType must be > 0 (or +Infinity).");
        if (float.IsPositiveInfinity(normType)) return MaxAbs(values);
        if (normType == 2f) return (float)Math.Sqrt(SumOfSquares(values));
        if (normType == 1f) return (float)SumOfAbs(values);
        double sum = 0;
        foreach (float v in values) sum += Math.Pow(Math.Abs((double)v), normType);
        return (float)Math.Pow(sum, 1.0 / normType);
    }

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        double total = 0;
        for (int start = 0; start < values.Length; start += Block)
        {
            ReadOnlySpan<float> block = values.Slice(start, Math.Min(Block, values.Length - start));
            int i = 0;
            float partial = 0;
            if (Vector.IsHardwareAccelerated && block.Length >= Vector<float>.Count)
            {
                ReadOnlySpan<Vector<float>> v = MemoryMarshal.Cast<float, Vector<float>>(block);
                Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero;
                int k = 0;
                for (; k + 1 < v.Length; k += 2)
                {
                    a0 = MultiplyAdd.Of(v[k], v[k], a0);
                    a1 = MultiplyAdd.Of(v[k + 1], v[k + 1], a1);
                }
                if (k < v.Length) a0 = MultiplyAdd.Of(v[k], v[k], a0);
                partial = Vector.Sum(a0 + a1);
                i = v.Length * Vector<float>.Count;
            }
            for (; i < block.Length; i++) partial = MultiplyAdd.Of(block[i], block[i], partial);
            total += partial;
        }
        return total;
    }

    private static double SumOfAbs(ReadOnlySpan<float> values)
    {
        double total = 0;
        for (int start = 0; start < values.Length; start += Block)
        {
            ReadOnlySpan<float> block = values.Slice(start, Math.Min(Block, values.Length - start));
            int i = 0;
            float partial = 0;
            if (Vector.IsHardwareAccelerated && block.Length >= Vector<float>.Count)
            {
                ReadOnlySpan<Vector<float>> v = MemoryMarshal.Cast<float, Vector<float>>(block);
                Vector<float> a = Vector<float>.Zero;
                for (int k = 0; k < v.Length; k++) a += Vector.Abs(v[k]);
                partial = Vector.Sum(a);
                i = v.Length * Vector<float>.Count;
            }
            for (; i < block.Length; i++) partial += MathF.Abs(block[i]);
            total += partial;
        }
        return total;
    }

    private static float MaxAbs(ReadOnlySpan<float> values)
    {
        float max = 0;
        bool nan = false;
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> v = MemoryMarshal.Cast<float, Vector<float>>(values);
            Vector<float> m = Vector<float>.Zero;
            Vector<int> notEqual = Vector<int>.Zero;
            for (int k = 0; k < v.Length; k++)
            {
                m = Vector.Max(m, Vector.Abs(v[k]));
                notEqual |= ~Vector.Equals(v[k], v[k]);
            }
            nan = notEqual != Vector<int>.Zero;
            for (int lane = 0; lane < Vector<float>.Count; lane++) max = MathF.Max(max, m[lane]);
            i = v.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++)
        {
            if (float.IsNaN(values[i])) nan = true;
            max = MathF.Max(max, MathF.Abs(values[i]));
        }
        return nan ? float.NaN : max;
    }

    private static void Scale(Span<float> values, float factor)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> v = MemoryMarshal.Cast<float, Vector<float>>(values);
            var f = new Vector<float>(factor);
            for (int k = 0; k < v.Length; k++) v[k] *= f;
            i = v.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++) values[i] *= factor;
    }
}
