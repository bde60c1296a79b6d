using System;
using System.Runtime.Intrinsics;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;
using Xunit;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Zip's even/odd split and its merge, for every lane type, against their definitions: even[i] = x[2i], odd[i] = x[2i + 1],
/// and the merge writing exactly the first count floats (nothing after them).
/// </summary>
public class ZipTests
{
    [Fact]
    public void Deinterleave_and_interleave_match_their_definitions_at_every_lane_type()
    {
        Check<Vector512<float>>(16);
        Check<Vector256<float>>(8);
        Check<Vector128<float>>(4);
        Check<float>(1);
    }

    private static void Check<T>(int lanes) where T : struct
    {
        var random = new TestValues(71);
        float[] source = random.Floats(2 * lanes + 3);
        source[1] = float.NaN;
        source[2] = -0f;
        for (int offset = 0; offset < 3; offset++)
        {
            float[] even = new float[lanes], odd = new float[lanes];
            Zip.Deinterleave<T>(ref source[offset], ref even[0], ref odd[0]);
            for (int i = 0; i < lanes; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(source[offset + 2 * i]), BitConverter.SingleToInt32Bits(even[i]));
                Assert.Equal(BitConverter.SingleToInt32Bits(source[offset + 2 * i + 1]), BitConverter.SingleToInt32Bits(odd[i]));
            }

            Zip.Deinterleave(ref source[offset], out T e, out T o);
            float[] merged = new float[2 * lanes + 1];
            merged[^1] = 42f;
            Zip.Interleave(e, o, ref merged[0]);
            KernelAssert.Identical(source.AsSpan(offset, 2 * lanes), merged.AsSpan(0, 2 * lanes), $"{typeof(T).Name} merge at {offset}");
            Assert.Equal(42f, merged[^1]);

            for (int count = 1; count <= 2 * lanes; count++)
            {
                float[] part = new float[2 * lanes], scratch = new float[2 * lanes];
                Array.Fill(part, 7f);
                Zip.Interleave(e, o, ref part[0], count, ref scratch[0]);
                KernelAssert.Identical(source.AsSpan(offset, count), part.AsSpan(0, count), $"{typeof(T).Name} first {count} at {offset}");
                for (int i = count; i < part.Length; i++) Assert.Equal(7f, part[i]);
            }
        }
    }
}
