using System;

namespace Compiled.Kernels;

/// <summary>Argument checks shared by every kernel: the message names the argument, its length and the length it needs.</summary>
internal static class KernelArguments
{
    public static void NonNegative(int value, string name)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be zero or positive.");
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }

    /// <summary>The span must hold at least <paramref name="needed"/> elements.</summary>
    public static void AtLeast(int length, long needed, string name)
    {
        if (length < needed) throw new ArgumentException($"{name} has {length} elements but needs at least {needed}.", name);
    }

    /// <summary>The span must hold exactly <paramref name="needed"/> elements.</summary>
    public static void Exactly(int length, long needed, string name)
    {
        if (length != needed) throw new ArgumentException($"{name} has {length} elements but needs exactly {needed}.", name);
    }

    /// <summary>A leading dimension (row stride) must be at least the row's length.</summary>
    public static void LeadingDimension(int ld, int rowLength, string name)
    {
        if (ld < Math.Max(1, rowLength)) throw new ArgumentOutOfRangeException(name, ld, $"{name} must be at least {Math.Max(1, rowLength)} (the row length).");
    }

    /// <summary>
    /// <paramref name="n"/> rows of <paramref name="rowLength"/> elements, <paramref name="stride"/> apart (the stride at
    /// least the row length), must fit in a span of <paramref name="length"/>: (n − 1)·stride + rowLength elements.
    /// </summary>
    public static void StridedRows(int length, int n, int rowLength, int stride, string name, string strideName)
    {
        if (stride < rowLength || stride < 0)
            throw new ArgumentOutOfRangeException(strideName, stride, $"{strideName} must be at least {Math.Max(0, rowLength)} (the row length).");
        if (n > 0 && rowLength > 0) AtLeast(length, (long)(n - 1) * stride + rowLength, name);
    }

    public static void Width(VectorWidth width)
    {
        if (width is not (VectorWidth.Scalar or VectorWidth.V128 or VectorWidth.V256 or VectorWidth.V512))
            throw new ArgumentOutOfRangeException(nameof(width), width, "Not a vector width: use Scalar, V128, V256 or V512.");
    }
}
