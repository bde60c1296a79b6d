using System;
using System.Collections.Generic;
using System.Text.Json;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// ActivationKernels against PyTorch (activations.json): ReLU, LeakyReLU(0.1), ELU(1.0), ELU(0.5), Sigmoid, Tanh on 63 values
/// that include |x| up to 100 (saturation and exp overflow paths), forward and backward, at every vector width.
/// Each backward gets what the network gives it: ReLU, Sigmoid and Tanh the output y, LeakyReLU the input x, ELU both.
/// </summary>
public sealed class ActivationFixtureTests
{
    // Fixture: float64 rounded to float32. One elementwise function: a few float32 ulps (≈1e-7 relative), plus the
    // rounding of y that the y-based derivatives (y·(1 − y), 1 − y²) inherit, which is absolute (≈6e-8·|dy|).
    // Sigmoid is compared relatively (no absolute floor above float32's normal range), so its tail counts.
    private const double Abs = 1e-6;
    private const double Rel = 1e-5;

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth("activations.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchPyTorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("activations.json", name);
        float[] x = c.Floats("x");
        float[] dy = c.Floats("dy");
        var y = new float[x.Length];
        var dx = new float[x.Length];

        // x, y, dy, dx [count]
        switch (c.GetProperty("kind").GetString())
        {
            case "relu":
                ActivationKernels.Relu(x, y, width);
                ActivationKernels.ReluBackward(y, dy, dx, width);
                break;
            case "leaky_relu":
                float slope = c.Config().Float("slope");
                ActivationKernels.LeakyRelu(x, y, slope, width);
                ActivationKernels.LeakyReluBackward(x, dy, dx, slope, width);
                break;
            case "elu":
                float alpha = c.Config().Float("alpha");
                ActivationKernels.Elu(x, y, alpha, width);
                ActivationKernels.EluBackward(x, y, dy, dx, alpha, width);
                break;
            case "sigmoid":
                ActivationKernels.Sigmoid(x, y, width);
                ActivationKernels.SigmoidBackward(y, dy, dx, width);
                break;
            case "tanh":
                ActivationKernels.Tanh(x, y, width);
                ActivationKernels.TanhBackward(y, dy, dx, width);
                break;
            default:
                throw new InvalidOperationException($"Unknown activation kind in {name}.");
        }

        if (c.GetProperty("kind").GetString() == "sigmoid")
        {
            // Sigmoid's lower tail (y down to 4e-44 here) and its derivative y·(1 − y)·dy there are tiny but meaningful:
            // relative. In the upper half the derivative comes from 1 − y, which cancels in float32 (y rounds to 1 from
            // x ≈ 17 on, as in PyTorch's own float32 sigmoid_backward): there the absolute tolerance holds.
            Tolerance.AssertRelative(c.Floats("y"), y, Rel, $"{name} y at {width}");
            float[] expectedY = c.Floats("y"), expectedDx = c.Floats("dx");
            var lower = new List<(float Expected, float Actual)>();
            var upper = new List<(float Expected, float Actual)>();
            for (int i = 0; i < x.Length; i++) (expectedY[i] <= 0.5f ? lower : upper).Add((expectedDx[i], dx[i]));
            Assert.True(lower.Count >= 20, "The sigmoid case needs values in its lower half.");
            Tolerance.AssertRelative(lower.ConvertAll(p => p.Expected).ToArray(), lower.ConvertAll(p => p.Actual).ToArray(), Rel, $"{name} dx (y ≤ 0.5) at {width}");
            Tolerance.AssertClose(upper.ConvertAll(p => p.Expected).ToArray(), upper.ConvertAll(p => p.Actual).ToArray(), Abs, Rel, $"{name} dx (y > 0.5) at {width}");
            return;
        }
        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y at {width}");
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx at {width}");
    }
}
