using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Compiled.Kernels;

namespace Compiled.Optimizers.Kernels;

/// <summary>
/// One update rule over elements <c>[i, i + L.Count)</c> of the spans it holds (a ref struct of spans and coefficients).
/// Implementations are marked <c>AggressiveInlining</c>: the driver calls one per vector, and a call per vector (its
/// prologue, the spans reloaded from the struct, the upper halves cleared on return) cost SGD's LeNet-5 step 4% of the
/// training epoch.
/// </summary>
internal interface IUpdateKernel
{
    void Apply<T, L>(int i) where T : struct where L : struct, ILane<T>;
}

/// <summary>
/// Runs an update rule over a range: whole vectors at the chosen width, then the tail element by element with the scalar
/// lane (not an overlapped vector: updates are in place, so no element may be updated twice). With <c>zero</c> non-empty
/// (the gradient itself), each gradient is set to 0 right after its update has read it.
/// </summary>
internal static class UpdateDriver
{
    public static void Run<K>(ref K kernel, int length, Span<float> zero, VectorWidth width) where K : struct, IUpdateKernel, allows ref struct
    {
        int i = 0;
        ref float z = ref MemoryMarshal.GetReference(zero);
        bool clear = !zero.IsEmpty;
        if (width == VectorWidth.V512)
        {
            for (; i + Vector512<float>.Count <= length; i += Vector512<float>.Count)
            {
                kernel.Apply<Vector512<float>, Lane512>(i);
                if (clear) Lane512.Store(ref z, i, Vector512<float>.Zero);
            }
        }
        if (width >= VectorWidth.V256)
        {
            for (; i + Vector256<float>.Count <= length; i += Vector256<float>.Count)
            {
                kernel.Apply<Vector256<float>, Lane256>(i);
                if (clear) Lane256.Store(ref z, i, Vector256<float>.Zero);
            }
        }
        if (width >= VectorWidth.V128)
        {
            for (; i + Vector128<float>.Count <= length; i += Vector128<float>.Count)
            {
                kernel.Apply<Vector128<float>, Lane128>(i);
                if (clear) Lane128.Store(ref z, i, Vector128<float>.Zero);
            }
        }
        for (; i < length; i++)
        {
            kernel.Apply<float, ScalarLane>(i);
            if (clear) Unsafe.Add(ref z, i) = 0f;
        }
    }
}
