namespace Compiled.Optimizers;

/// <summary>
/// One named state tensor of an optimizer over the flat parameter buffer (same layout as the parameters),
/// e.g. SGD's <c>momentum_buffer</c> or Adam's <c>exp_avg</c> and <c>exp_avg_sq</c> (PyTorch's state names),
/// so checkpoints can save and restore optimizer state by name.
/// </summary>
/// <param name="Name">PyTorch's name for the state entry.</param>
/// <param name="Buffer">The live buffer, one float per parameter.</param>
public sealed record OptimizerStateBuffer(string Name, float[] Buffer);
