namespace Compiled;

/// <summary>
/// How a forward pass treats the layers that behave differently while training (PyTorch's <c>module.train()</c> and
/// <c>module.eval()</c>). <c>TrainStep</c> always runs in <see cref="Training"/> mode and <c>Forward</c>/<c>Predict</c> in
/// <see cref="Evaluation"/> mode, so there is no mode to forget; the overload <c>Forward(input, output, batch, mode)</c>
/// runs inference in training mode (e.g. Monte-Carlo dropout).
/// </summary>
public enum NetworkMode
{
    /// <summary>Dropout is the identity; batch normalization uses (and does not change) its running statistics.</summary>
    Evaluation = 0,

    /// <summary>Dropout draws masks; batch normalization uses the batch's statistics and updates its running ones.</summary>
    Training = 1,
}
