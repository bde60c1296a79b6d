using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Compiled.Data;
using Compiled.Metrics;

namespace Compiled.Samples;

/// <summary>The test accuracy of each class: which classes a network confuses (on Fashion-MNIST, shirts).</summary>
public static class ClassAccuracy
{
    /// <summary>For each label 0..<paramref name="classes"/>-1: the fraction of its samples in <paramref name="data"/> predicted right (NaN without samples).</summary>
    public static double[] Measure(INetwork network, Dataset data, int classes)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        return Measure(network.PredictClasses(data), data, classes);
    }

    /// <summary>The same from the predicted class of each sample of <paramref name="data"/> (e.g. <see cref="Evaluator.Evaluate(INetwork, Dataset, Span{int})"/>'s).</summary>
    public static double[] Measure(int[] predicted, Dataset data, int classes)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(data);
        if (predicted.Length != data.Count) throw new ArgumentException($"{predicted.Length} predictions for {data.Count} samples.", nameof(predicted));
        var correct = new int[classes];
        var total = new int[classes];
        for (int i = 0; i < data.Count; i++)
        {
            int label = data.Labels[i];
            if (label >= classes) throw new ArgumentException($"Label {label} of sample {i} is not below the {classes} classes.", nameof(data));
            total[label]++;
            if (predicted[i] == label) correct[label]++;
        }
        return Enumerable.Range(0, classes).Select(c => total[c] == 0 ? double.NaN : correct[c] / (double)total[c]).ToArray();
    }

    /// <summary>One line, <c>per class: T-shirt/top 86.20%, Trouser 98.10%, ...</c>.</summary>
    public static string Describe(IReadOnlyList<string> names, IReadOnlyList<double> accuracies)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(accuracies);
        return "per class: " + string.Join(", ", names.Zip(accuracies, (name, a) => string.Create(CultureInfo.InvariantCulture, $"{name} {a * 100:F2}%")));
    }
}
