using System;

namespace Compiled.Initialization;

/// <summary>
/// Seeded weight and bias initialization, with PyTorch's fan conventions (<c>torch.nn.init._calculate_fan_in_and_fan_out</c>):
/// Dense <c>[out, in]</c> has fanIn = in, fanOut = out; Conv2D <c>[out, in, kh, kw]</c> has fanIn = in·kh·kw, fanOut = out·kh·kw.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><see cref="Init.HeNormal"/></term><description>N(0, 2 / fanIn) (<c>kaiming_normal_</c>, gain √2, fan_in mode)</description></item>
/// <item><term><see cref="Init.HeUniform"/></term><description>U(−√(6 / fanIn), √(6 / fanIn))</description></item>
/// <item><term><see cref="Init.XavierNormal"/></term><description>N(0, 2 / (fanIn + fanOut))</description></item>
/// <item><term><see cref="Init.XavierUniform"/></term><description>U(−√(6 / (fanIn + fanOut)), √(6 / (fanIn + fanOut)))</description></item>
/// <item><term><see cref="Init.PyTorchDefault"/></term><description>U(−1/√fanIn, 1/√fanIn), as <c>nn.Linear</c>/<c>nn.Conv2d</c> reset their weights and biases</description></item>
/// <item><term><see cref="Init.Zeros"/></term><description>0</description></item>
/// </list>
/// The generator resolves <see cref="Init.Default"/> (He normal before a ReLU-family activation, else Xavier uniform) before calling here.
/// Values are drawn in order from the given <see cref="SeededRandom"/>, so the same seed and layer order give the same network.
/// </remarks>
public static class WeightInit
{
    public static void FillWeights(Init kind, Span<float> weights, int fanIn, int fanOut, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanOut);
        switch (kind)
        {
            case Init.HeNormal:
                FillNormal(weights, Math.Sqrt(2.0 / fanIn), random);
                break;
            case Init.HeUniform:
                FillUniform(weights, Math.Sqrt(6.0 / fanIn), random);
                break;
            case Init.XavierNormal:
                FillNormal(weights, Math.Sqrt(2.0 / (fanIn + (double)fanOut)), random);
                break;
            case Init.XavierUniform:
                FillUniform(weights, Math.Sqrt(6.0 / (fanIn + (double)fanOut)), random);
                break;
            case Init.PyTorchDefault:
                FillUniform(weights, 1.0 / Math.Sqrt(fanIn), random);
                break;
            case Init.Zeros:
                weights.Clear();
                break;
            case Init.Default:
                throw new ArgumentException("Init.Default must be resolved (He normal before a ReLU-family activation, else Xavier uniform) before filling weights.", nameof(kind));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown initialization.");
        }
    }

    /// <summary>Zeros for every kind except <see cref="Init.PyTorchDefault"/>, which draws U(−1/√fanIn, 1/√fanIn) as PyTorch does.</summary>
    public static void FillBias(Init kind, Span<float> bias, int fanIn, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        if (kind == Init.PyTorchDefault)
            FillUniform(bias, 1.0 / Math.Sqrt(fanIn), random);
        else
            bias.Clear();
    }

    // values ~ N(0, std²)
    private static void FillNormal(Span<float> values, double std, SeededRandom random)
    {
        float s = (float)std;
        for (int i = 0; i < values.Length; i++)
            values[i] = s * random.NextGaussian();
    }

    // values ~ U(-bound, bound); 2u - 1 is exact in float for the 24-bit uniforms, so the range is [-bound, bound).
    private static void FillUniform(Span<float> values, double bound, SeededRandom random)
    {
        float b = (float)bound;
        for (int i = 0; i < values.Length; i++)
            values[i] = b * (2f * random.NextFloat() - 1f);
    }
}
