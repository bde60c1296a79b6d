using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The input gradient of a stride-1 convolution as a scatter over the non-zero output gradients, channels in the lanes:
/// dxpad[oh + kh, ow + kw, c] += dy[o, oh, ow] · w[o, c, kh, kw]. In that channels-last padded plane one kernel row
/// (kw, c) of an output channel is one contiguous run of KW·Cin floats, so a non-zero costs KH runs of whole vectors
/// (LeNet-5's conv2, 5×5 over 6 channels: 5 runs of 30 floats, two 512-bit vectors each) where a row per input channel
/// would fill 5 of 8 lanes. The packed weights are zero past KW·Cin up to the vector; each row of dxpad has a vector's
/// slack so that tail never reaches the next row. dx is then the interior of dxpad, back to [Cin, H, W]. Behind a ReLU
/// and a max-pool most of dy is zero (a 2×2 pool passes at most one gradient in four), and a zero costs one comparison
/// instead of KH·KW·Cin multiply-adds; <see cref="Conv2DKernels"/> uses it for a sample only when at most half of its dy
/// is non-zero (else im2col + GEMM). Every width gives the same result (one fused multiply-add per term, in the same order).
/// </summary>
internal static class SparseInputGradient
{
    /// <summary>Lanes of the widest vector: packed runs and row slack are sized for it.</summary>
    private const int MaxLanes = 16;

    /// <summary>Stride 1, at a vector width.</summary>
    public static bool Applies(in Conv2DGeometry g, VectorWidth width)
        => width != VectorWidth.Scalar && g.StrideHeight == 1 && g.StrideWidth == 1 && !g.IsPointwise;

    /// <summary>Floats of the packed weights [Cout, KH, KW·Cin rounded up to the vector] at any width.</summary>
    public static int PackedLength(in Conv2DGeometry g) => g.OutChannels * g.KernelHeight * RunLength(g, MaxLanes);

    /// <summary>Floats of one sample's padded channels-last input gradient [PH, PW·Cin + 16].</summary>
    public static int PaddedLength(in Conv2DGeometry g) => (g.InHeight + g.PadTop + g.PadBottom) * Pitch(g);

    /// <summary>packed[o, kh, kw·Cin + c] = w[o, c, kh, kw], zero past KW·Cin up to the run of <paramref name="width"/>.</summary>
    public static void Pack(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width)
    {
        int run = RunLength(g, VectorLanes.Count(width)), cin = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth;
        packed[..(g.OutChannels * kh * run)].Clear();
        for (int o = 0; o < g.OutChannels; o++)
            for (int c = 0; c < cin; c++)
                for (int r = 0; r < kh; r++)
                {
                    ReadOnlySpan<float> row = w.Slice(((o * cin + c) * kh + r) * kw, kw);
                    Span<float> to = packed.Slice((o * kh + r) * run, run);
                    for (int k = 0; k < kw; k++) to[k * cin + c] = row[k];
                }
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

    /// <summary>
    /// dxs [Cin, H, W] = the input gradient of one sample from dys [Cout, OH, OW] (dxs overwritten; dxpad scratch of
    /// <see cref="PaddedLength"/>; packed by <see cref="Pack"/> at the same <paramref name="width"/>).
    /// </summary>
    public static void Run(in Conv2DGeometry g, ReadOnlySpan<float> packed, ReadOnlySpan<float> dys, Span<float> dxs, Span<float> dxpad, VectorWidth width)
    {
        switch (width)
        {
            case VectorWidth.V512: Run<Vector512<float>, Lane512>(g, packed, dys, dxs, dxpad); break;
            case VectorWidth.V256: Run<Vector256<float>, Lane256>(g, packed, dys, dxs, dxpad); break;
            default: Run<Vector128<float>, Lane128>(g, packed, dys, dxs, dxpad); break;
        }
    }

    private static void Run<T, TLane>(in Conv2DGeometry g, ReadOnlySpan<float> packed, ReadOnlySpan<float> dys, Span<float> dxs, Span<float> dxpad)
        where T : struct where TLane : ILane<T>
    {
        int pitch = Pitch(g), cin = g.InChannels, kh = g.KernelHeight, plane = g.OutHeight * g.OutWidth;
        int run = RunLength(g, TLane.Count);
        dxpad.Clear();
        ref float dxStart = ref MemoryMarshal.GetReference(dxpad);
        ref float wStart = ref MemoryMarshal.GetReference(packed);
        ref float dyStart = ref MemoryMarshal.GetReference(dys);
        // corners[p]: where the window of output position p = (oh, ow) starts in dxpad
        Span<int> corners = Conv2DWorkspace.Current.ScatterCorners(plane);
        for (int oh = 0, p = 0; oh < g.OutHeight; oh++)
            for (int ow = 0; ow < g.OutWidth; ow++, p++) corners[p] = oh * pitch + ow * cin;
        ref int corner0 = ref MemoryMarshal.GetReference(corners);
        for (int o = 0; o < g.OutChannels; o++)
        {
            ref float wOut = ref Unsafe.Add(ref wStart, o * kh * run);
            ref float dyPlane = ref Unsafe.Add(ref dyStart, o * plane);
            int p = 0;
            // The non-zeros of 16 values at a time as a bit mask, visited lowest first: one unpredictable branch per 16 values
            // (a zero test per value branched on a coin flip behind ReLU and max-pool).
            if (Vector256.IsHardwareAccelerated)
            {
                for (; p + 16 <= plane; p += 16)
                {
                    uint zeros = Vector256.Equals(Vector256.LoadUnsafe(ref dyPlane, (nuint)p), Vector256<float>.Zero).ExtractMostSignificantBits()
                        | Vector256.Equals(Vector256.LoadUnsafe(ref dyPlane, (nuint)(p + 8)), Vector256<float>.Zero).ExtractMostSignificantBits() << 8;
                    for (uint nonZeros = ~zeros & 0xFFFF; nonZeros != 0; nonZeros &= nonZeros - 1)
                    {
                        int at = p + BitOperations.TrailingZeroCount(nonZeros);
                        Scatter<T, TLane>(Unsafe.Add(ref dyPlane, at), ref wOut, ref Unsafe.Add(ref dxStart, Unsafe.Add(ref corner0, at)), kh, run, pitch);
                    }
                }
            }
            for (; p < plane; p++)
            {
                float v = Unsafe.Add(ref dyPlane, p);
                if (v == 0f) continue;
                Scatter<T, TLane>(v, ref wOut, ref Unsafe.Add(ref dxStart, Unsafe.Add(ref corner0, p)), kh, run, pitch);
            }
        }

        // dx [c, i, j] = the interior dxpad [i + PT, j + PL, c]
        int height = g.InHeight, width = g.InWidth;
        ref float dx0 = ref MemoryMarshal.GetReference(dxs);
        for (int c = 0; c < cin; c++)
        {
            for (int i = 0; i < height; i++)
            {
                ref float from = ref Unsafe.Add(ref dxStart, (i + g.PadTop) * pitch + g.PadLeft * cin + c);
                ref float to = ref Unsafe.Add(ref dx0, (c * height + i) * width);
                for (int j = 0; j < width; j++) Unsafe.Add(ref to, j) = Unsafe.Add(ref from, j * cin);
            }
        }
    }

    /// <summary>The KH runs of one output channel's packed weights, times <paramref name="v"/>, onto the rows of dxpad from <paramref name="corner"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter<T, TLane>(float v, ref float weights, ref float corner, int kh, int run, int pitch) where T : struct where TLane : ILane<T>
    {
        T scale = TLane.Splat(v);
        for (int r = 0; r < kh; r++) AddRun<T, TLane>(scale, ref Unsafe.Add(ref weights, r * run), ref Unsafe.Add(ref corner, r * pitch), run);
    }

    /// <summary>Floats of a packed kernel row: KW·Cin rounded up to <paramref name="lanes"/>.</summary>
    private static int RunLength(in Conv2DGeometry g, int lanes) => (g.KernelWidth * g.InChannels + lanes - 1) / lanes * lanes;

    /// <summary>Floats of a row of dxpad: its PW positions of Cin channels and the slack a run's padded tail may reach.</summary>
    private static int Pitch(in Conv2DGeometry g) => (g.InWidth + g.PadLeft + g.PadRight) * g.InChannels + MaxLanes;

    /// <summary>to[0 .. run) += scale · weights[0 .. run), two vectors per step (loads before stores).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRun<T, TLane>(T scale, ref float weights, ref float to, int run) where T : struct where TLane : ILane<T>
    {
        int j = 0;
        for (; j + 2 * TLane.Count <= run; j += 2 * TLane.Count)
        {
            T a = TLane.FusedMultiplyAdd(scale, TLane.Load(ref weights, j), TLane.Load(ref to, j));
            T b = TLane.FusedMultiplyAdd(scale, TLane.Load(ref weights, j + TLane.Count), TLane.Load(ref to, j + TLane.Count));
            TLane.Store(ref to, j, a);
            TLane.Store(ref to, j + TLane.Count, b);
        }
        if (j < run) TLane.Store(ref to, j, TLane.FusedMultiplyAdd(scale, TLane.Load(ref weights, j), TLane.Load(ref to, j)));
    }
}
