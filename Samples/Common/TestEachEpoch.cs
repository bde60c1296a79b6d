using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
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
    // The last epoch's pass, and the parameters and state it saw (bit for bit), so the run's final line can reuse it.
    private EvaluationResult _last;
    private int[] _lastPredicted = [];
    private double _lastSeconds;
    private float[] _lastParameters = [], _lastState = [];

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
        if (_lastPredicted.Length != _test.Count) _lastPredicted = new int[_test.Count];
        EvaluationResult result = _evaluator.Evaluate(context.Network, _test, _lastPredicted);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        _last = result;
        _lastSeconds = seconds;
        _lastParameters = [.. context.Network.Parameters];
        _lastState = [.. context.Network.StateBuffer];
        _accuracies.Add(result.Accuracy);
        int epochs = context.Options.Epochs;
        string epoch = record.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(epochs.ToString(CultureInfo.InvariantCulture).Length);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch}/{epochs}  test loss {result.Loss:F4}  test acc {result.Accuracy * 100:F2}%  {seconds:F2} s"));
        _output.Flush();
    }

    /// <summary>
    /// The last epoch's test pass (its result, predicted classes and seconds) when <paramref name="network"/>'s parameters
    /// and state are bit for bit those it ran on; false when no epoch ran or anything changed since (e.g. restored weights).
    /// </summary>
    public bool TryReuseLast(INetwork network, out EvaluationResult result, out int[] predicted, out double seconds)
    {
        bool same = _lastPredicted.Length == _test.Count && _accuracies.Count > 0
            && Bits(network.Parameters).SequenceEqual(Bits(_lastParameters)) && Bits(network.StateBuffer).SequenceEqual(Bits(_lastState));
        result = same ? _last : default;
        predicted = same ? _lastPredicted : [];
        seconds = same ? _lastSeconds : 0;
        return same;
    }

    private static ReadOnlySpan<int> Bits(float[] values) => MemoryMarshal.Cast<float, int>(values.AsSpan());
}
