using System;
using System.Collections.Generic;
using System.Globalization;
using Compiled.Data;

namespace Compiled.Samples;

/// <summary>
/// The training images' augmentation written on the command line (<c>--augment</c>): <c>none</c>, or a comma-separated list
/// of <c>crop:padding=N</c> (torchvision's <c>RandomCrop(28, padding=N)</c>) and <c>flip</c> or <c>flip:p=X</c>
/// (<c>RandomHorizontalFlip(p)</c>, p 0.5 by default), e.g. <c>crop:padding=2,flip</c>. The crop comes before the flip,
/// whatever the order written.
/// </summary>
/// <param name="Padding">Pixels of padding on every side before the random crop; 0: no crop.</param>
/// <param name="FlipProbability">Probability of a horizontal flip; 0: no flip.</param>
public sealed record AugmentSpec(int Padding, float FlipProbability)
{
    /// <summary>No augmentation.</summary>
    public static readonly AugmentSpec None = new(0, 0f);

    /// <summary>The help text's list of the parts a spec is made of.</summary>
    public const string Help =
        "  none            no augmentation\n"
        + "  crop:padding=N  RandomCrop: pad N pixels of black on every side, cut a 28x28 window at a random offset\n"
        + "  flip[:p=X]      RandomHorizontalFlip: mirror left-right with probability X (0.5)";

    /// <summary>Whether the spec changes nothing.</summary>
    public bool IsNone => Padding == 0 && FlipProbability == 0f;

    /// <summary>Parses a spec; returns null and an error message naming the problem when it is malformed.</summary>
    public static AugmentSpec? TryParse(string text, out string? error)
    {
        error = null;
        string trimmed = text.Trim();
        if (trimmed.Equals("none", StringComparison.OrdinalIgnoreCase)) return None;
        if (trimmed.Length == 0)
        {
            error = "--augment: empty; give none, or e.g. crop:padding=2,flip.";
            return null;
        }
        int? padding = null;
        float? flip = null;
        string? current = null;   // the part the next key=value belongs to
        foreach (string token in trimmed.Split(',', StringSplitOptions.TrimEntries))
        {
            string part = token;
            int colon = part.IndexOf(':', StringComparison.Ordinal);
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (colon >= 0 || eq < 0)
            {
                // A new part: "crop", "crop:padding=2", "flip", "flip:p=0.3".
                string name = (colon < 0 ? part : part[..colon]).Trim().ToLowerInvariant();
                if (name is not ("crop" or "flip"))
                {
                    error = name == "none"
                        ? "--augment: none cannot be combined with other parts."
                        : $"--augment: unknown part '{name}'; use none, crop:padding=N, flip or flip:p=X.";
                    return null;
                }
                if (name == "crop" && padding is not null || name == "flip" && flip is not null)
                {
                    error = $"--augment: '{name}' is given twice.";
                    return null;
                }
                current = name;
                if (name == "flip") flip = 0.5f;
                if (name == "crop") padding = -1;   // until its padding is read
                if (colon < 0) continue;
                part = part[(colon + 1)..].Trim();
                eq = part.IndexOf('=', StringComparison.Ordinal);
            }
            if (current is null || eq <= 0 || eq == part.Length - 1)
            {
                error = $"--augment: '{token}' is not part or key=value.";
                return null;
            }
            string key = part[..eq].Trim(), value = part[(eq + 1)..].Trim();
            if (current == "crop" && key.Equals("padding", StringComparison.OrdinalIgnoreCase))
            {
                if (padding >= 0)
                {
                    error = "--augment crop: 'padding' is given twice.";
                    return null;
                }
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > 64)
                {
                    error = $"--augment crop: padding must be a whole number in 1..64; got '{value}'.";
                    return null;
                }
                padding = p;
            }
            else if (current == "flip" && key.Equals("p", StringComparison.OrdinalIgnoreCase))
            {
                if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float p) || !(p > 0f && p <= 1f))
                {
                    error = $"--augment flip: p must be a number in (0, 1]; got '{value}'.";
                    return null;
                }
                flip = p;
            }
            else
            {
                error = $"--augment {current}: unknown key '{key}'; it takes {(current == "crop" ? "padding" : "p")}.";
                return null;
            }
        }
        if (padding == -1)
        {
            error = "--augment crop: give the padding, e.g. crop:padding=2.";
            return null;
        }
        return new AugmentSpec(padding ?? 0, flip ?? 0f);
    }

    /// <summary>Parses a spec known to be valid (the models' defaults); throws <see cref="ArgumentException"/> otherwise.</summary>
    public static AugmentSpec Parse(string text) =>
        TryParse(text, out string? error) ?? throw new ArgumentException(error, nameof(text));

    /// <summary>
    /// The augmentation for data standardized with <paramref name="standardization"/> (the padding is a black pixel after
    /// it), or null for <c>none</c>.
    /// </summary>
    public ImageAugmentation? Create(Standardization standardization) =>
        IsNone ? null : ImageAugmentation.ForStandardized(standardization, Padding, FlipProbability);

    /// <summary>The canonical spelling, e.g. <c>crop:padding=2,flip</c>, <c>flip:p=0.3</c>, <c>none</c>.</summary>
    public override string ToString()
    {
        if (IsNone) return "none";
        var parts = new List<string>();
        if (Padding > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"crop:padding={Padding}"));
        if (FlipProbability == 0.5f) parts.Add("flip");
        else if (FlipProbability > 0f) parts.Add(string.Create(CultureInfo.InvariantCulture, $"flip:p={FlipProbability:G}"));
        return string.Join(',', parts);
    }
}
