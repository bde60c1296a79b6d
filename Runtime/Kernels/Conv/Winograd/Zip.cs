using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels;

/// <summary>
/// Splitting a run of floats into its even and odd elements and merging two vectors back, for one lane type (a 512-, 256- or
/// 128-bit vector or a float): in-lane shuffles (shufps, unpcklps) with the halves gathered as they load or split as they
/// store, where the CPU has them (256 and 128 bits), two-source permutes (512 bits), else permutes with constant indices
/// (<c>Vector256.Shuffle</c> and kin) and half-vector moves: the same values at every width. Winograd's 2×2 output tiles step by two columns, so its input splits by column parity and its
/// output merges the tiles' two columns (<see cref="WinogradConvolution"/>); a 2×2 max pool at stride 2 splits its rows the same way
/// (<see cref="MaxPool2x2"/>).
/// </summary>
internal static class Zip
{
    /// <summary>even[i] = source[2i], odd[i] = source[2i + 1] for the lanes of <typeparamref name="T"/> (twice as many floats read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave<T>(ref float source, ref float even, ref float odd) where T : struct
    {
        Deinterleave(ref source, out T e, out T o);
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref even), e);
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref odd), o);
    }

    /// <summary><see cref="Deinterleave{T}(ref float, ref float, ref float)"/> into registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave<T>(ref float source, out T even, out T odd) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>) && Avx512F.IsSupported)
        {
            // Two-source permutes (vpermt2ps): the portable form below compiles to a slow sequence here.
            Vector512<float> a = Vector512.LoadUnsafe(ref source), b = Vector512.LoadUnsafe(ref source, 16);
            Vector512<float> e = Avx512F.PermuteVar16x32x2(a, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b);
            Vector512<float> o = Avx512F.PermuteVar16x32x2(a, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), b);
            even = Unsafe.As<Vector512<float>, T>(ref e);
            odd = Unsafe.As<Vector512<float>, T>(ref o);
        }
        else if (typeof(T) == typeof(Vector512<float>))
        {
            Vector512<int> split = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
            Vector512<float> a = Vector512.Shuffle(Vector512.LoadUnsafe(ref source), split);
            Vector512<float> b = Vector512.Shuffle(Vector512.LoadUnsafe(ref source, 16), split);
            Vector512<float> e = Vector512.Create(a.GetLower(), b.GetLower()), o = Vector512.Create(a.GetUpper(), b.GetUpper());
            even = Unsafe.As<Vector512<float>, T>(ref e);
            odd = Unsafe.As<Vector512<float>, T>(ref o);
        }
        else if (typeof(T) == typeof(Vector256<float>) && Avx.IsSupported)
        {
            // Halves gathered as they load (vinsertf128 from memory), then in-lane shufps: no lane-crossing permute, which
            // is slow on cores with 128-bit halves (Zen 1: vperm2f128 is 8 µops) and contends for one port elsewhere.
            Vector256<float> low = Vector256.Create(Vector128.LoadUnsafe(ref source), Vector128.LoadUnsafe(ref source, 8));
            Vector256<float> high = Vector256.Create(Vector128.LoadUnsafe(ref source, 4), Vector128.LoadUnsafe(ref source, 12));
            Vector256<float> e = Avx.Shuffle(low, high, 0b10_00_10_00), o = Avx.Shuffle(low, high, 0b11_01_11_01);
            even = Unsafe.As<Vector256<float>, T>(ref e);
            odd = Unsafe.As<Vector256<float>, T>(ref o);
        }
        else if (typeof(T) == typeof(Vector256<float>))
        {
            Vector256<int> split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            Vector256<float> a = Vector256.Shuffle(Vector256.LoadUnsafe(ref source), split);
            Vector256<float> b = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, 8), split);
            Vector256<float> e = Vector256.Create(a.GetLower(), b.GetLower()), o = Vector256.Create(a.GetUpper(), b.GetUpper());
            even = Unsafe.As<Vector256<float>, T>(ref e);
            odd = Unsafe.As<Vector256<float>, T>(ref o);
        }
        else if (typeof(T) == typeof(Vector128<float>) && Sse.IsSupported)
        {
            // shufps takes two lanes from each source: the portable form below goes through 64-bit halves, slow here.
            Vector128<float> a = Vector128.LoadUnsafe(ref source), b = Vector128.LoadUnsafe(ref source, 4);
            Vector128<float> e = Sse.Shuffle(a, b, 0b10_00_10_00), o = Sse.Shuffle(a, b, 0b11_01_11_01);
            even = Unsafe.As<Vector128<float>, T>(ref e);
            odd = Unsafe.As<Vector128<float>, T>(ref o);
        }
        else if (typeof(T) == typeof(Vector128<float>))
        {
            Vector128<int> split = Vector128.Create(0, 2, 1, 3);
            Vector128<float> a = Vector128.Shuffle(Vector128.LoadUnsafe(ref source), split);
            Vector128<float> b = Vector128.Shuffle(Vector128.LoadUnsafe(ref source, 4), split);
            Vector128<float> e = Vector128.Create(a.GetLower(), b.GetLower()), o = Vector128.Create(a.GetUpper(), b.GetUpper());
            even = Unsafe.As<Vector128<float>, T>(ref e);
            odd = Unsafe.As<Vector128<float>, T>(ref o);
        }
        else
        {
            float e = source, o = Unsafe.Add(ref source, 1);
            even = Unsafe.As<float, T>(ref e);
            odd = Unsafe.As<float, T>(ref o);
        }
    }

    /// <summary>destination[2i] = low[i], destination[2i + 1] = high[i] for the lanes of <typeparamref name="T"/> (twice as many floats written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave<T>(T low, T high, ref float destination) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>) && Avx512F.IsSupported)
        {
            Vector512<float> l = Unsafe.As<T, Vector512<float>>(ref low), h = Unsafe.As<T, Vector512<float>>(ref high);
            Avx512F.PermuteVar16x32x2(l, Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), h).StoreUnsafe(ref destination);
            Avx512F.PermuteVar16x32x2(l, Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), h).StoreUnsafe(ref destination, 16);
        }
        else if (typeof(T) == typeof(Vector512<float>))
        {
            Vector512<float> l = Unsafe.As<T, Vector512<float>>(ref low), h = Unsafe.As<T, Vector512<float>>(ref high);
            Vector512<int> merge = Vector512.Create(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
            Vector512.Shuffle(Vector512.Create(l.GetLower(), h.GetLower()), merge).StoreUnsafe(ref destination);
            Vector512.Shuffle(Vector512.Create(l.GetUpper(), h.GetUpper()), merge).StoreUnsafe(ref destination, 16);
        }
        else if (typeof(T) == typeof(Vector256<float>) && Avx.IsSupported)
        {
            // In-lane unpcklps / unpckhps, then their halves stored where they go: no lane-crossing permute (see Deinterleave).
            Vector256<float> l = Unsafe.As<T, Vector256<float>>(ref low), h = Unsafe.As<T, Vector256<float>>(ref high);
            Vector256<float> first = Avx.UnpackLow(l, h), second = Avx.UnpackHigh(l, h);
            first.GetLower().StoreUnsafe(ref destination);
            second.GetLower().StoreUnsafe(ref destination, 4);
            first.GetUpper().StoreUnsafe(ref destination, 8);
            second.GetUpper().StoreUnsafe(ref destination, 12);
        }
        else if (typeof(T) == typeof(Vector256<float>))
        {
            Vector256<float> l = Unsafe.As<T, Vector256<float>>(ref low), h = Unsafe.As<T, Vector256<float>>(ref high);
            Vector256<int> merge = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            Vector256.Shuffle(Vector256.Create(l.GetLower(), h.GetLower()), merge).StoreUnsafe(ref destination);
            Vector256.Shuffle(Vector256.Create(l.GetUpper(), h.GetUpper()), merge).StoreUnsafe(ref destination, 8);
        }
        else if (typeof(T) == typeof(Vector128<float>) && Sse.IsSupported)
        {
            // unpcklps / unpckhps: the portable form below goes through 64-bit halves, slow here.
            Vector128<float> l = Unsafe.As<T, Vector128<float>>(ref low), h = Unsafe.As<T, Vector128<float>>(ref high);
            Sse.UnpackLow(l, h).StoreUnsafe(ref destination);
            Sse.UnpackHigh(l, h).StoreUnsafe(ref destination, 4);
        }
        else if (typeof(T) == typeof(Vector128<float>))
        {
            Vector128<float> l = Unsafe.As<T, Vector128<float>>(ref low), h = Unsafe.As<T, Vector128<float>>(ref high);
            Vector128<int> merge = Vector128.Create(0, 2, 1, 3);
            Vector128.Shuffle(Vector128.Create(l.GetLower(), h.GetLower()), merge).StoreUnsafe(ref destination);
            Vector128.Shuffle(Vector128.Create(l.GetUpper(), h.GetUpper()), merge).StoreUnsafe(ref destination, 4);
        }
        else
        {
            destination = Unsafe.As<T, float>(ref low);
            Unsafe.Add(ref destination, 1) = Unsafe.As<T, float>(ref high);
        }
    }

    /// <summary>
    /// The first <paramref name="count"/> (at most twice the lanes) floats of <see cref="Interleave{T}(T, T, ref float)"/> into
    /// destination, nothing after them touched: masked stores where the CPU has them, else through
    /// <paramref name="scratch"/> (twice the lanes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Interleave<T>(T low, T high, ref float destination, int count, ref float scratch) where T : struct
    {
        int lanes = typeof(T) == typeof(float) ? 1 : Unsafe.SizeOf<T>() / sizeof(float);
        if (count == 2 * lanes)
        {
            Interleave(low, high, ref destination);
            return;
        }
        if (typeof(T) == typeof(Vector512<float>) && Avx512F.IsSupported)
        {
            Vector512<float> l = Unsafe.As<T, Vector512<float>>(ref low), h = Unsafe.As<T, Vector512<float>>(ref high);
            Vector512<float> first = Avx512F.PermuteVar16x32x2(l, Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), h);
            Vector512<int> index = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            fixed (float* to = &destination)
            {
                if (count < 16)
                {
                    Avx512F.MaskStore(to, Vector512.LessThan(index, Vector512.Create(count)).AsSingle(), first);
                    return;
                }
                first.StoreUnsafe(ref destination);
                Vector512<float> second = Avx512F.PermuteVar16x32x2(l, Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), h);
                Avx512F.MaskStore(to + 16, Vector512.LessThan(index, Vector512.Create(count - 16)).AsSingle(), second);
            }
            return;
        }
        if (typeof(T) == typeof(Vector256<float>) && Avx.IsSupported)
        {
            Vector256<float> l = Unsafe.As<T, Vector256<float>>(ref low), h = Unsafe.As<T, Vector256<float>>(ref high);
            Vector256<int> merge = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7), index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            Vector256<float> first = Vector256.Shuffle(Vector256.Create(l.GetLower(), h.GetLower()), merge);
            fixed (float* to = &destination)
            {
                if (count < 8)
                {
                    Avx.MaskStore(to, Vector256.LessThan(index, Vector256.Create(count)).AsSingle(), first);
                    return;
                }
                first.StoreUnsafe(ref destination);
                Vector256<float> second = Vector256.Shuffle(Vector256.Create(l.GetUpper(), h.GetUpper()), merge);
                Avx.MaskStore(to + 8, Vector256.LessThan(index, Vector256.Create(count - 8)).AsSingle(), second);
            }
            return;
        }
        Interleave(low, high, ref scratch);
        for (int i = 0; i < count; i++) Unsafe.Add(ref destination, i) = Unsafe.Add(ref scratch, i);
    }
}
