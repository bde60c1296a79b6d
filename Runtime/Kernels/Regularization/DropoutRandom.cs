using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The counter-based random numbers behind dropout: the bits for an element depend only on (seed, step, sample, element),
/// never on which thread computes them or in which order, so a batch split among any number of threads draws the same mask.
/// </summary>
/// <remarks>
/// A sample's key is a 64-bit SplitMix64 mix of (seed, step, sample) folded to 32 bits; the element's bits are a Weyl step
/// key + element·0x9E3779B9 passed through Wellons' <c>lowbias32</c> mixer (two multiply-xorshift rounds), which is pure 32-bit
/// integer arithmetic and so runs on any vector width (one <c>vpmulld</c> per round). The top 24 bits are compared with
/// round(p·2²⁴): an element is kept with probability 1 − round(p·2²⁴)/2²⁴.
/// </remarks>
internal static class DropoutRandom
{
    public const uint Golden = 0x9E3779B9u;

    /// <summary>The key of one sample's stream.</summary>
    public static uint SampleKey(ulong seed, long step, long sample)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(step + 1);
        z = Mix64(z);
        z = Mix64(z ^ (0xD1B54A32D192ED03UL * (ulong)(sample + 1)));
        return (uint)(z ^ (z >> 32));
    }

    /// <summary>The dropping threshold: an element is kept when its 24 bits are at least this.</summary>
    public static uint Threshold(double p) => (uint)System.Math.Round(p * (1 << 24));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Bits(uint key, uint element) => Mix32(key + element * Golden) >> 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Mix32(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352Du;
        x ^= x >> 15;
        x *= 0x846CA68Bu;
        x ^= x >> 16;
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Mix32(Vector128<uint> x)
    {
        x ^= x >>> 16;
        x *= 0x7FEB352Du;
        x ^= x >>> 15;
        x *= 0x846CA68Bu;
        x ^= x >>> 16;
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Mix32(Vector256<uint> x)
    {
        x ^= x >>> 16;
        x *= 0x7FEB352Du;
        x ^= x >>> 15;
        x *= 0x846CA68Bu;
        x ^= x >>> 16;
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Mix32(Vector512<uint> x)
    {
        x ^= x >>> 16;
        x *= 0x7FEB352Du;
        x ^= x >>> 15;
        x *= 0x846CA68Bu;
        x ^= x >>> 16;
        return x;
    }

    private static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
