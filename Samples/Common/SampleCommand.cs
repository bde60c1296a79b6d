using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Linq;

namespace Compiled.Samples;

/// <summary>
/// The sample's command line, declared with System.CommandLine: help (<c>-h</c>, <c>--help</c>), type checks,
/// range checks and error messages come from the library. No reflection, so it is trimming- and NativeAOT-safe.
/// </summary>
public sealed class SampleCommand
{
    /// <summary>Exit code of a command line the parser rejected (the library prints the errors; a line points to --help).</summary>
    public const int UsageError = 2;

    private readonly SampleDefinition _definition;
    private readonly Option<string> _model;
    private readonly Option<int?> _epochs;
    private readonly Option<int?> _batch;
    private readonly Option<float?> _lr;
    private readonly Option<float?> _lrDecay;
    private readonly Option<float?> _weightDecay;
    private readonly Option<string?> _optimizer;
    private readonly Option<float> _momentum = Fraction(new Option<float>("--momentum") { Description = "SGD momentum", HelpName = "X", DefaultValueFactory = _ => 0.9f });
    private readonly Option<int> _seed = NonNegative(new Option<int>("--seed") { Description = "seed of the initialization and the shuffles", HelpName = "N", DefaultValueFactory = _ => 1 });
    private readonly Option<string> _data;
    private readonly Option<int> _threads = NonNegative(new Option<int>("--threads") { Description = "threads; 0: all cores", HelpName = "N", DefaultValueFactory = _ => 0 });
    private readonly Option<int?> _limit = Positive(new Option<int?>("--limit") { Description = "train on the first N training images only (quick runs, CI)", HelpName = "N" });
    private readonly Option<int?> _testLimit = Positive(new Option<int?>("--test-limit") { Description = "test on the first N test images only (quick runs, CI)", HelpName = "N" });
    private readonly Option<int> _validation = NonNegative(new Option<int>("--validation")
    {
        Description = "hold out N training images as a validation set, evaluated after each epoch",
        HelpName = "N",
        DefaultValueFactory = _ => 0,
    });
    private readonly Option<string?> _width = Choice<string?>("--width", "force the SIMD width [default: the widest the CPU accelerates]", null, "512", "256", "128", "scalar");
    private readonly Option<ScheduleSpec?> _schedule;
    private static readonly string s_scheduleHelp =
        string.Join('\n', ScheduleSpec.Kinds.Select(k => $"  {k.Kind}{(k.Keys.Length == 0 ? "" : $":{string.Join(',', k.Keys.Select(key => key + "=.."))}")}  {k.Help}"));
    private readonly Option<AugmentSpec?> _augment;
    private readonly Option<float?> _clipNorm = PositiveNumber(new Option<float?>("--clip-norm")
    {
        Description = "clip the gradients' global L2 norm to X before each step (torch.nn.utils.clip_grad_norm_)",
        HelpName = "X",
    });
    private readonly Option<float?> _l1 = NonNegativeNumber(new Option<float?>("--l1") { Description = "L1 penalty X·Σ|w| on the weights, added to the loss", HelpName = "X" });
    private readonly Option<float?> _l2 = NonNegativeNumber(new Option<float?>("--l2") { Description = "L2 penalty X·Σw² on the weights, added to the loss (Keras convention)", HelpName = "X" });
    private readonly Option<int?> _earlyStopping = Positive(new Option<int?>("--early-stopping")
    {
        Description = "stop when the validation loss has not improved for PATIENCE epochs [default patience: 10] and restore the best weights (needs --validation)",
        HelpName = "PATIENCE",
        Arity = ArgumentArity.ZeroOrOne,
    });
    private readonly Option<string?> _save = new("--save") { Description = "write a checkpoint (parameters, optimizer, schedule, early stopping, epoch) to FILE; {epoch} in FILE keeps one per epoch", HelpName = "FILE" };
    private readonly Option<int> _saveEvery = Positive(new Option<int>("--save-every") { Description = "with --save: every N epochs (and after the last)", HelpName = "N", DefaultValueFactory = _ => 1 });
    private readonly Option<string?> _resume = new("--resume") { Description = "resume from a checkpoint written by --save (same model and options)", HelpName = "FILE" };
    private readonly Option<string?> _loadSafeTensors = new("--load-safetensors")
    {
        Description = "load the parameters from a .safetensors file (PyTorch names, e.g. a state_dict saved by safetensors.torch) before training",
        HelpName = "FILE",
    };
    private readonly Option<string?> _saveSafeTensors = new("--save-safetensors") { Description = "write the trained parameters to a .safetensors file (PyTorch names)", HelpName = "FILE" };
    private readonly Option<bool> _json = new("--json")
    {
        Description = "print one JSON line at the end (model, epochs, seconds_per_epoch, test_accuracy, vector_width, threads, ...)",
    };

    /// <summary>The command line of the sample <paramref name="definition"/> describes (its models, their defaults, its dataset).</summary>
    public SampleCommand(SampleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _definition = definition;
        _model = Choice("--model", "network:\n" + string.Join('\n', definition.Models.Select(m => $"  {m.Name,-10}{m.Title}{(m.Create is null ? " (not available yet)" : "")}")),
            definition.DefaultModel.Name, definition.ModelNames);
        _epochs = Positive(new Option<int?>("--epochs") { Description = $"epochs [default: {PerModel(m => Text(m.Defaults.Epochs))}]", HelpName = "N" });
        _batch = Positive(new Option<int?>("--batch") { Description = $"mini-batch size [default: {PerModel(m => Text(m.Defaults.Batch))}]", HelpName = "N" });
        _lr = PositiveNumber(new Option<float?>("--lr")
        {
            Description = PerModel(m => m.Defaults.LearningRate is float lr ? Text(lr) : null) is { Length: > 0 } rates
                ? $"learning rate [default: {rates} (with the model's optimizer); otherwise the optimizer's, listed under --optimizer]"
                : "learning rate [default: the optimizer's, listed under --optimizer]",
            HelpName = "X",
        });
        _lrDecay = PositiveNumber(new Option<float?>("--lr-decay")
        {
            Description = $"multiply the learning rate by X after every epoch (the default schedule); 1 keeps it constant [default: {PerModel(m => Text(m.Defaults.LearningRateDecay))}]",
            HelpName = "X",
        });
        _weightDecay = Fraction(new Option<float?>("--weight-decay")
        {
            Description = $"weight decay of the optimizer (torch's weight_decay; AdamW's is decoupled) [default: {PerModel(m => Text(m.Defaults.WeightDecay))}; Rprop: none]",
            HelpName = "X",
        });
        _optimizer = Choice<string?>("--optimizer",
            $"optimizer, torch.optim's rule and defaults (L-BFGS and SparseAdam are not offered: full-batch and embedding-only) [default: {PerModel(m => m.Defaults.Optimizer)}]:\n"
                + string.Join('\n', OptimizerChoice.All.Select(o => $"  {o.Name,-9}{o.Help}, lr {Text(o.LearningRate)}")),
            null, OptimizerChoice.Names);
        _data = new Option<string>("--data")
        {
            Description = $"directory with the {definition.DatasetName} IDX files ({definition.FetchScript} fetches them)",
            HelpName = "DIR",
            DefaultValueFactory = _ => definition.DefaultDataDirectory,
        };
        _schedule = new Option<ScheduleSpec?>("--schedule")
        {
            Description = "learning-rate schedule, name[:key=value,...] with PyTorch's argument names "
                + $"[default: {PerModel(m => m.Defaults.Schedule?.ToString() ?? "exponential:gamma=<--lr-decay>")}]:\n" + s_scheduleHelp,
            HelpName = "SPEC",
            CustomParser = result =>
            {
                ScheduleSpec? spec = ScheduleSpec.TryParse(result.Tokens[^1].Value, out string? error);
                if (error is not null) result.AddError(error);
                return spec;
            },
        };
        _augment = new Option<AugmentSpec?>("--augment")
        {
            Description = "augment the training images (never the validation or test ones), torchvision's transforms in this order; "
                + "flip only data whose classes survive a mirror image (clothes, not digits) "
                + $"[default: {PerModel(m => m.Defaults.Augment.ToString())}]:\n" + AugmentSpec.Help,
            HelpName = "SPEC",
            CustomParser = result =>
            {
                AugmentSpec? spec = AugmentSpec.TryParse(result.Tokens[^1].Value, out string? error);
                if (error is not null) result.AddError(error);
                return spec;
            },
        };
        Root = new RootCommand(definition.Description)
        {
            _model, _epochs, _batch, _lr, _lrDecay, _weightDecay, _optimizer, _momentum, _seed, _data, _threads, _limit, _testLimit, _validation,
            _width, _schedule, _augment, _clipNorm, _l1, _l2, _earlyStopping, _save, _saveEvery, _resume, _loadSafeTensors, _saveSafeTensors, _json,
        };
        AddCombinationChecks();
    }

    // Combinations the options cannot check one by one. Values convert lazily: one that does not convert throws here, and
    // its own error (added by its parser) is then the one reported.
    private void AddCombinationChecks()
    {
        Root.Validators.Add(result =>
        {
            try
            {
                if (result.GetResult(_earlyStopping) is { Implicit: false } && result.GetValue(_validation) == 0)
                    result.AddError("--early-stopping watches the validation loss: give --validation N too.");
                if (result.GetValue(_optimizer) == "rprop" && result.GetResult(_weightDecay) is { Implicit: false } && result.GetValue(_weightDecay) > 0)
                    result.AddError("--optimizer rprop takes no --weight-decay (torch.optim.Rprop has none).");
                if (result.GetResult(_saveEvery) is { Implicit: false } && result.GetValue(_save) is null)
                    result.AddError("--save-every needs --save FILE.");
            }
            catch (InvalidOperationException)
            {
                // A value that does not convert: its parser's error is already recorded.
            }
        });
    }

    /// <summary>The command; its help lists every option with its default.</summary>
    public RootCommand Root { get; }

    /// <summary>Parses <paramref name="args"/> (errors land in <see cref="ParseResult.Errors"/>).</summary>
    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args);

    /// <summary>The settings of a parse without errors.</summary>
    public SampleOptions Bind(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Errors.Count > 0)
            throw new ArgumentException($"The command line has errors: {result.Errors[0].Message}", nameof(result));
        SampleModel model = _definition.Model(result.GetValue(_model)!);
        return new SampleOptions
        {
            Model = model.Name,
            Defaults = model.Defaults,
            Epochs = result.GetValue(_epochs),
            Batch = result.GetValue(_batch),
            LearningRate = result.GetValue(_lr),
            LearningRateDecay = result.GetValue(_lrDecay),
            WeightDecay = result.GetValue(_weightDecay),
            Optimizer = result.GetValue(_optimizer) ?? model.Defaults.Optimizer,
            Momentum = result.GetValue(_momentum),
            Seed = result.GetValue(_seed),
            DataDirectory = result.GetValue(_data)!,
            Threads = result.GetValue(_threads),
            Limit = result.GetValue(_limit),
            TestLimit = result.GetValue(_testLimit),
            Validation = result.GetValue(_validation),
            Width = result.GetValue(_width),
            Json = result.GetValue(_json),
            Schedule = result.GetValue(_schedule),
            Augment = result.GetValue(_augment),
            ClipNorm = result.GetValue(_clipNorm),
            L1 = result.GetValue(_l1),
            L2 = result.GetValue(_l2),
            // "--early-stopping" alone means the default patience, 10 epochs (Keras' course default).
            EarlyStoppingPatience = result.GetResult(_earlyStopping) is { Implicit: false } ? result.GetValue(_earlyStopping) ?? 10 : null,
            Save = result.GetValue(_save),
            SaveEvery = result.GetValue(_saveEvery),
            Resume = result.GetValue(_resume),
            LoadSafeTensors = result.GetValue(_loadSafeTensors),
            SaveSafeTensors = result.GetValue(_saveSafeTensors),
        };
    }

    /// <summary>
    /// Parses and runs: <paramref name="run"/> gets the settings when the command line is valid; help prints and exits 0;
    /// errors print with the usage and exit <see cref="UsageError"/>.
    /// </summary>
    public int Invoke(IReadOnlyList<string> args, Func<SampleOptions, int> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Root.SetAction(result => run(Bind(result)));
        ParseResult parsed = Parse(args);
        if (parsed.Action is ParseErrorAction errors) errors.ShowHelp = false;
        int code = parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        if (parsed.Errors.Count == 0) return code;
        Console.Error.WriteLine($"Try '{_definition.ProgramName} --help'.");
        return UsageError;
    }

    // A default as help shows it: "10" when every model has the same, else grouped by value, "15 for lenet, vgg; 20 for
    // resnet" (models for which value gives null are left out, "" when none has one).
    private string PerModel(Func<SampleModel, string?> value)
    {
        var entries = _definition.Models.Select(m => (m.Name, Value: value(m))).Where(e => e.Value is not null).ToList();
        if (entries.Count == _definition.Models.Count && entries.All(e => e.Value == entries[0].Value)) return entries[0].Value!;
        return string.Join("; ", entries.GroupBy(e => e.Value).Select(g => $"{g.Key} for {string.Join(", ", g.Select(e => e.Name))}"));
    }

    private static string Text(float value) => value.ToString("G", CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    // Case-insensitive choice among names, normalized to the listed spelling (help shows them as <a|b>).
    private static Option<T> Choice<T>(string name, string description, T defaultValue, params string[] allowed)
        where T : class?
    {
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = string.Join('|', allowed),
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                string value = result.Tokens[^1].Value;
                foreach (string a in allowed)
                    if (string.Equals(a, value, StringComparison.OrdinalIgnoreCase)) return (T)(object)a;
                result.AddError($"{name} must be one of {string.Join(", ", allowed)}; got '{value}'.");
                return defaultValue;
            },
        };
        return option;
    }

    // Numbers parse in the invariant culture; a value out of range is reported by the library like its own errors.
    private static Option<T> Positive<T>(Option<T> option) => Number(option, x => x > 0, "a whole number > 0", integer: true);

    private static Option<T> NonNegative<T>(Option<T> option) => Number(option, x => x >= 0, "a whole number >= 0", integer: true);

    private static Option<T> PositiveNumber<T>(Option<T> option) => Number(option, x => x > 0, "a number > 0", integer: false);

    private static Option<T> NonNegativeNumber<T>(Option<T> option) => Number(option, x => x >= 0, "a number >= 0", integer: false);

    private static Option<T> Fraction<T>(Option<T> option) => Number(option, x => x is >= 0 and < 1, "a number in [0, 1)", integer: false);

    private static Option<T> Number<T>(Option<T> option, Func<double, bool> valid, string what, bool integer)
    {
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return default; // an optional value left out (--early-stopping)
            string text = result.Tokens[^1].Value;
            double value = double.NaN;
            if (integer && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)) value = n;
            if (!integer && float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f)) value = f;
            if (!double.IsFinite(value) || !valid(value))
            {
                result.AddError($"{option.Name} needs {what}; got '{text}'.");
                return default;
            }
            return integer ? (T)(object)(int)value : (T)(object)(float)value;
        };
        return option;
    }
}
