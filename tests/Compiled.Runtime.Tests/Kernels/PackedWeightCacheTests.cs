using System;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// PackedWeightCache: a packing is reused only while the weights equal the copy it was made from, whatever changed them, and
/// never across layouts, geometries or widths; the convolutions that use it give the values of a fresh packing every call.
/// </summary>
public class PackedWeightCacheTests
{
    private static readonly Conv2DGeometry Layer = new(8, 6, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1);

    /// <summary>Winograd's forward packing, counted.</summary>
    private sealed class CountingPacker
    {
        public int Packs { get; private set; }

        public void Pack(in Conv2DGeometry g, ReadOnlySpan<float> weights, Span<float> packed, VectorWidth width)
        {
            Packs++;
            WinogradConvolution.PackForward(g, weights, packed, width);
        }
    }

    private static float[] Fresh(in Conv2DGeometry g, float[] w, VectorWidth width)
    {
        float[] packed = new float[WinogradConvolution.PackedLength(g, width)];
        WinogradConvolution.PackForward(g, w, packed, width);
        return packed;
    }

    [Fact]
    public void Unchanged_weights_reuse_the_packing_and_any_change_repacks()
    {
        var cache = new PackedWeightCache();
        var random = new TestValues(61);
        float[] w = random.Floats(Layer.WeightLength);
        int length = WinogradConvolution.PackedLength(Layer, VectorWidth.V256);
        float[] scratch = new float[length];
        var counting = new CountingPacker();
        PackedWeightCache.Packer Counting = counting.Pack;

        ReadOnlySpan<float> first = cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        KernelAssert.Identical(Fresh(Layer, w, VectorWidth.V256), first, "first");
        ReadOnlySpan<float> again = cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        Assert.Equal(1, counting.Packs);
        Assert.True(first == again, "the kept packing");

        // The last weight changes (a compare that stopped early would miss it), then one in the middle by one ulp.
        w[^1] += 1f;
        KernelAssert.Identical(Fresh(Layer, w, VectorWidth.V256), cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch), "last changed");
        w[w.Length / 2] = MathF.BitIncrement(w[w.Length / 2]);
        KernelAssert.Identical(Fresh(Layer, w, VectorWidth.V256), cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch), "middle changed");
        Assert.Equal(3, counting.Packs);
        // Bits, not float equality: +0 turned −0 is a change (and a NaN that stays the same NaN is not).
        w[0] = 0f;
        cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        w[0] = -0f;
        cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        Assert.Equal(5, counting.Packs);
        w[1] = float.NaN;
        cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        Assert.Equal(6, counting.Packs);
        w[0] = 0f;
        w[1] = w[2];
        cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        Assert.Equal(7, counting.Packs);

        // The same weights in another layout, at another width or for another geometry are packed separately.
        int transposedLength = WinogradConvolution.PackedLength(Conv3x3Kernels.Transposed(Layer), VectorWidth.V256);
        cache.Get(Conv3x3Kernels.Transposed(Layer), w, VectorWidth.V256, PackedWeightCache.WinogradTransposed, transposedLength, Counting, new float[transposedLength]);
        int wideLength = WinogradConvolution.PackedLength(Layer, VectorWidth.V512);
        ReadOnlySpan<float> wide = cache.Get(Layer, w, VectorWidth.V512, PackedWeightCache.WinogradForward, wideLength, Counting, new float[wideLength]);
        KernelAssert.Identical(Fresh(Layer, w, VectorWidth.V512), wide, "512 bits");
        Assert.Equal(9, counting.Packs);
        KernelAssert.Identical(Fresh(Layer, w, VectorWidth.V256), cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch), "kept beside the others");
        Assert.Equal(9, counting.Packs);
    }

    /// <summary>
    /// An array at a new address with the kept values (one the garbage collector moved) reuses the packing; arrays with new
    /// values at new addresses each call take the least recently used entry once the layout has MaxPerLayout, allocating nothing.
    /// </summary>
    [Fact]
    public void A_packing_of_another_length_is_another_entry()
    {
        // Winograd's tile side (F(2×2) or F(4×4), which the tests switch per thread) packs the same weights to 16 or 36
        // slabs: neither the array at the same address nor an equal array may hand back the other side's packing.
        var cache = new PackedWeightCache();
        float[] w = new TestValues(64).Floats(Layer.WeightLength), copy = (float[])w.Clone(), scratch = new float[64 * 1024];
        int f2, f4;
        try
        {
            WinogradConvolution.t_tileSize = 2;
            f2 = WinogradConvolution.PackedLength(Layer, VectorWidth.V512);
            WinogradConvolution.t_tileSize = 4;
            f4 = WinogradConvolution.PackedLength(Layer, VectorWidth.V512);
            Assert.NotEqual(f2, f4);
            cache.Get(Layer, w, VectorWidth.V512, PackedWeightCache.WinogradForward, f2, (in Conv2DGeometry g, ReadOnlySpan<float> x, Span<float> p, VectorWidth v) => p.Fill(2f), scratch);
            foreach (float[] weights in new[] { w, copy })
            {
                ReadOnlySpan<float> packed = cache.Get(Layer, weights, VectorWidth.V512, PackedWeightCache.WinogradForward, f4,
                    (in Conv2DGeometry g, ReadOnlySpan<float> x, Span<float> p, VectorWidth v) => p.Fill(4f), scratch);
                Assert.Equal(f4, packed.Length);
                Assert.All(packed.ToArray(), v => Assert.Equal(4f, v));
            }
        }
        finally
        {
            WinogradConvolution.t_tileSize = 0;
        }
    }

    [Fact]
    public void Moved_weights_hit_and_new_arrays_reuse_a_bounded_set_of_entries()
    {
        var cache = new PackedWeightCache();
        var random = new TestValues(63);
        int length = WinogradConvolution.PackedLength(Layer, VectorWidth.V256);
        float[] scratch = new float[length];
        var counting = new CountingPacker();
        PackedWeightCache.Packer Counting = counting.Pack;
        float[] w = random.Floats(Layer.WeightLength);
        cache.Get(Layer, w, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        float[] moved = (float[])w.Clone();
        KernelAssert.Identical(Fresh(Layer, w, VectorWidth.V256), cache.Get(Layer, moved, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch), "moved");
        Assert.Equal(1, counting.Packs);

        for (int i = 0; i < PackedWeightCache.MaxPerLayout + 2; i++)
        {
            float[] fresh = random.Floats(Layer.WeightLength);
            KernelAssert.Identical(Fresh(Layer, fresh, VectorWidth.V256), cache.Get(Layer, fresh, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch), $"new array {i}");
        }
        float[] last = random.Floats(Layer.WeightLength);
        cache.Get(Layer, last, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch);
        float[] another = random.Floats(Layer.WeightLength);
        PackedWeightCache.Packer packer = Counting; // the delegate made before the count, not by the call
        long before = GC.GetAllocatedBytesForCurrentThread();
        ReadOnlySpan<float> packed = cache.Get(Layer, another, VectorWidth.V256, PackedWeightCache.WinogradForward, length, packer, scratch);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        KernelAssert.Identical(Fresh(Layer, another, VectorWidth.V256), packed, "past the bound");
    }

    [Fact]
    public void Weights_past_the_entry_bound_are_packed_into_the_scratch_every_call()
    {
        var cache = new PackedWeightCache();
        var g = new Conv2DGeometry(PackedWeightCache.MaxEntryFloats / 9 + 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] w = new float[g.WeightLength];
        w[5] = 2f;
        int packs = 0;
        void Counting(in Conv2DGeometry geometry, ReadOnlySpan<float> weights, Span<float> packed, VectorWidth width)
        {
            packs++;
            packed[0] = weights[5];
        }
        float[] scratch = new float[4];
        Assert.True(cache.Get(g, w, VectorWidth.Scalar, PackedWeightCache.Direct3x3Forward, 4, Counting, scratch) == scratch.AsSpan());
        cache.Get(g, w, VectorWidth.Scalar, PackedWeightCache.Direct3x3Forward, 4, Counting, scratch);
        Assert.Equal(2, packs);
        Assert.Equal(2f, scratch[0]);
    }

    /// <summary>Conv2DKernels keeps the packing between calls: a call after the weights changed in place gives the new weights' outputs.</summary>
    [Fact]
    public void Under_one_stamp_a_packing_checked_at_the_same_address_is_used_without_comparing()
    {
        var cache = new PackedWeightCache();
        var random = new TestValues(63);
        // Pinned: the test is about addresses, and a garbage collection that moved w between two calls (Fresh allocates)
        // made its second packing a new entry, so `other` then matched the first one by value (a flaky failure).
        float[] w = Pinned(random.Floats(Layer.WeightLength)), other = Pinned(w);
        float[] original = Fresh(Layer, w, VectorWidth.V256);
        int length = WinogradConvolution.PackedLength(Layer, VectorWidth.V256);
        float[] scratch = new float[length];
        var counting = new CountingPacker();
        PackedWeightCache.Packer Counting = counting.Pack;
        float[] Get(float[] weights) => cache.Get(Layer, weights, VectorWidth.V256, PackedWeightCache.WinogradForward, length, Counting, scratch).ToArray();

        Get(w);   // checked with no stamp, so no stamp trusts it
        Assert.Equal(0, PackedWeightCache.TrustedStamp);
        float[] changed;
        using (PackedWeightCache.Trust(41))
        {
            Assert.Equal(41, PackedWeightCache.TrustedStamp);
            float kept = w[3];
            w[3] += 1f;
            changed = Fresh(Layer, w, VectorWidth.V256);
            KernelAssert.Identical(changed, Get(w), "compared: the entry was checked with no stamp");
            Assert.Equal(2, counting.Packs);

            // Checked under 41, so trusted under 41: a write under the same stamp (which breaks the caller's promise) is not
            // seen, which shows that nothing was compared.
            w[3] = kept;
            KernelAssert.Identical(changed, Get(w), "trusted: not compared");
            Assert.Equal(2, counting.Packs);

            // Other weights (another address, the same values) are compared under any stamp.
            KernelAssert.Identical(original, Get(other), "another address");
            Assert.Equal(3, counting.Packs);
        }
        Assert.Equal(0, PackedWeightCache.TrustedStamp);

        // A new stamp, or none, compares again.
        using (PackedWeightCache.Trust(42)) KernelAssert.Identical(original, Get(w), "a new stamp compares");
        Assert.Equal(4, counting.Packs);
        KernelAssert.Identical(original, Get(w), "no stamp");
        Assert.Equal(4, counting.Packs);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Convolutions_see_weights_changed_in_place(VectorWidth width)
    {
        var random = new TestValues(62);
        // Winograd, the direct 3×3 kernel, and LeNet-5's conv2 (5×5, 16 channels: ChannelVectorConvolution at 2 samples).
        var channelVector = new Conv2DGeometry(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0);
        Assert.True(ChannelVectorConvolution.Applies(channelVector, 2, Conv2DMethod.Grid));
        foreach (Conv2DGeometry g in new[] { Layer, new Conv2DGeometry(4, 6, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1), channelVector })
        {
            float[] x = random.Floats(2 * g.InputLength), w = random.Floats(g.WeightLength), b = random.Floats(g.OutChannels);
            float[] dy = random.Floats(2 * g.OutputLength), col = new float[g.ColumnLength];
            float[] y = new float[2 * g.OutputLength], dx = new float[x.Length];
            for (int step = 0; step < 3; step++)
            {
                // The same call on a copy of the weights at another address, packed afresh, then on w: w's address holds the
                // entry of the previous step's values (the copy of that step found it by its values and w's call took it
                // back), which w's call must not use.
                float[] copy = (float[])w.Clone(), yCopy = new float[y.Length], dxCopy = new float[dx.Length];
                Conv2DKernels.ForwardRelu(g, x, copy, b, yCopy, col, 2, width);
                Conv2DKernels.Backward(g, x, copy, dy, dxCopy, [], [], col, 2, width);
                Conv2DKernels.ForwardRelu(g, x, w, b, y, col, 2, width);
                Conv2DKernels.Backward(g, x, w, dy, dx, [], [], col, 2, width);
                KernelAssert.Identical(yCopy, y, $"y step {step} {width} {g}");
                KernelAssert.Identical(dxCopy, dx, $"dx step {step} {width} {g}");
                for (int i = 0; i < w.Length; i += 7) w[i] *= -0.5f;
            }
        }
    }

    private static float[] Pinned(float[] values)
    {
        float[] pinned = GC.AllocateUninitializedArray<float>(values.Length, pinned: true);
        values.CopyTo(pinned, 0);
        return pinned;
    }
}
