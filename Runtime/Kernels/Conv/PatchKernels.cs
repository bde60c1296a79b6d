using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// A micro-kernel of the stride-1 weight gradient over a whole chunk (<see cref="GridConvolution"/>): 6 patch entries ×
/// one vector of output channels, dwᵀ[p, o] = Σ_samples Σ_(oh, ow) xpad[offset_p + oh·PW + ow] · dyᵀ[(oh, ow), o], in 6
/// accumulators that stay in registers across the chunk. Per output pixel: one vector load of dyᵀ, six broadcasts, six
/// fused multiply-adds. The sum runs in the same order at every width (the lanes are output channels).
/// </summary>
internal interface IPatchKernel
{
    /// <summary>Output channels per tile: one vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>
    /// c[i·Lanes + j] = Σ_s Σ_oh Σ_ow x[s·xStride + offsets[i] + oh·pitch + ow] · dyT[((s·OH + oh)·OW + ow)·Lanes + j], i &lt; 6.
    /// </summary>
    static abstract void Run(int samples, int outHeight, int outWidth, ref float x, nint xStride, nint pitch, ref int offsets, ref float dyT, ref float c);
}

/// <summary>The 128-bit patch kernel.</summary>
internal readonly struct PatchKernel128 : IPatchKernel
{
    public static int Lanes => Vector128<float>.Count;

    public static void Run(int samples, int outHeight, int outWidth, ref float x, nint xStride, nint pitch, ref int offsets, ref float dyT, ref float c)
    {
        Vector128<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        ref float r0 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 0));
        ref float r1 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 1));
        ref float r2 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 2));
        ref float r3 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 3));
        ref float r4 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 4));
        ref float r5 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 5));
        for (int s = 0; s < samples; s++)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                nint row = s * xStride + oh * pitch;
                for (nint ow = 0; ow < outWidth; ow++)
                {
                    Vector128<float> b = Vector128.LoadUnsafe(ref dyT);
                    dyT = ref Unsafe.Add(ref dyT, Vector128<float>.Count);
                    c0 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref r0, row + ow)), b, c0);
                    c1 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref r1, row + ow)), b, c1);
                    c2 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref r2, row + ow)), b, c2);
                    c3 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref r3, row + ow)), b, c3);
                    c4 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref r4, row + ow)), b, c4);
                    c5 = MultiplyAdd.Of(Vector128.Create(Unsafe.Add(ref r5, row + ow)), b, c5);
                }
            }
        }
        c0.StoreUnsafe(ref c, 0 * (nuint)Vector128<float>.Count);
        c1.StoreUnsafe(ref c, 1 * (nuint)Vector128<float>.Count);
        c2.StoreUnsafe(ref c, 2 * (nuint)Vector128<float>.Count);
        c3.StoreUnsafe(ref c, 3 * (nuint)Vector128<float>.Count);
        c4.StoreUnsafe(ref c, 4 * (nuint)Vector128<float>.Count);
        c5.StoreUnsafe(ref c, 5 * (nuint)Vector128<float>.Count);
    }
}

/// <summary>The 256-bit patch kernel.</summary>
internal readonly struct PatchKernel256 : IPatchKernel
{
    public static int Lanes => Vector256<float>.Count;

    public static void Run(int samples, int outHeight, int outWidth, ref float x, nint xStride, nint pitch, ref int offsets, ref float dyT, ref float c)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        ref float r0 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 0));
        ref float r1 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 1));
        ref float r2 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 2));
        ref float r3 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 3));
        ref float r4 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 4));
        ref float r5 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 5));
        for (int s = 0; s < samples; s++)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                nint row = s * xStride + oh * pitch;
                for (nint ow = 0; ow < outWidth; ow++)
                {
                    Vector256<float> b = Vector256.LoadUnsafe(ref dyT);
                    dyT = ref Unsafe.Add(ref dyT, Vector256<float>.Count);
                    c0 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref r0, row + ow)), b, c0);
                    c1 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref r1, row + ow)), b, c1);
                    c2 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref r2, row + ow)), b, c2);
                    c3 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref r3, row + ow)), b, c3);
                    c4 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref r4, row + ow)), b, c4);
                    c5 = MultiplyAdd.Of(Vector256.Create(Unsafe.Add(ref r5, row + ow)), b, c5);
                }
            }
        }
        c0.StoreUnsafe(ref c, 0 * (nuint)Vector256<float>.Count);
        c1.StoreUnsafe(ref c, 1 * (nuint)Vector256<float>.Count);
        c2.StoreUnsafe(ref c, 2 * (nuint)Vector256<float>.Count);
        c3.StoreUnsafe(ref c, 3 * (nuint)Vector256<float>.Count);
        c4.StoreUnsafe(ref c, 4 * (nuint)Vector256<float>.Count);
        c5.StoreUnsafe(ref c, 5 * (nuint)Vector256<float>.Count);
    }
}

/// <summary>The 512-bit patch kernel.</summary>
internal readonly struct PatchKernel512 : IPatchKernel
{
    public static int Lanes => Vector512<float>.Count;

    public static void Run(int samples, int outHeight, int outWidth, ref float x, nint xStride, nint pitch, ref int offsets, ref float dyT, ref float c)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        ref float r0 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 0));
        ref float r1 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 1));
        ref float r2 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 2));
        ref float r3 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 3));
        ref float r4 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 4));
        ref float r5 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 5));
        for (int s = 0; s < samples; s++)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                nint row = s * xStride + oh * pitch;
                for (nint ow = 0; ow < outWidth; ow++)
                {
                    Vector512<float> b = Vector512.LoadUnsafe(ref dyT);
                    dyT = ref Unsafe.Add(ref dyT, Vector512<float>.Count);
                    c0 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref r0, row + ow)), b, c0);
                    c1 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref r1, row + ow)), b, c1);
                    c2 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref r2, row + ow)), b, c2);
                    c3 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref r3, row + ow)), b, c3);
                    c4 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref r4, row + ow)), b, c4);
                    c5 = MultiplyAdd.Of(Vector512.Create(Unsafe.Add(ref r5, row + ow)), b, c5);
                }
            }
        }
        c0.StoreUnsafe(ref c, 0 * (nuint)Vector512<float>.Count);
        c1.StoreUnsafe(ref c, 1 * (nuint)Vector512<float>.Count);
        c2.StoreUnsafe(ref c, 2 * (nuint)Vector512<float>.Count);
        c3.StoreUnsafe(ref c, 3 * (nuint)Vector512<float>.Count);
        c4.StoreUnsafe(ref c, 4 * (nuint)Vector512<float>.Count);
        c5.StoreUnsafe(ref c, 5 * (nuint)Vector512<float>.Count);
    }
}
