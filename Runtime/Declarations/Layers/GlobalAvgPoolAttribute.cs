namespace Compiled;

/// <summary>
/// Global average pooling (PyTorch <c>nn.AdaptiveAvgPool2d(1)</c> followed by <c>torch.flatten(x, 1)</c>): each channel's
/// mean over its plane, [c, h, w] → [c]. No parameters. Default name: <c>pool1</c>, ... (counted with the other pools).
/// </summary>
public sealed class GlobalAvgPoolAttribute : LayerAttribute { }
