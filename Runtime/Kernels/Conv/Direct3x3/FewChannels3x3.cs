using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The forward of a 3×3 stride-1 convolution over one or two input channels (a network's first layer on grayscale input),
/// output columns in the vector lanes: the sample is copied once into zero-bordered planes, and per output row and pair
/// of column vectors every output channel's nine weights (per input channel) are broadcast onto the nine shifted input
/// vectors, four output channels × two vectors in registers, each output written once, in place, with its bias (then
/// ReLU). <see cref="Conv3x3Kernels"/>' tiles reduce over input channels, of which these layers have one or two: VGG's
/// first layer (1 → 32 at 28×28) took 12 µs there and takes ~4 µs here (one core, AVX-512).
/// </summary>
/// <remarks>
/// Written once over <see cref="ILane{T}"/>; the scalar lane is the twin. Each output is Σ over (c, kh, kw), in that order,
/// of one fused multiply-add from 0, then + b, then ReLU: the same bits at every width. A row's last vector overlaps the one
/// before it where the lanes do not divide the output width (recomputing a few outputs with the same result).
/// </remarks>
internal static class FewChannels3x3
{
    /// <summary>Most input channels it takes: past them the register tiles' reduction over channels pays.</summary>
    public const int MaxInChannels = 2;

    /// <summary>Output channels summed together: 4 × 2 vectors of accumulators.</summary>
    private const int Block = 4;

    /// <summary>3×3, stride 1, any padding, one or two input channels.</summary>
    public static bool Applies(in Conv2DGeometry g)
        => g.IsDense && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.InChannels <= MaxInChannels;

    /// <summary>Floats of the zero-bordered copy of one sample.</summary>
    public static int PaddedLength(in Conv2DGeometry g) => g.InChannels * (g.InHeight + g.PadTop + g.PadBottom) * (g.InWidth + g.PadLeft + g.PadRight);

    /// <summary>
    /// y [n, Cout, OH, OW] (sample s at s·<paramref name="yStride"/>) = conv(x, w) + b, then ReLU when <paramref name="relu"/>;
    /// <paramref name="padded"/> holds <see cref="PaddedLength"/> floats. Nothing is checked: the caller validated.
    /// </summary>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, int n,
        bool relu, Span<float> padded, VectorWidth width)
        => Forward(g, x, w, b, y, yStride, n, 0, g.OutHeight, relu, padded, width);

    /// <summary>
    /// Output rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rows"/>) of one sample, every
    /// channel, the values of the whole call (a part of a call split over threads by rows, <see cref="OneSampleSplit"/>).
    /// </summary>
    public static void ForwardRows(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int firstRow, int rows,
        bool relu, Span<float> padded, VectorWidth width)
        => Forward(g, x, w, b, y, g.OutputLength, 1, firstRow, firstRow + rows, relu, padded, width);

    private static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, int n,
        int firstRow, int endRow, bool relu, Span<float> padded, VectorWidth width)
    {
        switch (VectorLanes.Narrow(width, g.OutWidth))
        {
            case VectorWidth.V512: Run<Vector512<float>, Lane512>(g, x, w, b, y, yStride, n, firstRow, endRow, relu, padded); break;
            case VectorWidth.V256: Run<Vector256<float>, Lane256>(g, x, w, b, y, yStride, n, firstRow, endRow, relu, padded); break;
            case VectorWidth.V128: Run<Vector128<float>, Lane128>(g, x, w, b, y, yStride, n, firstRow, endRow, relu, padded); break;
            default: Run<float, ScalarLane>(g, x, w, b, y, yStride, n, firstRow, endRow, relu, padded); break;
        }
    }

    private static void Run<T, L>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, int n,
        int firstRow, int endRow, bool relu, Span<float> padded)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, cin = g.InChannels, cout = g.OutChannels, outHeight = g.OutHeight, outWidth = g.OutWidth;
        int planeHeight = g.InHeight + g.PadTop + g.PadBottom, pitch = g.InWidth + g.PadLeft + g.PadRight, plane = planeHeight * pitch;
        int vectors = (outWidth + lanes - 1) / lanes, patch = 9 * cin;
        bool hasBias = !b.IsEmpty;
        ref float p0 = ref MemoryMarshal.GetReference(padded);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        padded = padded[..PaddedLength(g)];
        padded.Clear();
        for (int s = 0; s < n; s++)
        {
            // the sample inside its zero border (the border stays zero from the clear above)
            // (the input rows the output rows read: padded rows firstRow .. endRow + 1)
            int fromRow = Math.Max(0, firstRow - g.PadTop), toRow = Math.Min(g.InHeight, endRow + 2 - g.PadTop);
            for (int c = 0; c < cin; c++)
                for (int i = fromRow; i < toRow; i++)
                    x.Slice(((s * cin + c) * g.InHeight + i) * g.InWidth, g.InWidth).CopyTo(padded.Slice(c * plane + (i + g.PadTop) * pitch + g.PadLeft));

            ref float ys = ref MemoryMarshal.GetReference(y[(s * yStride)..]);
            for (int oh = firstRow; oh < endRow; oh++)
            {
                ref float rows = ref Unsafe.Add(ref p0, oh * pitch);
                for (int v = 0; v < vectors; v += 2)
                {
                    // two vectors of columns (the second the first again when the row has an odd number of them)
                    int first = Math.Min(v * lanes, outWidth - lanes), second = Math.Min((v + 1) * lanes, outWidth - lanes);
                    ref float at = ref Unsafe.Add(ref ys, oh * outWidth);
                    int o = 0;
                    for (; o + Block <= cout; o += Block)
                    {
                        T a0 = L.Splat(0f), a1 = a0, b1 = a0, b2 = a0, c1 = a0, c2 = a0, d1 = a0, d2 = a0;
                        ref float wo = ref Unsafe.Add(ref w0, o * patch);
                        for (int c = 0; c < cin; c++)
                        {
                            // The nine taps as straight-line code with literal offsets (a loop over them spent as many
                            // instructions on its indices as on its multiply-adds).
                            ref float x0 = ref Unsafe.Add(ref rows, c * plane + first);
                            ref float x1 = ref Unsafe.Add(ref rows, c * plane + second);
                            ref float wk = ref Unsafe.Add(ref wo, c * 9);
                            ref float wk1 = ref Unsafe.Add(ref wk, patch), wk2 = ref Unsafe.Add(ref wk, 2 * patch), wk3 = ref Unsafe.Add(ref wk, 3 * patch);
                            Tap<T, L>(ref x0, ref x1, 0, ref wk, ref wk1, ref wk2, ref wk3, 0, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                            Tap<T, L>(ref x0, ref x1, 1, ref wk, ref wk1, ref wk2, ref wk3, 1, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                            Tap<T, L>(ref x0, ref x1, 2, ref wk, ref wk1, ref wk2, ref wk3, 2, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                            Tap<T, L>(ref x0, ref x1, pitch, ref wk, ref wk1, ref wk2, ref wk3, 3, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                            Tap<T, L>(ref x0, ref x1, pitch + 1, ref wk, ref wk1, ref wk2, ref wk3, 4, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                            Tap<T, L>(ref x0, ref x1, pitch + 2, ref wk, ref wk1, ref wk2, ref wk3, 5, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                            Tap<T, L>(ref x0, ref x1, 2 * pitch, ref wk, ref wk1, ref wk2, ref wk3, 6, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                            Tap<T, L>(ref x0, ref x1, 2 * pitch + 1, ref wk, ref wk1, ref wk2, ref wk3, 7, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                            Tap<T, L>(ref x0, ref x1, 2 * pitch + 2, ref wk, ref wk1, ref wk2, ref wk3, 8, ref a0, ref a1, ref b1, ref b2, ref c1, ref c2, ref d1, ref d2);
                        }
                        Store<T, L>(ref at, o, outHeight * outWidth, first, second, a0, a1, hasBias, ref b0, relu);
                        Store<T, L>(ref at, o + 1, outHeight * outWidth, first, second, b1, b2, hasBias, ref b0, relu);
                        Store<T, L>(ref at, o + 2, outHeight * outWidth, first, second, c1, c2, hasBias, ref b0, relu);
                        Store<T, L>(ref at, o + 3, outHeight * outWidth, first, second, d1, d2, hasBias, ref b0, relu);
                    }
                    for (; o < cout; o++)
                    {
                        T a0 = L.Splat(0f), a1 = a0;
                        ref float wo = ref Unsafe.Add(ref w0, o * patch);
                        for (int c = 0; c < cin; c++)
                        {
                            for (int kh = 0; kh < 3; kh++)
                            {
                                ref float row = ref Unsafe.Add(ref rows, c * plane + kh * pitch);
                                for (int kw = 0; kw < 3; kw++)
                                {
                                    T k0 = L.Splat(Unsafe.Add(ref wo, c * 9 + kh * 3 + kw));
                                    a0 = L.FusedMultiplyAdd(k0, L.Load(ref row, first + kw), a0);
                                    a1 = L.FusedMultiplyAdd(k0, L.Load(ref row, second + kw), a1);
                                }
                            }
                        }
                        Store<T, L>(ref at, o, outHeight * outWidth, first, second, a0, a1, hasBias, ref b0, relu);
                    }
                }
            }
        }
    }

    /// <summary>
    /// One tap of four output channels' filters (weight <paramref name="tap"/> of each) on the two vectors of inputs
    /// <paramref name="offset"/> floats on from <paramref name="x0"/> and <paramref name="x1"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tap<T, L>(ref float x0, ref float x1, int offset, ref float w0, ref float w1, ref float w2, ref float w3, int tap,
        ref T a0, ref T a1, ref T b1, ref T b2, ref T c1, ref T c2, ref T d1, ref T d2)
        where T : struct where L : struct, ILane<T>
    {
        T v0 = L.Load(ref x0, offset), v1 = L.Load(ref x1, offset);
        T k0 = L.Splat(Unsafe.Add(ref w0, tap)), k1 = L.Splat(Unsafe.Add(ref w1, tap));
        T k2 = L.Splat(Unsafe.Add(ref w2, tap)), k3 = L.Splat(Unsafe.Add(ref w3, tap));
        a0 = L.FusedMultiplyAdd(k0, v0, a0);
        a1 = L.FusedMultiplyAdd(k0, v1, a1);
        b1 = L.FusedMultiplyAdd(k1, v0, b1);
        b2 = L.FusedMultiplyAdd(k1, v1, b2);
        c1 = L.FusedMultiplyAdd(k2, v0, c1);
        c2 = L.FusedMultiplyAdd(k2, v1, c2);
        d1 = L.FusedMultiplyAdd(k3, v0, d1);
        d2 = L.FusedMultiplyAdd(k3, v1, d2);
    }

    /// <summary>Output channel <paramref name="o"/>'s two vectors of one row: + b[o], then ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T, L>(ref float row, int o, int pixels, int first, int second, T sum0, T sum1, bool hasBias, ref float b, bool relu)
        where T : struct where L : struct, ILane<T>
    {
        if (hasBias)
        {
            T bias = L.Splat(Unsafe.Add(ref b, o));
            sum0 = L.Add(sum0, bias);
            sum1 = L.Add(sum1, bias);
        }
        if (relu)
        {
            T zero = L.Splat(0f);
            sum0 = L.Max(sum0, zero);
            sum1 = L.Max(sum1, zero);
        }
        ref float to = ref Unsafe.Add(ref row, o * pixels);
        L.Store(ref to, first, sum0);
        L.Store(ref to, second, sum1);
    }
}
