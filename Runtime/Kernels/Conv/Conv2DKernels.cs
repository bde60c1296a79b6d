using System;

namespace Compiled.Kernels;

/// <summary>
/// 2-D convolution over a batch (PyTorch <c>nn.Conv2d</c>), per sample as im2col + GEMM.
/// x [n, Cin, H, W], w [Cout, Cin/groups, KH, KW] (OIHW), b [Cout] (or empty: no bias), y [n, Cout, OH, OW];
/// col is one sample's im2col workspace (at least <see cref="Conv2DGeometry.ColumnLength"/> floats; may be empty for
/// a 1×1 kernel with stride 1 and no padding, whose input already is its im2col matrix, and for the 3×3 layers
/// <see cref="Conv3x3Kernels.Applies"/> accepts with at least 3 input channels, which need none). Dilated or grouped geometries run
/// <c>DilatedGroupedConvolution</c> (explicit im2col and one GEMM per group) at every width; 3×3 kernels with padding 1 and
/// stride 1 or 2 run <see cref="Conv3x3Kernels"/> (forward, dw, and dx from 3 input channels up) at every width.
/// </summary>
public static class Conv2DKernels
{
    /// <summary>
    /// Whether 3×3 layers with padding 1 and stride 1 or 2 run <see cref="Conv3x3Kernels"/> (forward, weight gradient, and
    /// input gradient from 3 input channels up) on this thread. On by default; the kernel benchmarks and tests turn it off on
    /// their own thread to time or check the general paths (per thread, so other threads' calls never see the switch).
    /// </summary>
    internal static bool UseDirect3x3
    {
        get => !t_generalOnly;
        set => t_generalOnly = !value;
    }

    [ThreadStatic] private static bool t_generalOnly;

    /// <summary>
    /// Whether the forward of 3×3 stride-1 layers with at least 8 channels in and out runs Winograd (F(4×4, 3×3) on planes past 2×2)
    /// (<see cref="WinogradConvolution"/>) rather than <see cref="Conv3x3Kernels"/>. On by default; per thread, like
    /// <see cref="UseDirect3x3"/>, so tests and kernel benchmarks can hold the two against each other.
    /// </summary>
    internal static bool UseWinograd
    {
        get => !t_noWinograd;
        set => t_noWinograd = !value;
    }

    [ThreadStatic] private static bool t_noWinograd;

    /// <summary>y = conv(x, w) + b.</summary>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col, int n)
        => Forward(g, x, w, b, y, col, n, Simd.Width);

    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col, int n, VectorWidth width)
    {
        ValidateForward(g, x, w, b, y, col, n, width);
        // One sample with idle threads beside it (a runner's call on one sample): split by output channels.
        if (n == 1 && OneSampleSplit.TryConv2D(g, x, w, b, y, col, relu: false, width)) return;
        Conv2DMethod method = Algorithm(g, width).Forward;
        if (method is Conv2DMethod.Grid or Conv2DMethod.Im2ColGemm && ChannelVectorConvolution.Applies(g, n, method))
        {
            // Direct, output channels in the lanes, no junk columns or per-sample packing: a few samples (a call on one above
            // all) instead of the grid or im2col, any number instead of im2col (a strided layer).
            ChannelVectorConvolution.Forward(g, x, w, b, y, g.OutputLength, n, width);
            return;
        }
        switch (method)
        {
            case Conv2DMethod.DilatedGrouped:
                DilatedGroupedConvolution.Forward(g, x, w, b, y, col, n, width);
                return;
            case Conv2DMethod.Direct3x3 or Conv2DMethod.Winograd:
                Forward3x3(g, x, w, b, y, default, default, n, Conv3x3Kernels.Mode.Plain, method, width);
                return;
            case Conv2DMethod.Grid:
                GridConvolution.Forward(g, x, w, b, y, n, width);
                return;
        }

        int patch = g.PatchLength, pixels = g.OutPixels;
        bool hasBias = !b.IsEmpty;
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> xs = x.Slice(s * g.InputLength, g.InputLength);
            Span<float> ys = y.Slice(s * g.OutputLength, g.OutputLength);

            // col [Cin·KH·KW, OH·OW]; for a pointwise kernel x itself.
            ReadOnlySpan<float> columns = xs;
            if (!g.IsPointwise)
            {
                Im2Col.Expand(g, xs, col);
                columns = col[..g.ColumnLength];
            }

            // y [Cout, OH·OW] = b (per row) + w [Cout, Cin·KH·KW] · col
            if (hasBias)
            {
                for (int o = 0; o < g.OutChannels; o++) ys.Slice(o * pixels, pixels).Fill(b[o]);
            }
            Gemm.Multiply(false, false, g.OutChannels, pixels, patch, w, patch, columns, pixels, ys, pixels, accumulate: hasBias, width);
        }
    }

    /// <summary>
    /// y = conv(x, w) + b with each sample's output <paramref name="yStride"/> floats after the previous one's (at least
    /// <see cref="Conv2DGeometry.OutputLength"/>): a branch writing its channels straight into a concatenation's
    /// [n, ΣC, OH, OW] rows, y sliced at the branch's channel offset. The floats between the rows are not touched. Each
    /// sample runs the contiguous kernel's algorithm (weights packed once), so the values are those of
    /// <see cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>.
    /// </summary>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, Span<float> col, int n)
        => Forward(g, x, w, b, y, yStride, col, n, Simd.Width);

    /// <inheritdoc cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, Span{float}, int)"/>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, Span<float> col, int n, VectorWidth width)
        => ForwardStrided(g, x, w, b, y, yStride, col, n, width, relu: false);

    /// <summary>
    /// y = max(conv(x, w) + b, 0) with each sample's output <paramref name="yStride"/> floats after the previous one's (a branch
    /// ending in Conv2D → ReLU written into its slice of a concatenation): per sample, the values of
    /// <see cref="ForwardRelu(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>.
    /// </summary>
    public static void ForwardRelu(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, Span<float> col, int n)
        => ForwardRelu(g, x, w, b, y, yStride, col, n, Simd.Width);

    /// <inheritdoc cref="ForwardRelu(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, Span{float}, int)"/>
    public static void ForwardRelu(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride, Span<float> col, int n, VectorWidth width)
        => ForwardStrided(g, x, w, b, y, yStride, col, n, width, relu: true);

    // The strided entries: validated, then contiguous rows go to the contiguous kernel; otherwise 3×3 layers pack their
    // weights once for every sample, the others run the contiguous kernel sample by sample.
    private static void ForwardStrided(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int yStride,
        Span<float> col, int n, VectorWidth width, bool relu)
    {
        Validate(g, n, width);
        KernelArguments.StridedRows(y.Length, n, g.OutputLength, yStride, nameof(y), nameof(yStride));
        if (yStride == g.OutputLength)
        {
            if (relu) ForwardRelu(g, x, w, b, y, col, n, width);
            else Forward(g, x, w, b, y, col, n, width);
            return;
        }
        KernelArguments.AtLeast(x.Length, (long)n * g.InputLength, nameof(x));
        KernelArguments.Exactly(w.Length, g.WeightLength, nameof(w));
        CheckBias(b.Length, g.OutChannels, nameof(b));
        CheckColumns(g, col.Length);
        Conv2DMethod method = Algorithm(g, width).Forward;
        if (method == Conv2DMethod.Direct3x3 && FewChannels3x3.Applies(g))
        {
            Span<float> padded = Conv2DWorkspace.Current.Source(FewChannels3x3.PaddedLength(g));
            FewChannels3x3.Forward(g, x, w, b, y, yStride, n, relu, padded, width);
            return;
        }
        if (method == Conv2DMethod.Direct3x3 && ChannelVectorConvolution.Applies(g, n, method))
        {
            ChannelVectorConvolution.Forward(g, x, w, b, y, yStride, n, width);
            if (relu)
            {
                for (int s = 0; s < n; s++) ActivationKernels.Relu(y.Slice(s * yStride, g.OutputLength), y.Slice(s * yStride, g.OutputLength), width);
            }
            return;
        }
        if (method is Conv2DMethod.Direct3x3 or Conv2DMethod.Winograd)
        {
            bool winograd = method == Conv2DMethod.Winograd;
            ReadOnlySpan<float> packed = Pack3x3(g, w, winograd, width);
            Conv3x3Kernels.Mode mode = relu ? Conv3x3Kernels.Mode.Relu : Conv3x3Kernels.Mode.Plain;
            for (int s = 0; s < n; s++)
            {
                ReadOnlySpan<float> xs = x.Slice(s * g.InputLength, g.InputLength);
                Span<float> ys = y.Slice(s * yStride, g.OutputLength);
                if (winograd) WinogradConvolution.ForwardPacked(g, xs, packed, b, ys, default, default, 1, mode, width);
                else Conv3x3Kernels.ForwardPacked(g, xs, packed, b, ys, default, default, 1, mode, width);
            }
            return;
        }
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> xs = x.Slice(s * g.InputLength, g.InputLength);
            Span<float> ys = y.Slice(s * yStride, g.OutputLength);
            if (relu) ForwardRelu(g, xs, w, b, ys, col, 1, width);
            else Forward(g, xs, w, b, ys, col, 1, width);
        }
    }

    /// <summary>
    /// y = max(conv(x, w) + b, 0): a convolution followed by ReLU (or, in evaluation, by a batch norm folded into it and
    /// ReLU). The 3×3 layers <see cref="Conv3x3Kernels"/> runs apply ReLU to each tile before it is written
    /// (<see cref="Conv3x3Epilogue.Relu"/>); the other paths run the forward, then ReLU over y in place. The same values as
    /// <see cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>
    /// followed by <see cref="ActivationKernels.Relu(ReadOnlySpan{float}, Span{float})"/> (equal values).
    /// </summary>
    public static void ForwardRelu(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col, int n)
        => ForwardRelu(g, x, w, b, y, col, n, Simd.Width);

    /// <inheritdoc cref="ForwardRelu(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>
    public static void ForwardRelu(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col, int n, VectorWidth width)
    {
        if (n == 1 && Threading.IntraOpTeam.Parts > 1)
        {
            ValidateForward(g, x, w, b, y, col, n, width);
            if (OneSampleSplit.TryConv2D(g, x, w, b, y, col, relu: true, width)) return;
        }
        Conv2DMethod method = Algorithm(g, width).Forward;
        if (method is Conv2DMethod.Direct3x3 or Conv2DMethod.Winograd)
        {
            ValidateForward(g, x, w, b, y, col, n, width);
            Forward3x3(g, x, w, b, y, default, default, n, Conv3x3Kernels.Mode.Relu, method, width);
            return;
        }
        Forward(g, x, w, b, y, col, n, width);
        Span<float> output = y[..(n * g.OutputLength)];
        ActivationKernels.Relu(output, output, width);
    }

    /// <summary>
    /// y = the 2×2, stride-2 max-pool (<paramref name="pool"/>, which reads this convolution's output) of conv(x, w) + b, then
    /// max(·, 0) when <paramref name="relu"/>: inference's convolution → max-pool (→ ReLU), as VGG's and LeNet-5's blocks end.
    /// A Winograd F(4×4) layer pools each tile's 2×2 windows while its outputs are in cache, a layer on channel vectors (a
    /// few samples, one thread) each plane's before it is transposed, and both write only the pooled values (a quarter of
    /// the stores, and no pass of the pool over the convolution's output); the other paths write the convolution's output
    /// to <paramref name="convolved"/> [n, Cout, OH, OW] and pool it. The values of
    /// <see cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>
    /// then <see cref="PoolKernels.MaxForward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, int)"/> (or
    /// <see cref="PoolKernels.MaxReluForward(in Pool2DGeometry, ReadOnlySpan{float}, Span{float}, int)"/>), bit for bit;
    /// <paramref name="convolved"/> holds that output only where the layer did not fuse. y must not overlap x.
    /// </summary>
    public static void ForwardMaxPool(in Conv2DGeometry g, in Pool2DGeometry pool, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b,
        Span<float> convolved, Span<float> y, Span<float> col, int n, bool relu)
        => ForwardMaxPool(g, pool, x, w, b, convolved, y, col, n, relu, Simd.Width);

    /// <inheritdoc cref="ForwardMaxPool(in Conv2DGeometry, in Pool2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, bool)"/>
    public static void ForwardMaxPool(in Conv2DGeometry g, in Pool2DGeometry pool, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b,
        Span<float> convolved, Span<float> y, Span<float> col, int n, bool relu, VectorWidth width)
    {
        ValidateForward(g, x, w, b, convolved, col, n, width);
        if (pool.Channels != g.OutChannels || pool.InHeight != g.OutHeight || pool.InWidth != g.OutWidth)
        {
            throw new ArgumentException(
                $"the pool reads [{pool.Channels}, {pool.InHeight}, {pool.InWidth}] but the convolution writes [{g.OutChannels}, {g.OutHeight}, {g.OutWidth}].", nameof(pool));
        }
        KernelArguments.AtLeast(y.Length, (long)n * pool.OutputLength, nameof(y));
        Span<float> pooled = y[..(n * pool.OutputLength)];
        if (pooled.Overlaps(x[..(n * g.InputLength)]))
            throw new ArgumentException("y overlaps x: the pooled outputs would overwrite inputs later tiles read.", nameof(y));
        Conv2DMethod method = Algorithm(g, width).Forward;
        if (MaxPool2x2.Applies(pool) && (n > 1 || Threading.IntraOpTeam.Parts <= 1) && ChannelVectorConvolution.Applies(g, n, method)
            && !(method == Conv2DMethod.Direct3x3 && FewChannels3x3.Applies(g)))
        {
            // Channel vectors, as Forward runs them here (a call on one sample that a team would split runs apart instead:
            // its parts' pixel ranges do not follow the windows).
            ChannelVectorConvolution.ForwardMaxPool(g, x, w, b, pooled, n, relu, width);
            return;
        }
        if (MaxPool2x2.Applies(pool) && method == Conv2DMethod.Winograd && WinogradConvolution.TileSize(g) == 4)
        {
            bool splitsOtherwise = false;
            if (n == 1 && OneSampleSplit.TryConv2DMaxPool(g, x, w, b, pooled, relu, width, out splitsOtherwise)) return;
            if (!splitsOtherwise)
            {
                ReadOnlySpan<float> packed = Pack3x3(g, w, winograd: true, width);
                WinogradConvolution.ForwardTiles(g, x, packed, b, default, pooled, 0, n * WinogradF4.TileRows(g) * WinogradF4.TileColumns(g), relu, width, maxPool: true);
                return;
            }
        }
        Forward(g, x, w, b, convolved, col, n, width);
        if (relu) PoolKernels.MaxReluForward(pool, convolved, y, n, width);
        else PoolKernels.MaxForward(pool, convolved, y, n, width);
    }

    /// <summary>
    /// y = conv(x, w) + b + r, then max(·, 0) when <paramref name="relu"/>: a convolution whose output (in evaluation through a
    /// batch norm folded into it) is summed with <paramref name="residual"/> r [n, Cout, OH, OW] (a residual block's shortcut),
    /// then rectified, as ResNet's blocks end. Winograd layers add r and rectify each block of tile rows while its outputs are
    /// in cache; the other paths run the forward, then one pass over y. The values of
    /// <see cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>,
    /// then <see cref="JoinKernels.Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> of y and r, then
    /// <see cref="ActivationKernels.Relu(ReadOnlySpan{float}, Span{float})"/>. r must not overlap y (the convolution would
    /// overwrite it before adding it).
    /// </summary>
    public static void ForwardResidual(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> residual,
        Span<float> y, Span<float> col, int n, bool relu)
        => ForwardResidual(g, x, w, b, residual, y, col, n, relu, Simd.Width);

    /// <inheritdoc cref="ForwardResidual(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, bool)"/>
    public static void ForwardResidual(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> residual,
        Span<float> y, Span<float> col, int n, bool relu, VectorWidth width)
    {
        ValidateForward(g, x, w, b, y, col, n, width);
        KernelArguments.AtLeast(residual.Length, (long)n * g.OutputLength, nameof(residual));
        residual = residual[..(n * g.OutputLength)];
        Span<float> output = y[..(n * g.OutputLength)];
        if (residual.Overlaps(output))
            throw new ArgumentException("residual overlaps y: the convolution would overwrite it before adding it.", nameof(residual));
        // One sample with idle threads beside it: split as the forward splits, each part adding its own outputs' residual.
        if (n == 1 && OneSampleSplit.TryConv2D(g, x, w, b, y, col, relu, width, residual)) return;
        if (Algorithm(g, width).Forward == Conv2DMethod.Winograd)
        {
            ReadOnlySpan<float> packed = Pack3x3(g, w, winograd: true, width);
            WinogradConvolution.ForwardTileRows(g, x, packed, b, residual, y, 0, n * WinogradConvolution.TileRows(g), relu, width);
            return;
        }
        Forward(g, x, w, b, y, col, n, width);
        if (relu) ElementwiseDriver.Binary(new AddReluOperator(), output, residual, output, width);
        else ElementwiseDriver.Binary(new AddOperator(), output, residual, output, width);
    }

    /// <summary>
    /// y = conv(x, w) + b and the batch-norm slice statistics of y, per output channel over the n·OH·OW outputs: mean (Cout)
    /// and m2 (Cout) = Σ(y − mean)² (written; zeros when n = 0), as
    /// <see cref="BatchNormKernels.SliceStatistics(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int)"/> defines them
    /// (to rounding). The 3×3 layers <see cref="Conv3x3Kernels"/> runs gather them while each output tile is in registers, so
    /// a training batch norm after the convolution need not read its output again; the other paths run the forward, then
    /// <c>SliceStatistics</c> over y.
    /// </summary>
    public static void ForwardWithStatistics(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col,
        Span<float> mean, Span<float> m2, int n)
        => ForwardWithStatistics(g, x, w, b, y, col, mean, m2, n, Simd.Width);

    /// <inheritdoc cref="ForwardWithStatistics(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, int)"/>
    public static void ForwardWithStatistics(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col,
        Span<float> mean, Span<float> m2, int n, VectorWidth width)
    {
        KernelArguments.Exactly(mean.Length, g.OutChannels, nameof(mean));
        KernelArguments.Exactly(m2.Length, g.OutChannels, nameof(m2));
        Conv2DMethod method = Algorithm(g, width).Forward;
        if (method is Conv2DMethod.Direct3x3 or Conv2DMethod.Winograd)
        {
            ValidateForward(g, x, w, b, y, col, n, width);
            Forward3x3(g, x, w, b, y, mean, m2, n, Conv3x3Kernels.Mode.Statistics, method, width);
            return;
        }
        Forward(g, x, w, b, y, col, n, width);
        BatchNormKernels.SliceStatistics(y, mean, m2, n, g.OutChannels, g.OutPixels, width);
    }

    /// <summary>The forward of a 3×3 layer by <paramref name="method"/> (Direct3x3 or Winograd), its weights packed here.</summary>
    private static void Forward3x3(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        Span<float> mean, Span<float> m2, int n, Conv3x3Kernels.Mode mode, Conv2DMethod method, VectorWidth width)
    {
        bool winograd = method == Conv2DMethod.Winograd;
        if (!winograd && mode != Conv3x3Kernels.Mode.Statistics && FewChannels3x3.Applies(g))
        {
            // One or two input channels: output columns in the lanes, nothing packed.
            Span<float> padded = Conv2DWorkspace.Current.Source(FewChannels3x3.PaddedLength(g));
            FewChannels3x3.Forward(g, x, w, b, y, g.OutputLength, n, mode == Conv3x3Kernels.Mode.Relu, padded, width);
            return;
        }
        if (!winograd && ChannelVectorConvolution.Applies(g, n, method))
        {
            // Output channels in the lanes (see ChannelVectorConvolution: a strided layer above all); the statistics, if
            // asked, from y as the other paths take them, so a training forward writes the bits of inference's.
            Span<float> output = y[..(n * g.OutputLength)];
            ChannelVectorConvolution.Forward(g, x, w, b, output, g.OutputLength, n, width);
            if (mode == Conv3x3Kernels.Mode.Relu) ActivationKernels.Relu(output, output, width);
            if (mode == Conv3x3Kernels.Mode.Statistics) BatchNormKernels.SliceStatistics(output, mean, m2, n, g.OutChannels, g.OutPixels, width);
            return;
        }
        ReadOnlySpan<float> packed = Pack3x3(g, w, winograd, width);
        if (winograd) WinogradConvolution.ForwardPacked(g, x, packed, b, y, mean, m2, n, mode, width);
        else Conv3x3Kernels.ForwardPacked(g, x, packed, b, y, mean, m2, n, mode, width);
    }

    /// <summary>
    /// w packed for <see cref="Conv3x3Kernels"/> or transformed for <see cref="WinogradConvolution"/>: the packing of the
    /// last call when the weights are unchanged (<see cref="PackedWeightCache"/>), else a new one.
    /// </summary>
    internal static ReadOnlySpan<float> Pack3x3(in Conv2DGeometry g, ReadOnlySpan<float> w, bool winograd, VectorWidth width)
    {
        if (winograd)
        {
            int transformed = WinogradConvolution.PackedLength(g, width);
            return PackedWeightCache.Current.Get(g, w, width, PackedWeightCache.WinogradForward, transformed, WinogradConvolution.PackForward,
                WinogradWorkspace.Current.Packed(transformed));
        }
        int length = Conv3x3Kernels.PackedLength(g, width);
        return PackedWeightCache.Current.Get(g, w, width, PackedWeightCache.Direct3x3Forward, length, Conv3x3Kernels.PackWeights,
            Conv3x3Workspace.Current.Packed(length));
    }

    /// <summary>
    /// dw [Cout, Cin, KH, KW] += Σ_samples dy·colᵀ (summed over the batch first, then added; skipped when dw is empty: a frozen
    /// layer); db [Cout] += Σ dy (skipped when db is empty);
    /// dx [n, Cin, H, W] = col2im(wᵀ·dy), overwritten (skipped when dx is empty). col is overwritten.
    /// </summary>
    public static void Backward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, Span<float> col, int n)
        => Backward(g, x, w, dy, dx, dw, db, col, n, Simd.Width);

    public static void Backward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, Span<float> col, int n, VectorWidth width)
    {
        Validate(g, n, width);
        KernelArguments.AtLeast(x.Length, (long)n * g.InputLength, nameof(x));
        KernelArguments.Exactly(w.Length, g.WeightLength, nameof(w));
        KernelArguments.AtLeast(dy.Length, (long)n * g.OutputLength, nameof(dy));
        if (!dx.IsEmpty) KernelArguments.AtLeast(dx.Length, (long)n * g.InputLength, nameof(dx));
        bool weights = !dw.IsEmpty;
        if (weights) KernelArguments.Exactly(dw.Length, g.WeightLength, nameof(dw));
        CheckBias(db.Length, g.OutChannels, nameof(db));
        CheckColumns(g, col.Length);

        Conv2DAlgorithm algorithm = Algorithm(g, width);
        if (algorithm.Forward == Conv2DMethod.DilatedGrouped)
        {
            DilatedGroupedConvolution.Backward(g, x, w, dy, dx, dw, db, col, n, width);
            return;
        }
        int patch = g.PatchLength, pixels = g.OutPixels;
        // Few output channels over a long grid (a first convolution): dw straight from the padded input, no im2col.
        // Other stride-1 convolutions: six patch entries × the output channels at a time over the whole chunk, no im2col either.
        // 3×3 with padding 1 (stride 1 or 2): six taps × two vectors of output channels, in registers over groups of samples.
        if (weights)
        {
            switch (algorithm.WeightGradient)
            {
                case Conv2DMethod.Direct3x3: Conv3x3Kernels.WeightGradientCore(g, x, dy, dw, n, width); break;
                case Conv2DMethod.Winograd: WinogradWeightGradient.Run(g, x, dy, dw, n, width); break;
                case Conv2DMethod.Grid: GridConvolution.WeightGradient(g, x, dy, dw, n, width); break;
                case Conv2DMethod.PatchGrid: GridConvolution.PatchWeightGradient(g, x, dy, dw, n, width); break;
            }
        }
        // dw through im2col (or the input itself, pointwise) and a GEMM per sample
        bool columnWeights = weights && algorithm.WeightGradient is Conv2DMethod.Im2ColGemm or Conv2DMethod.Gemm;
        Span<float> weightGradientT = columnWeights ? Conv2DWorkspace.Current.TransposedWeightGradient(patch * g.OutChannels) : default;

        // 3×3, padding 1: dx for the whole chunk from the register-tiled kernel (stride 1: the forward on dy with flipped
        // weights; stride 2: four phases of taps). Not for one or two input channels, which would fill only that many of the
        // tile's 4 or 8 rows of dx channels (1 → 32 at 28×28, batch 32, AVX-512: 1.37 ms there against 1.04 ms below).
        bool direct = !dx.IsEmpty && algorithm.InputGradient is Conv2DMethod.Direct3x3 or Conv2DMethod.Winograd;
        if (direct && algorithm.InputGradient == Conv2DMethod.Winograd) WinogradConvolution.InputGradient(g, w, dy, dx, n, width);
        else if (direct) Conv3x3Kernels.InputGradientCore(g, w, dy, dx, n, width);

        // Stride 1: samples whose dy is mostly zero (behind ReLU and max-pool) scatter their non-zeros instead.
        bool scatter = !dx.IsEmpty && algorithm.InputGradient == Conv2DMethod.SparseScatterOrIm2ColGemm;
        Span<float> scatterWeights = scatter ? Conv2DWorkspace.Current.ScatterWeights(SparseInputGradient.PackedLength(g)) : default;
        Span<float> scatterPlanes = scatter ? Conv2DWorkspace.Current.ScatterPlanes(SparseInputGradient.PaddedLength(g)) : default;
        if (scatter) SparseInputGradient.Pack(g, w, scatterWeights, width);
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> xs = x.Slice(s * g.InputLength, g.InputLength);
            ReadOnlySpan<float> dys = dy.Slice(s * g.OutputLength, g.OutputLength);

            if (columnWeights)
            {
                ReadOnlySpan<float> columns = xs;
                if (!g.IsPointwise)
                {
                    Im2Col.Expand(g, xs, col);
                    columns = col[..g.ColumnLength];
                }

                // dwᵀ [Cin·KH·KW, Cout] (+)= col [Cin·KH·KW, OH·OW] · dyᵀ [OH·OW, Cout], summed over the samples in a scratch
                // and added to dw once at the end. This orientation packs only dy (Cout × OH·OW) for the GEMM, not col.
                Gemm.Multiply(false, true, patch, g.OutChannels, pixels, columns, pixels, dys, pixels, weightGradientT, g.OutChannels, accumulate: s > 0, width);
            }

            // db [Cout] += Σ_pixels dy (each channel's sum as VectorOps.Sum's, four channels side by side)
            if (!db.IsEmpty) VectorOps.AddPlaneSums(dys, pixels, db[..g.OutChannels], width);

            if (dx.IsEmpty || direct) continue;
            Span<float> dxs = dx.Slice(s * g.InputLength, g.InputLength);
            if (scatter && SparseInputGradient.IsSparse(dys))
            {
                SparseInputGradient.Run(g, scatterWeights, dys, dxs, scatterPlanes, width);
            }
            else if (g.IsPointwise)
            {
                // dx [Cin, H·W] = wᵀ [Cin, Cout] · dy
                Gemm.Multiply(true, false, patch, pixels, g.OutChannels, w, patch, dys, pixels, dxs, pixels, accumulate: false, width);
            }
            else
            {
                // dcol [Cin·KH·KW, OH·OW] = wᵀ · dy (into col, no longer needed), then folded back onto the pixels.
                Span<float> dcol = col[..g.ColumnLength];
                Gemm.Multiply(true, false, patch, pixels, g.OutChannels, w, patch, dys, pixels, dcol, pixels, accumulate: false, width);
                Im2Col.Fold(g, dcol, dxs);
            }
        }

        // dw [Cout, Cin·KH·KW] += (dwᵀ)ᵀ
        if (n == 0 || !columnWeights) return;
        for (int o = 0; o < g.OutChannels; o++)
        {
            Span<float> row = dw.Slice(o * patch, patch);
            for (int r = 0; r < patch; r++) row[r] += weightGradientT[r * g.OutChannels + o];
        }
    }

    /// <summary>
    /// What <see cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>
    /// and <see cref="Backward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, int)"/>
    /// run for this geometry on this machine (<see cref="Simd.Width"/>): the rule they dispatch on, which the generator's
    /// compile-time report mirrors.
    /// </summary>
    public static Conv2DAlgorithm Algorithm(in Conv2DGeometry g) => Algorithm(g, Simd.Width);

    /// <summary>What the kernels run for this geometry at <paramref name="width"/> (the geometry is not validated).</summary>
    public static Conv2DAlgorithm Algorithm(in Conv2DGeometry g, VectorWidth width)
    {
        if (!g.IsDense) return new Conv2DAlgorithm(Conv2DMethod.DilatedGrouped, Conv2DMethod.DilatedGrouped, Conv2DMethod.DilatedGrouped);
        Conv2DMethod columns = g.IsPointwise ? Conv2DMethod.Gemm : Conv2DMethod.Im2ColGemm;
        Conv2DMethod inputs = SparseInputGradient.Applies(g, width) ? Conv2DMethod.SparseScatterOrIm2ColGemm : columns;
        if (UseDirect3x3 && Conv3x3Kernels.Applies(g))
        {
            // dx of one or two input channels would fill only that many rows of the tile: the general path is faster.
            // Stride 1 with 8 channels or more each way: Winograd for the forward, dw (its adjoint) and dx (the forward of the
            // transposed layer).
            if (UseWinograd && WinogradConvolution.Applies(g)) return new Conv2DAlgorithm(Conv2DMethod.Winograd, Conv2DMethod.Winograd, Conv2DMethod.Winograd);
            return new Conv2DAlgorithm(Conv2DMethod.Direct3x3, Conv2DMethod.Direct3x3, g.InChannels >= 3 ? Conv2DMethod.Direct3x3 : inputs);
        }
        bool grid = GridConvolution.CanForward(g, width);
        Conv2DMethod forward = grid ? Conv2DMethod.Grid : columns;
        Conv2DMethod weights = GridConvolution.CanWeightGradient(g, width) ? Conv2DMethod.Grid : grid ? Conv2DMethod.PatchGrid : columns;
        return new Conv2DAlgorithm(forward, weights, inputs);
    }

    /// <summary>
    /// What the forward of <paramref name="n"/> samples runs at <paramref name="width"/> (<see cref="Forward(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, VectorWidth)"/>,
    /// one thread): <see cref="Algorithm(in Conv2DGeometry, VectorWidth)"/>'s forward, or <see cref="Conv2DMethod.ChannelVectors"/>
    /// where that replaces it (a few samples, or any number of a strided layer). The generator's report mirrors it for batches.
    /// </summary>
    public static Conv2DMethod ForwardMethod(in Conv2DGeometry g, int n, VectorWidth width)
    {
        Conv2DMethod method = Algorithm(g, width).Forward;
        if (method == Conv2DMethod.Direct3x3 && FewChannels3x3.Applies(g)) return method;   // output columns in the lanes
        return ChannelVectorConvolution.Applies(g, n, method) ? Conv2DMethod.ChannelVectors : method;
    }

    /// <summary>Positive sizes and strides, non-negative padding, a kernel no larger than the padded input.</summary>
    internal static void Validate(in Conv2DGeometry g, int n, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        if (g.InChannels <= 0 || g.InHeight <= 0 || g.InWidth <= 0 || g.OutChannels <= 0 || g.KernelHeight <= 0 || g.KernelWidth <= 0)
            throw new ArgumentException($"Conv2D sizes must be positive: {g}.", nameof(g));
        if (g.StrideHeight <= 0 || g.StrideWidth <= 0)
            throw new ArgumentException($"Conv2D strides must be positive: {g}.", nameof(g));
        if (g.PadTop < 0 || g.PadLeft < 0 || g.PadBottom < 0 || g.PadRight < 0)
            throw new ArgumentException($"Conv2D padding must not be negative: {g}.", nameof(g));
        if (g.DilationHeight <= 0 || g.DilationWidth <= 0)
            throw new ArgumentException($"Conv2D dilation must be positive: {g}.", nameof(g));
        if (g.Groups <= 0 || g.InChannels % g.Groups != 0 || g.OutChannels % g.Groups != 0)
            throw new ArgumentException($"Conv2D groups {g.Groups} must be positive and divide both the input channels {g.InChannels} and the output channels {g.OutChannels}: {g}.", nameof(g));
        int spanHeight = g.DilationHeight * (g.KernelHeight - 1) + 1, spanWidth = g.DilationWidth * (g.KernelWidth - 1) + 1;
        if (g.InHeight + g.PadTop + g.PadBottom < spanHeight || g.InWidth + g.PadLeft + g.PadRight < spanWidth)
            throw new ArgumentException($"Conv2D kernel {g.KernelHeight}×{g.KernelWidth} (dilated: {spanHeight}×{spanWidth}) is larger than the padded input: {g}.", nameof(g));
    }

    private static void ValidateForward(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> col, int n, VectorWidth width)
    {
        Validate(g, n, width);
        KernelArguments.AtLeast(x.Length, (long)n * g.InputLength, nameof(x));
        KernelArguments.Exactly(w.Length, g.WeightLength, nameof(w));
        CheckBias(b.Length, g.OutChannels, nameof(b));
        KernelArguments.AtLeast(y.Length, (long)n * g.OutputLength, nameof(y));
        CheckColumns(g, col.Length);
    }

    private static void CheckColumns(in Conv2DGeometry g, int length)
    {
        if (!g.IsPointwise && !NeedsNoColumns(g)) KernelArguments.AtLeast(length, g.ColumnLength, "col");
    }

    /// <summary>3×3 layers with padding 1 run without im2col (dx through it only below 3 input channels, forward and dw never).</summary>
    private static bool NeedsNoColumns(in Conv2DGeometry g) => UseDirect3x3 && Conv3x3Kernels.Applies(g) && g.InChannels >= 3;

    private static void CheckBias(int length, int outChannels, string name)
    {
        if (length != 0 && length != outChannels)
            throw new ArgumentException($"{name} has {length} elements but needs {outChannels} (one per output channel) or none (no bias).", name);
    }
}
