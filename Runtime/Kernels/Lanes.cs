using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels;

/// <summary>
/// The arithmetic a kernel written once for every width uses (update rules, the 3x3 micro-kernel, matrix-vector products), over one lane type: <c>float</c> (the scalar twin) or a 128-, 256- or 512-bit
/// vector. Each update rule is written once, generic over the lane, so every width runs exactly the same IEEE operations
/// in the same order (multiply-adds are fused at every width where the code has FMA instructions, multiply then add at
/// every width where it has not, see <see cref="MultiplyAdd"/>; square roots and divisions are correctly rounded) and
/// all widths give the same bits. Masks are lanes whose bits are all set (true) or all clear (false).
/// </summary>
internal interface ILane<T> where T : struct
{
    static abstract int Count { get; }
    static abstract T Load(ref float source, int index);
    static abstract void Store(ref float destination, int index, T value);
    /// <summary>
    /// A non-temporal store (it writes the line without first taking it into this core's cache, nor waiting for another
    /// core to hand its copy over). The destination must be pinned and aligned to the vector's size; the scalar lane stores
    /// plainly. Another thread sees the values once the writer has passed a full fence (<c>Interlocked.MemoryBarrier</c>).
    /// </summary>
    static abstract void StoreStreaming(ref float destination, int index, T value);
    static abstract T Splat(float value);
    static abstract T Add(T a, T b);
    static abstract T Subtract(T a, T b);
    static abstract T Multiply(T a, T b);
    static abstract T Divide(T a, T b);
    /// <summary>a·b + c with one rounding where the code has FMA instructions (<see cref="MultiplyAdd"/>).</summary>
    static abstract T FusedMultiplyAdd(T a, T b, T c);
    static abstract T Sqrt(T a);
    /// <summary>IEEE 754:2019 maximum: NaN when either is NaN (as <c>torch.maximum</c>), +0 above −0.</summary>
    static abstract T Max(T a, T b);
    /// <summary>IEEE 754:2019 minimum: NaN when either is NaN (as <c>torch.minimum</c>), −0 below +0.</summary>
    static abstract T Min(T a, T b);
    static abstract T Abs(T a);
    static abstract T GreaterThan(T a, T b);
    static abstract T LessThan(T a, T b);
    static abstract T Equal(T a, T b);
    /// <summary>mask ? a : b, lane by lane.</summary>
    static abstract T Select(T mask, T a, T b);
    /// <summary>The bits of a and b, and-ed: with a mask for a, a lane of b where the mask is set, else +0 (one instruction, where <see cref="Select"/> of b and 0 takes three).</summary>
    static abstract T And(T a, T b);
    /// <summary>The bits of a and b, or-ed (the union of two masks).</summary>
    static abstract T Or(T a, T b);
    /// <summary>The sum of the lanes (in the order of <c>Vector512.Sum</c> and its kin, so it differs by width).</summary>
    static abstract float Sum(T a);
    /// <summary>The lanes rotated down by <paramref name="by"/> (0 ≤ by &lt; <see cref="Count"/>): lane l of the result is lane (l + by) mod Count of <paramref name="a"/>.</summary>
    static abstract T RotateLanes(T a, int by);
}

internal readonly struct ScalarLane : ILane<float>
{
    private static readonly float True = BitConverter.Int32BitsToSingle(-1);

    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float source, int index) => Unsafe.Add(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(ref float destination, int index, float value) => Unsafe.Add(ref destination, index) = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreStreaming(ref float destination, int index, float value) => Unsafe.Add(ref destination, index) = value;
    public static float Splat(float value) => value;
    public static float Add(float a, float b) => a + b;
    public static float Subtract(float a, float b) => a - b;
    public static float Multiply(float a, float b) => a * b;
    public static float Divide(float a, float b) => a / b;
    public static float FusedMultiplyAdd(float a, float b, float c) => MultiplyAdd.Of(a, b, c);
    public static float Sqrt(float a) => MathF.Sqrt(a);
    public static float Max(float a, float b) => MathF.Max(a, b);
    public static float Min(float a, float b) => MathF.Min(a, b);
    public static float Abs(float a) => MathF.Abs(a);
    public static float GreaterThan(float a, float b) => a > b ? True : 0f;
    public static float LessThan(float a, float b) => a < b ? True : 0f;
    public static float Equal(float a, float b) => a == b ? True : 0f;
    public static float Select(float mask, float a, float b) => BitConverter.SingleToInt32Bits(mask) != 0 ? a : b;
    public static float And(float a, float b) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(a) & BitConverter.SingleToInt32Bits(b));
    public static float Or(float a, float b) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(a) | BitConverter.SingleToInt32Bits(b));
    public static float Sum(float a) => a;
    public static float RotateLanes(float a, int by) => a;
}

internal readonly struct Lane128 : ILane<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source, int index) => Vector128.LoadUnsafe(ref source, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(ref float destination, int index, Vector128<float> value) => value.StoreUnsafe(ref destination, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe void StoreStreaming(ref float destination, int index, Vector128<float> value) =>
        Vector128.StoreAlignedNonTemporal(value, (float*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));
    public static Vector128<float> Splat(float value) => Vector128.Create(value);
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;
    public static Vector128<float> FusedMultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => MultiplyAdd.Of(a, b, c);
    public static Vector128<float> Sqrt(Vector128<float> a) => Vector128.Sqrt(a);
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
    public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.Min(a, b);
    public static Vector128<float> Abs(Vector128<float> a) => Vector128.Abs(a);
    public static Vector128<float> GreaterThan(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThan(a, b);
    public static Vector128<float> LessThan(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b);
    public static Vector128<float> Equal(Vector128<float> a, Vector128<float> b) => Vector128.Equals(a, b);
    public static Vector128<float> Select(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(mask, a, b);
    public static Vector128<float> And(Vector128<float> a, Vector128<float> b) => a & b;
    public static Vector128<float> Or(Vector128<float> a, Vector128<float> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> a) => Vector128.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> RotateLanes(Vector128<float> a, int by)
    {
        Vector128<int> index = (Vector128<int>.Indices + Vector128.Create(by)) & Vector128.Create(3);
        return Avx.IsSupported ? Avx.PermuteVar(a, index) : Vector128.Shuffle(a, index);
    }
}

internal readonly struct Lane256 : ILane<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source, int index) => Vector256.LoadUnsafe(ref source, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(ref float destination, int index, Vector256<float> value) => value.StoreUnsafe(ref destination, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe void StoreStreaming(ref float destination, int index, Vector256<float> value) =>
        Vector256.StoreAlignedNonTemporal(value, (float*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));
    public static Vector256<float> Splat(float value) => Vector256.Create(value);
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => MultiplyAdd.Of(a, b, c);
    public static Vector256<float> Sqrt(Vector256<float> a) => Vector256.Sqrt(a);
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
    public static Vector256<float> Abs(Vector256<float> a) => Vector256.Abs(a);
    public static Vector256<float> GreaterThan(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);
    public static Vector256<float> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);
    public static Vector256<float> Equal(Vector256<float> a, Vector256<float> b) => Vector256.Equals(a, b);
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;
    public static Vector256<float> Or(Vector256<float> a, Vector256<float> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> a) => Vector256.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RotateLanes(Vector256<float> a, int by)
    {
        Vector256<int> index = (Vector256<int>.Indices + Vector256.Create(by)) & Vector256.Create(7);
        return Avx2.IsSupported ? Avx2.PermuteVar8x32(a, index) : Vector256.Shuffle(a, index);
    }
}

internal readonly struct Lane512 : ILane<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source, int index) => Vector512.LoadUnsafe(ref source, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(ref float destination, int index, Vector512<float> value) => value.StoreUnsafe(ref destination, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe void StoreStreaming(ref float destination, int index, Vector512<float> value) =>
        Vector512.StoreAlignedNonTemporal(value, (float*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));
    public static Vector512<float> Splat(float value) => Vector512.Create(value);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => MultiplyAdd.Of(a, b, c);
    public static Vector512<float> Sqrt(Vector512<float> a) => Vector512.Sqrt(a);
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
    public static Vector512<float> Abs(Vector512<float> a) => Vector512.Abs(a);
    public static Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);
    public static Vector512<float> LessThan(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);
    public static Vector512<float> Equal(Vector512<float> a, Vector512<float> b) => Vector512.Equals(a, b);
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
    public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;
    public static Vector512<float> Or(Vector512<float> a, Vector512<float> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> a) => Vector512.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> RotateLanes(Vector512<float> a, int by)
    {
        Vector512<int> index = (Vector512<int>.Indices + Vector512.Create(by)) & Vector512.Create(15);
        return Avx512F.IsSupported ? Avx512F.PermuteVar16x32(a, index) : Vector512.Shuffle(a, index);
    }
}
