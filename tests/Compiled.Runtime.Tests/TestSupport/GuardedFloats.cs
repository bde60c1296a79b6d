using System;
using System.Runtime.InteropServices;

namespace Compiled.Runtime.Tests.TestSupport;

/// <summary>
/// Linux only: room for <c>capacity</c> floats followed by a page that cannot be read or written (mmap, then mprotect
/// PROT_NONE), so a kernel that touches one float past a span from <see cref="Last"/> faults instead of reading garbage.
/// </summary>
internal sealed unsafe class GuardedFloats : IDisposable
{
    private const int ProtNone = 0, ProtReadWrite = 3, MapPrivateAnonymous = 0x02 | 0x20;
    private readonly byte* _base;
    private readonly nuint _length;
    private readonly int _capacity;

    public GuardedFloats(int capacity)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        nuint data = ((nuint)capacity * sizeof(float) + page - 1) / page * page;
        _length = data + page;
        _capacity = (int)(data / sizeof(float));
        _base = (byte*)Mmap(null, _length, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        if (_base == (byte*)-1) throw new InvalidOperationException($"mmap failed (errno {Marshal.GetLastPInvokeError()}).");
        if (Mprotect(_base + data, page, ProtNone) != 0)
            throw new InvalidOperationException($"mprotect failed (errno {Marshal.GetLastPInvokeError()}).");
    }

    /// <summary>The last <paramref name="length"/> floats before the guard page.</summary>
    public Span<float> Last(int length)
    {
        if (length < 0 || length > _capacity) throw new ArgumentOutOfRangeException(nameof(length));
        return new Span<float>((float*)_base + (_capacity - length), length);
    }

    public void Dispose() => Munmap(_base, _length);

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int Mprotect(void* address, nuint length, int protection);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static extern int Munmap(void* address, nuint length);
}
