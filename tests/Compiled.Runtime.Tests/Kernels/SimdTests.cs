using System;
using System.Runtime.Intrinsics;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.Kernels;

public class SimdTests
{
    [Fact]
    public void Detect_picks_the_widest_accelerated_width()
    {
        VectorWidth expected = Vector512.IsHardwareAccelerated ? VectorWidth.V512
            : Vector256.IsHardwareAccelerated ? VectorWidth.V256
            : Vector128.IsHardwareAccelerated ? VectorWidth.V128
            : VectorWidth.Scalar;
        Assert.Equal(expected, Simd.Detect());
        Assert.True(Simd.IsAccelerated(Simd.Detect()));
        Assert.True(Simd.IsAccelerated(VectorWidth.Scalar));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("  ", null)]
    [InlineData("512", VectorWidth.V512)]
    [InlineData("256", VectorWidth.V256)]
    [InlineData(" 128 ", VectorWidth.V128)]
    [InlineData("scalar", VectorWidth.Scalar)]
    [InlineData("SCALAR", VectorWidth.Scalar)]
    public void Environment_values_resolve(string? value, VectorWidth? expected)
        => Assert.Equal(expected ?? Simd.Detect(), Simd.Resolve(value));

    [Theory]
    [InlineData("1024")]
    [InlineData("avx2")]
    [InlineData("V256")]
    public void Invalid_environment_values_say_what_is_allowed(string value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Simd.Resolve(value));
        Assert.Contains("COMPILED_VECTOR_WIDTH", ex.Message);
        Assert.Contains($"'{value}'", ex.Message);
        Assert.Contains("512, 256, 128 or scalar", ex.Message);
    }

    [Fact]
    public void Descriptions_name_the_instruction_sets()
    {
        Assert.Equal("AVX-512 (Vector512)", Simd.Describe(VectorWidth.V512));
        Assert.Equal("AVX2 (Vector256)", Simd.Describe(VectorWidth.V256));
        Assert.Equal("SSE/NEON (Vector128)", Simd.Describe(VectorWidth.V128));
        Assert.Equal("scalar", Simd.Describe(VectorWidth.Scalar));
        Assert.Throws<ArgumentOutOfRangeException>(() => Simd.Describe((VectorWidth)7));
    }

    [Fact]
    public void Setter_validates_and_round_trips()
    {
        VectorWidth original = Simd.Width;
        try
        {
            // Any width gives correct results, so tests running meanwhile are unaffected.
            Simd.Width = VectorWidth.V128;
            Assert.Equal(VectorWidth.V128, Simd.Width);
            Assert.Throws<ArgumentOutOfRangeException>(() => Simd.Width = (VectorWidth)100);
            Assert.Equal(VectorWidth.V128, Simd.Width);
        }
        finally
        {
            Simd.Width = original;
        }
    }
}
