using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels;

/// <summary>
/// a·b + c, one overload per width: a fused multiply-add (one rounding) where the code is compiled for a CPU with FMA
/// instructions, a multiply then an add (two roundings) where it is not.
/// </summary>
/// <remarks>
/// <para>
/// <c>Vector128/256/512.FusedMultiplyAdd</c> and <c>MathF.FusedMultiplyAdd</c> are exact on every target: without FMA
/// instructions they call the C library's software <c>fmaf</c> once per element, which made a NativeAOT binary built for the
/// .NET default target (x86-64-v2, no FMA) take 339 s for a small CNN's epoch against 5.3 s under the JIT. Every kernel calls
/// these overloads instead of the fused ones, so such a target multiplies then adds.
/// </para>
/// <para>
/// <c>Fma.IsSupported</c> and <c>AdvSimd.IsSupported</c> are constants when the JIT or ILCompiler compiles the caller, and
/// each overload tests them in plain <c>if</c> statements (not through <see cref="IsFused"/> or <c>||</c>), so the dead branch
/// is dropped while the call is imported: the inlined call then compiles to exactly the code of a direct
/// <c>FusedMultiplyAdd</c>, memory-operand broadcasts included (checked with <c>DOTNET_JitDisasm</c>). Every width and the
/// scalar width make the same choice, so they still give the same bits as one another on a given target. The scalar twins
/// in <c>Reference/</c> stay fused: they are the ground truth the tests compare with.
/// </para>
/// </remarks>
internal static class MultiplyAdd
{
    /// <summary>Whether the compiled code has hardware fused multiply-add (x86 FMA3, or any Arm64).</summary>
    public static bool IsFused
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || AdvSimd.IsSupported;
    }

    /// <summary>a·b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(float a, float b, float c)
    {
        if (Fma.IsSupported) return MathF.FusedMultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported) return MathF.FusedMultiplyAdd(a, b, c);
        return a * b + c;
    }

    /// <summary>a·b + c per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Of(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        if (Fma.IsSupported) return Vector128.FusedMultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported) return Vector128.FusedMultiplyAdd(a, b, c);
        return a * b + c;
    }

    /// <summary>a·b + c per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> a, Vector256<float> b, Vector256<float> c)
    {
        if (Fma.IsSupported) return Vector256.FusedMultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported) return Vector256.FusedMultiplyAdd(a, b, c);
        return a * b + c;
    }

    /// <summary>a·b + c per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> a, Vector512<float> b, Vector512<float> c)
    {
        if (Fma.IsSupported) return Vector512.FusedMultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported) return Vector512.FusedMultiplyAdd(a, b, c);
        return a * b + c;
    }

    /// <summary>a·b + c per lane, for <see cref="Vector{T}"/> code (the optimizers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Of(Vector<float> a, Vector<float> b, Vector<float> c)
    {
        if (Fma.IsSupported) return Vector.FusedMultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported) return Vector.FusedMultiplyAdd(a, b, c);
        return a * b + c;
    }
}
