using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Compiled.Optimizers;
using Compiled.Schedules;

namespace Compiled.Samples;

/// <summary>
/// A learning-rate schedule written compactly on the command line: <c>name[:key=value,...]</c> with PyTorch's argument
/// names (<c>step:step_size=3,gamma=0.5</c>, <c>multistep:milestones=3/6/8</c>, <c>cosine:T_max=10</c>, <c>onecycle:max_lr=0.1</c>).
/// Keys are case-insensitive; a missing key takes torch's default, or the run's when torch has none (<c>T_max</c>: the epochs).
/// </summary>
public sealed record ScheduleSpec(string Kind, IReadOnlyDictionary<string, string> Arguments)
{
    /// <summary>Every schedule, its keys (torch's names) and a one-line description, for the help text and validation.</summary>
    public static readonly IReadOnlyList<(string Kind, string[] Keys, string Help)> Kinds =
    [
        ("constant", [], "no change"),
        ("step", ["step_size", "gamma"], "StepLR: × gamma (0.1) every step_size epochs (required)"),
        ("multistep", ["milestones", "gamma"], "MultiStepLR: × gamma (0.1) at each milestone epoch, e.g. milestones=3/6/8"),
        ("exponential", ["gamma"], "ExponentialLR: × gamma every epoch (default: --lr-decay)"),
        ("inverse-time", ["rate", "decay_steps", "staircase"], "lr0 / (1 + rate · epoch / decay_steps) (rate required)"),
        ("cosine", ["T_max", "eta_min"], "CosineAnnealingLR to eta_min (0) over T_max epochs (default: the epochs)"),
        ("cosine-restarts", ["T_0", "T_mult", "eta_min"], "CosineAnnealingWarmRestarts: periods of T_0 epochs (required), × T_mult (1)"),
        ("warmup", ["start_factor", "end_factor", "total_iters"], "LinearLR: lr × start_factor (1/3) rising to × end_factor (1) over total_iters (5) epochs"),
        ("onecycle", ["max_lr", "pct_start", "div_factor", "final_div_factor", "anneal_strategy", "three_phase"],
            "OneCycleLR per batch: up to max_lr (default: --lr) and down (momentum cycled if the optimizer allows it: IScheduledMomentum)"),
        ("plateau", ["mode", "factor", "patience", "threshold", "cooldown", "min_lr"],
            "ReduceLROnPlateau on the validation loss (training loss without --validation): × factor (0.1) after patience (10) bad epochs"),
    ];

    /// <summary>Whether the schedule steps after every batch (OneCycleLR) rather than after every epoch.</summary>
    public bool PerBatch => Kind == "onecycle";

    /// <summary>Parses <c>name[:key=value,...]</c>; returns null and an error message naming the problem when it is malformed.</summary>
    public static ScheduleSpec? TryParse(string text, out string? error)
    {
        error = null;
        string trimmed = text.Trim();
        int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        string kind = (colon < 0 ? trimmed : trimmed[..colon]).Trim().ToLowerInvariant();
        var known = Kinds.FirstOrDefault(k => k.Kind == kind);
        if (known.Kind is null)
        {
            error = $"--schedule: unknown schedule '{kind}'; use one of {string.Join(", ", Kinds.Select(k => k.Kind))}.";
            return null;
        }
        var arguments = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (colon >= 0)
        {
            foreach (string part in trimmed[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                string key = eq < 0 ? part : part[..eq].Trim();
                string? canonical = known.Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                if (eq < 0 || eq == part.Length - 1)
                {
                    error = $"--schedule {kind}: '{part}' is not key=value.";
                    return null;
                }
                if (canonical is null)
                {
                    error = known.Keys.Length == 0
                        ? $"--schedule {kind} takes no arguments; got '{key}'."
                        : $"--schedule {kind}: unknown key '{key}'; it takes {string.Join(", ", known.Keys)}.";
                    return null;
                }
                if (!arguments.TryAdd(canonical, part[(eq + 1)..].Trim()))
                {
                    error = $"--schedule {kind}: '{canonical}' is given twice.";
                    return null;
                }
            }
        }
        var spec = new ScheduleSpec(kind, arguments);
        error = spec.Check();
        return error is null ? spec : null;
    }

    /// <summary>Parses a spec written in code (a model's default); throws <see cref="FormatException"/> with the parse error when it is malformed.</summary>
    public static ScheduleSpec Parse(string text) =>
        TryParse(text, out string? error) ?? throw new FormatException(error);

    /// <summary>
    /// The schedule over <paramref name="optimizer"/> (whose rate is the run's initial rate), for a run of
    /// <paramref name="epochs"/> epochs of <paramref name="stepsPerEpoch"/> batches; null for <c>constant</c>.
    /// </summary>
    public LearningRateScheduler? Create(Optimizer optimizer, int epochs, int stepsPerEpoch, float defaultGamma)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return Kind switch
        {
            "constant" => null,
            "step" => new StepLR(optimizer, Int("step_size")!.Value, Double("gamma") ?? 0.1),
            "multistep" => new MultiStepLR(optimizer, Milestones(), Double("gamma") ?? 0.1),
            "exponential" => new ExponentialLR(optimizer, Double("gamma") ?? defaultGamma),
            "inverse-time" => new InverseTimeDecay(optimizer, Double("rate")!.Value, Int("decay_steps") ?? 1, Bool("staircase") ?? false),
            "cosine" => new CosineAnnealingLR(optimizer, Int("T_max") ?? epochs, Double("eta_min") ?? 0),
            "cosine-restarts" => new CosineAnnealingWarmRestarts(optimizer, Int("T_0")!.Value, Int("T_mult") ?? 1, Double("eta_min") ?? 0),
            "warmup" => new LinearLR(optimizer, Double("start_factor") ?? 1.0 / 3, Double("end_factor") ?? 1.0, Int("total_iters") ?? 5),
            "onecycle" => new OneCycleLR(optimizer, Double("max_lr") ?? optimizer.LearningRate, epochs: epochs, stepsPerEpoch: stepsPerEpoch,
                pctStart: Double("pct_start") ?? 0.3,
                annealStrategy: Text("anneal_strategy") == "linear" ? AnnealStrategy.Linear : AnnealStrategy.Cos,
                cycleMomentum: optimizer is IScheduledMomentum,
                divFactor: Double("div_factor") ?? 25, finalDivFactor: Double("final_div_factor") ?? 1e4, threePhase: Bool("three_phase") ?? false),
            "plateau" => new ReduceLROnPlateau(optimizer, Text("mode") == "max" ? MetricMode.Max : MetricMode.Min, Double("factor") ?? 0.1,
                Int("patience") ?? 10, Double("threshold") ?? 1e-4, cooldown: Int("cooldown") ?? 0, minLr: Double("min_lr") ?? 0),
            _ => throw new InvalidOperationException($"unknown schedule '{Kind}'"),
        };
    }

    /// <summary>The spec as written, normalized: <c>kind:key=value,...</c>.</summary>
    public override string ToString() =>
        Arguments.Count == 0 ? Kind : $"{Kind}:{string.Join(',', Arguments.Select(a => $"{a.Key}={a.Value}"))}";

    // Checks every value's type and range, and the required keys, so a bad spec fails while parsing.
    private string? Check()
    {
        foreach (KeyValuePair<string, string> a in Arguments)
        {
            string? problem = a.Key switch
            {
                "step_size" or "T_max" or "T_0" or "T_mult" or "total_iters" or "decay_steps" => IsInt(a.Value, 1) ? null : "a whole number >= 1",
                "patience" or "cooldown" => IsInt(a.Value, 0) ? null : "a whole number >= 0",
                "milestones" => a.Value.Split('/').All(m => IsInt(m, 1)) ? null : "epochs >= 1 separated by '/', e.g. 3/6/8",
                "staircase" or "three_phase" => bool.TryParse(a.Value, out _) ? null : "true or false",
                "mode" => a.Value is "min" or "max" ? null : "min or max",
                "anneal_strategy" => a.Value is "cos" or "linear" ? null : "cos or linear",
                "factor" => IsNumber(a.Value, out double f) && f is >= 0 and < 1 ? null : "a number in [0, 1)",
                "pct_start" => IsNumber(a.Value, out double p) && p is >= 0 and <= 1 ? null : "a number in [0, 1]",
                "eta_min" or "min_lr" or "threshold" => IsNumber(a.Value, out double z) && z >= 0 ? null : "a number >= 0",
                _ => IsNumber(a.Value, out double x) && x > 0 ? null : "a number > 0",
            };
            if (problem is not null) return $"--schedule {Kind}: {a.Key} needs {problem}; got '{a.Value}'.";
        }
        string? required = Kind switch
        {
            "step" => "step_size",
            "inverse-time" => "rate",
            "cosine-restarts" => "T_0",
            "multistep" => "milestones",
            _ => null,
        };
        return required is not null && !Arguments.ContainsKey(required)
            ? $"--schedule {Kind} needs {required}=..., e.g. {Example(Kind)}."
            : null;
    }

    private static string Example(string kind) => kind switch
    {
        "step" => "step:step_size=3,gamma=0.5",
        "inverse-time" => "inverse-time:rate=0.5",
        "cosine-restarts" => "cosine-restarts:T_0=3,T_mult=2",
        _ => "multistep:milestones=3/6/8,gamma=0.1",
    };

    private int[] Milestones() => Arguments["milestones"].Split('/').Select(m => int.Parse(m, CultureInfo.InvariantCulture)).ToArray();

    private int? Int(string key) => Arguments.TryGetValue(key, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : null;

    private double? Double(string key) => Arguments.TryGetValue(key, out string? v) ? double.Parse(v, CultureInfo.InvariantCulture) : null;

    private bool? Bool(string key) => Arguments.TryGetValue(key, out string? v) ? bool.Parse(v) : null;

    private string? Text(string key) => Arguments.TryGetValue(key, out string? v) ? v : null;

    private static bool IsInt(string text, int min) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min;

    private static bool IsNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
