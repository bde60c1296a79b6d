using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// MultiplyAdd.Of rounds once where the code has FMA instructions and twice (product, then sum) where it does not; the
/// operands are chosen so the two differ. Run them with DOTNET_EnableAVX2=0 (which also turns FMA off in .NET 10) to take the unfused branch under the JIT.
/// </summary>
public class MultiplyAddTests
{
    // a·a = 1 + 2^-11 + 2^-24 exactly; in float the product rounds to 1 + 2^-11, so a·a + c is 2^-24 fused and 0 unfused.
    private const float A = 1f + 1f / 4096f;
    private const float C = -(1f + 1f / 2048f);
    private const float FusedResult = 1f / 16777216f;

    private static float Expected => MultiplyAdd.IsFused ? FusedResult : 0f;

    [Fact]
    public void Operands_tell_fused_from_unfused()
    {
        Assert.Equal(FusedResult, (float)((double)A * A + C));
        float product = A * A;
        Assert.Equal(0f, product + C);
    }

    [Fact]
    public void Fused_exactly_when_the_code_has_FMA_instructions()
        => Assert.Equal(Fma.IsSupported || AdvSimd.IsSupported, MultiplyAdd.IsFused);

    [Fact]
    public void Every_width_rounds_the_same_way()
    {
        Assert.Equal(Expected, MultiplyAdd.Of(A, A, C));
        Assert.Equal(Vector128.Create(Expected), MultiplyAdd.Of(Vector128.Create(A), Vector128.Create(A), Vector128.Create(C)));
        Assert.Equal(Vector256.Create(Expected), MultiplyAdd.Of(Vector256.Create(A), Vector256.Create(A), Vector256.Create(C)));
        Assert.Equal(Vector512.Create(Expected), MultiplyAdd.Of(Vector512.Create(A), Vector512.Create(A), Vector512.Create(C)));
        Assert.Equal(new Vector<float>(Expected), MultiplyAdd.Of(new Vector<float>(A), new Vector<float>(A), new Vector<float>(C)));
    }
}
