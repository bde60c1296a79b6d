using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels;

/// <summary>
/// Max pooling for its commonest geometry, 2×2 windows at stride 2 without padding (LeNet-5's and VGG's pools):
/// a vector of outputs splits each of its two input rows into even and odd columns once (<see cref="Zip"/>), where the
/// general row kernels (<see cref="PoolRows"/>) gather the even elements again for every window column. The four window
/// elements are taken in PyTorch's row-major order with its rule (take when greater, or when NaN), so the values equal the
/// general path's bit for bit, ties and signed zeros included, and so do the arg-max indices training keeps (carried as
/// floats, exact below 2²⁴, and converted at the store). A vector of windows holding no NaN (most) takes that rule as one
/// maxps an element, which is the rule where no NaN comes; one holding a NaN takes it with compares and blends.
/// </summary>
/// <remarks>
/// Written once over <see cref="ILane{T}"/>; the scalar lane is the twin. A row narrower than a vector runs at the widest
/// width it fills; its last vector overlaps the previous one (recomputing a few outputs with the same result), and a vector
/// reads no further than the last input column a window covers.
/// </remarks>
internal static class MaxPool2x2
{
    /// <summary>2×2 windows, stride 2, no padding, floor mode: any input size (an odd last row or column is left out, as PyTorch does).</summary>
    public static bool Applies(in Pool2DGeometry g)
        => g.IsPlain && g.WindowHeight == 2 && g.WindowWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2;

    /// <summary>Also with arg-max indices: a sample's input indices fit a float's 24-bit significand.</summary>
    public static bool AppliesWithArgmax(in Pool2DGeometry g) => Applies(g) && g.InputLength <= 1 << 24;

    /// <summary>
    /// y [n, C, OH, OW] = the maximum of each window of x [n, C, H, W], then max(·, 0) as it is stored when
    /// <paramref name="relu"/> (the values of <see cref="ReluOperator"/> over the maxima, bit for bit). Nothing is checked:
    /// the caller validated.
    /// </summary>
    public static void Forward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n, bool relu, VectorWidth width)
    {
        if (relu) Forward<PoolRows.ValuesOnly, Rectified>(g, x, y, default, n, width);
        else Forward<PoolRows.ValuesOnly, Unrectified>(g, x, y, default, n, width);
    }

    /// <summary>
    /// <see cref="Forward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, int, bool, VectorWidth)"/> and argmax [n, C, OH, OW],
    /// each maximum's index within its sample (c·H·W + h·W + w; the window's, whether or not ReLU then zeroes the value), for
    /// <see cref="AppliesWithArgmax"/> geometries.
    /// </summary>
    public static void Forward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n, bool relu, VectorWidth width)
    {
        if (relu) Forward<PoolRows.WithArgmax, Rectified>(g, x, y, argmax, n, width);
        else Forward<PoolRows.WithArgmax, Unrectified>(g, x, y, argmax, n, width);
    }

    /// <summary>The stored maxima are rectified (a ReLU after the pool runs in its pass).</summary>
    private readonly struct Rectified : IConstant { public static int Value => 1; }

    /// <summary>The stored maxima are the windows' maxima.</summary>
    private readonly struct Unrectified : IConstant { public static int Value => 0; }

    private static void Forward<TArgmax, TRelu>(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n, VectorWidth width)
        where TArgmax : struct, IConstant where TRelu : struct, IConstant
    {
        switch (VectorLanes.Narrow(width, g.OutWidth))
        {
            case VectorWidth.V512: Run<Vector512<float>, Lane512, TArgmax, TRelu>(g, x, y, argmax, n); break;
            case VectorWidth.V256: Run<Vector256<float>, Lane256, TArgmax, TRelu>(g, x, y, argmax, n); break;
            case VectorWidth.V128: Run<Vector128<float>, Lane128, TArgmax, TRelu>(g, x, y, argmax, n); break;
            default: Run<float, ScalarLane, TArgmax, TRelu>(g, x, y, argmax, n); break;
        }
    }

    private static void Run<T, L, TArgmax, TRelu>(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n)
        where T : struct where L : struct, ILane<T> where TArgmax : struct, IConstant where TRelu : struct, IConstant
    {
        int lanes = L.Count, inWidth = g.InWidth, outWidth = g.OutWidth, outHeight = g.OutHeight;
        int inPlane = g.InHeight * inWidth, outPlane = outHeight * outWidth, planes = n * g.Channels;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref int a0 = ref MemoryMarshal.GetReference(argmax);
        T columns = TArgmax.Value != 0 ? Columns<T, L>() : default, yes = L.Equal(L.Splat(0f), L.Splat(0f));
        // The window elements' offsets from its top-left one, as floats: set once here, not converted in every step.
        T right = L.Splat(1f), down = L.Splat(inWidth), downRight = L.Splat(inWidth + 1);
        for (int plane = 0, channel = 0; plane < planes; plane++, channel = channel + 1 == g.Channels ? 0 : channel + 1)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                // The index within the sample of the row's first window (its top-left element).
                int rowFirst = channel * inPlane + 2 * oh * inWidth;
                ref float top = ref Unsafe.Add(ref x0, plane * inPlane + 2 * oh * inWidth);
                ref float bottom = ref Unsafe.Add(ref top, inWidth);
                ref float row = ref Unsafe.Add(ref y0, plane * outPlane + oh * outWidth);
                for (int ow0 = 0; ; ow0 += lanes)
                {
                    if (ow0 > outWidth - lanes) ow0 = outWidth - lanes;
                    Zip.Deinterleave(ref Unsafe.Add(ref top, 2 * ow0), out T max, out T topRight);
                    Zip.Deinterleave(ref Unsafe.Add(ref bottom, 2 * ow0), out T bottomLeft, out T bottomRight);
                    // No NaN among the four (their sum is a number; an ∞ − ∞ only sends the vector the exact slow way): then
                    // PyTorch's rule is "take when greater", one maxps each, and the ReLU's max(·, 0) one more.
                    bool numbers = Ordered(L.Add(L.Add(max, topRight), L.Add(bottomLeft, bottomRight)));
                    if (TArgmax.Value == 0)
                    {
                        max = Maximum<T, L>(max, topRight, bottomLeft, bottomRight, numbers);
                    }
                    else
                    {
                        // The index of the window's top-left element, within the sample, then one column, one row, both on.
                        T index = L.Add(L.Splat(rowFirst + 2 * ow0), columns);
                        T arg = index;
                        if (numbers)
                        {
                            TakeGreater<T, L>(ref max, ref arg, topRight, L.Add(index, right));
                            TakeGreater<T, L>(ref max, ref arg, bottomLeft, L.Add(index, down));
                            TakeGreater<T, L>(ref max, ref arg, bottomRight, L.Add(index, downRight));
                        }
                        else
                        {
                            Take<T, L>(ref max, ref arg, topRight, L.Add(index, right), yes);
                            Take<T, L>(ref max, ref arg, bottomLeft, L.Add(index, down), yes);
                            Take<T, L>(ref max, ref arg, bottomRight, L.Add(index, downRight), yes);
                        }
                        StoreIndices(arg, ref Unsafe.Add(ref a0, plane * outPlane + oh * outWidth + ow0));
                    }
                    if (TRelu.Value != 0) max = Rectify<T, L>(max, numbers);
                    L.Store(ref row, ow0, max);
                    if (ow0 == outWidth - lanes) break;
                }
            }
        }
    }

    /// <summary>
    /// The maxima of vectors of windows given as their four elements in PyTorch's order, then max(·, 0) when
    /// <paramref name="relu"/>: lane for lane the values <see cref="Forward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, int, bool, VectorWidth)"/>
    /// stores, whichever windows share a vector (a fused epilogue's vectors run over channels, the pool's over a row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Window<T, L>(T topLeft, T topRight, T bottomLeft, T bottomRight, bool relu) where T : struct where L : struct, ILane<T>
    {
        bool numbers = Ordered(L.Add(L.Add(topLeft, topRight), L.Add(bottomLeft, bottomRight)));
        T max = Maximum<T, L>(topLeft, topRight, bottomLeft, bottomRight, numbers);
        return relu ? Rectify<T, L>(max, numbers) : max;
    }

    /// <summary>
    /// The 2×2 windows of channels-last values, a fused epilogue's (<see cref="Conv2DKernels.ForwardMaxPool(in Conv2DGeometry, in Pool2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, bool, VectorWidth)"/>):
    /// pixel (h, w) of the source at h·<paramref name="rowPitch"/> + w·<paramref name="pixelPitch"/>, its channels
    /// <paramref name="vectors"/> whole vectors there. Window (r, p) covers rows 2r, 2r + 1 and pixels 2p, 2p + 1 for
    /// r &lt; <paramref name="rows"/>, p &lt; <paramref name="pixels"/>; its maximum, then ReLU when <paramref name="relu"/>
    /// (<see cref="Window"/>: the pool's values), goes to r·<paramref name="targetRowPitch"/> + p·<paramref name="pixelPitch"/>
    /// of <paramref name="target"/>, which may be the source itself when <paramref name="targetRowPitch"/> ≤
    /// <paramref name="rowPitch"/>: windows run in row-major order and each writes where no later window reads.
    /// </summary>
    internal static void ChannelsLast<T, L>(ref float source, int rowPitch, int pixelPitch, int vectors, int rows, int pixels, bool relu,
        ref float target, int targetRowPitch)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count;
        for (int r = 0; r < rows; r++)
        {
            ref float top = ref Unsafe.Add(ref source, 2 * r * rowPitch);
            ref float bottom = ref Unsafe.Add(ref top, rowPitch);
            ref float to = ref Unsafe.Add(ref target, r * targetRowPitch);
            for (int p = 0; p < pixels; p++)
            {
                int left = 2 * p * pixelPitch, right = left + pixelPitch, at = p * pixelPitch;
                for (int v = 0, k = 0; v < vectors; v++, k += lanes)
                {
                    T max = Window<T, L>(L.Load(ref top, left + k), L.Load(ref top, right + k), L.Load(ref bottom, left + k), L.Load(ref bottom, right + k), relu);
                    L.Store(ref to, at + k, max);
                }
            }
        }
    }

    /// <summary>
    /// The window's maximum by PyTorch's rule, element by element in its order. <paramref name="numbers"/>: no lane of the
    /// four holds a NaN, where the rule is "take when greater" (one maxps an element); either way each lane's value depends
    /// on that lane alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Maximum<T, L>(T max, T topRight, T bottomLeft, T bottomRight, bool numbers) where T : struct where L : struct, ILane<T>
    {
        if (numbers)
        {
            max = Greater<T, L>(topRight, max);
            max = Greater<T, L>(bottomLeft, max);
            return Greater<T, L>(bottomRight, max);
        }
        max = Take<T, L>(max, topRight);
        max = Take<T, L>(max, bottomLeft);
        return Take<T, L>(max, bottomRight);
    }

    /// <summary>
    /// ReLU's max(·, 0), with ReluOperator's values: without NaN, "greater than +0, else +0" gives them (−0 becomes +0); with
    /// a NaN, the same instruction as ReluOperator's, so the same NaN. The two agree on every lane that is a number.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Rectify<T, L>(T max, bool numbers) where T : struct where L : struct, ILane<T>
        => numbers ? Greater<T, L>(max, L.Splat(0f)) : L.Max(max, L.Splat(0f));

    /// <summary>
    /// dx [C, H, W] of one sample (overwritten) = dy at each window's arg-max and 0 elsewhere, from the indices
    /// <see cref="Forward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, Span{int}, int, VectorWidth)"/> writes: each
    /// window's four gradients are compared into place a vector of windows at a time and merged into the two rows
    /// (<see cref="Zip.Interleave{T}(T, T, ref float)"/>), where the scatter clears dx and adds to it one output at a time.
    /// Each value is 0 + dy as the scatter's (so −0 becomes +0). False when an index does not lie in its own window (indices
    /// from elsewhere): then dx is partly written and the caller scatters the sample. <see cref="AppliesWithArgmax"/>
    /// geometries; nothing else is checked.
    /// </summary>
    public static bool TryBackward(in Pool2DGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, VectorWidth width)
        => VectorLanes.Narrow(width, g.OutWidth) switch
        {
            VectorWidth.V512 => Backward<Vector512<float>, Lane512>(g, dy, argmax, dx),
            VectorWidth.V256 => Backward<Vector256<float>, Lane256>(g, dy, argmax, dx),
            VectorWidth.V128 => Backward<Vector128<float>, Lane128>(g, dy, argmax, dx),
            _ => Backward<float, ScalarLane>(g, dy, argmax, dx),
        };

    private static bool Backward<T, L>(in Pool2DGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
        where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, inWidth = g.InWidth, inHeight = g.InHeight, outWidth = g.OutWidth, outHeight = g.OutHeight;
        int inPlane = inHeight * inWidth, outPlane = outHeight * outWidth;
        ref float dy0 = ref MemoryMarshal.GetReference(dy);
        ref int a0 = ref MemoryMarshal.GetReference(argmax);
        ref float dx0 = ref MemoryMarshal.GetReference(dx);
        T zero = L.Splat(0f), one = L.Splat(1f), missed = zero, columns = Columns<T, L>();
        // The window elements' offsets from its top-left one, as floats: set once here, not converted in every step.
        T down = L.Splat(inWidth), downRight = L.Splat(inWidth + 1);
        for (int c = 0; c < g.Channels; c++)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                int rowFirst = c * inPlane + 2 * oh * inWidth;
                ref float top = ref Unsafe.Add(ref dx0, rowFirst);
                ref float bottom = ref Unsafe.Add(ref top, inWidth);
                int row = c * outPlane + oh * outWidth;
                for (int ow0 = 0; ; ow0 += lanes)
                {
                    if (ow0 > outWidth - lanes) ow0 = outWidth - lanes;
                    // 0 + dy, as the scatter adds it to a cleared dx (−0 becomes +0): once, then it or +0 in each position.
                    T d = L.Add(L.Load(ref dy0, row + ow0), zero);
                    T index = LoadIndices<T>(ref Unsafe.Add(ref a0, row + ow0));
                    T first = L.Add(L.Splat(rowFirst + 2 * ow0), columns);
                    T topLeft = L.Equal(index, first), topRight = L.Equal(index, L.Add(first, one));
                    T bottomLeft = L.Equal(index, L.Add(first, down)), bottomRight = L.Equal(index, L.Add(first, downRight));
                    // A lane whose index matched none of its window's four (all bits clear) marks the sample as missed.
                    missed = L.Or(missed, L.Equal(L.Or(L.Or(topLeft, topRight), L.Or(bottomLeft, bottomRight)), zero));
                    Zip.Interleave(L.And(topLeft, d), L.And(topRight, d), ref Unsafe.Add(ref top, 2 * ow0));
                    Zip.Interleave(L.And(bottomLeft, d), L.And(bottomRight, d), ref Unsafe.Add(ref bottom, 2 * ow0));
                    if (ow0 == outWidth - lanes) break;
                }
                // An odd last column no window covers.
                for (int w = 2 * outWidth; w < inWidth; w++)
                {
                    Unsafe.Add(ref top, w) = 0f;
                    Unsafe.Add(ref bottom, w) = 0f;
                }
            }
            // An odd last row no window covers.
            dx.Slice(c * inPlane + 2 * outHeight * inWidth, (inHeight - 2 * outHeight) * inWidth).Clear();
        }
        // missed holds all-ones lanes (NaN as floats) where an index missed, else +0: any such lane makes the sum NaN.
        return L.Sum(missed) == 0f;
    }

    /// <summary>Lane i's input column within a vector of windows: 2i.</summary>
    private static T Columns<T, L>() where T : struct where L : struct, ILane<T>
    {
        Span<float> offsets = stackalloc float[L.Count];
        for (int i = 0; i < offsets.Length; i++) offsets[i] = 2 * i;
        return L.Load(ref MemoryMarshal.GetReference(offsets), 0);
    }

    /// <summary>Lanes' worth of ints as floats (exact below 2²⁴; larger ones match no window).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T LoadIndices<T>(ref int source) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>))
        {
            Vector512<float> v = Vector512.ConvertToSingle(Vector512.LoadUnsafe(ref source));
            return Unsafe.As<Vector512<float>, T>(ref v);
        }
        if (typeof(T) == typeof(Vector256<float>))
        {
            Vector256<float> v = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref source));
            return Unsafe.As<Vector256<float>, T>(ref v);
        }
        if (typeof(T) == typeof(Vector128<float>))
        {
            Vector128<float> v = Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref source));
            return Unsafe.As<Vector128<float>, T>(ref v);
        }
        float f = source;
        return Unsafe.As<float, T>(ref f);
    }

    /// <summary>
    /// v where v &gt; max, else max: x86's maxps (its second operand on ties and NaN), which is PyTorch's rule where no NaN
    /// can come (a NaN in max stays). Elsewhere the compare and blend it stands for.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Greater<T, L>(T v, T max) where T : struct where L : struct, ILane<T>
    {
        if (typeof(T) == typeof(Vector512<float>) && Avx512F.IsSupported)
        {
            Vector512<float> m = Avx512F.Max(Unsafe.As<T, Vector512<float>>(ref v), Unsafe.As<T, Vector512<float>>(ref max));
            return Unsafe.As<Vector512<float>, T>(ref m);
        }
        if (typeof(T) == typeof(Vector256<float>) && Avx.IsSupported)
        {
            Vector256<float> m = Avx.Max(Unsafe.As<T, Vector256<float>>(ref v), Unsafe.As<T, Vector256<float>>(ref max));
            return Unsafe.As<Vector256<float>, T>(ref m);
        }
        if (typeof(T) == typeof(Vector128<float>) && Sse.IsSupported)
        {
            Vector128<float> m = Sse.Max(Unsafe.As<T, Vector128<float>>(ref v), Unsafe.As<T, Vector128<float>>(ref max));
            return Unsafe.As<Vector128<float>, T>(ref m);
        }
        return L.Select(L.GreaterThan(v, max), v, max);
    }

    /// <summary>The index follows the value where v &gt; max (no NaN can come).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TakeGreater<T, L>(ref T max, ref T arg, T v, T index) where T : struct where L : struct, ILane<T>
    {
        arg = Blend<T, L>(L.GreaterThan(v, max), index, arg);
        max = Greater<T, L>(v, max);
    }

    /// <summary>
    /// mask ? a : b for a mask of whole lanes (a compare's): one blendvps where the CPU has it, where the portable select
    /// is three bitwise operations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Blend<T, L>(T mask, T a, T b) where T : struct where L : struct, ILane<T>
    {
        if (typeof(T) == typeof(Vector256<float>) && Avx.IsSupported)
        {
            Vector256<float> r = Avx.BlendVariable(Unsafe.As<T, Vector256<float>>(ref b), Unsafe.As<T, Vector256<float>>(ref a), Unsafe.As<T, Vector256<float>>(ref mask));
            return Unsafe.As<Vector256<float>, T>(ref r);
        }
        if (typeof(T) == typeof(Vector128<float>) && Sse41.IsSupported)
        {
            Vector128<float> r = Sse41.BlendVariable(Unsafe.As<T, Vector128<float>>(ref b), Unsafe.As<T, Vector128<float>>(ref a), Unsafe.As<T, Vector128<float>>(ref mask));
            return Unsafe.As<Vector128<float>, T>(ref r);
        }
        return L.Select(mask, a, b);
    }

    /// <summary>No lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Ordered<T>(T v) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return Vector512.EqualsAll(Unsafe.As<T, Vector512<float>>(ref v), Unsafe.As<T, Vector512<float>>(ref v));
        if (typeof(T) == typeof(Vector256<float>)) return Vector256.EqualsAll(Unsafe.As<T, Vector256<float>>(ref v), Unsafe.As<T, Vector256<float>>(ref v));
        if (typeof(T) == typeof(Vector128<float>)) return Vector128.EqualsAll(Unsafe.As<T, Vector128<float>>(ref v), Unsafe.As<T, Vector128<float>>(ref v));
        float f = Unsafe.As<T, float>(ref v);
        return !float.IsNaN(f);
    }

    /// <summary>PyTorch's rule for the next window element v: it replaces the maximum so far when greater, or when NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Take<T, L>(T max, T v) where T : struct where L : struct, ILane<T>
        => L.Select(L.Equal(v, v), L.Select(L.GreaterThan(v, max), v, max), v);

    /// <summary>The same rule, the index following the value; <paramref name="yes"/> is all bits set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take<T, L>(ref T max, ref T arg, T v, T index, T yes) where T : struct where L : struct, ILane<T>
    {
        // v > max, or v is NaN (v ≠ v)
        T take = L.Select(L.Equal(v, v), L.GreaterThan(v, max), yes);
        max = L.Select(take, v, max);
        arg = L.Select(take, index, arg);
    }

    /// <summary>Float lanes holding whole numbers below 2²⁴, stored as ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreIndices<T>(T indices, ref int destination) where T : struct
    {
        // The native conversion (cvttps2dq): exact for these values, without the saturating form's fix-up of out-of-range lanes.
        if (typeof(T) == typeof(Vector512<float>)) Vector512.ConvertToInt32Native(Unsafe.As<T, Vector512<float>>(ref indices)).StoreUnsafe(ref destination);
        else if (typeof(T) == typeof(Vector256<float>)) Vector256.ConvertToInt32Native(Unsafe.As<T, Vector256<float>>(ref indices)).StoreUnsafe(ref destination);
        else if (typeof(T) == typeof(Vector128<float>)) Vector128.ConvertToInt32Native(Unsafe.As<T, Vector128<float>>(ref indices)).StoreUnsafe(ref destination);
        else destination = (int)Unsafe.As<T, float>(ref indices);
    }
}
