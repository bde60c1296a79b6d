using System;
using System.Linq;
using Compiled.Kernels;
using Compiled.Optimizers;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary>Each update rule at 128, 256 and 512 bits against its scalar twin: the same bits, parameters and state.</summary>
public class WidthTests
{
    public static TheoryData<string, VectorWidth> Cases()
    {
        var data = new TheoryData<string, VectorWidth>();
        foreach (string name in OptimizerCatalog.Names)
            foreach (VectorWidth width in new[] { VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 })
                data.Add(name, width);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_width_gives_the_scalar_twins_bits(string name, VectorWidth width)
    {
        foreach (int length in Enumerable.Range(1, 70).Concat([255, 256, 257]))
        {
            Optimizer vector = OptimizerCatalog.Create(name), scalar = OptimizerCatalog.Create(name);
            vector.Width = width;
            scalar.Width = VectorWidth.Scalar;
            var random = new SeededRandom((ulong)length);
            float[] p = Enumerable.Range(0, length).Select(_ => random.NextGaussian()).ToArray();
            float[] q = (float[])p.Clone();
            var g = new float[length];
            for (int step = 0; step < 7; step++)
            {
                for (int i = 0; i < length; i++) g[i] = (i % 5 == 3 && step % 2 == 1) ? 0f : random.NextGaussian() + 0.3f * p[i];
                vector.Step(p, g);
                scalar.Step(q, g);
            }
            Assert.Equal(q, p);
            foreach (string state in scalar.StateNames) Assert.Equal(scalar.StateBuffer(state), vector.StateBuffer(state));
        }
    }
}
