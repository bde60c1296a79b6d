using System;
using Compiled.Kernels;
using Compiled.Networks.Tests.Networks;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Widths;

/// <summary>Tests that set the process-wide <see cref="Simd.Width"/>: nothing else may run while they do.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SimdWidthCollection
{
    public const string Name = "Simd.Width (global state)";
}

/// <summary>
/// The whole generated LeNet-5 (PyTorch fixture parameters and data) at each vector width against the scalar path:
/// Forward's logits, TrainStep's loss and every gradient. Widths the CPU lacks run emulated.
/// </summary>
[Collection(SimdWidthCollection.Name)]
public sealed class WidthTests
{
    // Same float32 math in a different summation order (lanes, FMA): logits 1e-6 + 1e-5·|x|; loss 1e-6 + 1e-6·|x|;
    // gradients 1e-5·max|g| of the tensor + 1e-4·|g| element-wise.
    private const double LogitAbs = 1e-6, LogitRel = 1e-5;
    private const double LossAbs = 1e-6, LossRel = 1e-6;
    private const double GradientScaledAbs = 1e-5, GradientRel = 1e-4;

    public static TheoryData<VectorWidth> VectorWidths => new() { VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 };

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void LeNet5AtWidthMatchesScalar(VectorWidth width)
    {
        (float[] scalarLogits, float scalarLoss, float[] scalarGradients, ReferenceLeNet5 network) = Run(VectorWidth.Scalar);
        (float[] logits, float loss, float[] gradients, _) = Run(width);

        Tolerance.AssertClose(scalarLogits, logits, LogitAbs, LogitRel, $"logits at {width} vs scalar");
        Tolerance.AssertClose(scalarLoss, loss, LossAbs, LossRel, $"loss at {width} vs scalar");
        foreach (ParameterInfo info in network.ParameterTable)
        {
            ReadOnlySpan<float> expected = scalarGradients.AsSpan(info.Offset, info.Length);
            double scale = 0;
            foreach (float g in expected) scale = Math.Max(scale, Math.Abs(g));
            Tolerance.AssertClose(expected, gradients.AsSpan(info.Offset, info.Length), GradientScaledAbs * scale, GradientRel, $"d{info.Name} at {width} vs scalar");
        }
    }

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void LeNet5AtWidthMatchesPyTorch(VectorWidth width)
    {
        LeNet5Fixture fixture = LeNet5Fixture.Instance;
        (float[] logits, float loss, float[] gradients, ReferenceLeNet5 network) = Run(width);

        // As PyTorch/LeNet5FixtureTests: logits 1e-6 + 1e-5·|x|, loss 1e-6 + 1e-6·|x|, relative L2 error per gradient tensor ≤ 1e-5.
        Tolerance.AssertClose(fixture.Logits, logits, 1e-6, 1e-5, $"logits at {width} vs PyTorch");
        Tolerance.AssertClose(fixture.Loss, loss, 1e-6, 1e-6, $"loss at {width} vs PyTorch");
        foreach (ParameterInfo info in network.ParameterTable)
            Tolerance.AssertRelativeNorm(fixture.Gradients[info.Name].Data, gradients.AsSpan(info.Offset, info.Length), 1e-5, $"d{info.Name} at {width} vs PyTorch");
    }

    private static (float[] Logits, float Loss, float[] Gradients, ReferenceLeNet5 Network) Run(VectorWidth width)
    {
        VectorWidth saved = Simd.Width;
        try
        {
            Simd.Width = width;
            LeNet5Fixture fixture = LeNet5Fixture.Instance;
            var network = new ReferenceLeNet5(1);
            fixture.LoadParametersInto(network);
            var logits = new float[fixture.Batch * 10];
            network.Forward(fixture.Input, logits, fixture.Batch);
            network.ZeroGradients();
            float loss = network.TrainStep(fixture.Input, fixture.Labels, fixture.Batch);
            return (logits, loss, (float[])network.Gradients.Clone(), network);
        }
        finally
        {
            Simd.Width = saved;
        }
    }
}
