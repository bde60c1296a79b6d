using System;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// The register-transposed blocks the layout copies use (<see cref="Transpose8x8"/>, <see cref="Transpose4x4"/>) against the
/// element loop they stand for: dst[c·dstStride + r] = src[r·srcStride + c], with a residual added and ReLU after it where
/// asked; strides wider than the block, and nothing outside the block written.
/// </summary>
public sealed class TransposeBlockTests
{
    [Theory]
    [InlineData(8, 8, 8)]
    [InlineData(8, 11, 19)]
    [InlineData(4, 5, 9)]
    [InlineData(4, 4, 4)]
    public void A_block_lands_transposed_and_writes_nothing_else(int size, int srcStride, int dstStride)
    {
        if (size == 8 && !Transpose8x8.IsSupported || size == 4 && !Transpose4x4.IsSupported) return;
        var random = new System.Random(size * 100 + srcStride);
        float[] src = new float[size * srcStride];
        for (int i = 0; i < src.Length; i++) src[i] = (float)(random.NextDouble() * 4 - 2);
        foreach (bool residual in new[] { false, true })
        foreach (bool relu in residual ? new[] { false, true } : new[] { false })
        {
            float[] dst = new float[size * dstStride + 3], add = new float[dst.Length];
            Array.Fill(dst, 123f);
            for (int i = 0; i < add.Length; i++) add[i] = (float)(random.NextDouble() * 4 - 2);
            float[] expected = (float[])dst.Clone();
            for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                float value = src[r * srcStride + c];
                if (residual)
                {
                    value += add[c * dstStride + r];
                    if (relu) value = Math.Max(value, 0f);
                }
                expected[c * dstStride + r] = value;
            }
            if (size == 8)
            {
                if (residual) Transpose8x8.BlockAddResidual(ref src[0], srcStride, ref add[0], relu, ref dst[0], dstStride);
                else Transpose8x8.Block(ref src[0], srcStride, ref dst[0], dstStride);
            }
            else
            {
                if (residual) Transpose4x4.BlockAddResidual(ref src[0], srcStride, ref add[0], relu, ref dst[0], dstStride);
                else Transpose4x4.Block(ref src[0], srcStride, ref dst[0], dstStride);
            }
            KernelAssert.Identical(expected, dst, $"{size}×{size}, strides {srcStride} and {dstStride}, residual {residual}, relu {relu}");
        }
    }
}
