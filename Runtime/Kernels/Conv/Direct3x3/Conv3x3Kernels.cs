using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>What the forward pass of <see cref="Conv3x3Kernels"/> does to a tile before it is written.</summary>
public enum Conv3x3Epilogue
{
    /// <summary>y = conv(x, w) + b.</summary>
    None,

    /// <summary>y = max(conv(x, w) + b, 0): a convolution followed by ReLU with no batch norm between (or in evaluation, batch norm folded).</summary>
    Relu,
}

/// <summary>
/// 3×3 convolutions with padding 1 and stride 1 or 2 (VGG's and ResNet's), as direct register-tiled loops: x [n, Cin, H, W],
/// w [Cout, Cin, 3, 3] (OIHW), b [Cout] or empty, y [n, Cout, OH, OW].
/// </summary>
/// <remarks>
/// <para>
/// Each sample is copied once into zero-bordered phase planes (<see cref="Conv3x3Grid"/>; stride 2 becomes four stride-1
/// planes per channel), then every tile of R output channels × V vectors of output positions is summed in registers over all
/// input channels and taps (<see cref="Conv3x3MicroKernel"/>; 8 × 3 vectors at 512 bits, 4 × 3 at 256 and 128 bits and at the
/// scalar width) and written once, with its epilogue applied on the way: the bias, and ReLU
/// (<see cref="Conv3x3Epilogue.Relu"/>) or the batch-norm slice statistics of the output
/// (<see cref="ForwardWithStatistics(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, VectorWidth)"/>),
/// so training batch norm needs no second read of the convolution's output for its statistics. The weights are packed once
/// per call (<see cref="Conv3x3Unchecked"/>, for generated code, takes weights packed once per step and checks nothing).
/// </para>
/// <para>
/// The input gradient of a stride-1 layer is the same kernel run on dy with the weights transposed and flipped
/// (<see cref="InputGradient(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, VectorWidth)"/>).
/// Every width sums each output in the same order (the lanes run over positions), so the widths and the scalar width agree
/// bit for bit; <c>Reference/Conv2DReference</c> is the twin the tests compare with.
/// </para>
/// </remarks>
public static class Conv3x3Kernels
{
    /// <summary>Vectors of grid positions per full tile.</summary>
    private const int TileVectors = 3;

    /// <summary>Whether <paramref name="g"/> is a geometry these kernels run: 3×3, padding 1 on every side, stride 1×1 or 2×2, no dilation or groups.</summary>
    public static bool Applies(in Conv2DGeometry g)
        => g.IsDense && g.KernelHeight == 3 && g.KernelWidth == 3
            && g.PadTop == 1 && g.PadLeft == 1 && g.PadBottom == 1 && g.PadRight == 1
            && g.StrideHeight == g.StrideWidth && (g.StrideHeight == 1 || g.StrideHeight == 2)
            && g.InChannels > 0 && g.OutChannels > 0 && g.InHeight > 0 && g.InWidth > 0;

    // ---- forward ----

    /// <summary>y = conv(x, w) + b, then the epilogue (ReLU or nothing).</summary>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n,
        Conv3x3Epilogue epilogue = Conv3x3Epilogue.None)
        => Forward(g, x, w, b, y, n, epilogue, Simd.Width);

    /// <inheritdoc cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, Conv3x3Epilogue)"/>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n,
        Conv3x3Epilogue epilogue, VectorWidth width)
    {
        ValidateForward(g, x, w, b, y, n, width);
        if (epilogue is not (Conv3x3Epilogue.None or Conv3x3Epilogue.Relu))
            throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue, "Not a Conv3x3 epilogue: use None or Relu.");
        Span<float> packed = Conv3x3Workspace.Current.Packed(PackedLength(g, width));
        PackWeights(g, w, packed, width);
        ForwardPacked(g, x, packed, b, y, default, default, n, epilogue == Conv3x3Epilogue.Relu ? Mode.Relu : Mode.Plain, width);
    }

    /// <summary>
    /// y = conv(x, w) + b, and the batch-norm slice statistics of y as <see cref="BatchNormKernels.SliceStatistics(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, VectorWidth)"/>
    /// defines them: mean (Cout) and m2 (Cout) = Σ(y − mean)² over the n·OH·OW outputs of each channel (written; zeros when
    /// n = 0), gathered while each tile is written (sums shifted by a value of the channel, so no cancellation to speak of).
    /// </summary>
    public static void ForwardWithStatistics(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        Span<float> mean, Span<float> m2, int n)
        => ForwardWithStatistics(g, x, w, b, y, mean, m2, n, Simd.Width);

    /// <inheritdoc cref="ForwardWithStatistics(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int)"/>
    public static void ForwardWithStatistics(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        Span<float> mean, Span<float> m2, int n, VectorWidth width)
    {
        ValidateForward(g, x, w, b, y, n, width);
        KernelArguments.Exactly(mean.Length, g.OutChannels, nameof(mean));
        KernelArguments.Exactly(m2.Length, g.OutChannels, nameof(m2));
        Span<float> packed = Conv3x3Workspace.Current.Packed(PackedLength(g, width));
        PackWeights(g, w, packed, width);
        ForwardPacked(g, x, packed, b, y, mean, m2, n, Mode.Statistics, width);
    }

    // ---- input gradient ----

    /// <summary>
    /// dx [n, Cin, H, W] = ∂/∂x (overwritten) from dy [n, Cout, OH, OW]. Stride 1: the forward kernel on dy with the weights
    /// transposed and flipped, w'[c, o, kh, kw] = w[o, c, 2 − kh, 2 − kw]. Stride 2: dx splits into four phases (even/odd rows ×
    /// even/odd columns), each a stride-1 correlation of dy with the taps that reach it (1, 2, 2 and 4 of the nine), run by the
    /// same micro-kernel and scattered into every other column.
    /// </summary>
    public static void InputGradient(in Conv2DGeometry g, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, int n)
        => InputGradient(g, w, dy, dx, n, Simd.Width);

    /// <inheritdoc cref="InputGradient(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>
    public static void InputGradient(in Conv2DGeometry g, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, int n, VectorWidth width)
    {
        CheckGeometry(g, n, width);
        KernelArguments.Exactly(w.Length, g.WeightLength, nameof(w));
        KernelArguments.AtLeast(dy.Length, (long)n * g.OutputLength, nameof(dy));
        KernelArguments.AtLeast(dx.Length, (long)n * g.InputLength, nameof(dx));
        InputGradientCore(g, w, dy, dx, n, width);
    }

    /// <summary>The input gradient without argument checks (the caller validated).</summary>
    internal static void InputGradientCore(in Conv2DGeometry g, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, int n, VectorWidth width)
    {
        if (g.StrideHeight == 2)
        {
            switch (width)
            {
                case VectorWidth.V512: StridedInputGradient<Vector512<float>, Lane512, Rows8>(g, w, dy, dx, n); break;
                case VectorWidth.V256: StridedInputGradient<Vector256<float>, Lane256, Rows4>(g, w, dy, dx, n); break;
                case VectorWidth.V128: StridedInputGradient<Vector128<float>, Lane128, Rows4>(g, w, dy, dx, n); break;
                default: StridedInputGradient<float, ScalarLane, Rows4>(g, w, dy, dx, n); break;
            }
            return;
        }
        Conv2DGeometry transposed = Transposed(g);
        Span<float> packed = Conv3x3Workspace.Current.Packed(PackedLength(transposed, width));
        Pack(g, w, packed, RowsOf(width), transposedAndFlipped: true);
        ForwardPacked(transposed, dy, packed, default, dx, default, default, n, Mode.Plain, width);
    }

    /// <summary>
    /// Stride 2: dx[c, 2i + a, 2j + b] = Σ_o Σ_(kh, dh) Σ_(kw, dw) dy[o, i + dh, j + dw]·w[o, c, kh, kw] over the taps of phase (a, b):
    /// rows (kh, dh) ∈ {(1, 0)} for a = 0, {(0, 1), (2, 0)} for a = 1 (ih = 2·oh − 1 + kh), columns likewise; dy is read from
    /// planes with one zero row and column after it ([Cout, OH + 1, OW + 1], pitch P = OW + 1), on the grid q = i·P + j.
    /// </summary>
    private static void StridedInputGradient<T, L, R>(in Conv2DGeometry g, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, int n)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant
    {
        int lanes = L.Count, rows = R.Value, cin = g.InChannels, cout = g.OutChannels, height = g.InHeight, width = g.InWidth;
        int outHeight = g.OutHeight, outWidth = g.OutWidth, pitch = outWidth + 1, planeLength = (outHeight + 1) * pitch;
        int blocks = (cin + rows - 1) / rows, tileLength = TileVectors * lanes;
        int maxVectors = ((height + 1) / 2 * pitch + lanes - 1) / lanes;
        Conv3x3Workspace workspace = Conv3x3Workspace.Current;

        Span<float> source = workspace.Source(cout * planeLength + pitch + 1 + maxVectors * lanes);
        source.Clear();
        // Offsets and packed weights of the four phases, one after another: 9·Cout patch entries in all.
        Span<int> offsets = workspace.Offsets(9 * cout);
        Span<float> packed = workspace.Packed(blocks * rows * 9 * cout);
        packed.Clear();
        Span<int> phaseStart = stackalloc int[5];
        for (int phase = 0, p = 0; phase < 4; phase++)
        {
            phaseStart[phase] = p;
            int a = phase >> 1, b = phase & 1, taps = (a + 1) * (b + 1);
            for (int o = 0; o < cout; o++)
            {
                for (int t = 0; t < taps; t++, p++)
                {
                    // (kh, dh), (kw, dw) of tap t: phase 0 has (1, 0); phase 1 has (0, 1) then (2, 0).
                    int rowTap = t / (b + 1), columnTap = t % (b + 1);
                    int kh = a == 0 ? 1 : rowTap * 2, dh = a == 1 && rowTap == 0 ? 1 : 0;
                    int kw = b == 0 ? 1 : columnTap * 2, dw = b == 1 && columnTap == 0 ? 1 : 0;
                    offsets[p] = o * planeLength + dh * pitch + dw;
                    int k = p - phaseStart[phase];
                    for (int c = 0; c < cin; c++)
                        packed[phaseStart[phase] * blocks * rows + ((c / rows) * (cout * taps) + k) * rows + c % rows] = w[((o * cin + c) * 3 + kh) * 3 + kw];
                }
            }
        }
        phaseStart[4] = 9 * cout;

        Span<float> tile = workspace.Tile(rows * tileLength);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float tile0 = ref MemoryMarshal.GetReference(tile);
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> dys = dy.Slice(s * g.OutputLength, g.OutputLength);
            for (int o = 0; o < cout; o++)
            {
                for (int i = 0; i < outHeight; i++)
                    dys.Slice((o * outHeight + i) * outWidth, outWidth).CopyTo(source.Slice(o * planeLength + i * pitch, outWidth));
            }
            Span<float> dxs = dx.Slice(s * g.InputLength, g.InputLength);
            for (int phase = 0; phase < 4; phase++)
            {
                int a = phase >> 1, b = phase & 1;
                int phaseHeight = (height - a + 1) / 2, phaseWidth = (width - b + 1) / 2;
                if (phaseHeight == 0 || phaseWidth == 0) continue;
                int k = phaseStart[phase + 1] - phaseStart[phase], positions = phaseHeight * pitch;
                int vectors = (positions + lanes - 1) / lanes;
                ref int phaseOffsets = ref offsets[phaseStart[phase]];
                for (int block = 0; block < blocks; block++)
                {
                    ref float weights = ref packed[phaseStart[phase] * blocks * rows + block * k * rows];
                    int channels = Math.Min(rows, cin - block * rows);
                    for (int tileIndex = 0, tiles = TilesOf(vectors), v = 0; tileIndex < tiles; tileIndex++, v += TileCount(vectors, tiles, tileIndex - 1))
                    {
                        int q0 = v * lanes, count = TileCount(vectors, tiles, tileIndex);
                        ref float at = ref Unsafe.Add(ref src, q0);
                        switch (count)
                        {
                            case 3: Conv3x3MicroKernel.Run<T, L, R, Vectors3>(k, ref at, ref phaseOffsets, ref weights, ref tile0, tileLength); break;
                            case 2: Conv3x3MicroKernel.Run<T, L, R, Vectors2>(k, ref at, ref phaseOffsets, ref weights, ref tile0, tileLength); break;
                            default: Conv3x3MicroKernel.Run<T, L, R, Vectors1>(k, ref at, ref phaseOffsets, ref weights, ref tile0, tileLength); break;
                        }
                        // dx[c, 2i + a, 2j + b] for the valid positions q = i·P + j (j < phaseWidth) of the tile.
                        int qEnd = Math.Min(q0 + count * lanes, positions);
                        for (int r = 0; r < channels; r++)
                        {
                            ref float row = ref Unsafe.Add(ref tile0, r * tileLength);
                            ref float plane = ref dxs[(block * rows + r) * height * width];
                            for (int i = q0 / pitch; i * pitch < qEnd; i++)
                            {
                                int start = Math.Max(q0, i * pitch), end = Math.Min(qEnd, i * pitch + phaseWidth);
                                ref float target = ref Unsafe.Add(ref plane, (2 * i + a) * width + b);
                                for (int q = start; q < end; q++) Unsafe.Add(ref target, 2 * (q - i * pitch)) = Unsafe.Add(ref row, q - q0);
                            }
                        }
                    }
                }
            }
        }
    }

    // ---- weight gradient ----

    /// <summary>
    /// dw [Cout, Cin, 3, 3] += Σ over the n samples of ∂/∂w (dy [n, Cout, OH, OW] correlated with x [n, Cin, H, W]), summed over
    /// the chunk before it is added.
    /// </summary>
    public static void WeightGradient(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n)
        => WeightGradient(g, x, dy, dw, n, Simd.Width);

    /// <inheritdoc cref="WeightGradient(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>
    public static void WeightGradient(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n, VectorWidth width)
    {
        CheckGeometry(g, n, width);
        KernelArguments.AtLeast(x.Length, (long)n * g.InputLength, nameof(x));
        KernelArguments.AtLeast(dy.Length, (long)n * g.OutputLength, nameof(dy));
        KernelArguments.Exactly(dw.Length, g.WeightLength, nameof(dw));
        WeightGradientCore(g, x, dy, dw, n, width);
    }

    /// <summary>The weight gradient without argument checks (the caller validated).</summary>
    internal static void WeightGradientCore(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n, VectorWidth width)
    {
        switch (width)
        {
            case VectorWidth.V512: WeightGradient<Vector512<float>, Lane512, Taps6, Vectors2>(g, x, dy, dw, n); break;
            case VectorWidth.V256: WeightGradient<Vector256<float>, Lane256, Taps6, Vectors2>(g, x, dy, dw, n); break;
            case VectorWidth.V128: WeightGradient<Vector128<float>, Lane128, Taps6, Vectors2>(g, x, dy, dw, n); break;
            default: WeightGradient<float, ScalarLane, Taps6, Vectors2>(g, x, dy, dw, n); break;
        }
    }

    /// <summary>Bytes of padded inputs and transposed gradients a group of samples may take (about half of a 1 MB L2 cache).</summary>
    private const int GroupBytes = 512 * 1024;

    private static void WeightGradient<T, L, K, V>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int n)
        where T : struct where L : struct, ILane<T> where K : struct, IConstant where V : struct, IConstant
    {
        if (n == 0) return;
        int lanes = L.Count, cin = g.InChannels, cout = g.OutChannels, pixels = g.OutPixels;
        int vectors = (cout + lanes - 1) / lanes, ld = vectors * lanes, rows = cin * 9;
        var grid = new Conv3x3Grid(g, 1);
        int sourceLength = grid.SourceLength, gradientLength = pixels * ld;
        int group = Math.Clamp(GroupBytes / (4 * (sourceLength + gradientLength)), 1, n);
        Conv3x3Workspace workspace = Conv3x3Workspace.Current;

        // The group's phase planes (borders zero once) and dyᵀ [sample, OH·OW, ld] (lanes past Cout zero once).
        Span<float> sources = workspace.GroupSource(group * sourceLength);
        sources.Clear();
        Span<float> gradients = workspace.GroupGradient(group * gradientLength);
        gradients.Clear();
        // dwᵀ [Cin·9, ld]: (c·3 + kh)·3 + kw, as w's rows.
        Span<float> weightGradientT = workspace.TransposedWeightGradient(rows * ld);
        weightGradientT.Clear();
        // Tap offsets in dwᵀ's row order, (c·3 + kh)·3 + kw.
        int kernelRows = cin * 3;
        Span<int> taps = workspace.Offsets(rows);
        grid.FillOffsets(cin, taps);

        ref float sourceStart = ref MemoryMarshal.GetReference(sources);
        ref float gradientStart = ref MemoryMarshal.GetReference(gradients);
        ref float result = ref MemoryMarshal.GetReference(weightGradientT);
        for (int first = 0; first < n; first += group)
        {
            int samples = Math.Min(group, n - first);
            for (int s = 0; s < samples; s++)
            {
                grid.CopyInterior(x.Slice((first + s) * g.InputLength, g.InputLength), sources.Slice(s * sourceLength, sourceLength), cin, g.InHeight, g.InWidth);
                ref float from = ref Unsafe.Add(ref MemoryMarshal.GetReference(dy), (first + s) * g.OutputLength);
                ref float to = ref Unsafe.Add(ref gradientStart, s * gradientLength);
                for (int o = 0; o < cout; o++)
                {
                    ref float plane = ref Unsafe.Add(ref from, o * pixels);
                    for (int i = 0; i < pixels; i++) Unsafe.Add(ref to, i * ld + o) = Unsafe.Add(ref plane, i);
                }
            }

            // Panels of up to V vectors, as even as they come (4 vectors at V = 3 run as 2 + 2, not 3 + 1: fewer accumulators
            // than the FMA latency covers would leave the last panel waiting on its chains).
            int panels = (vectors + V.Value - 1) / V.Value;
            for (int panel = 0, v = 0; panel < panels; panel++)
            {
                int count = vectors / panels + (panel < vectors % panels ? 1 : 0);
                ref float gradientPanel = ref Unsafe.Add(ref gradientStart, v * lanes);
                // K taps at a time: kernel rows r = c·3 + kh (three taps each), one or two of them; dwᵀ's rows r·3 .. r·3 + K − 1.
                for (int r = 0; r < kernelRows; r += K.Value / 3)
                {
                    bool pair = K.Value > 3 && r + 1 < kernelRows;
                    ref int tapsOf = ref taps[r * 3];
                    ref float target = ref Unsafe.Add(ref result, r * 3 * ld + v * lanes);
                    if (pair)
                    {
                        switch (count)
                        {
                            case 2: Conv3x3WeightGradientKernel.Run<T, L, Taps6, Vectors2>(samples, grid.OutHeight, grid.OutWidth, ref sourceStart, sourceLength, grid.PlaneWidth, ref tapsOf, ref gradientPanel, gradientLength, ld, ref target, ld); break;
                            default: Conv3x3WeightGradientKernel.Run<T, L, Taps6, Vectors1>(samples, grid.OutHeight, grid.OutWidth, ref sourceStart, sourceLength, grid.PlaneWidth, ref tapsOf, ref gradientPanel, gradientLength, ld, ref target, ld); break;
                        }
                        continue;
                    }
                    switch (count)
                    {
                        case 2: Conv3x3WeightGradientKernel.Run<T, L, Taps3, Vectors2>(samples, grid.OutHeight, grid.OutWidth, ref sourceStart, sourceLength, grid.PlaneWidth, ref tapsOf, ref gradientPanel, gradientLength, ld, ref target, ld); break;
                        default: Conv3x3WeightGradientKernel.Run<T, L, Taps3, Vectors1>(samples, grid.OutHeight, grid.OutWidth, ref sourceStart, sourceLength, grid.PlaneWidth, ref tapsOf, ref gradientPanel, gradientLength, ld, ref target, ld); break;
                    }
                }
                v += count;
            }
        }

        // dw [Cout, Cin·9] += (dwᵀ)ᵀ
        for (int o = 0; o < cout; o++)
        {
            Span<float> row = dw.Slice(o * rows, rows);
            for (int r = 0; r < rows; r++) row[r] += weightGradientT[r * ld + o];
        }
    }

    /// <summary>The stride-1 geometry whose forward is the input gradient of <paramref name="g"/>: dy's channels in, x's out.</summary>
    internal static Conv2DGeometry Transposed(in Conv2DGeometry g)
        => new(g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 3, 1, 1, 1, 1, 1, 1);

    // ---- packing ----

    /// <summary>Floats of the weights packed for <paramref name="width"/>: Cout rounded up to the tile's rows × Cin·9.</summary>
    internal static int PackedLength(in Conv2DGeometry g, VectorWidth width)
    {
        int rows = RowsOf(width);
        return (g.OutChannels + rows - 1) / rows * rows * g.InChannels * 9;
    }

    /// <summary>packed [block, p, r] = w[block·R + r, p] (p = (c·3 + kh)·3 + kw), zero past Cout: once per step, not per chunk.</summary>
    internal static void PackWeights(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width)
        => Pack(g, w, packed, RowsOf(width), transposedAndFlipped: false);

    private static void Pack(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, int rows, bool transposedAndFlipped)
    {
        int cin = g.InChannels, cout = g.OutChannels;
        // The packed layer's channels: the forward's, or for the input gradient x's channels out of dy's.
        int outs = transposedAndFlipped ? cin : cout, ins = transposedAndFlipped ? cout : cin, k = ins * 9;
        int blocks = (outs + rows - 1) / rows;
        packed[..(blocks * rows * k)].Clear();
        for (int o = 0; o < outs; o++)
        {
            int block = o / rows, r = o % rows;
            for (int p = 0; p < k; p++)
            {
                // transposed: output o of the packed layer is input channel o of w; p = (oc·3 + kh)·3 + kw reads w[oc, o, 2 − kh, 2 − kw].
                float value = transposedAndFlipped ? w[((p / 9) * cin + o) * 9 + 8 - p % 9] : w[o * k + p];
                packed[(block * k + p) * rows + r] = value;
            }
        }
    }

    // ---- the driver ----

    internal enum Mode
    {
        Plain,
        Relu,
        Statistics,
    }

    /// <summary>
    /// The forward over packed weights, without argument checks (the caller validated); generated code reaches it through
    /// <see cref="Conv3x3Unchecked"/>, with weights packed once per step. mean and m2 are written only in <see cref="Mode.Statistics"/>.
    /// </summary>
    internal static void ForwardPacked(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, Span<float> y,
        Span<float> mean, Span<float> m2, int n, Mode mode, VectorWidth width)
    {
        switch (width)
        {
            case VectorWidth.V512: Run<Vector512<float>, Lane512, Rows8>(g, x, packed, b, y, mean, m2, n, mode); break;
            case VectorWidth.V256: Run<Vector256<float>, Lane256, Rows4>(g, x, packed, b, y, mean, m2, n, mode); break;
            case VectorWidth.V128: Run<Vector128<float>, Lane128, Rows4>(g, x, packed, b, y, mean, m2, n, mode); break;
            default: Run<float, ScalarLane, Rows4>(g, x, packed, b, y, mean, m2, n, mode); break;
        }
    }

    private static int RowsOf(VectorWidth width) => width == VectorWidth.V512 ? Rows8.Value : Rows4.Value;

    private static void Run<T, L, R>(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, Span<float> y,
        Span<float> mean, Span<float> m2, int n, Mode mode)
        where T : struct where L : struct, ILane<T> where R : struct, IConstant
    {
        int lanes = L.Count, rows = R.Value, cout = g.OutChannels, k = 9 * g.InChannels;
        int blocks = (cout + rows - 1) / rows, tileLength = TileVectors * lanes;
        var grid = new Conv3x3Grid(g, lanes);
        Conv3x3Workspace workspace = Conv3x3Workspace.Current;

        Span<float> source = workspace.Source(grid.SourceLength);
        source.Clear();
        Span<int> offsets = workspace.Offsets(k);
        grid.FillOffsets(g.InChannels, offsets);
        Span<float> tile = workspace.Tile(rows * tileLength);

        bool statistics = mode == Mode.Statistics;
        Span<float> mask = default, sums = default, shifts = default;
        if (statistics)
        {
            mask = workspace.Mask(grid.Vectors * lanes);
            for (int q = 0; q < mask.Length; q++) mask[q] = q < grid.Positions && q % grid.PlaneWidth < grid.OutWidth ? 1f : 0f;
            sums = workspace.Sums(2 * cout * lanes);
            sums.Clear();
            shifts = workspace.Shifts(cout);
        }

        var epilogue = new Epilogue(grid, b, mode == Mode.Relu, statistics, tile, mask, sums, shifts, cout, g.OutPixels);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref int offset0 = ref MemoryMarshal.GetReference(offsets);
        ref float tile0 = ref MemoryMarshal.GetReference(tile);
        for (int s = 0; s < n; s++)
        {
            grid.CopyInterior(x.Slice(s * g.InputLength, g.InputLength), source, g.InChannels, g.InHeight, g.InWidth);
            Span<float> ys = y.Slice(s * g.OutputLength, g.OutputLength);
            for (int block = 0; block < blocks; block++)
            {
                ref float weights = ref MemoryMarshal.GetReference(packed.Slice(block * k * rows, k * rows));
                for (int tileIndex = 0, tiles = TilesOf(grid.Vectors), v = 0; tileIndex < tiles; tileIndex++, v += TileCount(grid.Vectors, tiles, tileIndex - 1))
                {
                    int q0 = v * lanes;
                    ref float at = ref Unsafe.Add(ref src, q0);
                    int count = TileCount(grid.Vectors, tiles, tileIndex);
                    switch (count)
                    {
                        case 3: Conv3x3MicroKernel.Run<T, L, R, Vectors3>(k, ref at, ref offset0, ref weights, ref tile0, tileLength); break;
                        case 2: Conv3x3MicroKernel.Run<T, L, R, Vectors2>(k, ref at, ref offset0, ref weights, ref tile0, tileLength); break;
                        default: Conv3x3MicroKernel.Run<T, L, R, Vectors1>(k, ref at, ref offset0, ref weights, ref tile0, tileLength); break;
                    }
                    epilogue.Finish<T, L>(ys, block * rows, Math.Min(rows, cout - block * rows), q0, count, first: s == 0 && q0 == 0);
                }
            }
        }

        if (!statistics) return;
        long total = (long)n * g.OutPixels;
        for (int o = 0; o < cout; o++)
        {
            if (total == 0)
            {
                mean[o] = 0f;
                m2[o] = 0f;
                continue;
            }
            double s1 = 0, s2 = 0;
            for (int l = 0; l < lanes; l++)
            {
                s1 += sums[o * lanes + l];
                s2 += sums[(cout + o) * lanes + l];
            }
            // Σ(y − K) = s1, Σ(y − K)² = s2 with K the shift: mean = K + s1/M, M2 = s2 − s1²/M.
            mean[o] = (float)(shifts[o] + s1 / total);
            m2[o] = (float)Math.Max(s2 - s1 * s1 / total, 0);
        }
    }

    /// <summary>Tiles of at most <see cref="TileVectors"/> vectors that cover <paramref name="vectors"/>.</summary>
    private static int TilesOf(int vectors) => (vectors + TileVectors - 1) / TileVectors;

    /// <summary>
    /// Vectors of tile <paramref name="index"/>: the vectors spread as evenly as they go (4 run as 2 + 2, not 3 + 1, whose last
    /// tile would load a broadcast per multiply-add).
    /// </summary>
    private static int TileCount(int vectors, int tiles, int index) => vectors / tiles + (index < vectors % tiles ? 1 : 0);

    /// <summary>What happens to a stored tile: bias, ReLU or statistics, then its valid positions are copied into y.</summary>
    private readonly ref struct Epilogue(Conv3x3Grid grid, ReadOnlySpan<float> bias, bool relu, bool statistics, Span<float> tile,
        Span<float> mask, Span<float> sums, Span<float> shifts, int outChannels, int pixels)
    {
        private readonly Conv3x3Grid _grid = grid;
        private readonly ReadOnlySpan<float> _bias = bias;
        private readonly Span<float> _tile = tile, _mask = mask, _sums = sums, _shifts = shifts;

        /// <summary>
        /// The tile's first <paramref name="rows"/> channels (from <paramref name="firstChannel"/>) at <paramref name="vectors"/>
        /// vectors of grid positions from <paramref name="q0"/>; <paramref name="first"/>: the slice's first tile, whose first
        /// value becomes its channel's shift.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Finish<T, L>(Span<float> y, int firstChannel, int rows, int q0, int vectors, bool first)
            where T : struct where L : struct, ILane<T>
        {
            int lanes = L.Count, tileLength = TileVectors * lanes, pitch = _grid.PlaneWidth, outWidth = _grid.OutWidth;
            int qEnd = Math.Min(q0 + vectors * lanes, _grid.Positions);
            T zero = L.Splat(0f);
            ref float tile0 = ref MemoryMarshal.GetReference(_tile);
            for (int r = 0; r < rows; r++)
            {
                int o = firstChannel + r;
                ref float row = ref Unsafe.Add(ref tile0, r * tileLength);
                if (!_bias.IsEmpty || relu)
                {
                    T b = L.Splat(_bias.IsEmpty ? 0f : _bias[o]);
                    for (int v = 0; v < vectors; v++)
                    {
                        T t = L.Load(ref row, v * lanes);
                        if (!_bias.IsEmpty) t = L.Add(t, b);
                        if (relu) t = L.Max(t, zero);
                        L.Store(ref row, v * lanes, t);
                    }
                }
                if (statistics)
                {
                    if (first) _shifts[o] = row;
                    T shift = L.Splat(_shifts[o]);
                    ref float sum = ref _sums[o * lanes];
                    ref float squares = ref _sums[(outChannels + o) * lanes];
                    T s1 = L.Load(ref sum, 0), s2 = L.Load(ref squares, 0);
                    for (int v = 0; v < vectors; v++)
                    {
                        T d = L.Multiply(L.Subtract(L.Load(ref row, v * lanes), shift), L.Load(ref _mask[q0], v * lanes));
                        s1 = L.Add(s1, d);
                        s2 = L.FusedMultiplyAdd(d, d, s2);
                    }
                    L.Store(ref sum, 0, s1);
                    L.Store(ref squares, 0, s2);
                }

                // y[o, oh, ow] for the valid grid positions q = oh·PWs + ow in [q0, qEnd)
                ref float plane = ref y[o * pixels];
                for (int oh = q0 / pitch; oh * pitch < qEnd; oh++)
                {
                    int start = Math.Max(q0, oh * pitch), end = Math.Min(qEnd, oh * pitch + outWidth);
                    if (end > start) CopyRun(ref Unsafe.Add(ref row, start - q0), ref Unsafe.Add(ref plane, oh * outWidth + start - oh * pitch), end - start);
                }
            }
        }
    }

    /// <summary>
    /// to[0..length) = from[0..length) (the two do not overlap): whole 256-bit vectors, then one overlapped vector ending at
    /// the last float; under 8 floats two overlapping 128-bit vectors, under 4 one float at a time. Also Winograd's row copies.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CopyRun(ref float from, ref float to, int length)
    {
        if (length >= Vector256<float>.Count)
        {
            int i = 0;
            for (; i + Vector256<float>.Count <= length; i += Vector256<float>.Count)
                Vector256.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
            if (i < length)
            {
                nuint last = (nuint)(length - Vector256<float>.Count);
                Vector256.LoadUnsafe(ref from, last).StoreUnsafe(ref to, last);
            }
            return;
        }
        if (length >= Vector128<float>.Count)
        {
            Vector128.LoadUnsafe(ref from).StoreUnsafe(ref to);
            nuint last = (nuint)(length - Vector128<float>.Count);
            Vector128.LoadUnsafe(ref from, last).StoreUnsafe(ref to, last);
            return;
        }
        for (int i = 0; i < length; i++) Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i);
    }

    // ---- checks ----

    private static void ValidateForward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, VectorWidth width)
    {
        CheckGeometry(g, n, width);
        KernelArguments.AtLeast(x.Length, (long)n * g.InputLength, nameof(x));
        KernelArguments.Exactly(w.Length, g.WeightLength, nameof(w));
        if (b.Length != 0 && b.Length != g.OutChannels)
            throw new ArgumentException($"b has {b.Length} elements but needs {g.OutChannels} (one per output channel) or none (no bias).", nameof(b));
        KernelArguments.AtLeast(y.Length, (long)n * g.OutputLength, nameof(y));
    }

    private static void CheckGeometry(in Conv2DGeometry g, int n, VectorWidth width)
    {
        Conv2DKernels.Validate(g, n, width);
        if (!Applies(g))
            throw new ArgumentException($"Conv3x3Kernels runs 3×3 kernels with padding 1 on every side and stride 1 or 2 (no dilation or groups); this geometry is not one: {g}.", nameof(g));
    }
}
