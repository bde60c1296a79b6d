using System;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Compiled.Kernels;

/// <summary>Vector width a kernel runs at. Every width runs on every CPU (emulated where not accelerated).</summary>
public enum VectorWidth
{
    Scalar = 0,
    V128 = 128,
    V256 = 256,
    V512 = 512,
}

/// <summary>
/// The process-wide vector width. Chosen once, on first use: the widest of Vector512/256/128 the CPU accelerates
/// (scalar when none), unless the environment variable <c>COMPILED_VECTOR_WIDTH</c> (512, 256, 128 or scalar) or the
/// <see cref="Width"/> setter says otherwise. Every public kernel also takes an explicit trailing <see cref="VectorWidth"/>,
/// so callers that must not depend on global state (tests) pass it directly.
/// </summary>
public static class Simd
{
    /// <summary>Name of the environment variable that overrides the detected width.</summary>
    public const string EnvironmentVariable = "COMPILED_VECTOR_WIDTH";

    private const int Unset = -1;
    private static int s_width = Unset;

    /// <summary>The width kernels use when none is passed.</summary>
    /// <exception cref="InvalidOperationException">On first read, when <c>COMPILED_VECTOR_WIDTH</c> holds an invalid value.</exception>
    public static VectorWidth Width
    {
        get
        {
            int width = Volatile.Read(ref s_width);
            if (width == Unset)
            {
                width = (int)Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable));
                Volatile.Write(ref s_width, width);
            }
            return (VectorWidth)width;
        }
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "Not a vector width: use Scalar, V128, V256 or V512.");
            Volatile.Write(ref s_width, (int)value);
        }
    }

    /// <summary>The widest width the CPU accelerates.</summary>
    /// <remarks>
    /// The single place that asks the hardware. Under NativeAOT, <c>IsHardwareAccelerated</c> of the wider vectors is fixed when
    /// the binary is compiled (from the instruction sets it targets), so the published binary must target AVX2/AVX-512 for
    /// those paths to be reported here.
    /// </remarks>
    public static VectorWidth Detect()
    {
        if (Vector512.IsHardwareAccelerated) return VectorWidth.V512;
        if (Vector256.IsHardwareAccelerated) return VectorWidth.V256;
        if (Vector128.IsHardwareAccelerated) return VectorWidth.V128;
        return VectorWidth.Scalar;
    }

    /// <summary>Whether the CPU runs <paramref name="width"/> in hardware (scalar always is).</summary>
    public static bool IsAccelerated(VectorWidth width) => width switch
    {
        VectorWidth.Scalar => true,
        VectorWidth.V128 => Vector128.IsHardwareAccelerated,
        VectorWidth.V256 => Vector256.IsHardwareAccelerated,
        VectorWidth.V512 => Vector512.IsHardwareAccelerated,
        _ => throw new ArgumentOutOfRangeException(nameof(width), width, "Not a vector width."),
    };

    /// <summary>A human-readable name, e.g. <c>AVX2 (Vector256)</c>.</summary>
    public static string Describe(VectorWidth width) => width switch
    {
        VectorWidth.Scalar => "scalar",
        VectorWidth.V128 => "SSE/NEON (Vector128)",
        VectorWidth.V256 => "AVX2 (Vector256)",
        VectorWidth.V512 => "AVX-512 (Vector512)",
        _ => throw new ArgumentOutOfRangeException(nameof(width), width, "Not a vector width."),
    };

    /// <summary>The width for a value of <c>COMPILED_VECTOR_WIDTH</c>: null or blank means <see cref="Detect"/>.</summary>
    internal static VectorWidth Resolve(string? environmentValue)
    {
        if (string.IsNullOrWhiteSpace(environmentValue)) return Detect();
        return environmentValue.Trim().ToLowerInvariant() switch
        {
            "512" => VectorWidth.V512,
            "256" => VectorWidth.V256,
            "128" => VectorWidth.V128,
            "scalar" => VectorWidth.Scalar,
            _ => throw new InvalidOperationException(
                $"{EnvironmentVariable}='{environmentValue}' is not a vector width: use 512, 256, 128 or scalar (or unset it to detect the widest the CPU accelerates)."),
        };
    }
}
