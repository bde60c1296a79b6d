using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Fully connected layer over a batch (PyTorch <c>nn.Linear</c>), as GEMMs:
/// x [n, in], w [out, in], b [out] (or empty: no bias), y [n, out].
/// </summary>
public static class DenseKernels
{
    /// <summary>
    /// y = x·wᵀ + b: up to <see cref="DenseGemv.MaxSamples"/> samples as matrix-vector products (nothing packed), above
    /// that one GEMM whose orientation is chosen so that the smaller of x and w is packed; in an inference session (a stamp
    /// over every weight) w is packed once and kept, and x read in place, with the same bits.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures)
        => Forward(x, w, b, y, n, inFeatures, outFeatures, Simd.Width);

    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures, VectorWidth width)
    {
        Validate(n, inFeatures, outFeatures, width);
        KernelArguments.AtLeast(x.Length, (long)n * inFeatures, nameof(x));
        KernelArguments.Exactly(w.Length, (long)outFeatures * inFeatures, nameof(w));
        CheckBias(b.Length, outFeatures, nameof(b));
        KernelArguments.AtLeast(y.Length, (long)n * outFeatures, nameof(y));

        if (n == 0) return;
        if (n <= DenseGemv.MaxSamples)
        {
            // A few samples (a call on one sample above all): matrix-vector products, reading the weights where they are;
            // one sample with idle threads beside it splits them by output features.
            if (n == 1 && OneSampleSplit.TryDense(x, w, b, y, inFeatures, outFeatures, width)) return;
            DenseGemv.Forward(x, w, b, y, n, inFeatures, outFeatures, width);
            return;
        }
        if (PackedWeightCache.TrustsEveryWeight && TryForwardPacked(x, w, b, y, n, inFeatures, outFeatures, width)) return;
        bool hasBias = !b.IsEmpty;
        if (n >= outFeatures)
        {
            // y [n, out] = b (per row) + x [n, in] · wᵀ: the GEMM packs op(B) = wᵀ, the smaller operand here.
            if (hasBias)
            {
                for (int i = 0; i < n; i++) b.CopyTo(y.Slice(i * outFeatures, outFeatures));
            }
            Gemm.Multiply(false, true, n, outFeatures, inFeatures, x, inFeatures, w, inFeatures, y, outFeatures, accumulate: hasBias, width);
        }
        else
        {
            // Fewer samples than outputs: yᵀ [out, n] = w [out, in] · xᵀ packs x instead of w (far fewer floats for
            // small batches), then yᵀ is transposed into y with the bias added.
            Span<float> yT = DenseWorkspace.Current.TransposedOutput(outFeatures * n);
            Gemm.Multiply(false, true, outFeatures, n, inFeatures, w, inFeatures, x, inFeatures, yT, n, accumulate: false, width);
            TransposeAddBias(yT, b, y, n, outFeatures, outFeatures);
        }
    }

    /// <summary>
    /// The GEMM of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, VectorWidth)"/>
    /// with w packed once into panels (<see cref="PackedWeightCache"/>, kept per thread) and x read in place: for inference
    /// under a trusted stamp (<see cref="PackedWeightCache.Trust"/>: weights that do not change between calls), where packing
    /// per call (x transposed for a batch smaller than the layer's outputs, w transposed otherwise) and transposing the
    /// output back cost about a quarter of the layer (the MLP at batch 64). Only where the stamp covers every weight
    /// (<see cref="PackedWeightCache.TrustsEveryWeight"/>: an inference session), as a network does not watch its dense
    /// weights. The bits of the per-call GEMM in either
    /// orientation: with n ≥ out the rows start from the bias and the products are added to it, as there; with fewer
    /// samples the products are summed first and the bias added after, as the transposed product does. False (nothing
    /// written) at the scalar width or when the packing is not kept (weights past the cache's bounds).
    /// </summary>
    private static bool TryForwardPacked(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures, VectorWidth width)
    {
        (VectorWidth kernel, int nr) = Gemm.PackedLayout(width, outFeatures);
        if (nr == 0) return false;
        long length = (long)((outFeatures + nr - 1) / nr) * nr * inFeatures;
        if (length > PackedWeightCache.MaxEntryFloats) return false;
        var shape = new Conv2DGeometry(inFeatures, 1, 1, outFeatures, 1, 1, 1, 1, 0, 0, 0, 0);
        ReadOnlySpan<float> packed = PackedWeightCache.Current.Get(shape, w, kernel, PackedWeightCache.DenseForward, (int)length, s_packPanels, scratch: default);
        if (packed.IsEmpty) return false;

        bool hasBias = !b.IsEmpty;
        if (n >= outFeatures && hasBias)
        {
            for (int i = 0; i < n; i++) b.CopyTo(y.Slice(i * outFeatures, outFeatures));
            Gemm.MultiplyPackedB(n, outFeatures, inFeatures, x, inFeatures, packed, y, outFeatures, accumulate: true, kernel);
            return true;
        }
        Gemm.MultiplyPackedB(n, outFeatures, inFeatures, x, inFeatures, packed, y, outFeatures, accumulate: false, kernel);
        if (hasBias && n < outFeatures)
        {
            for (int i = 0; i < n; i++)
            {
                Span<float> row = y.Slice(i * outFeatures, outFeatures);
                VectorOps.Add(row, b, row, width);
            }
        }
        return true;
    }

    private static readonly PackedWeightCache.Packer s_packPanels = (in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth kernel)
        => Gemm.PackTransposedB(w, g.InChannels, g.OutChannels, g.InChannels, Gemm.PackedLayout(kernel, g.OutChannels).PanelColumns, packed);

    // y[i·stride + o] = yT[o, i] + b[o] for o < outFeatures, i < n (no addition without a bias): 4×4 blocks in registers
    // where the CPU has SSE, the element loop for the edges and elsewhere (the same bits either way). The callers have
    // checked the lengths: yT holds [outFeatures, n], b outFeatures floats or none, y (n − 1)·stride + outFeatures floats.
    private static void TransposeAddBias(ReadOnlySpan<float> yT, ReadOnlySpan<float> b, Span<float> y, int n, int outFeatures, int stride)
    {
        ref float source = ref MemoryMarshal.GetReference(yT);
        ref float target = ref MemoryMarshal.GetReference(y);
        ref float bias = ref MemoryMarshal.GetReference(b);
        bool hasBias = !b.IsEmpty;
        int o = 0;
        if (Transpose4x4.IsSupported && n >= 4)
        {
            for (; o + 4 <= outFeatures; o += 4)
            {
                int i = 0;
                for (; i + 4 <= n; i += 4)
                {
                    ref float block = ref Unsafe.Add(ref source, (nint)o * n + i);
                    ref float into = ref Unsafe.Add(ref target, (nint)i * stride + o);
                    if (!hasBias) Transpose4x4.Block(ref block, n, ref into, stride);
                    else Transpose4x4.BlockAdd(ref block, n, Vector128.Create(Unsafe.Add(ref bias, o)), Vector128.Create(Unsafe.Add(ref bias, o + 1)),
                        Vector128.Create(Unsafe.Add(ref bias, o + 2)), Vector128.Create(Unsafe.Add(ref bias, o + 3)), ref into, stride);
                }
                for (; i < n; i++)
                {
                    for (int r = o; r < o + 4; r++) Unsafe.Add(ref target, (nint)i * stride + r) = Element(ref source, ref bias, hasBias, r, i, n);
                }
            }
        }
        for (; o < outFeatures; o++)
        {
            for (int i = 0; i < n; i++) Unsafe.Add(ref target, (nint)i * stride + o) = Element(ref source, ref bias, hasBias, o, i, n);
        }
    }

    private static float Element(ref float source, ref float bias, bool hasBias, int o, int i, int n)
        => hasBias ? Unsafe.Add(ref source, (nint)o * n + i) + Unsafe.Add(ref bias, o) : Unsafe.Add(ref source, (nint)o * n + i);

    /// <summary>
    /// y[:, first..first + count) = x · w[first..first + count)ᵀ + b[first..]: <paramref name="count"/> of the layer's output
    /// features for n samples, y's rows <paramref name="outFeatures"/> floats apart, its other columns untouched. A first
    /// Dense layer of a training step on two or more threads runs its forward this way, each thread its features over every
    /// slice, so each thread reads only its rows of w, the rows its share of the optimizer step writes: no weight moves
    /// between cores each step (the generator's owned layers, <c>ctx.OwnedRange</c>). For more than
    /// <see cref="DenseGemv.MaxSamples"/> samples the values are those of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>'s
    /// sums (each output's dot product runs in the same order); fewer agree with its matrix-vector products to rounding.
    /// </summary>
    public static void ForwardRows(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures, int first, int count)
        => ForwardRows(x, w, b, y, n, inFeatures, outFeatures, first, count, Simd.Width);

    /// <inheritdoc cref="ForwardRows(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, int, int)"/>
    public static void ForwardRows(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures,
        int first, int count, VectorWidth width)
    {
        ValidateRows(n, inFeatures, outFeatures, first, count, width);
        KernelArguments.AtLeast(x.Length, (long)n * inFeatures, nameof(x));
        KernelArguments.Exactly(w.Length, (long)outFeatures * inFeatures, nameof(w));
        CheckBias(b.Length, outFeatures, nameof(b));
        KernelArguments.AtLeast(y.Length, (long)n * outFeatures, nameof(y));
        if (count == 0 || n == 0) return;

        // The orientation Forward picks for the whole layer, so each output is summed as there.
        ReadOnlySpan<float> rows = w.Slice(first * inFeatures, count * inFeatures);
        if (n >= outFeatures)
        {
            // y[:, first..] = b[first..] (per row) + x · w[first..]ᵀ, y's rows outFeatures apart
            if (!b.IsEmpty)
            {
                for (int i = 0; i < n; i++) b.Slice(first, count).CopyTo(y.Slice(i * outFeatures + first, count));
            }
            Gemm.Multiply(false, true, n, count, inFeatures, x, inFeatures, rows, inFeatures, y.Slice(first), outFeatures, accumulate: !b.IsEmpty, width);
            return;
        }

        // yᵀ [count, n] = w[first..] [count, in] · xᵀ (the GEMM packs x), then into y's columns with the bias added.
        Span<float> yT = DenseWorkspace.Current.TransposedOutput(count * n);
        Gemm.Multiply(false, true, count, n, inFeatures, rows, inFeatures, x, inFeatures, yT, n, accumulate: false, width);
        TransposeAddBias(yT, b.IsEmpty ? default : b.Slice(first, count), y.Slice(first), n, count, outFeatures);
    }

    /// <summary>
    /// dw [out, in] += dyᵀ·x (skipped when dw is empty: a frozen layer); db [out] += Σ_rows dy (skipped when db is empty);
    /// dx [n, in] = dy·w, overwritten (skipped when dx is empty: the first layer needs no input gradient).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db,
        int n, int inFeatures, int outFeatures)
        => Backward(x, w, dy, dx, dw, db, n, inFeatures, outFeatures, Simd.Width);

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db,
        int n, int inFeatures, int outFeatures, VectorWidth width)
    {
        Validate(n, inFeatures, outFeatures, width);
        KernelArguments.AtLeast(x.Length, (long)n * inFeatures, nameof(x));
        KernelArguments.Exactly(w.Length, (long)outFeatures * inFeatures, nameof(w));
        KernelArguments.AtLeast(dy.Length, (long)n * outFeatures, nameof(dy));
        if (!dx.IsEmpty) KernelArguments.AtLeast(dx.Length, (long)n * inFeatures, nameof(dx));
        if (!dw.IsEmpty) KernelArguments.Exactly(dw.Length, (long)outFeatures * inFeatures, nameof(dw));
        CheckBias(db.Length, outFeatures, nameof(db));

        // dw [out, in] += dyᵀ [out, n] · x [n, in]
        if (!dw.IsEmpty)
            Gemm.Multiply(true, false, outFeatures, inFeatures, n, dy, outFeatures, x, inFeatures, dw, inFeatures, accumulate: true, width);

        // db [out] += Σ_i dy[i, :]
        if (!db.IsEmpty)
        {
            for (int i = 0; i < n; i++) VectorOps.Add(db, dy.Slice(i * outFeatures, outFeatures), db, width);
        }

        // dx [n, in] = dy [n, out] · w [out, in]
        if (!dx.IsEmpty)
            Gemm.Multiply(false, false, n, inFeatures, outFeatures, dy, outFeatures, w, inFeatures, dx, inFeatures, accumulate: false, width);
    }

    /// <summary>
    /// The weight and bias gradients of output features <c>[first, first + count)</c> only: dw rows <c>[first, first + count)</c>
    /// of <c>[out, in]</c> += dy[:, first..]ᵀ·x, db[first..] += Σ_rows dy[:, first..] (each skipped when empty). dw and db are
    /// the layer's whole gradients; the rows outside the range are not touched, so threads that own disjoint ranges of
    /// output features may call it on the same buffers at once (<c>StepContext.OwnedRange</c>).
    /// </summary>
    public static void WeightGradientRows(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> db,
        int n, int inFeatures, int outFeatures, int first, int count)
        => WeightGradientRows(x, dy, dw, db, n, inFeatures, outFeatures, first, count, Simd.Width);

    public static void WeightGradientRows(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> db,
        int n, int inFeatures, int outFeatures, int first, int count, VectorWidth width)
    {
        ValidateRows(n, inFeatures, outFeatures, first, count, width);
        KernelArguments.AtLeast(x.Length, (long)n * inFeatures, nameof(x));
        KernelArguments.AtLeast(dy.Length, (long)n * outFeatures, nameof(dy));
        if (!dw.IsEmpty) KernelArguments.Exactly(dw.Length, (long)outFeatures * inFeatures, nameof(dw));
        CheckBias(db.Length, outFeatures, nameof(db));
        if (count == 0 || n == 0) return;

        // dw [first.., in] += dy[:, first..]ᵀ [count, n] · x [n, in]: dy's columns from first on, its rows outFeatures apart.
        if (!dw.IsEmpty)
            Gemm.Multiply(true, false, count, inFeatures, n, dy.Slice(first), outFeatures, x, inFeatures, dw.Slice(first * inFeatures, count * inFeatures), inFeatures, accumulate: true, width);

        // db [first..] += Σ_i dy[i, first..]
        if (!db.IsEmpty)
        {
            Span<float> bias = db.Slice(first, count);
            for (int i = 0; i < n; i++) VectorOps.Add(bias, dy.Slice(i * outFeatures + first, count), bias, width);
        }
    }

    // Validate, plus a range [first, first + count) of output features inside the layer.
    private static void ValidateRows(int n, int inFeatures, int outFeatures, int first, int count, VectorWidth width)
    {
        Validate(n, inFeatures, outFeatures, width);
        KernelArguments.NonNegative(first, nameof(first));
        KernelArguments.NonNegative(count, nameof(count));
        if ((long)first + count > outFeatures)
            throw new ArgumentOutOfRangeException(nameof(count), $"Output features [{first}, {(long)first + count}) do not fit in the layer's {outFeatures}.");
    }

    private static void Validate(int n, int inFeatures, int outFeatures, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.Positive(inFeatures, nameof(inFeatures));
        KernelArguments.Positive(outFeatures, nameof(outFeatures));
    }

    private static void CheckBias(int length, int outFeatures, string name)
    {
        if (length != 0 && length != outFeatures)
            throw new ArgumentException($"{name} has {length} elements but needs {outFeatures} (one per output feature) or none (no bias).", name);
    }
}
