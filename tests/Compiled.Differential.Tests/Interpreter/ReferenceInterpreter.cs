using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Differential.Tests.Declarations;
using Compiled.Kernels;
using Compiled.Kernels.Reference;

namespace Compiled.Differential.Tests.Interpreter;

/// <summary>
/// A parameter tensor the interpreter expects: PyTorch name and shape, the operation it belongs to (<see cref="SpecGraph"/>),
/// its layer, and what <c>Init.Default</c> resolves to for it (He normal when the next activation along its first
/// consumers, past pools, Flatten and joins, is ReLU-family; Xavier uniform otherwise).
/// </summary>
internal sealed record ExpectedParameter(string Name, int Layer, int[] Shape, LayerSpec Spec, string DefaultInit)
{
    public int Length => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>What one forward (and optionally backward) pass of the interpreter produced.</summary>
internal sealed class InterpreterResult
{
    public required double[] Output { get; init; }
    /// <summary>Softmax / sigmoid / identity of <see cref="Output"/>, as the head's Predict defines it.</summary>
    public required double[] Prediction { get; init; }
    public double Loss { get; set; }
    public Dictionary<string, double[]> Gradients { get; } = new(StringComparer.Ordinal);
    /// <summary>
    /// The smallest distance, relative to its tensor's scale, of any value to a point where the model is not
    /// differentiable (an activation's kink, a max-pool tie, a hinge margin). Below ~1e-4 float rounding may cross it.
    /// </summary>
    public double KinkMargin { get; set; } = double.PositiveInfinity;
    /// <summary>
    /// A value exactly at a kink (a ReLU-family input of exactly 0, say after a zero-initialized layer; a max-pool tie;
    /// a hinge term exactly 0). Float computes those exactly too, but a finite-difference step crosses them.
    /// </summary>
    public bool ExactKink { get; set; }
    /// <summary>How many values were measured for <see cref="KinkMargin"/>: with millions, some lie near a kink whatever the input.</summary>
    public long KinkValues { get; set; }
    /// <summary>
    /// The largest max|x|·invStd over the channels of every training-mode batch norm (1 without one): how much such a
    /// batch norm magnifies its input's float rounding (about ε·max|x|) relative to its normalized output. About 2 to 4
    /// for a batch that spreads its values; hundreds when a channel is (nearly) constant over the batch, and σ falls to √eps.
    /// </summary>
    public double BatchNormConditioning { get; set; } = 1;
    /// <summary>
    /// Per parameter entry, the sum of the magnitudes of the terms its gradient adds up, with each term's own rounding
    /// carried back from the loss: the backward run again on magnitudes (|x|, |W|, the batch norm's three terms each taken
    /// in absolute value, see <see cref="BatchNormMagnitudes"/>). A float gradient is accurate relative to this, not to its
    /// result: where terms cancel (a bias before a sigmoid into a training-mode batch norm, whose dx sums to 0; a weight
    /// whose every effect a batch norm removes but through eps) the gradient is a small difference of large terms. Without a
    /// batch norm behind it, a dense or convolution bias's entry is Σ|dy| over the batch and its channel's positions.
    /// </summary>
    public Dictionary<string, double[]> TermMagnitudes { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per output entry, the sum of the magnitudes of the terms the last Dense or Conv2D layer adds up for it (|b| + Σ|w·x|),
    /// carried through the activations after it (times their largest slope); null when another kind of layer comes last. A
    /// float output is accurate relative to this, not to its result: a dense layer over constant activations (a
    /// zero-initialized layer before it) can give 2.3e-4 as a difference of terms thousands of times larger.
    /// </summary>
    public double[]? OutputTermMagnitudes { get; set; }
}

/// <summary>
/// An independent plain interpreter of a <see cref="NetworkSpec"/> in double precision: this suite's own shape rules
/// (<see cref="SpecShapes"/>) and the scalar reference kernels of Runtime/Kernels/Reference, nothing of the generator.
/// Layer by layer as declared (ReLU before a max pool stays before it), losses as PyTorch defines them.
/// </summary>
internal sealed class ReferenceInterpreter
{
    private readonly NetworkSpec _spec;
    private readonly List<Op> _ops;
    private readonly int[] _outputShape;

    public ReferenceInterpreter(NetworkSpec spec)
    {
        _spec = spec;
        if (SpecShapes.All(spec, out string? why) is null) throw new ArgumentException($"invalid spec ({why}):\n{spec}", nameof(spec));
        _ops = SpecGraph.Lower(spec, out why) ?? throw new ArgumentException($"invalid spec ({why}):\n{spec}", nameof(spec));
        _outputShape = _ops[^1].OutShape;
        var parameters = new List<ExpectedParameter>();
        for (int i = 0; i < _ops.Count; i++)
        {
            Op op = _ops[i];
            if (op.Layer is not { } layer) continue;
            int[] input = op.InShape;
            string init = DefaultInit(i);
            if (layer.Kind == SpecKind.Dense)
                parameters.Add(new ExpectedParameter(op.Name + ".weight", i, new[] { layer.Size, SpecShapes.Length(input) }, layer, init));
            else if (layer.Kind == SpecKind.Conv2D)
                parameters.Add(new ExpectedParameter(op.Name + ".weight", i, new[] { layer.Size, input[0] / layer.ConvGroups, layer.ConvKernel, layer.ConvKernelWidth }, layer, init));
            else if (layer.Kind == SpecKind.BatchNorm)
            {
                parameters.Add(new ExpectedParameter(op.Name + ".weight", i, new[] { input[0] }, layer, init));
                parameters.Add(new ExpectedParameter(op.Name + ".bias", i, new[] { input[0] }, layer, init));
                continue;
            }
            else continue;
            if (layer.Bias) parameters.Add(new ExpectedParameter(op.Name + ".bias", i, new[] { layer.Size }, layer, init));
        }
        Parameters = parameters;
    }

    /// <summary>Init.Default of the layer at op <paramref name="index"/>: follow the first reader past pools, Flatten and joins.</summary>
    private string DefaultInit(int index)
    {
        for (int at = index; ;)
        {
            int next = _ops.FindIndex(o => o.Inputs.Contains(at));
            if (next < 0) return "XavierUniform";
            Op op = _ops[next];
            if (op.Layer is { Kind: SpecKind.ReLU or SpecKind.LeakyReLU or SpecKind.ELU }) return "HeNormal";
            if (op.Layer is { Kind: SpecKind.MaxPool or SpecKind.AvgPool or SpecKind.Flatten or SpecKind.GlobalAvgPool or SpecKind.LocalResponseNorm
                    or SpecKind.Dropout or SpecKind.Dropout2d or SpecKind.BatchNorm } || op.Kind != OpKind.Layer)
            {
                at = next;
                continue;
            }
            return "XavierUniform";
        }
    }

    public IReadOnlyList<ExpectedParameter> Parameters { get; }

    /// <summary>
    /// Batch norm's running statistics by state name (<c>bn1.running_mean</c>, <c>bn1.running_var</c>), which evaluation
    /// mode normalizes with; the checker sets them to the networks' own.
    /// </summary>
    public Dictionary<string, double[]> State { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The biases whose every effect on the loss a training-mode batch norm removes, so their gradient in training is zero in
    /// exact arithmetic, and in float the residue of that cancellation, amplified by 1/σ of the batch, is all there is
    /// (measured 4e-5 where the other gradients are of order 1). A bias (Dense, Conv2D, or a batch norm's β) adds to its
    /// layer's output the same tangent for every sample, and for a feature map the same at every position of a channel.
    /// That tangent is followed through the graph (<see cref="Tangent"/>): layers linear in it keep it the same for every
    /// sample; a batch norm in training subtracts the batch mean of each feature (per feature: any tangent the same for every
    /// sample) or of each channel over the batch and positions (per channel: only a tangent constant within each channel);
    /// anything else (activations, dropout, LRN, a nonuniform tangent into a max pool) may keep it, and so does the output.
    /// The bias is listed when no tangent reaches the output. The finite-difference check asserts the interpreter's own
    /// gradient of each listed bias is 0, so a wrong rule here shows as a failure. Cancellations that depend on the batch
    /// (a ReLU that keeps every sample on the same side of a feature passes the tangent on unchanged) are not listed; the
    /// checker finds those entries by their double gradient instead.
    /// </summary>
    public HashSet<string> BiasesCancelledByBatchNorm
    {
        get
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < _ops.Count; i++)
            {
                bool isBias = _ops[i].Layer is { Kind: SpecKind.Dense or SpecKind.Conv2D, Bias: true } or { Kind: SpecKind.BatchNorm };
                if (isBias && CancelledFrom(i)) names.Add(_ops[i].Name + ".bias");
            }
            return names;
        }
    }

    /// <summary>
    /// What a bias's tangent is at an op's output, from least to most general: none; the same for every sample and constant
    /// within each channel of a feature map; the same for every sample; anything.
    /// </summary>
    private enum Tangent { None, ChannelConstant, BatchConstant, Any }

    private bool CancelledFrom(int source)
    {
        var at = new Tangent[_ops.Count];
        at[source] = _ops[source].OutShape.Length == 3 ? Tangent.ChannelConstant : Tangent.BatchConstant;
        for (int i = source + 1; i < _ops.Count; i++)
        {
            Op op = _ops[i];
            Tangent input = Tangent.None;
            foreach (int from in op.Inputs)
            {
                if (from >= 0 && at[from] > input) input = at[from];
            }
            at[i] = input == Tangent.None ? Tangent.None : Through(i, input);
        }
        return at[^1] == Tangent.None;
    }

    private Tangent Through(int index, Tangent t)
    {
        Op op = _ops[index];
        if (t == Tangent.Any) return Tangent.Any;
        // A sum or concatenation: each part as it came (the join above took the most general).
        if (op.Kind != OpKind.Layer) return t;
        LayerSpec layer = op.Layer!;
        bool toVector = op.OutShape.Length == 1;
        switch (layer.Kind)
        {
            case SpecKind.BatchNorm:
                // Per feature: a tangent the same for every sample shifts each feature's batch mean by itself. Per channel:
                // only a tangent constant over the channel's positions is its mean over the batch and positions.
                return op.InShape.Length == 1 || t == Tangent.ChannelConstant ? Tangent.None : Tangent.Any;
            case SpecKind.Dense:
                return Tangent.BatchConstant; // W·t, the same for every sample
            case SpecKind.Flatten:
            case SpecKind.GlobalAvgPool:
                return toVector ? Tangent.BatchConstant : t;
            case SpecKind.Conv2D:
            {
                // Unpadded, every output position sums the same taps over a constant tangent; padding leaves out some at the border.
                (int top, int bottom, int left, int right) = SpecShapes.ConvPadding(layer, op.InShape[1], op.InShape[2]);
                return t == Tangent.ChannelConstant && top == 0 && bottom == 0 && left == 0 && right == 0 ? Tangent.ChannelConstant : Tangent.BatchConstant;
            }
            case SpecKind.AvgPool:
                // The mean of a constant over the window, unless the divisor counts padding.
                return t == Tangent.ChannelConstant && (layer.PoolPad == 0 && layer.PoolPadWidth == 0 || layer.CountIncludePad == false) ? Tangent.ChannelConstant : Tangent.BatchConstant;
            case SpecKind.MaxPool:
                // max(x + c) = max(x) + c for a constant c; a varying tangent follows each sample's own maximum.
                return t == Tangent.ChannelConstant ? Tangent.ChannelConstant : Tangent.Any;
            default:
                return Tangent.Any; // activations, dropout (a mask per sample), LRN
        }
    }

    /// <summary>Whether some layer differs between training and evaluation.</summary>
    public bool HasModes => _ops.Any(o => o.Layer is { HasModes: true });

    /// <summary>Whether a training-mode pass over <paramref name="n"/> samples has a batch norm with at most one value per channel (PyTorch and the network refuse it).</summary>
    public bool TrainingRefused(int n)
    {
        foreach (Op op in _ops)
        {
            if (op.Layer is not { Kind: SpecKind.BatchNorm }) continue;
            int[] s = op.InShape;
            if ((long)n * (s.Length == 3 ? s[1] * s[2] : 1) <= 1) return true;
        }
        return false;
    }

    /// <summary>
    /// The dropout mask this suite installs in the networks (their test hook) and uses itself: the kernel's counter-based
    /// stream with a seed from the layer's name and step 0, so it depends on the layer and the sample only.
    /// </summary>
    public static void DropoutMask<T>(string layer, int firstSample, int count, int sampleLength, double rate, Span<T> mask)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        ulong seed = 1469598103934665603UL;
        foreach (char ch in layer) seed = (seed ^ ch) * 1099511628211UL;
        DropoutReference.Mask(seed, 0, firstSample, count, sampleLength, rate, mask);
    }

    /// <summary>The dropout layers: full name, elements of one sample's mask (the whole tensor for Dropout, the channels for Dropout2d), rate.</summary>
    public IEnumerable<(string Name, int Length, double Rate)> DropoutLayers()
    {
        foreach (Op op in _ops)
        {
            if (op.Layer is { Kind: SpecKind.Dropout or SpecKind.Dropout2d } layer) yield return (op.Name, MaskLength(op), layer.Rate!.Value);
        }
    }

    private static int MaskLength(Op op) => op.Layer!.Kind == SpecKind.Dropout2d ? op.InShape[0] : SpecShapes.Length(op.InShape);
    public int InputLength => SpecShapes.Length(_spec.Input);
    public int OutputLength => SpecShapes.Length(_outputShape);

    /// <summary>Forward; with labels or targets (per the head) also the mean loss and every parameter's gradient.</summary>
    /// <remarks>Training mode (batch statistics, dropout masks) when <paramref name="training"/> (default: with the backward pass), else evaluation (running statistics, no dropout).</remarks>
    public InterpreterResult Run(IReadOnlyDictionary<string, double[]> parameters, double[] input, int n, int[]? labels, double[]? targets, bool backward, bool? training = null)
    {
        bool train = training ?? backward;
        var masks = new double[_ops.Count][];
        var means = new double[_ops.Count][];
        var invStds = new double[_ops.Count][];
        int count = _ops.Count;
        var activations = new double[count][];
        var argmax = new int[count][];
        double margin = double.PositiveInfinity;
        bool exact = false;
        long kinkValues = 0;
        double conditioning = 1;
        for (int i = 0; i < count; i++)
        {
            Op op = _ops[i];
            double[] x = op.Inputs[0] < 0 ? input : activations[op.Inputs[0]];
            var y = new double[n * SpecShapes.Length(op.OutShape)];
            if (op.Kind == OpKind.Add)
            {
                double[] b = op.Inputs[1] < 0 ? input : activations[op.Inputs[1]];
                for (int e = 0; e < y.Length; e++) y[e] = x[e] + b[e];
                activations[i] = y;
                continue;
            }
            if (op.Kind == OpKind.Concat)
            {
                int total = SpecShapes.Length(op.OutShape), offset = 0;
                for (int k = 0; k < op.Inputs.Length; k++)
                {
                    double[] part = op.Inputs[k] < 0 ? input : activations[op.Inputs[k]];
                    int length = SpecShapes.Length(op.InShapes[k]);
                    for (int sample = 0; sample < n; sample++) Array.Copy(part, sample * length, y, sample * total + offset, length);
                    offset += length;
                }
                activations[i] = y;
                continue;
            }
            LayerSpec layer = op.Layer!;
            int[] inShape = op.InShape, outShape = op.OutShape;
            switch (layer.Kind)
            {
                case SpecKind.Dense:
                    DenseReference.Forward<double>(x, parameters[op.Name + ".weight"], Bias(parameters, i), y, n, SpecShapes.Length(inShape), layer.Size);
                    break;
                case SpecKind.Conv2D:
                    Conv2DReference.Forward<double>(ConvGeometry(i), x, parameters[op.Name + ".weight"], Bias(parameters, i), y, n);
                    break;
                case SpecKind.MaxPool:
                    argmax[i] = new int[y.Length];
                    PoolReference.MaxForward<double>(PoolGeometry(i), x, y, argmax[i], n);
                    margin = Math.Min(margin, PoolTieMargin(PoolGeometry(i), x, n, ref exact));
                    kinkValues += x.Length;
                    break;
                case SpecKind.AvgPool:
                    PoolReference.AvgForward<double>(PoolGeometry(i), x, y, n);
                    break;
                case SpecKind.Flatten:
                    x.CopyTo(y, 0);
                    break;
                case SpecKind.ReLU:
                    ActivationReference.Relu<double>(x, y);
                    margin = Math.Min(margin, ZeroMargin(x, ref exact));
                    kinkValues += x.Length;
                    break;
                case SpecKind.LeakyReLU:
                    ActivationReference.LeakyRelu<double>(x, y, layer.Slope);
                    margin = Math.Min(margin, ZeroMargin(x, ref exact));
                    kinkValues += x.Length;
                    break;
                case SpecKind.ELU:
                    ActivationReference.Elu<double>(x, y, layer.Alpha);
                    margin = Math.Min(margin, ZeroMargin(x, ref exact));
                    kinkValues += x.Length;
                    break;
                case SpecKind.Sigmoid:
                    ActivationReference.Sigmoid<double>(x, y);
                    break;
                case SpecKind.Tanh:
                    ActivationReference.Tanh<double>(x, y);
                    break;
                case SpecKind.GlobalAvgPool:
                    GlobalAvgPoolReference.Forward<double>(x, y, n, inShape[0], inShape[1] * inShape[2]);
                    break;
                case SpecKind.LocalResponseNorm:
                    LocalResponseNormReference.Forward<double>(x, y, n, inShape[0], inShape[1] * inShape[2], layer.Size, (float)layer.LrnAlpha, 0.75, 1.0);
                    break;
                case SpecKind.Dropout:
                case SpecKind.Dropout2d:
                    if (!train)
                    {
                        x.CopyTo(y, 0);
                        break;
                    }
                    masks[i] = new double[n * MaskLength(op)];
                    DropoutMask<double>(op.Name, 0, n, MaskLength(op), layer.Rate!.Value, masks[i]);
                    if (layer.Kind == SpecKind.Dropout) DropoutReference.Forward<double>(x, masks[i], y);
                    else DropoutReference.Channel<double>(x, masks[i], y, n, inShape[0], inShape[1] * inShape[2], accumulate: false);
                    break;
                case SpecKind.BatchNorm:
                {
                    int channels = inShape[0], spatial = inShape.Length == 3 ? inShape[1] * inShape[2] : 1;
                    double[] gamma = parameters[op.Name + ".weight"], beta = parameters[op.Name + ".bias"];
                    if (!train)
                    {
                        BatchNormReference.EvaluationForward<double>(x, gamma, beta, State[op.Name + ".running_mean"], State[op.Name + ".running_var"], (double)1e-5f, y, n, channels, spatial);
                        break;
                    }
                    means[i] = new double[channels];
                    invStds[i] = new double[channels];
                    var runningMean = new double[channels];
                    var runningVar = new double[channels];
                    long tracked = 0;
                    BatchNormReference.TrainingForward<double>(x, gamma, beta, y, means[i], invStds[i], runningMean, runningVar, n, channels, spatial, layer.Momentum, (double)1e-5f, ref tracked);
                    for (int c = 0; c < channels; c++)
                    {
                        double largest = 0;
                        for (int s = 0; s < n; s++)
                        for (int e = 0; e < spatial; e++) largest = Math.Max(largest, Math.Abs(x[(s * channels + c) * spatial + e]));
                        conditioning = Math.Max(conditioning, largest * invStds[i][c]);
                    }
                    break;
                }
            }
            activations[i] = y;
        }

        double[] output = activations[count - 1];
        int outputs = OutputLength;
        var prediction = new double[output.Length];
        switch (_spec.Head)
        {
            case HeadSpec.SoftmaxCrossEntropy:
                LossReference.Softmax<double>(output, prediction, n, outputs);
                break;
            case HeadSpec.SigmoidBinaryCrossEntropy:
                ActivationReference.Sigmoid<double>(output, prediction);
                break;
            default:
                output.CopyTo(prediction, 0);
                break;
        }
        var result = new InterpreterResult { Output = output, Prediction = prediction };
        if (_spec.Head == HeadSpec.MultiClassHinge && labels is not null) margin = Math.Min(margin, HingeMargin(output, labels, n, outputs, ref exact));
        result.KinkMargin = margin;
        result.ExactKink = exact;
        result.BatchNormConditioning = conditioning;
        result.KinkValues = kinkValues + (_spec.Head == HeadSpec.MultiClassHinge ? output.Length : 0);
        result.OutputTermMagnitudes = OutputTermMagnitudes(parameters, input, activations, n, train);
        if (!backward) return result;

        // The head: mean loss and its gradient with respect to the outputs.
        var delta = new double[output.Length];
        double all = n * (double)outputs;
        result.Loss = _spec.Head switch
        {
            HeadSpec.SoftmaxCrossEntropy when labels is not null => LossReference.SoftmaxCrossEntropy<double>(output, labels, delta, n, outputs, 1.0 / n) / n,
            HeadSpec.SoftmaxCrossEntropy => LossReference.SoftmaxCrossEntropy<double>(output, targets!, delta, n, outputs, 1.0 / n) / n,
            HeadSpec.SigmoidBinaryCrossEntropy => LossReference.SigmoidBinaryCrossEntropy<double>(output, targets!, delta, output.Length, 1.0 / all) / all,
            HeadSpec.MeanSquaredError => LossReference.MeanSquaredError<double>(output, targets!, delta, output.Length, 1.0 / all) / all,
            HeadSpec.MultiClassHinge => LossReference.MultiClassHinge<double>(output, labels!, delta, n, outputs, _spec.HingeMargin, 1.0 / n) / n,
            _ => throw new InvalidOperationException("no loss head"),
        };

        foreach (ExpectedParameter p in Parameters) result.Gradients[p.Name] = new double[p.Length];
        // Backward in reverse order: each op's output gradient is the sum of what its readers handed it.
        foreach (ExpectedParameter p in Parameters) result.TermMagnitudes[p.Name] = new double[p.Length];
        var deltas = new double[count][];
        var magnitudes = new double[count][];
        deltas[count - 1] = delta;
        magnitudes[count - 1] = Absolute(delta);
        void Give(int to, double[] dx, double[] magnitude)
        {
            if (to < 0) return;
            if (deltas[to] is null)
            {
                deltas[to] = dx;
                magnitudes[to] = magnitude;
                return;
            }
            for (int e = 0; e < dx.Length; e++)
            {
                deltas[to][e] += dx[e];
                magnitudes[to][e] += magnitude[e];
            }
        }
        for (int i = count - 1; i >= 0; i--)
        {
            Op op = _ops[i];
            double[]? dy = deltas[i];
            if (dy is null) continue;
            double[] dyMagnitude = magnitudes[i];
            if (op.Kind == OpKind.Add)
            {
                Give(op.Inputs[0], (double[])dy.Clone(), (double[])dyMagnitude.Clone());
                Give(op.Inputs[1], (double[])dy.Clone(), (double[])dyMagnitude.Clone());
                continue;
            }
            if (op.Kind == OpKind.Concat)
            {
                int total = SpecShapes.Length(op.OutShape), offset = 0;
                for (int k = 0; k < op.Inputs.Length; k++)
                {
                    int length = SpecShapes.Length(op.InShapes[k]);
                    var part = new double[n * length];
                    var partMagnitude = new double[n * length];
                    for (int sample = 0; sample < n; sample++)
                    {
                        Array.Copy(dy, sample * total + offset, part, sample * length, length);
                        Array.Copy(dyMagnitude, sample * total + offset, partMagnitude, sample * length, length);
                    }
                    Give(op.Inputs[k], part, partMagnitude);
                    offset += length;
                }
                continue;
            }
            LayerSpec layer = op.Layer!;
            double[] x = op.Inputs[0] < 0 ? input : activations[op.Inputs[0]], y = activations[i];
            var dx = new double[x.Length];
            double[] dxMagnitude = BackwardMagnitudes(i, x, y, dyMagnitude, parameters, means[i], invStds[i], masks[i], argmax[i], n, result.TermMagnitudes);
            switch (layer.Kind)
            {
                case SpecKind.Dense:
                    DenseReference.Backward<double>(x, parameters[op.Name + ".weight"], dy, dx, result.Gradients[op.Name + ".weight"],
                        layer.Bias ? result.Gradients[op.Name + ".bias"] : Span<double>.Empty, n, SpecShapes.Length(op.InShape), layer.Size);
                    break;
                case SpecKind.Conv2D:
                    Conv2DReference.Backward<double>(ConvGeometry(i), x, parameters[op.Name + ".weight"], dy, dx, result.Gradients[op.Name + ".weight"],
                        layer.Bias ? result.Gradients[op.Name + ".bias"] : Span<double>.Empty, n);
                    break;
                default:
                    ParameterFreeBackward(i, x, y, dy, dx, masks[i], argmax[i], n);
                    break;
                case SpecKind.BatchNorm:
                {
                    int[] s2 = op.InShape;
                    BatchNormReference.Backward<double>(x, dy, parameters[op.Name + ".weight"], means[i], invStds[i], dx,
                        result.Gradients[op.Name + ".weight"], result.Gradients[op.Name + ".bias"], n, s2[0], s2.Length == 3 ? s2[1] * s2[2] : 1);
                    break;
                }
            }
            Give(op.Inputs[0], dx, dxMagnitude);
        }
        return result;
    }

    /// <summary>
    /// One op's backward on magnitudes (<see cref="InterpreterResult.TermMagnitudes"/>): what its input gradient's terms
    /// add up to in absolute value, given its output gradient's (<paramref name="dy"/>), and its parameters' entries added
    /// to <paramref name="terms"/>. Dense and Conv2D run their reference backward on |x| and |W|; layers without parameters
    /// their own backward, taken in absolute value (an activation's derivative's magnitude); a batch norm's three terms add
    /// up in absolute value.
    /// </summary>
    private double[] BackwardMagnitudes(int i, double[] x, double[] y, double[] dy, IReadOnlyDictionary<string, double[]> parameters, double[]? mean, double[]? invStd,
        double[]? mask, int[]? argmax, int n, Dictionary<string, double[]> terms)
    {
        Op op = _ops[i];
        LayerSpec layer = op.Layer!;
        var dx = new double[x.Length];
        Span<double> bias = layer.Bias && layer.Kind is SpecKind.Dense or SpecKind.Conv2D ? terms[op.Name + ".bias"] : Span<double>.Empty;
        switch (layer.Kind)
        {
            case SpecKind.Dense:
                DenseReference.Backward<double>(Absolute(x), Absolute(parameters[op.Name + ".weight"]), dy, dx, terms[op.Name + ".weight"], bias, n, SpecShapes.Length(op.InShape), layer.Size);
                return dx;
            case SpecKind.Conv2D:
                Conv2DReference.Backward<double>(ConvGeometry(i), Absolute(x), Absolute(parameters[op.Name + ".weight"]), dy, dx, terms[op.Name + ".weight"], bias, n);
                return dx;
            case SpecKind.BatchNorm:
            {
                int[] s = op.InShape;
                BatchNormMagnitudes(x, dy, parameters[op.Name + ".weight"], mean!, invStd!, dx, terms[op.Name + ".weight"], terms[op.Name + ".bias"], n, s[0], s.Length == 3 ? s[1] * s[2] : 1);
                return dx;
            }
        }
        ParameterFreeBackward(i, x, y, dy, dx, mask, argmax, n);
        for (int e = 0; e < dx.Length; e++) dx[e] = Math.Abs(dx[e]);
        return dx;
    }

    /// <summary>dx of a layer without parameters (pools, Flatten, activations, LRN, dropout) from its dy; throws for others.</summary>
    private void ParameterFreeBackward(int i, double[] x, double[] y, double[] dy, double[] dx, double[]? mask, int[]? argmax, int n)
    {
        Op op = _ops[i];
        LayerSpec layer = op.Layer!;
        switch (layer.Kind)
        {
            case SpecKind.MaxPool:
                PoolReference.MaxBackward<double>(PoolGeometry(i), dy, argmax, dx, n);
                break;
            case SpecKind.AvgPool:
                PoolReference.AvgBackward<double>(PoolGeometry(i), dy, dx, n);
                break;
            case SpecKind.Flatten:
                dy.CopyTo(dx, 0);
                break;
            case SpecKind.ReLU:
                ActivationReference.ReluBackward<double>(y, dy, dx);
                break;
            case SpecKind.LeakyReLU:
                ActivationReference.LeakyReluBackward<double>(x, dy, dx, layer.Slope);
                break;
            case SpecKind.ELU:
                ActivationReference.EluBackward<double>(x, y, dy, dx, layer.Alpha);
                break;
            case SpecKind.Sigmoid:
                ActivationReference.SigmoidBackward<double>(y, dy, dx);
                break;
            case SpecKind.Tanh:
                ActivationReference.TanhBackward<double>(y, dy, dx);
                break;
            case SpecKind.GlobalAvgPool:
                GlobalAvgPoolReference.Backward<double>(dy, dx, n, op.InShape[0], op.InShape[1] * op.InShape[2], accumulate: false);
                break;
            case SpecKind.LocalResponseNorm:
                LocalResponseNormReference.Backward<double>(x, dy, dx, n, op.InShape[0], op.InShape[1] * op.InShape[2], layer.Size, (float)layer.LrnAlpha, 0.75, 1.0);
                break;
            case SpecKind.Dropout:
                DropoutReference.Backward<double>(dy, mask, dx, accumulate: false);
                break;
            case SpecKind.Dropout2d:
                DropoutReference.Channel<double>(dy, mask, dx, n, op.InShape[0], op.InShape[1] * op.InShape[2], accumulate: false);
                break;
            default:
                throw new InvalidOperationException($"no backward for {layer.Kind}");
        }
    }

    /// <summary>
    /// A training-mode batch norm's backward on magnitudes: dx = γ·invStd/m·(m·dy − Σdy − x̂·Σdy·x̂) with every term and
    /// every sum taken in absolute value (m values per channel), dγ's terms Σ|dy·x̂|, dβ's Σ|dy|. Where the exact dx is
    /// small against these (a channel the batch norm makes independent of what feeds it), float32 keeps only an error of
    /// their order, and every gradient upstream inherits it (Scripts/batchnorm_scalar_input.py).
    /// </summary>
    internal static void BatchNormMagnitudes(ReadOnlySpan<double> x, ReadOnlySpan<double> dy, ReadOnlySpan<double> gamma, ReadOnlySpan<double> mean, ReadOnlySpan<double> invStd,
        Span<double> dx, Span<double> dgamma, Span<double> dbeta, int n, int channels, int spatial)
    {
        double count = n * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int s = 0; s < n; s++)
            for (int k = 0; k < spatial; k++)
            {
                int index = (s * channels + c) * spatial + k;
                sumDy += dy[index];
                sumDyXhat += dy[index] * Math.Abs((x[index] - mean[c]) * invStd[c]);
            }
            dgamma[c] += sumDyXhat;
            dbeta[c] += sumDy;
            for (int s = 0; s < n; s++)
            for (int k = 0; k < spatial; k++)
            {
                int index = (s * channels + c) * spatial + k;
                double xhat = Math.Abs((x[index] - mean[c]) * invStd[c]);
                dx[index] = Math.Abs(gamma[c]) * invStd[c] / count * (count * dy[index] + sumDy + xhat * sumDyXhat);
            }
        }
    }

    private static double[] Absolute(double[] values) => values.Select(Math.Abs).ToArray();

    // InterpreterResult.OutputTermMagnitudes: back from the output through element-wise layers to the last Dense or Conv2D.
    private double[]? OutputTermMagnitudes(IReadOnlyDictionary<string, double[]> parameters, double[] input, double[][] activations, int n, bool train)
    {
        double slope = 1;
        int i = _ops.Count - 1;
        while (i >= 0 && _ops[i].Layer is { } layer && layer.Kind is not (SpecKind.Dense or SpecKind.Conv2D))
        {
            switch (layer.Kind)
            {
                case SpecKind.ReLU or SpecKind.Sigmoid or SpecKind.Tanh or SpecKind.Flatten: break;
                case SpecKind.LeakyReLU: slope *= Math.Max(1, Math.Abs(layer.Slope)); break;
                case SpecKind.ELU: slope *= Math.Max(1, Math.Abs(layer.Alpha)); break;
                case SpecKind.Dropout or SpecKind.Dropout2d when !train: break;
                default: return null;
            }
            if (_ops[i].Inputs[0] < 0) return null;
            i = _ops[i].Inputs[0];
        }
        if (i < 0 || _ops[i].Layer is not { } linear) return null;
        Op op = _ops[i];
        double[] x = (op.Inputs[0] < 0 ? input : activations[op.Inputs[0]]).Select(Math.Abs).ToArray();
        double[] w = parameters[op.Name + ".weight"].Select(Math.Abs).ToArray();
        double[] b = Bias(parameters, i).ToArray().Select(Math.Abs).ToArray();
        var magnitudes = new double[activations[i].Length];
        if (linear.Kind == SpecKind.Dense) DenseReference.Forward<double>(x, w, b, magnitudes, n, SpecShapes.Length(op.InShape), linear.Size);
        else Conv2DReference.Forward<double>(ConvGeometry(i), x, w, b, magnitudes, n);
        if (magnitudes.Length != activations[_ops.Count - 1].Length) return null;
        for (int e = 0; e < magnitudes.Length; e++) magnitudes[e] *= slope;
        return magnitudes;
    }

    private ReadOnlySpan<double> Bias(IReadOnlyDictionary<string, double[]> parameters, int op)
        => _ops[op].Layer!.Bias ? parameters[_ops[op].Name + ".bias"] : ReadOnlySpan<double>.Empty;

    private Conv2DGeometry ConvGeometry(int i)
    {
        LayerSpec layer = _ops[i].Layer!;
        int[] s = _ops[i].InShape;
        (int top, int bottom, int left, int right) = SpecShapes.ConvPadding(layer, s[1], s[2]);
        return new Conv2DGeometry(s[0], s[1], s[2], layer.Size, layer.ConvKernel, layer.ConvKernelWidth, layer.ConvStride, layer.ConvStrideWidth, top, left, bottom, right)
        {
            DilationHeight = layer.DilationHeight,
            DilationWidth = layer.DilationWidthOrHeight,
            Groups = layer.ConvGroups,
        };
    }

    private Pool2DGeometry PoolGeometry(int i)
    {
        int[] s = _ops[i].InShape;
        LayerSpec layer = _ops[i].Layer!;
        return new Pool2DGeometry(s[0], s[1], s[2], layer.Size, layer.PoolWindowWidth, layer.PoolStride, layer.PoolStrideWidth)
        {
            PadHeight = layer.PoolPad,
            PadWidth = layer.PoolPadWidth,
            CeilMode = layer.CeilMode,
            CountIncludePad = layer.CountIncludePad ?? true,
        };
    }

    /// <summary>Smallest nonzero |x| relative to max |x| (exact zeros are structural: float computes them exactly too).</summary>
    private static double ZeroMargin(double[] x, ref bool exact)
    {
        double scale = x.Length == 0 ? 0 : x.Max(Math.Abs);
        double smallest = double.PositiveInfinity;
        foreach (double v in x)
        {
            if (v != 0) smallest = Math.Min(smallest, Math.Abs(v));
            else exact = true;
        }
        if (scale == 0) return double.PositiveInfinity;
        return smallest / scale;
    }

    /// <summary>Smallest gap between a window's maximum and a different runner-up, relative to max |x|.</summary>
    private static double PoolTieMargin(in Pool2DGeometry g, double[] x, int n, ref bool exact)
    {
        double scale = x.Length == 0 ? 0 : x.Max(Math.Abs);
        if (scale == 0)
        {
            exact |= g.WindowHeight * g.WindowWidth > 1;
            return double.PositiveInfinity;
        }
        double smallest = double.PositiveInfinity;
        for (int s = 0; s < n; s++)
        for (int c = 0; c < g.Channels; c++)
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        {
            double first = double.NegativeInfinity, second = double.NegativeInfinity;
            int atFirst = 0;
            // The window clipped to the input (padding never wins, so only input cells can tie).
            int h0 = oh * g.StrideHeight - g.PadHeight, w0 = ow * g.StrideWidth - g.PadWidth;
            for (int h = Math.Max(h0, 0); h < Math.Min(h0 + g.WindowHeight, g.InHeight); h++)
            for (int w = Math.Max(w0, 0); w < Math.Min(w0 + g.WindowWidth, g.InWidth); w++)
            {
                double v = x[s * g.InputLength + (c * g.InHeight + h) * g.InWidth + w];
                if (v > first) { second = first; first = v; atFirst = 1; }
                else if (v == first) atFirst++;
                else if (v > second) second = v;
            }
            if (atFirst > 1) exact = true;
            if (second > double.NegativeInfinity) smallest = Math.Min(smallest, (first - second) / scale);
        }
        return smallest;
    }

    private double HingeMargin(double[] scores, int[] labels, int n, int classes, ref bool exact)
    {
        double scale = _spec.HingeMargin + (scores.Length == 0 ? 0 : scores.Max(Math.Abs));
        double smallest = double.PositiveInfinity;
        for (int i = 0; i < n; i++)
        for (int j = 0; j < classes; j++)
        {
            if (j == labels[i]) continue;
            double z = _spec.HingeMargin - scores[i * classes + labels[i]] + scores[i * classes + j];
            smallest = Math.Min(smallest, Math.Abs(z) / scale);
            if (z == 0) exact = true;
        }
        return smallest;
    }
}
