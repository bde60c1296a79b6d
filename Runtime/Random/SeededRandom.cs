using System;
using System.Numerics;

namespace Compiled;

/// <summary>
/// Deterministic pseudo-random numbers: xoshiro256** (Blackman and Vigna) seeded through SplitMix64.
/// The same seed gives the same sequence on every platform and .NET version: the integer and uniform
/// streams are pure integer arithmetic; <see cref="NextGaussian"/> uses Box-Muller in double and rounds to float.
/// </summary>
/// <remarks>Not thread-safe: give each thread its own instance (derive seeds with <see cref="DeriveSeed"/>).</remarks>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private float _spareGaussian;
    private bool _hasSpareGaussian;

    public SeededRandom(ulong seed) => Reseed(seed);

    /// <summary>Restarts the sequence as if constructed with <paramref name="seed"/> (no allocation).</summary>
    public void Reseed(ulong seed)
    {
        // SplitMix64 expands the 64-bit seed into the 256-bit state; it never yields an all-zero state.
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        _hasSpareGaussian = false;
        _spareGaussian = 0f;
    }

    /// <summary>A seed for an independent stream (epoch, thread, layer...) derived from a base seed.</summary>
    public static ulong DeriveSeed(ulong seed, ulong stream)
    {
        ulong x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        return SplitMix64(ref x);
    }

    /// <summary>64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        uint range = (uint)maxExclusive;
        ulong product = (NextUInt64() >> 32) * range;
        uint low = (uint)product;
        if (low < range)
        {
            uint threshold = (0u - range) % range;
            while (low < threshold)
            {
                product = (NextUInt64() >> 32) * range;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }

    /// <summary>Uniform float in [0, 1): 24 random bits, so every value is a multiple of 2^-24.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform double in [0, 1): 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal N(0, 1) by Box-Muller; each pair of uniforms gives two values, the second is kept for the next call.</summary>
    public float NextGaussian()
    {
        if (_hasSpareGaussian)
        {
            _hasSpareGaussian = false;
            return _spareGaussian;
        }
        // u1 in (0, 1] so the logarithm is finite; u2 in [0, 1).
        double u1 = ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spareGaussian = (float)(radius * Math.Sin(angle));
        _hasSpareGaussian = true;
        return (float)(radius * Math.Cos(angle));
    }

    /// <summary>Fisher-Yates shuffle in place (from the last element down, each swapped with a uniform index at or below it).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
