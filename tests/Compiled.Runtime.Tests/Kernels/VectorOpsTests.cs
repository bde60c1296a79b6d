using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// VectorOps at every width and length 0..256 against the float reference: Add, Scale and AddScaled bit for bit (one
/// rounding per element, fused for AddScaled); Sum within 1e-6 of Σ|x|, and AddPlaneSums plane by plane as Sum's bits;
/// AllFinite finds the first NaN/∞ anywhere.
/// </summary>
public class VectorOpsTests
{
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Element_wise_ops_match_reference_exactly(VectorWidth width)
    {
        var random = new TestValues(11);
        for (int length = 0; length <= 256; length++)
        {
            float[] a = random.Floats(length), b = random.Floats(length);
            float[] expected = new float[length], actual = new float[length];

            VectorOpsReference.Add<float>(a, b, expected);
            VectorOps.Add(a, b, actual, width);
            KernelAssert.Identical(expected, actual, $"Add {width} length {length}");

            VectorOpsReference.Scale(a, 0.37f, expected);
            VectorOps.Scale(a, 0.37f, actual, width);
            KernelAssert.Identical(expected, actual, $"Scale {width} length {length}");

            b.CopyTo(expected, 0);
            b.CopyTo(actual, 0);
            // Fused where the code has FMA instructions; without them (e.g. DOTNET_EnableAVX2=0) the kernels multiply then add.
            if (MultiplyAdd.IsFused) VectorOpsReference.AddScaled(a, -1.7f, expected);
            else for (int i = 0; i < length; i++) expected[i] = -1.7f * a[i] + expected[i];
            VectorOps.AddScaled(a, -1.7f, actual, width);
            KernelAssert.Identical(expected, actual, $"AddScaled {width} length {length}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void In_place_forms_alias_their_destination(VectorWidth width)
    {
        var random = new TestValues(12);
        foreach (int length in new[] { 1, 5, 8, 13, 16, 17, 40, 65 })
        {
            float[] a = random.Floats(length), b = random.Floats(length);
            float[] expected = new float[length];
            VectorOps.Add(a, b, expected, width);
            float[] aliased = (float[])a.Clone();
            VectorOps.Add(aliased, b, aliased, width);
            KernelAssert.Identical(expected, aliased, $"Add into a, length {length}");
            aliased = (float[])b.Clone();
            VectorOps.Add(a, aliased, aliased, width);
            KernelAssert.Identical(expected, aliased, $"Add into b, length {length}");

            VectorOps.Scale(a, 3f, expected, width);
            aliased = (float[])a.Clone();
            VectorOps.Scale(aliased, 3f, width);
            KernelAssert.Identical(expected, aliased, $"Scale in place, length {length}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Sum_matches_reference_for_every_length(VectorWidth width)
    {
        var random = new TestValues(13);
        for (int length = 0; length <= 256; length++)
        {
            float[] x = random.Floats(length, -2, 3);
            double expected = VectorOpsReference.Sum<double>(TestValues.Wide(x)), magnitude = VectorOpsReference.Sum<double>(TestValues.Abs(x));
            float actual = VectorOps.Sum(x, width);
            Assert.True(Math.Abs(actual - expected) <= 1e-6 * magnitude, $"Sum {width} length {length}: {actual}, expected {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Plane_sums_side_by_side_equal_each_plane_s_sum_bit_for_bit(VectorWidth width)
    {
        // AddPlaneSums (a convolution's bias gradient) runs four planes at once; each plane's sum must be Sum's float, added
        // to what sums held: every plane length 1..70 and LeNet-5's and VGG's planes, 1..9 planes (whole groups of four and
        // the rest), values of mixed magnitude so that a different order of additions would round differently.
        var random = new TestValues(14);
        foreach (int length in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 49, 63, 64, 65, 70, 100, 196, 784 })
        {
            for (int count = 1; count <= 9; count++)
            {
                float[] planes = random.Floats(count * length, -2, 3);
                for (int i = 0; i < planes.Length; i += 7) planes[i] *= 1e4f;
                float[] start = random.Floats(count), expected = (float[])start.Clone(), actual = (float[])start.Clone();
                for (int p = 0; p < count; p++) expected[p] += VectorOps.Sum(planes.AsSpan(p * length, length), width);
                VectorOps.AddPlaneSums(planes, length, actual, width);
                KernelAssert.Identical(expected, actual, $"{width}: {count} planes of {length}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void AllFinite_finds_the_first_non_finite_value(VectorWidth width)
    {
        var random = new TestValues(14);
        float[] bad = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        for (int length = 0; length <= 70; length++)
        {
            float[] x = random.Floats(length, -1e30, 1e30);
            Assert.Equal(-1, VectorOps.AllFinite(x, width));
            for (int position = 0; position < length; position++)
            {
                float[] y = (float[])x.Clone();
                y[position] = bad[position % 3];
                if (position + 3 < length) y[position + 3] = float.NaN;   // a later one must not win
                Assert.Equal(position, VectorOps.AllFinite(y, width));
                Assert.Equal(position, VectorOpsReference.AllFinite<float>(y));
            }
        }
        Assert.Equal(-1, VectorOps.AllFinite([float.MaxValue, float.MinValue, float.Epsilon, -0f], width));
    }

    [Fact]
    public void Wrong_lengths_throw_naming_the_span()
    {
        float[] four = new float[4], five = new float[5];
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => VectorOps.Add(four, five, four)).ParamName);
        Assert.Equal("dst", Assert.Throws<ArgumentException>(() => VectorOps.Add(four, four, five)).ParamName);
        Assert.Equal("dst", Assert.Throws<ArgumentException>(() => VectorOps.Scale(four, 2f, five)).ParamName);
        Assert.Equal("dst", Assert.Throws<ArgumentException>(() => VectorOps.AddScaled(four, 2f, five)).ParamName);
    }
}
