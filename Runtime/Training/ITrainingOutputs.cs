using System;

namespace Compiled;

/// <summary>
/// Optional for a <see cref="ITrainableNetwork"/>: exposes the raw outputs (logits or scores) the most recent
/// <c>TrainStep</c> computed, so the trainer can report a running training accuracy without a second forward pass.
/// </summary>
public interface ITrainingOutputs
{
    /// <summary>[batch, OutputLength] outputs of the last <c>TrainStep</c>, valid until the next one.</summary>
    ReadOnlySpan<float> LastOutputs { get; }
}
