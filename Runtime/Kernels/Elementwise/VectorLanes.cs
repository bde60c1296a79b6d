using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>Width selection for short spans and the masks of overlapped tails.</summary>
internal static class VectorLanes
{
    /// <summary>Floats in a vector of <paramref name="width"/> (1 for scalar).</summary>
    public static int Count(VectorWidth width) => width == VectorWidth.Scalar ? 1 : (int)width / 32;

    /// <summary>
    /// The widest width not above <paramref name="width"/> whose vector fits in <paramref name="length"/> elements
    /// (a 10-element row at V512 runs at V256 with an overlapped tail), or scalar.
    /// </summary>
    public static VectorWidth Narrow(VectorWidth width, int length)
    {
        if (width == VectorWidth.V512 && length >= Vector512<float>.Count) return VectorWidth.V512;
        if (width >= VectorWidth.V256 && length >= Vector256<float>.Count) return VectorWidth.V256;
        if (width >= VectorWidth.V128 && length >= Vector128<float>.Count) return VectorWidth.V128;
        return VectorWidth.Scalar;
    }

    // Overlapped tails: the last vector starts at length - Count and so re-covers lanes the main loop already did.
    // These masks select its last `fresh` lanes, the ones not yet done; the others keep what is already stored
    // (or the aggregation's identity), which also makes the tail safe when the destination aliases the input.

    public static Vector128<float> TailMask128(int fresh)
        => Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(Vector128<float>.Count - fresh)).AsSingle();

    public static Vector256<float> TailMask256(int fresh)
        => Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(Vector256<float>.Count - fresh)).AsSingle();

    public static Vector512<float> TailMask512(int fresh)
        => Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(Vector512<float>.Count - fresh)).AsSingle();
}
