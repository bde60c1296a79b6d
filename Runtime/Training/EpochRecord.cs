namespace Compiled.Training;

/// <summary>What one epoch of training measured.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's samples (each batch's mean loss weighted by its size), weight penalty included.</param>
/// <param name="TrainAccuracy">Running training accuracy over the epoch (measured while the weights moved), or null when the network does not expose its training outputs (<see cref="ITrainingOutputs"/>) or its head has no accuracy (MSE). Float targets: see <see cref="Metrics.Accuracy"/>.</param>
/// <param name="ValidationLoss">Mean validation loss after the epoch (weight penalty included), or null without a validation set.</param>
/// <param name="ValidationAccuracy">Validation accuracy after the epoch, or null without a validation set (or without an accuracy for the head).</param>
/// <param name="LearningRate">The optimizer's learning rate during the epoch (as it was at its start).</param>
/// <param name="TrainSeconds">Wall time of the training passes (batches, steps and checks), without validation.</param>
/// <param name="Seconds">Wall time of the whole epoch, validation included.</param>
/// <param name="Samples">Training samples seen.</param>
/// <param name="GradientNorm">Mean over the epoch's steps of the gradients' total norm before clipping, when <see cref="TrainerOptions.ClipGradNorm"/> is set; else null.</param>
public sealed record EpochRecord(
    int Epoch,
    double TrainLoss,
    double? TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    float LearningRate,
    double TrainSeconds,
    double Seconds,
    int Samples,
    double? GradientNorm = null);
