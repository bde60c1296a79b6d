using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// A micro-kernel of the grid convolution (<see cref="GridConvolution"/>): 12 consecutive grid positions × one vector of
/// output channels, in 12 accumulators. Per patch entry p: one vector load of the packed weights, twelve broadcasts of
/// the shifted input run src[offsets[p] + 0..11], twelve fused multiply-adds.
/// </summary>
internal interface IGridMicroKernel
{
    /// <summary>Output channels per tile: one vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>
    /// c[i·ldc + j] = Σ_{p &lt; k} src[offsets[p] + i]·b[p·Lanes + j] for i &lt; 12, j &lt; Lanes (overwritten); the sum runs
    /// over p in order, one fused multiply-add per term, as the scalar twin does.
    /// </summary>
    static abstract void Run(int k, ref float src, ref int offsets, ref float b, ref float c, nint ldc);
}

/// <summary>The 128-bit grid micro-kernel: 12 positions × 4 channels.</summary>
internal readonly struct GridMicroKernel128 : IGridMicroKernel
{
    public static int Lanes => Vector128<float>.Count;

    public static void Run(int k, ref float src, ref int offsets, ref float b, ref float c, nint ldc)
    {
        Vector128<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < k; p++)
        {
            ref float a = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            Vector128<float> bv = Vector128.LoadUnsafe(ref b, (nuint)(p * Vector128<float>.Count));
            c0 = MultiplyAdd.Of(Vector128.Create(a), bv, c0);
            c1 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 1)), bv, c1);
            c2 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 2)), bv, c2);
            c3 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 3)), bv, c3);
            c4 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 4)), bv, c4);
            c5 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 5)), bv, c5);
            c6 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 6)), bv, c6);
            c7 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 7)), bv, c7);
            c8 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 8)), bv, c8);
            c9 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 9)), bv, c9);
            c10 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 10)), bv, c10);
            c11 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref a, 11)), bv, c11);
        }
        c0.StoreUnsafe(ref c);
        c1.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc));
        c2.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
        c3.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc));
        c4.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc));
        c5.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
        c6.StoreUnsafe(ref Unsafe.Add(ref c, 6 * ldc));
        c7.StoreUnsafe(ref Unsafe.Add(ref c, 7 * ldc));
        c8.StoreUnsafe(ref Unsafe.Add(ref c, 8 * ldc));
        c9.StoreUnsafe(ref Unsafe.Add(ref c, 9 * ldc));
        c10.StoreUnsafe(ref Unsafe.Add(ref c, 10 * ldc));
        c11.StoreUnsafe(ref Unsafe.Add(ref c, 11 * ldc));
    }
}

/// <summary>The 256-bit grid micro-kernel: 12 positions × 8 channels.</summary>
internal readonly struct GridMicroKernel256 : IGridMicroKernel
{
    public static int Lanes => Vector256<float>.Count;

    public static void Run(int k, ref float src, ref int offsets, ref float b, ref float c, nint ldc)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < k; p++)
        {
            ref float a = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            Vector256<float> bv = Vector256.LoadUnsafe(ref b, (nuint)(p * Vector256<float>.Count));
            c0 = MultiplyAdd.Of(Vector256.Create(a), bv, c0);
            c1 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 1)), bv, c1);
            c2 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 2)), bv, c2);
            c3 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 3)), bv, c3);
            c4 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 4)), bv, c4);
            c5 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 5)), bv, c5);
            c6 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 6)), bv, c6);
            c7 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 7)), bv, c7);
            c8 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 8)), bv, c8);
            c9 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 9)), bv, c9);
            c10 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 10)), bv, c10);
            c11 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref a, 11)), bv, c11);
        }
        c0.StoreUnsafe(ref c);
        c1.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc));
        c2.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
        c3.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc));
        c4.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc));
        c5.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
        c6.StoreUnsafe(ref Unsafe.Add(ref c, 6 * ldc));
        c7.StoreUnsafe(ref Unsafe.Add(ref c, 7 * ldc));
        c8.StoreUnsafe(ref Unsafe.Add(ref c, 8 * ldc));
        c9.StoreUnsafe(ref Unsafe.Add(ref c, 9 * ldc));
        c10.StoreUnsafe(ref Unsafe.Add(ref c, 10 * ldc));
        c11.StoreUnsafe(ref Unsafe.Add(ref c, 11 * ldc));
    }
}

/// <summary>The 512-bit grid micro-kernel: 12 positions × 16 channels.</summary>
internal readonly struct GridMicroKernel512 : IGridMicroKernel
{
    public static int Lanes => Vector512<float>.Count;

    public static void Run(int k, ref float src, ref int offsets, ref float b, ref float c, nint ldc)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < k; p++)
        {
            ref float a = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, p));
            Vector512<float> bv = Vector512.LoadUnsafe(ref b, (nuint)(p * Vector512<float>.Count));
            c0 = MultiplyAdd.Of(Vector512.Create(a), bv, c0);
            c1 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 1)), bv, c1);
            c2 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 2)), bv, c2);
            c3 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 3)), bv, c3);
            c4 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 4)), bv, c4);
            c5 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 5)), bv, c5);
            c6 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 6)), bv, c6);
            c7 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 7)), bv, c7);
            c8 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 8)), bv, c8);
            c9 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 9)), bv, c9);
            c10 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 10)), bv, c10);
            c11 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref a, 11)), bv, c11);
        }
        c0.StoreUnsafe(ref c);
        c1.StoreUnsafe(ref Unsafe.Add(ref c, 1 * ldc));
        c2.StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
        c3.StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc));
        c4.StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc));
        c5.StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
        c6.StoreUnsafe(ref Unsafe.Add(ref c, 6 * ldc));
        c7.StoreUnsafe(ref Unsafe.Add(ref c, 7 * ldc));
        c8.StoreUnsafe(ref Unsafe.Add(ref c, 8 * ldc));
        c9.StoreUnsafe(ref Unsafe.Add(ref c, 9 * ldc));
        c10.StoreUnsafe(ref Unsafe.Add(ref c, 10 * ldc));
        c11.StoreUnsafe(ref Unsafe.Add(ref c, 11 * ldc));
    }
}
