using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Compiled.Kernels;

/// <summary>
/// Max and average pooling over a batch (PyTorch <c>nn.MaxPool2d</c> / <c>nn.AvgPool2d</c>, with rectangular windows, strides,
/// padding and ceil mode as <see cref="Pool2DGeometry"/> describes; geometries with padding or ceil mode run the scalar windowed
/// path at every width):
/// x [n, C, H, W] → y [n, C, OH, OW]. Max pooling records, per output, the flat index of its input within the sample
/// (c·H·W + h·W + w; the first maximum in row-major window order wins ties; NaN wins; padding never wins). Average pooling divides
/// by WindowHeight·WindowWidth (plain geometries) or by PyTorch's divisor for a padded or ceil-mode window.
/// Forward rows run vectorized for column strides 1 and 2 (other column strides and rows shorter than a vector run scalar);
/// the backward passes are scatters (same code at every width). Backward overwrites dx; overlapping windows
/// (Stride &lt; Window) add up.
/// </summary>
public static class PoolKernels
{
    // ---- Max ----

    private static void ThrowBadIndex(int position, int index, int inLength)
        => throw new ArgumentException($"argmax[{position}] = {index} is not an input index of a sample (0 to {inLength - 1}).", "argmax");

    /// <summary>y = max over each window; argmax [n, C, OH, OW] = the index of that maximum within its sample.</summary>
    public static void MaxForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n) => MaxForward(g, x, y, argmax, n, Simd.Width);

    public static void MaxForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n, VectorWidth width)
        => MaxForward(g, x, y, argmax, n, relu: false, width);

    /// <summary>
    /// A ReLU after max pooling in the same pass (the generator moves a ReLU declared before a max-pool after it, where it
    /// works on a quarter of the values, and runs it here): y = max(max over each window, 0) and argmax as
    /// <see cref="MaxForward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, Span{int}, int)"/>, the values of that
    /// call followed by <see cref="ActivationKernels.Relu(ReadOnlySpan{float}, Span{float})"/> over y, bit for bit. 2×2
    /// windows at stride 2 rectify as they store; other geometries pool, then rectify y in a second pass.
    /// </summary>
    public static void MaxReluForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n) => MaxReluForward(g, x, y, argmax, n, Simd.Width);

    /// <inheritdoc cref="MaxReluForward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, Span{int}, int)"/>
    public static void MaxReluForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n, VectorWidth width)
        => MaxForward(g, x, y, argmax, n, relu: true, width);

    private static void MaxForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n, bool relu, VectorWidth width)
    {
        ValidateForward(g, x, y, n, width);
        KernelArguments.AtLeast(argmax.Length, (long)n * g.OutputLength, nameof(argmax));

        if (MaxPool2x2.AppliesWithArgmax(g))
        {
            MaxPool2x2.Forward(g, x, y, argmax, n, relu, width);
            return;
        }
        if (!g.IsPlain) WindowedForward(g, x, y, argmax, n, max: true);
        else MaxPlain<PoolRows.WithArgmax>(g, x, y, argmax, n, width);
        if (relu) Rectify(y, n * g.OutputLength, width);
    }

    /// <summary>
    /// Inference's max pooling: the values of <see cref="MaxForward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, Span{int}, int)"/>,
    /// bit for bit, without the arg-max indices only a backward pass reads.
    /// </summary>
    public static void MaxForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n) => MaxForward(g, x, y, n, Simd.Width);

    /// <inheritdoc cref="MaxForward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, int)"/>
    public static void MaxForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n, VectorWidth width)
        => MaxForward(g, x, y, n, relu: false, width);

    /// <summary>
    /// Inference's max pooling with the ReLU after it: the values of
    /// <see cref="MaxReluForward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, Span{int}, int)"/>, bit for bit,
    /// without the arg-max indices.
    /// </summary>
    public static void MaxReluForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n) => MaxReluForward(g, x, y, n, Simd.Width);

    /// <inheritdoc cref="MaxReluForward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, int)"/>
    public static void MaxReluForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n, VectorWidth width)
        => MaxForward(g, x, y, n, relu: true, width);

    private static void MaxForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n, bool relu, VectorWidth width)
    {
        ValidateForward(g, x, y, n, width);
        if (MaxPool2x2.Applies(g))
        {
            MaxPool2x2.Forward(g, x, y, n, relu, width);
            return;
        }
        if (!g.IsPlain)
        {
            // Padded, dilated or ceil-mode windows: the windowed path, its indices in this thread's scratch.
            if (t_argmax is null || t_argmax.Length < n * g.OutputLength) t_argmax = new int[n * g.OutputLength];
            WindowedForward(g, x, y, t_argmax, n, max: true);
        }
        else
        {
            MaxPlain<PoolRows.ValuesOnly>(g, x, y, default, n, width);
        }
        if (relu) Rectify(y, n * g.OutputLength, width);
    }

    // The ReLU pass after a pooling path that does not rectify as it stores.
    private static void Rectify(Span<float> y, int length, VectorWidth width)
    {
        Span<float> output = y[..length];
        ActivationKernels.Relu(output, output, width);
    }

    [ThreadStatic] private static int[]? t_argmax;

    private static void MaxPlain<TArgmax>(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n, VectorWidth width)
        where TArgmax : struct, IConstant
    {
        int inPlane = g.InHeight * g.InWidth, outHeight = g.OutHeight, outWidth = g.OutWidth, outPlane = outHeight * outWidth;
        VectorWidth rowWidth = RowWidth(g, width);
        for (int s = 0; s < n; s++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                int plane = s * g.Channels + c;
                ref float xPlane = ref MemoryMarshal.GetReference(x.Slice(plane * inPlane, inPlane));
                int indexBase = c * inPlane;
                for (int oh = 0; oh < outHeight; oh++)
                {
                    int o = plane * outPlane + oh * outWidth;
                    ref float yRow = ref y[o];
                    ref int aRow = ref TArgmax.Value != 0 ? ref argmax[o] : ref Unsafe.NullRef<int>();
                    switch (rowWidth)
                    {
                        case VectorWidth.V512: PoolRows.MaxRow512<TArgmax>(ref xPlane, g.InWidth, g.StrideHeight, g.StrideWidth, g.WindowHeight, g.WindowWidth, oh, outWidth, ref yRow, ref aRow, indexBase); break;
                        case VectorWidth.V256: PoolRows.MaxRow256<TArgmax>(ref xPlane, g.InWidth, g.StrideHeight, g.StrideWidth, g.WindowHeight, g.WindowWidth, oh, outWidth, ref yRow, ref aRow, indexBase); break;
                        case VectorWidth.V128: PoolRows.MaxRow128<TArgmax>(ref xPlane, g.InWidth, g.StrideHeight, g.StrideWidth, g.WindowHeight, g.WindowWidth, oh, outWidth, ref yRow, ref aRow, indexBase); break;
                        default: MaxRowScalar<TArgmax>(ref xPlane, g.InWidth, g.StrideHeight, g.StrideWidth, g.WindowHeight, g.WindowWidth, oh, outWidth, ref yRow, ref aRow, indexBase); break;
                    }
                }
            }
        }
    }

    /// <summary>dx = 0, then dx[argmax] += dy for every output (2×2 windows at stride 2 with the forward's indices write dx in place: the same values).</summary>
    public static void MaxBackward(in Pool2DGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int n) => MaxBackward(g, dy, argmax, dx, n, Simd.Width);

    public static void MaxBackward(in Pool2DGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int n, VectorWidth width)
    {
        Validate(g, n, width);
        KernelArguments.AtLeast(dy.Length, (long)n * g.OutputLength, nameof(dy));
        KernelArguments.AtLeast(argmax.Length, (long)n * g.OutputLength, nameof(argmax));
        KernelArguments.AtLeast(dx.Length, (long)n * g.InputLength, nameof(dx));

        int inLength = g.InputLength, outLength = g.OutputLength;
        bool twoByTwo = MaxPool2x2.AppliesWithArgmax(g);
        for (int s = 0; s < n; s++)
        {
            Span<float> dxs = dx.Slice(s * inLength, inLength);
            // 2×2 windows at stride 2 with indices in their own windows (as the forward writes them): in place, vectorized.
            if (twoByTwo && MaxPool2x2.TryBackward(g, dy.Slice(s * outLength, outLength), argmax.Slice(s * outLength, outLength), dxs, width)) continue;
            dxs.Clear();
            ref float dxStart = ref MemoryMarshal.GetReference(dxs);
            ref float dyStart = ref MemoryMarshal.GetReference(dy.Slice(s * outLength, outLength));
            ref int indexStart = ref MemoryMarshal.GetReference(argmax.Slice(s * outLength, outLength));
            for (int o = 0; o < outLength; o++)
            {
                int index = Unsafe.Add(ref indexStart, o);
                if ((uint)index >= (uint)inLength) ThrowBadIndex(s * outLength + o, index, inLength);
                Unsafe.Add(ref dxStart, index) += Unsafe.Add(ref dyStart, o);
            }
        }
    }

    // ---- Average ----

    /// <summary>y = (sum over each window) / (WindowHeight·WindowWidth), or PyTorch's divisor when padded or in ceil mode.</summary>
    public static void AvgForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n) => AvgForward(g, x, y, n, Simd.Width);

    public static void AvgForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n, VectorWidth width)
    {
        ValidateForward(g, x, y, n, width);

        if (!g.IsPlain)
        {
            WindowedForward(g, x, y, Span<int>.Empty, n, max: false);
            return;
        }
        int inPlane = g.InHeight * g.InWidth, outHeight = g.OutHeight, outWidth = g.OutWidth, outPlane = outHeight * outWidth;
        VectorWidth rowWidth = RowWidth(g, width);
        for (int plane = 0; plane < n * g.Channels; plane++)
        {
            ref float xPlane = ref MemoryMarshal.GetReference(x.Slice(plane * inPlane, inPlane));
            for (int oh = 0; oh < outHeight; oh++)
            {
                ref float yRow = ref y[plane * outPlane + oh * outWidth];
                switch (rowWidth)
                {
                    case VectorWidth.V512: PoolRows.AvgRow512(ref xPlane, g.InWidth, g.StrideHeight, g.StrideWidth, g.WindowHeight, g.WindowWidth, oh, outWidth, ref yRow); break;
                    case VectorWidth.V256: PoolRows.AvgRow256(ref xPlane, g.InWidth, g.StrideHeight, g.StrideWidth, g.WindowHeight, g.WindowWidth, oh, outWidth, ref yRow); break;
                    case VectorWidth.V128: PoolRows.AvgRow128(ref xPlane, g.InWidth, g.StrideHeight, g.StrideWidth, g.WindowHeight, g.WindowWidth, oh, outWidth, ref yRow); break;
                    default: AvgRowScalar(ref xPlane, g.InWidth, g.StrideHeight, g.StrideWidth, g.WindowHeight, g.WindowWidth, oh, outWidth, ref yRow); break;
                }
            }
        }
    }

    /// <summary>dx = 0, then every input of each window gets dy / (WindowHeight·WindowWidth) (or dy / the window's divisor when padded or in ceil mode).</summary>
    public static void AvgBackward(in Pool2DGeometry g, ReadOnlySpan<float> dy, Span<float> dx, int n) => AvgBackward(g, dy, dx, n, Simd.Width);

    public static void AvgBackward(in Pool2DGeometry g, ReadOnlySpan<float> dy, Span<float> dx, int n, VectorWidth width)
    {
        Validate(g, n, width);
        KernelArguments.AtLeast(dy.Length, (long)n * g.OutputLength, nameof(dy));
        KernelArguments.AtLeast(dx.Length, (long)n * g.InputLength, nameof(dx));

        if (!g.IsPlain)
        {
            WindowedAvgBackward(g, dy, dx, n);
            return;
        }
        int inPlane = g.InHeight * g.InWidth, outHeight = g.OutHeight, outWidth = g.OutWidth, outPlane = outHeight * outWidth;
        float area = g.WindowHeight * g.WindowWidth;
        dx[..(n * g.InputLength)].Clear();
        for (int plane = 0; plane < n * g.Channels; plane++)
        {
            Span<float> dxPlane = dx.Slice(plane * inPlane, inPlane);
            ReadOnlySpan<float> dyPlane = dy.Slice(plane * outPlane, outPlane);
            for (int oh = 0; oh < outHeight; oh++)
            {
                for (int ow = 0; ow < outWidth; ow++)
                {
                    float share = dyPlane[oh * outWidth + ow] / area;
                    for (int kh = 0; kh < g.WindowHeight; kh++)
                    {
                        Span<float> row = dxPlane.Slice((oh * g.StrideHeight + kh) * g.InWidth + ow * g.StrideWidth, g.WindowWidth);
                        for (int kw = 0; kw < row.Length; kw++) row[kw] += share;
                    }
                }
            }
        }
    }

    // ---- shared ----

    // The checks every forward makes: the geometry and width, x [n, input], y [n, output].
    private static void ValidateForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, int n, VectorWidth width)
    {
        Validate(g, n, width);
        KernelArguments.AtLeast(x.Length, (long)n * g.InputLength, nameof(x));
        KernelArguments.AtLeast(y.Length, (long)n * g.OutputLength, nameof(y));
    }

    private static void Validate(in Pool2DGeometry g, int n, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        if (g.Channels <= 0 || g.InHeight <= 0 || g.InWidth <= 0 || g.WindowHeight <= 0 || g.WindowWidth <= 0 || g.StrideHeight <= 0 || g.StrideWidth <= 0)
            throw new ArgumentException($"Pooling sizes must be positive: {g}.", nameof(g));
        if (g.PadHeight < 0 || 2 * g.PadHeight > g.WindowHeight || g.PadWidth < 0 || 2 * g.PadWidth > g.WindowWidth)
            throw new ArgumentException($"Pooling padding {g.PadHeight}×{g.PadWidth} must be between 0 and half the window {g.WindowHeight}×{g.WindowWidth} on each axis (PyTorch's rule): {g}.", nameof(g));
        // PyTorch refuses an output size below 1; in ceil mode a window may overhang the padded input (clipped to it).
        if (g.OutHeight < 1 || g.OutWidth < 1)
            throw new ArgumentException($"Pooling window {g.WindowHeight}×{g.WindowWidth} is larger than the input {g.InHeight}×{g.InWidth} with padding {g.PadHeight}×{g.PadWidth} (no output).", nameof(g));
    }

    /// <summary>
    /// Padded or ceil-mode geometries, scalar at every width (PyTorch's CPU loops): a window starts at oh·StrideHeight − PadHeight
    /// (ow·StrideWidth − PadWidth), is
    /// clipped to the input, and average pooling divides by PyTorch's pool size (clipped to the padded input when counting
    /// padding, to the input otherwise).
    /// </summary>
    private static void WindowedForward(in Pool2DGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int n, bool max)
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth, inPlane = g.InHeight * g.InWidth;
        for (int plane = 0; plane < n * g.Channels; plane++)
        {
            ReadOnlySpan<float> xp = x.Slice(plane * inPlane, inPlane);
            int indexBase = plane % g.Channels * inPlane;
            for (int oh = 0; oh < outHeight; oh++)
            {
                (int h0, int h1, int hPool) = Window(oh, g.InHeight, g.WindowHeight, g.StrideHeight, g.PadHeight);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    (int w0, int w1, int wPool) = Window(ow, g.InWidth, g.WindowWidth, g.StrideWidth, g.PadWidth);
                    int o = (plane * outHeight + oh) * outWidth + ow;
                    if (max)
                    {
                        float best = float.NegativeInfinity;
                        int arg = h0 * g.InWidth + w0;
                        for (int h = h0; h < h1; h++)
                        for (int w = w0; w < w1; w++)
                        {
                            float v = xp[h * g.InWidth + w];
                            if (v > best || float.IsNaN(v)) { best = v; arg = h * g.InWidth + w; }
                        }
                        y[o] = best;
                        argmax[o] = indexBase + arg;
                    }
                    else
                    {
                        float sum = 0f;
                        for (int h = h0; h < h1; h++)
                        for (int w = w0; w < w1; w++)
                            sum += xp[h * g.InWidth + w];
                        y[o] = sum / Divisor(g, h0, h1, w0, w1, hPool, wPool);
                    }
                }
            }
        }
    }

    private static void WindowedAvgBackward(in Pool2DGeometry g, ReadOnlySpan<float> dy, Span<float> dx, int n)
    {
        int outHeight = g.OutHeight, outWidth = g.OutWidth, inPlane = g.InHeight * g.InWidth;
        dx[..(n * g.InputLength)].Clear();
        for (int plane = 0; plane < n * g.Channels; plane++)
        {
            Span<float> dxp = dx.Slice(plane * inPlane, inPlane);
            for (int oh = 0; oh < outHeight; oh++)
            {
                (int h0, int h1, int hPool) = Window(oh, g.InHeight, g.WindowHeight, g.StrideHeight, g.PadHeight);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    (int w0, int w1, int wPool) = Window(ow, g.InWidth, g.WindowWidth, g.StrideWidth, g.PadWidth);
                    float share = dy[(plane * outHeight + oh) * outWidth + ow] / Divisor(g, h0, h1, w0, w1, hPool, wPool);
                    for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++)
                        dxp[h * g.InWidth + w] += share;
                }
            }
        }
    }

    /// <summary>Output position o's window along one axis: [start, end) clipped to the input, and its extent within the padded input.</summary>
    internal static (int Start, int End, int Pool) Window(int o, int size, int window, int stride, int padding)
    {
        int start = o * stride - padding;
        int end = Math.Min(start + window, size + padding);
        int pool = end - start;
        return (Math.Max(start, 0), Math.Min(end, size), pool);
    }

    private static float Divisor(in Pool2DGeometry g, int h0, int h1, int w0, int w1, int hPool, int wPool)
        => g.CountIncludePad ? hPool * wPool : (h1 - h0) * (w1 - w0);

    /// <summary>The width the forward rows run at: column strides 1 and 2 vectorize; rows narrower than the vector narrow it.</summary>
    private static VectorWidth RowWidth(in Pool2DGeometry g, VectorWidth width)
        => g.StrideWidth is 1 or 2 ? VectorLanes.Narrow(width, g.OutWidth) : VectorWidth.Scalar;

    private static void MaxRowScalar<TArgmax>(ref float plane, int inWidth, int strideHeight, int strideWidth, int windowHeight, int windowWidth, int oh, int outWidth, ref float y, ref int argmax, int indexBase)
        where TArgmax : struct, IConstant
    {
        for (int ow = 0; ow < outWidth; ow++)
        {
            float max = float.NegativeInfinity;
            int arg = indexBase + oh * strideHeight * inWidth + ow * strideWidth;
            for (int kh = 0; kh < windowHeight; kh++)
            {
                int offset = (oh * strideHeight + kh) * inWidth + ow * strideWidth;
                for (int kw = 0; kw < windowWidth; kw++)
                {
                    float v = Unsafe.Add(ref plane, offset + kw);
                    if (v > max || float.IsNaN(v))
                    {
                        max = v;
                        arg = indexBase + offset + kw;
                    }
                }
            }
            Unsafe.Add(ref y, ow) = max;
            if (TArgmax.Value != 0) Unsafe.Add(ref argmax, ow) = arg;
        }
    }

    private static void AvgRowScalar(ref float plane, int inWidth, int strideHeight, int strideWidth, int windowHeight, int windowWidth, int oh, int outWidth, ref float y)
    {
        float area = windowHeight * windowWidth;
        for (int ow = 0; ow < outWidth; ow++)
        {
            float sum = 0f;
            for (int kh = 0; kh < windowHeight; kh++)
            {
                int offset = (oh * strideHeight + kh) * inWidth + ow * strideWidth;
                for (int kw = 0; kw < windowWidth; kw++) sum += Unsafe.Add(ref plane, offset + kw);
            }
            Unsafe.Add(ref y, ow) = sum / area;
        }
    }
}
