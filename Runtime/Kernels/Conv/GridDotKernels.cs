using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// A micro-kernel of the grid convolution's weight gradient (<see cref="GridConvolution"/>): 6 output channels × 2 patch
/// entries, each a dot product along the grid, in 12 vector accumulators kept in memory between samples (acc [12, Lanes],
/// entry (i, j) at (2i + j)·Lanes). Per vector of grid positions: six loads of dy, two of the shifted input, twelve fused
/// multiply-adds.
/// </summary>
internal interface IGridDotKernel
{
    /// <summary>Grid positions per step: one vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>acc(i, j) += dy[i·ldy + v] · src_j[v] lane-wise over v &lt; steps·Lanes, for i &lt; 6, j &lt; 2.</summary>
    static abstract void Run(int steps, ref float dy, nint ldy, ref float src0, ref float src1, ref float acc);
}

/// <summary>The 128-bit grid dot kernel.</summary>
internal readonly struct GridDotKernel128 : IGridDotKernel
{
    public static int Lanes => Vector128<float>.Count;

    public static void Run(int steps, ref float dy, nint ldy, ref float src0, ref float src1, ref float acc)
    {
        Vector128<float> a0 = Vector128.LoadUnsafe(ref acc, 0 * (nuint)Vector128<float>.Count);
        Vector128<float> a1 = Vector128.LoadUnsafe(ref acc, 1 * (nuint)Vector128<float>.Count);
        Vector128<float> a2 = Vector128.LoadUnsafe(ref acc, 2 * (nuint)Vector128<float>.Count);
        Vector128<float> a3 = Vector128.LoadUnsafe(ref acc, 3 * (nuint)Vector128<float>.Count);
        Vector128<float> a4 = Vector128.LoadUnsafe(ref acc, 4 * (nuint)Vector128<float>.Count);
        Vector128<float> a5 = Vector128.LoadUnsafe(ref acc, 5 * (nuint)Vector128<float>.Count);
        Vector128<float> a6 = Vector128.LoadUnsafe(ref acc, 6 * (nuint)Vector128<float>.Count);
        Vector128<float> a7 = Vector128.LoadUnsafe(ref acc, 7 * (nuint)Vector128<float>.Count);
        Vector128<float> a8 = Vector128.LoadUnsafe(ref acc, 8 * (nuint)Vector128<float>.Count);
        Vector128<float> a9 = Vector128.LoadUnsafe(ref acc, 9 * (nuint)Vector128<float>.Count);
        Vector128<float> a10 = Vector128.LoadUnsafe(ref acc, 10 * (nuint)Vector128<float>.Count);
        Vector128<float> a11 = Vector128.LoadUnsafe(ref acc, 11 * (nuint)Vector128<float>.Count);
        nint end = (nint)steps * Vector128<float>.Count;
        for (nint v = 0; v < end; v += Vector128<float>.Count)
        {
            Vector128<float> x0 = Vector128.LoadUnsafe(ref src0, (nuint)v);
            Vector128<float> x1 = Vector128.LoadUnsafe(ref src1, (nuint)v);
            // One row of dy at a time, loaded just before its two multiply-adds: 12 accumulators, two inputs and one dy
            // vector fit 16 registers (AVX2's, SSE's), where six dy loaded up front spilled four accumulators every step.
            Vector128<float> d = Vector128.LoadUnsafe(ref dy, (nuint)v);
            a0 = MultiplyAdd.Of(d, x0, a0);
            a1 = MultiplyAdd.Of(d, x1, a1);
            d = Vector128.LoadUnsafe(ref dy, (nuint)(1 * ldy + v));
            a2 = MultiplyAdd.Of(d, x0, a2);
            a3 = MultiplyAdd.Of(d, x1, a3);
            d = Vector128.LoadUnsafe(ref dy, (nuint)(2 * ldy + v));
            a4 = MultiplyAdd.Of(d, x0, a4);
            a5 = MultiplyAdd.Of(d, x1, a5);
            d = Vector128.LoadUnsafe(ref dy, (nuint)(3 * ldy + v));
            a6 = MultiplyAdd.Of(d, x0, a6);
            a7 = MultiplyAdd.Of(d, x1, a7);
            d = Vector128.LoadUnsafe(ref dy, (nuint)(4 * ldy + v));
            a8 = MultiplyAdd.Of(d, x0, a8);
            a9 = MultiplyAdd.Of(d, x1, a9);
            d = Vector128.LoadUnsafe(ref dy, (nuint)(5 * ldy + v));
            a10 = MultiplyAdd.Of(d, x0, a10);
            a11 = MultiplyAdd.Of(d, x1, a11);
        }
        a0.StoreUnsafe(ref acc, 0 * (nuint)Vector128<float>.Count);
        a1.StoreUnsafe(ref acc, 1 * (nuint)Vector128<float>.Count);
        a2.StoreUnsafe(ref acc, 2 * (nuint)Vector128<float>.Count);
        a3.StoreUnsafe(ref acc, 3 * (nuint)Vector128<float>.Count);
        a4.StoreUnsafe(ref acc, 4 * (nuint)Vector128<float>.Count);
        a5.StoreUnsafe(ref acc, 5 * (nuint)Vector128<float>.Count);
        a6.StoreUnsafe(ref acc, 6 * (nuint)Vector128<float>.Count);
        a7.StoreUnsafe(ref acc, 7 * (nuint)Vector128<float>.Count);
        a8.StoreUnsafe(ref acc, 8 * (nuint)Vector128<float>.Count);
        a9.StoreUnsafe(ref acc, 9 * (nuint)Vector128<float>.Count);
        a10.StoreUnsafe(ref acc, 10 * (nuint)Vector128<float>.Count);
        a11.StoreUnsafe(ref acc, 11 * (nuint)Vector128<float>.Count);
    }
}

/// <summary>The 256-bit grid dot kernel.</summary>
internal readonly struct GridDotKernel256 : IGridDotKernel
{
    public static int Lanes => Vector256<float>.Count;

    public static void Run(int steps, ref float dy, nint ldy, ref float src0, ref float src1, ref float acc)
    {
        Vector256<float> a0 = Vector256.LoadUnsafe(ref acc, 0 * (nuint)Vector256<float>.Count);
        Vector256<float> a1 = Vector256.LoadUnsafe(ref acc, 1 * (nuint)Vector256<float>.Count);
        Vector256<float> a2 = Vector256.LoadUnsafe(ref acc, 2 * (nuint)Vector256<float>.Count);
        Vector256<float> a3 = Vector256.LoadUnsafe(ref acc, 3 * (nuint)Vector256<float>.Count);
        Vector256<float> a4 = Vector256.LoadUnsafe(ref acc, 4 * (nuint)Vector256<float>.Count);
        Vector256<float> a5 = Vector256.LoadUnsafe(ref acc, 5 * (nuint)Vector256<float>.Count);
        Vector256<float> a6 = Vector256.LoadUnsafe(ref acc, 6 * (nuint)Vector256<float>.Count);
        Vector256<float> a7 = Vector256.LoadUnsafe(ref acc, 7 * (nuint)Vector256<float>.Count);
        Vector256<float> a8 = Vector256.LoadUnsafe(ref acc, 8 * (nuint)Vector256<float>.Count);
        Vector256<float> a9 = Vector256.LoadUnsafe(ref acc, 9 * (nuint)Vector256<float>.Count);
        Vector256<float> a10 = Vector256.LoadUnsafe(ref acc, 10 * (nuint)Vector256<float>.Count);
        Vector256<float> a11 = Vector256.LoadUnsafe(ref acc, 11 * (nuint)Vector256<float>.Count);
        nint end = (nint)steps * Vector256<float>.Count;
        for (nint v = 0; v < end; v += Vector256<float>.Count)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref src0, (nuint)v);
            Vector256<float> x1 = Vector256.LoadUnsafe(ref src1, (nuint)v);
            // One row of dy at a time, loaded just before its two multiply-adds: 12 accumulators, two inputs and one dy
            // vector fit 16 registers (AVX2's, SSE's), where six dy loaded up front spilled four accumulators every step.
            Vector256<float> d = Vector256.LoadUnsafe(ref dy, (nuint)v);
            a0 = MultiplyAdd.Of(d, x0, a0);
            a1 = MultiplyAdd.Of(d, x1, a1);
            d = Vector256.LoadUnsafe(ref dy, (nuint)(1 * ldy + v));
            a2 = MultiplyAdd.Of(d, x0, a2);
            a3 = MultiplyAdd.Of(d, x1, a3);
            d = Vector256.LoadUnsafe(ref dy, (nuint)(2 * ldy + v));
            a4 = MultiplyAdd.Of(d, x0, a4);
            a5 = MultiplyAdd.Of(d, x1, a5);
            d = Vector256.LoadUnsafe(ref dy, (nuint)(3 * ldy + v));
            a6 = MultiplyAdd.Of(d, x0, a6);
            a7 = MultiplyAdd.Of(d, x1, a7);
            d = Vector256.LoadUnsafe(ref dy, (nuint)(4 * ldy + v));
            a8 = MultiplyAdd.Of(d, x0, a8);
            a9 = MultiplyAdd.Of(d, x1, a9);
            d = Vector256.LoadUnsafe(ref dy, (nuint)(5 * ldy + v));
            a10 = MultiplyAdd.Of(d, x0, a10);
            a11 = MultiplyAdd.Of(d, x1, a11);
        }
        a0.StoreUnsafe(ref acc, 0 * (nuint)Vector256<float>.Count);
        a1.StoreUnsafe(ref acc, 1 * (nuint)Vector256<float>.Count);
        a2.StoreUnsafe(ref acc, 2 * (nuint)Vector256<float>.Count);
        a3.StoreUnsafe(ref acc, 3 * (nuint)Vector256<float>.Count);
        a4.StoreUnsafe(ref acc, 4 * (nuint)Vector256<float>.Count);
        a5.StoreUnsafe(ref acc, 5 * (nuint)Vector256<float>.Count);
        a6.StoreUnsafe(ref acc, 6 * (nuint)Vector256<float>.Count);
        a7.StoreUnsafe(ref acc, 7 * (nuint)Vector256<float>.Count);
        a8.StoreUnsafe(ref acc, 8 * (nuint)Vector256<float>.Count);
        a9.StoreUnsafe(ref acc, 9 * (nuint)Vector256<float>.Count);
        a10.StoreUnsafe(ref acc, 10 * (nuint)Vector256<float>.Count);
        a11.StoreUnsafe(ref acc, 11 * (nuint)Vector256<float>.Count);
    }
}

/// <summary>The 512-bit grid dot kernel.</summary>
internal readonly struct GridDotKernel512 : IGridDotKernel
{
    public static int Lanes => Vector512<float>.Count;

    public static void Run(int steps, ref float dy, nint ldy, ref float src0, ref float src1, ref float acc)
    {
        Vector512<float> a0 = Vector512.LoadUnsafe(ref acc, 0 * (nuint)Vector512<float>.Count);
        Vector512<float> a1 = Vector512.LoadUnsafe(ref acc, 1 * (nuint)Vector512<float>.Count);
        Vector512<float> a2 = Vector512.LoadUnsafe(ref acc, 2 * (nuint)Vector512<float>.Count);
        Vector512<float> a3 = Vector512.LoadUnsafe(ref acc, 3 * (nuint)Vector512<float>.Count);
        Vector512<float> a4 = Vector512.LoadUnsafe(ref acc, 4 * (nuint)Vector512<float>.Count);
        Vector512<float> a5 = Vector512.LoadUnsafe(ref acc, 5 * (nuint)Vector512<float>.Count);
        Vector512<float> a6 = Vector512.LoadUnsafe(ref acc, 6 * (nuint)Vector512<float>.Count);
        Vector512<float> a7 = Vector512.LoadUnsafe(ref acc, 7 * (nuint)Vector512<float>.Count);
        Vector512<float> a8 = Vector512.LoadUnsafe(ref acc, 8 * (nuint)Vector512<float>.Count);
        Vector512<float> a9 = Vector512.LoadUnsafe(ref acc, 9 * (nuint)Vector512<float>.Count);
        Vector512<float> a10 = Vector512.LoadUnsafe(ref acc, 10 * (nuint)Vector512<float>.Count);
        Vector512<float> a11 = Vector512.LoadUnsafe(ref acc, 11 * (nuint)Vector512<float>.Count);
        nint end = (nint)steps * Vector512<float>.Count;
        for (nint v = 0; v < end; v += Vector512<float>.Count)
        {
            Vector512<float> x0 = Vector512.LoadUnsafe(ref src0, (nuint)v);
            Vector512<float> x1 = Vector512.LoadUnsafe(ref src1, (nuint)v);
            Vector512<float> d = Vector512.LoadUnsafe(ref dy, (nuint)v);
            a0 = MultiplyAdd.Of(d, x0, a0);
            a1 = MultiplyAdd.Of(d, x1, a1);
            d = Vector512.LoadUnsafe(ref dy, (nuint)(1 * ldy + v));
            a2 = MultiplyAdd.Of(d, x0, a2);
            a3 = MultiplyAdd.Of(d, x1, a3);
            d = Vector512.LoadUnsafe(ref dy, (nuint)(2 * ldy + v));
            a4 = MultiplyAdd.Of(d, x0, a4);
            a5 = MultiplyAdd.Of(d, x1, a5);
            d = Vector512.LoadUnsafe(ref dy, (nuint)(3 * ldy + v));
            a6 = MultiplyAdd.Of(d, x0, a6);
            a7 = MultiplyAdd.Of(d, x1, a7);
            d = Vector512.LoadUnsafe(ref dy, (nuint)(4 * ldy + v));
            a8 = MultiplyAdd.Of(d, x0, a8);
            a9 = MultiplyAdd.Of(d, x1, a9);
            d = Vector512.LoadUnsafe(ref dy, (nuint)(5 * ldy + v));
            a10 = MultiplyAdd.Of(d, x0, a10);
            a11 = MultiplyAdd.Of(d, x1, a11);
        }
        a0.StoreUnsafe(ref acc, 0 * (nuint)Vector512<float>.Count);
        a1.StoreUnsafe(ref acc, 1 * (nuint)Vector512<float>.Count);
        a2.StoreUnsafe(ref acc, 2 * (nuint)Vector512<float>.Count);
        a3.StoreUnsafe(ref acc, 3 * (nuint)Vector512<float>.Count);
        a4.StoreUnsafe(ref acc, 4 * (nuint)Vector512<float>.Count);
        a5.StoreUnsafe(ref acc, 5 * (nuint)Vector512<float>.Count);
        a6.StoreUnsafe(ref acc, 6 * (nuint)Vector512<float>.Count);
        a7.StoreUnsafe(ref acc, 7 * (nuint)Vector512<float>.Count);
        a8.StoreUnsafe(ref acc, 8 * (nuint)Vector512<float>.Count);
        a9.StoreUnsafe(ref acc, 9 * (nuint)Vector512<float>.Count);
        a10.StoreUnsafe(ref acc, 10 * (nuint)Vector512<float>.Count);
        a11.StoreUnsafe(ref acc, 11 * (nuint)Vector512<float>.Count);
    }
}
