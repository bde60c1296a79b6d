using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The input gradient of a stride-1 convolution as a scatter over the non-zero output gradients:
/// dxpad[c, oh + kh, ow + kw] += dy[o, oh, ow] · w[o, c, kh, kw], one 8-lane vector per kernel row (kw &lt; KW ≤ 8, the
/// packed weights zero past KW), then dx is the interior of dxpad. Behind a ReLU and a max-pool most of dy is zero (a
/// 2×2 pool passes at most one gradient in four), and a zero costs one comparison instead of KH·KW·Cin multiply-adds;
/// <see cref="Conv2DKernels"/> uses it for a sample only when at most half of its dy is non-zero (else im2col + GEMM).
/// Every width gives the same result (one fused multiply-add per term, in the same order).
/// </summary>
internal static class SparseInputGradient
{
    /// <summary>Lanes of a kernel row.</summary>
    private const int Lanes = 8;

    /// <summary>Stride 1 with kernel rows that fit one 8-lane vector, at a vector width.</summary>
    public static bool Applies(in Conv2DGeometry g, VectorWidth width)
        => width != VectorWidth.Scalar && g.StrideHeight == 1 && g.StrideWidth == 1 && g.KernelWidth <= Lanes && !g.IsPointwise;

    /// <summary>Floats of the packed weights [Cout, Cin, KH, 8].</summary>
    public static int PackedLength(in Conv2DGeometry g) => g.OutChannels * g.InChannels * g.KernelHeight * Lanes;

    /// <summary>Floats of one sample's padded input gradient [Cin, PH, PW + 8] (the last vector of a row may run past PW).</summary>
    public static int PaddedLength(in Conv2DGeometry g) => g.InChannels * (g.InHeight + g.PadTop + g.PadBottom) * Pitch(g);

    /// <summary>packed[o, c, kh, kw] = w[o, c, kh, kw] for kw &lt; KW, zero up to 8.</summary>
    public static void Pack(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed)
    {
        packed.Clear();
        int rows = g.OutChannels * g.InChannels * g.KernelHeight, kw = g.KernelWidth;
        for (int r = 0; r < rows; r++) w.Slice(r * kw, kw).CopyTo(packed.Slice(r * Lanes, kw));
    }

    /// <summary>
    /// Whether at most half of one sample's dy is non-zero, and all of it finite (an infinity times the zero padding of
    /// the packed weights would put NaN beside its window; the dense path keeps the reference's NaN pattern).
    /// </summary>
    /// <remarks>
    /// Counted a vector at a time (a zero test per element branched on a coin flip behind ReLU and max-pool: 3.7% of a
    /// LeNet-5 training epoch went to mispredictions here): v − v is 0 exactly for the finite values.
    /// </remarks>
    public static bool IsSparse(ReadOnlySpan<float> dys)
    {
        int zeros = 0, i = 0;
        ref float start = ref MemoryMarshal.GetReference(dys);
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> finite = Vector256<float>.Zero;
            for (; i + Vector256<float>.Count <= dys.Length; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                zeros += BitOperations.PopCount(Vector256.Equals(v, Vector256<float>.Zero).ExtractMostSignificantBits());
                finite = Vector256.Max(finite, Vector256.Abs(v - v)); // stays 0 while every value is finite (NaN propagates)
            }
            if (!Vector256.EqualsAll(finite, Vector256<float>.Zero)) return false;
        }
        for (; i < dys.Length; i++)
        {
            float v = Unsafe.Add(ref start, i);
            if (v == 0f) zeros++;
            else if (!float.IsFinite(v)) return false;
        }
        return 2 * (dys.Length - zeros) <= dys.Length;
    }

    /// <summary>dxs [Cin, H, W] = the input gradient of one sample from dys [Cout, OH, OW] (dxs overwritten; dxpad scratch).</summary>
    public static void Run(in Conv2DGeometry g, ReadOnlySpan<float> packed, ReadOnlySpan<float> dys, Span<float> dxs, Span<float> dxpad, VectorWidth width)
    {
        int planeHeight = g.InHeight + g.PadTop + g.PadBottom, pitch = Pitch(g);
        int cin = g.InChannels, kh = g.KernelHeight, outHeight = g.OutHeight, outWidth = g.OutWidth;
        dxpad.Clear();
        ref float dxStart = ref MemoryMarshal.GetReference(dxpad);
        ref float wStart = ref MemoryMarshal.GetReference(packed);
        ref float dyStart = ref MemoryMarshal.GetReference(dys);
        bool wide = width != VectorWidth.V128;
        // Every kernel row (c, kh) of one output channel as one list: its offset in dxpad from the window's corner, in order.
        int rows = cin * kh;
        Span<int> offsets = rows <= 256 ? stackalloc int[rows] : new int[rows];
        for (int c = 0; c < cin; c++)
            for (int r = 0; r < kh; r++) offsets[c * kh + r] = (c * planeHeight + r) * pitch;
        ref int offset0 = ref MemoryMarshal.GetReference(offsets);
        for (int o = 0; o < g.OutChannels; o++)
        {
            ref float wOut = ref Unsafe.Add(ref wStart, o * rows * Lanes);
            for (int oh = 0; oh < outHeight; oh++)
            {
                ref float dyRow = ref Unsafe.Add(ref dyStart, (o * outHeight + oh) * outWidth);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    float v = Unsafe.Add(ref dyRow, ow);
                    if (v == 0f) continue;
                    // rows (c, kh) of w[o] onto dxpad[c, oh + kh, ow ..]
                    ref float corner = ref Unsafe.Add(ref dxStart, oh * pitch + ow);
                    if (wide) AddRows256(v, ref wOut, ref corner, ref offset0, rows);
                    else AddRows128(v, ref wOut, ref corner, ref offset0, rows);
                }
            }
        }

        // dx = the interior of dxpad
        for (int c = 0; c < cin; c++)
        {
            for (int i = 0; i < g.InHeight; i++)
            {
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dxStart, (c * planeHeight + i + g.PadTop) * pitch + g.PadLeft), g.InWidth)
                    .CopyTo(dxs.Slice((c * g.InHeight + i) * g.InWidth, g.InWidth));
            }
        }
    }

    private static int Pitch(in Conv2DGeometry g) => g.InWidth + g.PadLeft + g.PadRight + Lanes;

    /// <summary>corner[offsets[j] + 0..7] += v · weights[8j + 0..7] for j &lt; <paramref name="rows"/>, two rows per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRows256(float v, ref float weights, ref float corner, ref int offsets, int rows)
    {
        var scale = Vector256.Create(v);
        int j = 0;
        for (; j + 2 <= rows; j += 2)
        {
            ref float a = ref Unsafe.Add(ref corner, Unsafe.Add(ref offsets, j));
            ref float b = ref Unsafe.Add(ref corner, Unsafe.Add(ref offsets, j + 1));
            Vector256<float> sumA = MultiplyAdd.Of(scale, Vector256.LoadUnsafe(ref weights, (nuint)(j * Lanes)), Vector256.LoadUnsafe(ref a));
            Vector256<float> sumB = MultiplyAdd.Of(scale, Vector256.LoadUnsafe(ref weights, (nuint)((j + 1) * Lanes)), Vector256.LoadUnsafe(ref b));
            sumA.StoreUnsafe(ref a);
            sumB.StoreUnsafe(ref b);
        }
        if (j < rows)
        {
            ref float a = ref Unsafe.Add(ref corner, Unsafe.Add(ref offsets, j));
            MultiplyAdd.Of(scale, Vector256.LoadUnsafe(ref weights, (nuint)(j * Lanes)), Vector256.LoadUnsafe(ref a)).StoreUnsafe(ref a);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRows128(float v, ref float weights, ref float corner, ref int offsets, int rows)
    {
        var scale = Vector128.Create(v);
        for (int j = 0; j < rows; j++)
        {
            ref float row = ref Unsafe.Add(ref corner, Unsafe.Add(ref offsets, j));
            MultiplyAdd.Of(scale, Vector128.LoadUnsafe(ref weights, (nuint)(j * Lanes)), Vector128.LoadUnsafe(ref row)).StoreUnsafe(ref row);
            MultiplyAdd.Of(scale, Vector128.LoadUnsafe(ref weights, (nuint)(j * Lanes + 4)), Vector128.LoadUnsafe(ref row, 4)).StoreUnsafe(ref row, 4);
        }
    }
}
