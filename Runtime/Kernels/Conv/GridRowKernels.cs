using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// A micro-kernel of the grid convolution for few output channels (<see cref="GridConvolution"/>): 6 output channels ×
/// two vectors of consecutive grid positions, in 12 accumulators. Per patch entry p: two vector loads of the shifted
/// input run src[offsets[p] + 0..2·Lanes), six broadcasts of the packed weights w[p·6 + i], twelve fused multiply-adds.
/// The tile lands in channel-major rows, so the output needs no transposition.
/// </summary>
internal interface IGridRowKernel
{
    /// <summary>Grid positions per tile: two vectors.</summary>
    static abstract int Columns { get; }

    /// <summary>
    /// c[i·ldc + j] = Σ_{p &lt; k} w[p·6 + i]·src[offsets[p] + j] for i &lt; 6, j &lt; Columns (overwritten); the sum runs over
    /// p in order, one fused multiply-add per term.
    /// </summary>
    static abstract void Run(int k, ref float w, ref float src, ref int offsets, ref float c, nint ldc);
}

/// <summary>The 128-bit grid row kernel: 6 channels × 8 positions.</summary>
internal readonly struct GridRowKernel128 : IGridRowKernel
{
    public static int Columns => 2 * Vector128<float>.Count;

    public static void Run(int k, ref float w, ref float src, ref int offsets, ref float c, nint ldc)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            ref float b = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            Vector128<float> b0 = Vector128.LoadUnsafe(ref b);
            Vector128<float> b1 = Vector128.LoadUnsafe(ref b, (nuint)Vector128<float>.Count);
            Vector128<float> ai;
            ai = Vector128.Create(Unsafe.Add(ref w, p * 6 + 0));
            c00 = MultiplyAdd.Of(ai, b0, c00);
            c01 = MultiplyAdd.Of(ai, b1, c01);
            ai = Vector128.Create(Unsafe.Add(ref w, p * 6 + 1));
            c10 = MultiplyAdd.Of(ai, b0, c10);
            c11 = MultiplyAdd.Of(ai, b1, c11);
            ai = Vector128.Create(Unsafe.Add(ref w, p * 6 + 2));
            c20 = MultiplyAdd.Of(ai, b0, c20);
            c21 = MultiplyAdd.Of(ai, b1, c21);
            ai = Vector128.Create(Unsafe.Add(ref w, p * 6 + 3));
            c30 = MultiplyAdd.Of(ai, b0, c30);
            c31 = MultiplyAdd.Of(ai, b1, c31);
            ai = Vector128.Create(Unsafe.Add(ref w, p * 6 + 4));
            c40 = MultiplyAdd.Of(ai, b0, c40);
            c41 = MultiplyAdd.Of(ai, b1, c41);
            ai = Vector128.Create(Unsafe.Add(ref w, p * 6 + 5));
            c50 = MultiplyAdd.Of(ai, b0, c50);
            c51 = MultiplyAdd.Of(ai, b1, c51);
        }
        c00.StoreUnsafe(ref c);
        c01.StoreUnsafe(ref c, (nuint)Vector128<float>.Count);
        c10.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc));
        c11.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc), (nuint)Vector128<float>.Count);
        c20.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
        c21.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc), (nuint)Vector128<float>.Count);
        c30.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc));
        c31.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc), (nuint)Vector128<float>.Count);
        c40.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc));
        c41.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc), (nuint)Vector128<float>.Count);
        c50.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
        c51.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc), (nuint)Vector128<float>.Count);
    }
}

/// <summary>The 256-bit grid row kernel: 6 channels × 16 positions.</summary>
internal readonly struct GridRowKernel256 : IGridRowKernel
{
    public static int Columns => 2 * Vector256<float>.Count;

    public static void Run(int k, ref float w, ref float src, ref int offsets, ref float c, nint ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            ref float b = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref b, (nuint)Vector256<float>.Count);
            Vector256<float> ai;
            ai = Vector256.Create(Unsafe.Add(ref w, p * 6 + 0));
            c00 = MultiplyAdd.Of(ai, b0, c00);
            c01 = MultiplyAdd.Of(ai, b1, c01);
            ai = Vector256.Create(Unsafe.Add(ref w, p * 6 + 1));
            c10 = MultiplyAdd.Of(ai, b0, c10);
            c11 = MultiplyAdd.Of(ai, b1, c11);
            ai = Vector256.Create(Unsafe.Add(ref w, p * 6 + 2));
            c20 = MultiplyAdd.Of(ai, b0, c20);
            c21 = MultiplyAdd.Of(ai, b1, c21);
            ai = Vector256.Create(Unsafe.Add(ref w, p * 6 + 3));
            c30 = MultiplyAdd.Of(ai, b0, c30);
            c31 = MultiplyAdd.Of(ai, b1, c31);
            ai = Vector256.Create(Unsafe.Add(ref w, p * 6 + 4));
            c40 = MultiplyAdd.Of(ai, b0, c40);
            c41 = MultiplyAdd.Of(ai, b1, c41);
            ai = Vector256.Create(Unsafe.Add(ref w, p * 6 + 5));
            c50 = MultiplyAdd.Of(ai, b0, c50);
            c51 = MultiplyAdd.Of(ai, b1, c51);
        }
        c00.StoreUnsafe(ref c);
        c01.StoreUnsafe(ref c, (nuint)Vector256<float>.Count);
        c10.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc));
        c11.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc), (nuint)Vector256<float>.Count);
        c20.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
        c21.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc), (nuint)Vector256<float>.Count);
        c30.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc));
        c31.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc), (nuint)Vector256<float>.Count);
        c40.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc));
        c41.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc), (nuint)Vector256<float>.Count);
        c50.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
        c51.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc), (nuint)Vector256<float>.Count);
    }
}

/// <summary>The 512-bit grid row kernel: 6 channels × 32 positions.</summary>
internal readonly struct GridRowKernel512 : IGridRowKernel
{
    public static int Columns => 2 * Vector512<float>.Count;

    public static void Run(int k, ref float w, ref float src, ref int offsets, ref float c, nint ldc)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            ref float b = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            Vector512<float> b0 = Vector512.LoadUnsafe(ref b);
            Vector512<float> b1 = Vector512.LoadUnsafe(ref b, (nuint)Vector512<float>.Count);
            Vector512<float> ai;
            ai = Vector512.Create(Unsafe.Add(ref w, p * 6 + 0));
            c00 = MultiplyAdd.Of(ai, b0, c00);
            c01 = MultiplyAdd.Of(ai, b1, c01);
            ai = Vector512.Create(Unsafe.Add(ref w, p * 6 + 1));
            c10 = MultiplyAdd.Of(ai, b0, c10);
            c11 = MultiplyAdd.Of(ai, b1, c11);
            ai = Vector512.Create(Unsafe.Add(ref w, p * 6 + 2));
            c20 = MultiplyAdd.Of(ai, b0, c20);
            c21 = MultiplyAdd.Of(ai, b1, c21);
            ai = Vector512.Create(Unsafe.Add(ref w, p * 6 + 3));
            c30 = MultiplyAdd.Of(ai, b0, c30);
            c31 = MultiplyAdd.Of(ai, b1, c31);
            ai = Vector512.Create(Unsafe.Add(ref w, p * 6 + 4));
            c40 = MultiplyAdd.Of(ai, b0, c40);
            c41 = MultiplyAdd.Of(ai, b1, c41);
            ai = Vector512.Create(Unsafe.Add(ref w, p * 6 + 5));
            c50 = MultiplyAdd.Of(ai, b0, c50);
            c51 = MultiplyAdd.Of(ai, b1, c51);
        }
        c00.StoreUnsafe(ref c);
        c01.StoreUnsafe(ref c, (nuint)Vector512<float>.Count);
        c10.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc));
        c11.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc), (nuint)Vector512<float>.Count);
        c20.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
        c21.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc), (nuint)Vector512<float>.Count);
        c30.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc));
        c31.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc), (nuint)Vector512<float>.Count);
        c40.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc));
        c41.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc), (nuint)Vector512<float>.Count);
        c50.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
        c51.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc), (nuint)Vector512<float>.Count);
    }
}
