using System;

namespace Compiled.Kernels;

/// <summary>
/// Where paths of a network meet. A residual sum joins two paths (<see cref="Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>);
/// in the backward pass its gradient goes unchanged to both, and where one tensor feeds several layers (a fork: a
/// block's input feeds the main path and the shortcut) the gradients coming back are summed (<see cref="AddInto(Span{float}, ReadOnlySpan{float})"/>).
/// Channel concatenation needs no kernel of its own: each branch's last kernel writes its rows into the concatenated buffer
/// in place (<see cref="StridedRows"/>, the strided <see cref="ActivationKernels"/> overloads). Every span of one call has
/// the same length; a destination may be one of the inputs (the same span), never a partial overlap. Every width gives
/// the same bits (one rounding per element). Nothing allocates.
/// </summary>
public static class JoinKernels
{
    /// <summary>y = a + b (a residual sum: the main path's output plus the shortcut's).</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => Add(a, b, y, Simd.Width);

    /// <inheritdoc cref="Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.Exactly(b.Length, a.Length, nameof(b));
        KernelArguments.Exactly(y.Length, a.Length, nameof(y));
        ElementwiseDriver.Binary(new AddOperator(), a, b, y, width);
    }

    /// <summary>dst += src (the gradients meeting at a fork are summed into its delta).</summary>
    public static void AddInto(Span<float> dst, ReadOnlySpan<float> src) => AddInto(dst, src, Simd.Width);

    /// <inheritdoc cref="AddInto(Span{float}, ReadOnlySpan{float})"/>
    public static void AddInto(Span<float> dst, ReadOnlySpan<float> src, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.Exactly(src.Length, dst.Length, nameof(src));
        ElementwiseDriver.Binary(new AddOperator(), dst, src, dst, width);
    }
}
