using System;
using System.Collections.Generic;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Training;

/// <summary>
/// GradientCheck on L(a, b) = |a| + b² (a hand-written network): a step across the kink of |a| at 0 is reported as a kink,
/// not as a wrong gradient, while a wrong gradient of the smooth b is still caught.
/// </summary>
public sealed class GradientCheckKinkTests
{
    [Fact]
    public void A_step_across_a_kink_is_not_a_failure()
    {
        var net = new AbsPlusSquare(a: 0.003f, b: 0.7f);
        GradientCheckResult result = GradientCheck.Run(net, new float[1], new int[1], 1);
        Assert.True(result.Passed, result.ToString());
        Assert.Equal(2, result.Parameters[0].Kinks);   // the entry and the directional check of a
        Assert.Equal(0, result.Parameters[1].Kinks);
        Assert.Equal(1, result.Parameters[1].Checked);
    }

    [Fact]
    public void A_wrong_smooth_gradient_is_still_caught()
    {
        var net = new AbsPlusSquare(a: 0.003f, b: 0.7f) { BGradientScale = 1.05f };
        GradientCheckResult result = GradientCheck.Run(net, new float[1], new int[1], 1);
        Assert.Equal(["b"], result.FailedLayers);
    }

    [Fact]
    public void Away_from_the_kink_both_entries_are_checked()
    {
        var net = new AbsPlusSquare(a: 0.5f, b: 0.7f);
        GradientCheckResult result = GradientCheck.Run(net, new float[1], new int[1], 1);
        Assert.True(result.Passed, result.ToString());
        Assert.All(result.Parameters, p => Assert.Equal(0, p.Kinks));
        Assert.InRange(result.Parameters[0].WorstRelativeError, 0, 1e-3);
    }

    private sealed class AbsPlusSquare(float a, float b) : ITrainableNetwork
    {
        public float BGradientScale { get; init; } = 1f;
        public int InputLength => 1;
        public int OutputLength => 1;
        public IReadOnlyList<int> InputShape => [1];
        public LossKind Loss => LossKind.SoftmaxCrossEntropy;
        public float[] Parameters { get; } = [a, b];
        public float[] Gradients { get; } = new float[2];
        public IReadOnlyList<ParameterInfo> ParameterTable { get; } = [new("a.weight", "a", 0, [1]), new("b.weight", "b", 1, [1])];
        public int Threads { get; set; } = 1;
        public string Summary => "|a| + b²";
        public string Architecture => "AbsPlusSquare";
        public void Initialize(int seed) { }
        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => output[0] = Value();
        public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch) => output[0] = Value();
        public void ZeroGradients() => Array.Clear(Gradients);

        public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch)
        {
            Gradients[0] += MathF.Sign(Parameters[0]);
            Gradients[1] += 2 * Parameters[1] * BGradientScale;
            return Value();
        }

        public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch) => throw new NotSupportedException();

        private float Value() => MathF.Abs(Parameters[0]) + Parameters[1] * Parameters[1];
    }
}
