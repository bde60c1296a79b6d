using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Training;

namespace Compiled.Samples;

/// <summary>
/// Evaluates the test set after every epoch and prints a line under the trainer's, e.g.
/// <c>epoch  3/20  test loss 0.2811  test acc 90.12%  0.41 s</c>: the course's learning curve on held-out data. It only
/// reads the test set (nothing is chosen by it: early stopping and plateau schedules watch <c>--validation</c>).
/// </summary>
public sealed class TestEachEpoch : ITrainingCallback
{
    private readonly Dataset _test;
    private readonly TextWriter _output;
    private readonly Evaluator _evaluator = new();
    private readonly List<double> _accuracies = [];

    /// <summary>Evaluates <paramref name="test"/> after each epoch and writes a line to <paramref name="output"/>.</summary>
    public TestEachEpoch(Dataset test, TextWriter output)
    {
        _test = test;
        _output = output;
    }

    /// <summary>The test accuracy after each epoch of this run, in order.</summary>
    public IReadOnlyList<double> Accuracies => _accuracies;

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        long start = Stopwatch.GetTimestamp();
        EvaluationResult result = _evaluator.Evaluate(context.Network, _test);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        _accuracies.Add(result.Accuracy);
        int epochs = context.Options.Epochs;
        string epoch = record.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(epochs.ToString(CultureInfo.InvariantCulture).Length);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch}/{epochs}  test loss {result.Loss:F4}  test acc {result.Accuracy * 100:F2}%  {seconds:F2} s"));
        _output.Flush();
    }
}
