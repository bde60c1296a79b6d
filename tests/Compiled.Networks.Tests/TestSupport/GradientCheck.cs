using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Compiled.Networks.Tests.TestSupport;

/// <summary>How a finite-difference check perturbs and what it accepts.</summary>
/// <param name="Epsilon">Central-difference step: 1e-2 on smooth nets (float32 loss noise ≈ 1e-7 stays ≪ the signal), 1e-3 where ReLU-like kinks or max-pool switches could be crossed.</param>
/// <param name="Relative">Allowed |fd − analytic| as a fraction of max(|fd|, |analytic|).</param>
/// <param name="Absolute">Allowed |fd − analytic| on top, for the float32 rounding of the loss divided by 2·Epsilon.</param>
/// <param name="RandomSamplesPerTensor">Randomly chosen entries checked per parameter tensor, besides its largest gradient.</param>
internal sealed record GradientCheckOptions(double Epsilon, double Relative, double Absolute, int RandomSamplesPerTensor = 3, ulong Seed = 12345);

/// <summary>
/// Central finite differences of a generated network's mean loss (in float, through TrainStep) against its Gradients:
/// the directional derivative along the whole gradient and along each parameter tensor's part of it, then single entries
/// of every tensor (its largest gradient and a few random ones).
/// </summary>
internal static class GradientCheck
{
    /// <param name="trainStep">Runs one TrainStep of the network on fixed data and returns the mean loss.</param>
    public static void AssertMatchesFiniteDifferences(ITrainableNetwork network, Func<ITrainableNetwork, float> trainStep, GradientCheckOptions options)
    {
        float[] parameters = network.Parameters;
        float[] original = (float[])parameters.Clone();
        network.ZeroGradients();
        float loss = trainStep(network);
        Assert.True(float.IsFinite(loss), $"The loss is {loss}.");
        float[] gradients = (float[])network.Gradients.Clone();
        foreach (float g in gradients) Assert.True(float.IsFinite(g), "A gradient is not finite.");

        var failures = new List<string>();
        try
        {
            CheckDirection(network, trainStep, options, original, gradients, 0, original.Length, "along the whole gradient", failures);
            foreach (ParameterInfo tensor in network.ParameterTable)
            {
                CheckDirection(network, trainStep, options, original, gradients, tensor.Offset, tensor.Length, $"{tensor.Name} along its gradient", failures);
                CheckTensor(network, trainStep, options, original, gradients, tensor, failures);
            }
        }
        finally
        {
            original.AsSpan().CopyTo(parameters);
            network.ZeroGradients();
        }
        if (failures.Count > 0)
            Assert.Fail($"{failures.Count} finite-difference checks failed (eps {options.Epsilon}, rel {options.Relative}, abs {options.Absolute}):\n" + string.Join("\n", failures));
    }

    // Along the unit vector ĝ of the gradient restricted to [offset, offset + length): the derivative must be ‖g‖ there.
    // A wrong scale, sign or permutation of any part of the gradient shows; every step stays eps long, so on
    // ReLU-like nets no single pre-activation moves far enough to cross many kinks.
    private static void CheckDirection(ITrainableNetwork network, Func<ITrainableNetwork, float> trainStep, GradientCheckOptions options,
        float[] original, float[] gradients, int offset, int length, string what, List<string> failures)
    {
        double norm = 0;
        for (int i = offset; i < offset + length; i++) norm += (double)gradients[i] * gradients[i];
        norm = Math.Sqrt(norm);
        Assert.True(norm > 20 * options.Absolute,
            $"{what}: the gradient's norm {norm:G4} is too small for the check to mean anything (abs tolerance {options.Absolute}).");
        float[] plus = (float[])original.Clone(), minus = (float[])original.Clone();
        double analytic = 0;
        for (int i = offset; i < offset + length; i++)
        {
            double step = options.Epsilon * gradients[i] / norm;
            plus[i] = (float)(original[i] + step);
            minus[i] = (float)(original[i] - step);
            // The step actually taken after rounding to float, per parameter.
            analytic += gradients[i] * ((double)plus[i] - minus[i]) / (2 * options.Epsilon);
        }
        double numeric = (LossAt(network, trainStep, plus) - (double)LossAt(network, trainStep, minus)) / (2 * options.Epsilon);
        Compare(what, numeric, analytic, options, failures);
    }

    private static void CheckTensor(ITrainableNetwork network, Func<ITrainableNetwork, float> trainStep, GradientCheckOptions options,
        float[] original, float[] gradients, ParameterInfo tensor, List<string> failures)
    {
        var indices = new List<int>();
        int largest = tensor.Offset;
        for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            if (Math.Abs(gradients[i]) > Math.Abs(gradients[largest])) largest = i;
        Assert.True(Math.Abs(gradients[largest]) > 2 * options.Absolute,
            $"{tensor.Name}: the largest gradient {gradients[largest]:G4} is below the tolerance; the check would be vacuous.");
        indices.Add(largest);
        var random = new SeededRandom(options.Seed ^ (ulong)tensor.Offset);
        for (int s = 0; s < options.RandomSamplesPerTensor && s < tensor.Length - 1; s++)
            indices.Add(tensor.Offset + random.NextInt(tensor.Length));

        float[] probe = (float[])original.Clone();
        foreach (int i in indices)
        {
            float up = (float)(original[i] + options.Epsilon);
            float down = (float)(original[i] - options.Epsilon);
            probe[i] = up;
            float lossUp = LossAt(network, trainStep, probe);
            probe[i] = down;
            float lossDown = LossAt(network, trainStep, probe);
            probe[i] = original[i];
            double numeric = ((double)lossUp - lossDown) / ((double)up - down);
            Compare($"{tensor.Name}[{i - tensor.Offset}]", numeric, gradients[i], options, failures);
        }
    }

    private static float LossAt(ITrainableNetwork network, Func<ITrainableNetwork, float> trainStep, float[] parameters)
    {
        parameters.AsSpan().CopyTo(network.Parameters);
        network.ZeroGradients();
        return trainStep(network);
    }

    private static void Compare(string what, double numeric, double analytic, GradientCheckOptions options, List<string> failures)
    {
        double error = Math.Abs(numeric - analytic);
        double allowed = options.Relative * Math.Max(Math.Abs(numeric), Math.Abs(analytic)) + options.Absolute;
        if (!(error <= allowed))
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"  {what}: finite difference {numeric:G6}, gradient {analytic:G6}"));
    }
}
