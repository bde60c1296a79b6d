using System;
using System.ComponentModel;

namespace Compiled.Networks;

/// <summary>
/// A test hook that replaces a dropout layer's mask in a training-mode forward pass (a generated network's
/// <c>DropoutMaskOverride</c>): it must fill <paramref name="mask"/> with the values the layer multiplies by, 0 for a dropped
/// element (or channel) and 1/(1 − p) for a kept one, for samples <paramref name="firstSample"/> …
/// <paramref name="firstSample"/> + <paramref name="count"/> − 1 of the batch (<c>[count, elements]</c>, or
/// <c>[count, channels]</c> for Dropout2d). It runs on the worker threads, each with its slice of the batch.
/// </summary>
/// <param name="layer">The dropout layer's name (<c>dropout1</c>).</param>
/// <param name="step">The network's <c>DropoutStep</c> for this pass.</param>
/// <param name="firstSample">The slice's first sample in the batch.</param>
/// <param name="count">Samples in the slice.</param>
/// <param name="mask">The slice's mask, to be written.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void DropoutMaskHook(string layer, long step, int firstSample, int count, Span<float> mask);
