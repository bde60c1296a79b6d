using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Optimizers;

namespace Compiled.Training;

/// <summary>
/// The training loop: per epoch a seeded shuffle, then for each mini-batch
/// <c>TrainStep</c> (forward, loss, backward) → NaN/Inf guard → <c>optimizer.StepAndZeroGradients(Parameters, Gradients)</c>
/// (the update and the zeroing in one pass over the buffers);
/// after the epoch an optional validation pass, a printed line and the callbacks.
/// </summary>
/// <remarks>
/// Deterministic for a fixed network seed, shuffle seed and thread count. Nothing is allocated per batch
/// (the batch buffers, the optimizer state and the evaluation buffer are made once).
/// <c>ZeroGradients</c> is called once before the first batch; after that the optimizer's fused pass leaves
/// <c>Gradients</c> zeroed after every step, bitwise the same as <c>Step</c> followed by <c>ZeroGradients</c>.
/// </remarks>
public sealed class Trainer
{
    public Trainer(ITrainableNetwork network, Optimizer optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new TrainerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Epochs, "options.Epochs");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, "options.BatchSize");
        Network = network;
        Optimizer = optimizer;
        Options = options;
    }

    public ITrainableNetwork Network { get; }
    public Optimizer Optimizer { get; }
    public TrainerOptions Options { get; }

    /// <summary>Trains on <paramref name="train"/> for <see cref="TrainerOptions.Epochs"/> epochs, evaluating <paramref name="validation"/> after each.</summary>
    /// <exception cref="NonFiniteException">The loss or a gradient became NaN or infinite.</exception>
    public TrainingHistory Fit(Dataset train, Dataset? validation = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        RequireFits(train, nameof(train));
        if (validation is not null) RequireFits(validation, nameof(validation));

        ITrainableNetwork net = Network;
        var history = new TrainingHistory();
        var context = new TrainingContext(net, Optimizer, Options, history);
        var batches = new BatchIterator(train, Options.BatchSize, Options.Shuffle, Options.Seed);
        var evaluator = new Evaluator(Options.EvaluationBatchSize);
        TextWriter? output = Options.Output;
        ProgressBar? bar = output is not null && ShowBar(output) ? new ProgressBar(output) : null;
        var outputs = net as ITrainingOutputs;
        int classes = net.OutputLength;

        net.ZeroGradients();
        for (int epoch = 1; epoch <= Options.Epochs; epoch++)
        {
            context.Epoch = epoch;
            foreach (ITrainingCallback callback in Options.Callbacks) callback.OnEpochStart(context);
            float learningRate = Optimizer.LearningRate;
            long start = Stopwatch.GetTimestamp();
            double lossSum = 0;
            int seen = 0;
            int correct = 0;

            foreach (Batch batch in batches.Epoch(epoch - 1))
            {
                float loss = net.TrainStep(batch.Inputs, batch.Labels, batch.Size);
                if (Options.CheckFinite) Guard(loss, epoch, batch.Index);
                if (outputs is not null)
                    correct += Accuracy.CountCorrect(outputs.LastOutputs, batch.Labels, batch.Size, classes);
                Optimizer.StepAndZeroGradients(net.Parameters, net.Gradients);
                lossSum += (double)loss * batch.Size;
                seen += batch.Size;
                bar?.Update(epoch, Options.Epochs, batch.Index + 1, batches.BatchCount, lossSum / seen,
                    outputs is null ? null : correct / (double)seen, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            double trainSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

            EvaluationResult? checkup = validation is null ? null : evaluator.Evaluate(net, validation);
            var record = new EpochRecord(
                epoch,
                lossSum / seen,
                outputs is null ? null : correct / (double)seen,
                checkup?.Loss,
                checkup?.Accuracy,
                learningRate,
                trainSeconds,
                Stopwatch.GetElapsedTime(start).TotalSeconds,
                seen);
            history.Add(record);
            if (output is not null)
            {
                bar?.Clear();
                output.WriteLine(FormatLine(record, Options.Epochs));
                output.Flush();
            }
            foreach (ITrainingCallback callback in Options.Callbacks) callback.OnEpochEnd(context, record);
            if (context.StopRequested) break;
        }
        return history;
    }

    /// <summary>The per-epoch line, e.g. <c>epoch  3/10  loss 0.0412  acc 98.71%  val loss 0.0398  val acc 98.80%  lr 0.01  4.2 s</c>.</summary>
    public static string FormatLine(EpochRecord r, int epochs)
    {
        int digits = epochs.ToString(CultureInfo.InvariantCulture).Length;
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"epoch {r.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(digits)}/{epochs}  loss {r.TrainLoss:F4}");
        if (r.TrainAccuracy is double acc) text.Append(CultureInfo.InvariantCulture, $"  acc {acc * 100:F2}%");
        if (r.ValidationLoss is double vl && !double.IsNaN(vl)) text.Append(CultureInfo.InvariantCulture, $"  val loss {vl:F4}");
        if (r.ValidationAccuracy is double va) text.Append(CultureInfo.InvariantCulture, $"  val acc {va * 100:F2}%");
        text.Append(CultureInfo.InvariantCulture, $"  lr {r.LearningRate:G4}  {r.TrainSeconds:F2} s");
        return text.ToString();
    }

    private void RequireFits(Dataset data, string name)
    {
        if (data.SampleLength != Network.InputLength)
            throw new ArgumentException($"The network takes {Network.InputLength} floats per sample; the {name} samples [{string.Join(", ", data.SampleShape)}] have {data.SampleLength}.", name);
        if (data.ClassCount > Network.OutputLength)
            throw new ArgumentException($"The {name} labels go up to {data.ClassCount - 1} but the network has {Network.OutputLength} outputs.", name);
    }

    private bool ShowBar(TextWriter output) => Options.Progress switch
    {
        ProgressDisplay.Bar => true,
        ProgressDisplay.EpochLines => false,
        _ => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected,
    };

    // Stops before the optimizer step, so the parameters still hold the last finite values.
    private void Guard(float loss, int epoch, int batch)
    {
        float[] gradients = Network.Gradients;
        int bad = FiniteCheck.IndexOfNonFinite(gradients);
        if (float.IsFinite(loss) && bad < 0) return;

        string where = $"at epoch {epoch}, batch {batch}";
        string lossText = float.IsFinite(loss) ? $"the loss is {loss.ToString("G6", CultureInfo.InvariantCulture)}" : $"the loss is {Show(loss)}";
        // A non-finite parameter (set by hand, loaded, or transferred) is the cause when there is one: name it first.
        // Otherwise name the first non-finite gradient.
        string what = "parameter";
        float[] buffer = Network.Parameters;
        int badParameter = FiniteCheck.IndexOfNonFinite(buffer);
        if (badParameter >= 0)
        {
            bad = badParameter;
        }
        else
        {
            what = "gradient";
            buffer = gradients;
        }
        ParameterInfo? parameter = bad < 0 ? null : FiniteCheck.FindParameter(Network.ParameterTable, bad);
        string message = parameter is null
            ? $"Training diverged {where}: {lossText}; every gradient and parameter is finite, so the outputs overflowed. Lower the learning rate or check the inputs for NaN/Inf."
            : $"Training diverged {where}: {lossText}; the first non-finite {what} is in layer '{parameter.Layer}', {FiniteCheck.Describe(parameter, bad)} = {Show(buffer[bad])}. Lower the learning rate or check the inputs for NaN/Inf.";
        throw new NonFiniteException(message, epoch, batch, loss, parameter?.Layer, parameter?.Name, bad);
    }

    private static string Show(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}
