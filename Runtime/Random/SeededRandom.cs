using System;
using System.IO;
using System.Numerics;
using Compiled.Serialization;

namespace Compiled;

/// <summary>
/// Deterministic pseudo-random numbers: xoshiro256** (Blackman and Vigna) seeded through SplitMix64.
/// The same seed gives the same sequence on every platform and .NET version: the integer and uniform
/// streams are pure integer arithmetic; <see cref="NextGaussian"/> uses Box-Muller in double and rounds to float.
/// </summary>
/// <remarks>
/// Not thread-safe: give each thread its own instance (derive seeds with <see cref="DeriveSeed"/>).
/// Its <see cref="IStateful"/> state is the 256-bit xoshiro state and the spare Gaussian, so a restored generator
/// continues the same sequence bit for bit.
/// </remarks>
public sealed class SeededRandom : IStateful
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

    /// <inheritdoc/>
    public string StateKind => nameof(SeededRandom);

    /// <inheritdoc/>
    public void WriteState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Integers["s0"] = unchecked((long)_s0);
        state.Integers["s1"] = unchecked((long)_s1);
        state.Integers["s2"] = unchecked((long)_s2);
        state.Integers["s3"] = unchecked((long)_s3);
        state.Integers["has_spare_gaussian"] = _hasSpareGaussian ? 1 : 0;
        state.Integers["spare_gaussian_bits"] = BitConverter.SingleToInt32Bits(_spareGaussian);
    }

    /// <inheritdoc/>
    public void ReadState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ulong s0 = Word(state, "s0"), s1 = Word(state, "s1"), s2 = Word(state, "s2"), s3 = Word(state, "s3");
        if ((s0 | s1 | s2 | s3) == 0) throw new InvalidDataException("SeededRandom state is all zeros, which xoshiro256** never reaches.");
        ulong spare = Word(state, "has_spare_gaussian");
        if (spare > 1) throw new InvalidDataException($"SeededRandom state: has_spare_gaussian is {spare}, not 0 or 1.");
        long bits = (long)Word(state, "spare_gaussian_bits");
        if (bits < int.MinValue || bits > int.MaxValue) throw new InvalidDataException("SeededRandom state: spare_gaussian_bits is not a 32-bit value.");
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
        _hasSpareGaussian = spare == 1;
        _spareGaussian = BitConverter.Int32BitsToSingle((int)bits);
    }

    private static ulong Word(StateBag state, string name) =>
        state.Integers.TryGetValue(name, out long value) ? unchecked((ulong)value) : throw new InvalidDataException($"SeededRandom state has no integer '{name}'.");

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
