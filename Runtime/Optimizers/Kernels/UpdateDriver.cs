using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using Compiled.Kernels;

namespace Compiled.Optimizers.Kernels;

/// <summary>
/// One update rule over elements <c>[i, i + L.Count)</c> of the spans it holds (a ref struct of spans and coefficients),
/// storing the new parameters through the <see cref="IParameterStore"/> it is given (every other store is a plain <c>L.Store</c>).
/// Implementations are marked <c>AggressiveInlining</c>: the driver calls one per vector, and a call per vector (its
/// prologue, the spans reloaded from the struct, the upper halves cleared on return) cost SGD's LeNet-5 step 4% of the
/// training epoch.
/// </summary>
internal interface IUpdateKernel
{
    void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore;
}

/// <summary>How an update rule stores the new parameters.</summary>
internal interface IParameterStore
{
    static abstract void Store<T, L>(ref float destination, int index, T value) where T : struct where L : struct, ILane<T>;
}

/// <summary>Plain stores: the parameters stay in this core's cache for the next step (one thread).</summary>
internal readonly struct CachedStore : IParameterStore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T, L>(ref float destination, int index, T value) where T : struct where L : struct, ILane<T> =>
        L.Store(ref destination, index, value);
}

/// <summary>
/// Non-temporal stores (<see cref="ILane{T}.StoreStreaming"/>), for a ranged step on several threads: every thread read
/// every parameter in the forward and backward passes, so each cache line a thread updates is also in the other cores'
/// caches, and a plain store waits for those copies to be given up, one line after another (two threads on LeNet-5:
/// ~90 µs of a step's ~1.1 ms). A streaming store does not wait; the next step reads the lines from memory instead.
/// </summary>
internal readonly struct StreamingStore : IParameterStore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T, L>(ref float destination, int index, T value) where T : struct where L : struct, ILane<T> =>
        L.StoreStreaming(ref destination, index, value);
}

/// <summary>
/// Runs an update rule over a range: whole vectors at the chosen width, then the tail element by element with the scalar
/// lane (not an overlapped vector: updates are in place, so no element may be updated twice). With <c>zero</c> non-empty
/// (the gradient itself), each gradient is set to 0 right after its update has read it. Every order of the elements
/// gives the same bits (the rules are element-wise).
/// </summary>
internal static class UpdateDriver
{
    /// <summary>The update over a tensor's slice of a step; streaming stores of the parameters when the step asks for them.</summary>
    public static void Run<K>(ref K kernel, in ParameterSlice slice) where K : struct, IUpdateKernel, allows ref struct
    {
        if (slice.StreamParameters && slice.Width != VectorWidth.Scalar) RunStreaming(ref kernel, slice.Parameters, slice.Zero, slice.Width);
        else Run<K, CachedStore>(ref kernel, 0, slice.Length, slice.Zero, slice.Width);
    }

    /// <summary>The update over <c>[0, length)</c> with plain stores.</summary>
    public static void Run<K>(ref K kernel, int length, Span<float> zero, VectorWidth width) where K : struct, IUpdateKernel, allows ref struct =>
        Run<K, CachedStore>(ref kernel, 0, length, zero, width);

    // Pins the parameters, runs the elements before the first aligned vector with the scalar lane, the rest streamed, then a
    // full fence so the threads that read the parameters next (after the step's barrier) see every store.
    private static unsafe void RunStreaming<K>(ref K kernel, Span<float> parameters, Span<float> zero, VectorWidth width)
        where K : struct, IUpdateKernel, allows ref struct
    {
        fixed (float* p = parameters)
        {
            int bytes = width == VectorWidth.V512 ? 64 : width == VectorWidth.V256 ? 32 : 16;
            int head = Math.Min(parameters.Length, (int)((nuint)(-(nint)p) % (nuint)bytes) / sizeof(float));
            Run<K, CachedStore>(ref kernel, 0, head, zero, VectorWidth.Scalar);
            Run<K, StreamingStore>(ref kernel, head, parameters.Length, zero, width);
        }
        Interlocked.MemoryBarrier();
    }

    private static void Run<K, S>(ref K kernel, int i, int length, Span<float> zero, VectorWidth width)
        where K : struct, IUpdateKernel, allows ref struct where S : struct, IParameterStore
    {
        ref float z = ref MemoryMarshal.GetReference(zero);
        bool clear = !zero.IsEmpty;
        if (width == VectorWidth.V512)
        {
            for (; i + Vector512<float>.Count <= length; i += Vector512<float>.Count)
            {
                kernel.Apply<Vector512<float>, Lane512, S>(i);
                if (clear) Lane512.Store(ref z, i, Vector512<float>.Zero);
            }
        }
        if (width >= VectorWidth.V256)
        {
            for (; i + Vector256<float>.Count <= length; i += Vector256<float>.Count)
            {
                kernel.Apply<Vector256<float>, Lane256, S>(i);
                if (clear) Lane256.Store(ref z, i, Vector256<float>.Zero);
            }
        }
        if (width >= VectorWidth.V128)
        {
            for (; i + Vector128<float>.Count <= length; i += Vector128<float>.Count)
            {
                kernel.Apply<Vector128<float>, Lane128, S>(i);
                if (clear) Lane128.Store(ref z, i, Vector128<float>.Zero);
            }
        }
        for (; i < length; i++)
        {
            kernel.Apply<float, ScalarLane, S>(i);
            if (clear) Unsafe.Add(ref z, i) = 0f;
        }
    }
}
