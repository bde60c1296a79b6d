using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;
using Compiled.Serialization;

namespace Compiled.Optimizers;

/// <summary>
/// An optimizer over a network's single contiguous parameter buffer and its gradient buffer (same layout).
/// Subclasses implement PyTorch's update rules (<c>torch.optim</c>, single-tensor path, 1.13 semantics and defaults) in
/// float, with their state allocated once, lazily, at the first <see cref="Step"/> (no allocation per step after that).
/// </summary>
/// <remarks>
/// <para>
/// Parameters are seen as PyTorch sees them: a list of tensors (<see cref="Parameters"/>, from the network's
/// <see cref="INetwork.ParameterTable"/> via <see cref="SetGroups(IReadOnlyList{ParameterInfo}, ParameterGroupRule[])"/>,
/// or the whole buffer as one tensor), each in a <see cref="ParameterGroup"/> with its learning rate and weight decay,
/// each with its own step count. Each update rule is a routine over one tensor's range of the flat buffers, applied
/// tensor by tensor with its group's settings, so a run matches <c>torch.optim</c> with the same <c>param_groups</c>.
/// Frozen tensors (<see cref="Freeze"/>, <see cref="ParameterGroup.Frozen"/>) are skipped as PyTorch skips parameters
/// without a gradient: no update, no state change, no step counted.
/// </para>
/// <para>
/// The whole state (buffers, step counts, learning rates, per-tensor scalars) is written and read through
/// <see cref="IStateful"/>, so a checkpoint resumes a run bit for bit.
/// </para>
/// </remarks>
public abstract class Optimizer : IStateful
{
    private const string DefaultGroupName = "default";
    private const string KindPrefix = "kind.";

    private string[] _stateNames;
    private readonly string[] _parameterScalarNames;
    private readonly List<ParameterGroup> _groups = new();
    private readonly List<OptimizedParameter> _parameters = new();
    private float[][]? _buffers;
    private bool _namedParameters;
    private float _learningRate;
    private float _weightDecay;
    private string? _momentumName;   // "momentum" (SGD, RMSprop) or "beta1" (the Adam family): what a schedule may set
    private float _momentum;

    /// <param name="learningRate">The default learning rate (every group without its own follows it).</param>
    /// <param name="weightDecay">The default weight decay.</param>
    /// <param name="stateNames">PyTorch's names of the per-element state buffers this configuration keeps, e.g. <c>exp_avg</c>.</param>
    /// <param name="parameterScalarNames">Names of per-tensor scalar state (NAdam's <c>mu_product</c>), or none.</param>
    private protected Optimizer(float learningRate, float weightDecay, string[] stateNames, string[]? parameterScalarNames = null)
    {
        RequireNonNegative(learningRate, nameof(learningRate));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        _learningRate = learningRate;
        _weightDecay = weightDecay;
        _stateNames = stateNames;
        _parameterScalarNames = parameterScalarNames ?? Array.Empty<string>();
        _groups.Add(new ParameterGroup(DefaultGroupName, null, null, false, learningRate, weightDecay));
    }

    /// <summary>
    /// The default learning rate. Setting it sets every group that has no learning rate of its own (all of them unless
    /// groups were given one), as a schedule does; a group with its own rate keeps it (set <see cref="ParameterGroup.LearningRate"/>).
    /// </summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            RequireNonNegative(value, nameof(LearningRate));
            _learningRate = value;
            foreach (ParameterGroup group in _groups) group.Follow(_learningRate, _weightDecay);
        }
    }

    /// <summary>The default weight decay (groups without their own follow it).</summary>
    public float WeightDecay
    {
        get => _weightDecay;
        set
        {
            RequireNonNegative(value, nameof(WeightDecay));
            _weightDecay = value;
            foreach (ParameterGroup group in _groups) group.Follow(_learningRate, _weightDecay);
        }
    }

    /// <summary>The vector width of the updates; null (the default) uses <see cref="Simd.Width"/>. Every width gives the same bits.</summary>
    public VectorWidth? Width
    {
        get => _width;
        set
        {
            if (value is VectorWidth w && !Enum.IsDefined(w))
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not a vector width: use Scalar, V128, V256 or V512 (or null for Simd.Width).");
            _width = value;
        }
    }

    private VectorWidth? _width;

    /// <summary>Calls of <see cref="Step"/> so far (each tensor also counts its own, <see cref="OptimizedParameter.StepCount"/>).</summary>
    public long StepCount { get; private set; }

    /// <summary>Floats the state is sized for: 0 until the first step, then the parameter count.</summary>
    public int ParameterCount { get; private set; }

    /// <summary>The groups, in order; the last is <c>"default"</c> (parameters no rule matched). Never empty.</summary>
    public IReadOnlyList<ParameterGroup> Groups => _groups;

    /// <summary>The parameter tensors (empty until <see cref="SetGroups(IReadOnlyList{ParameterInfo}, ParameterGroupRule[])"/> or the first step).</summary>
    public IReadOnlyList<OptimizedParameter> Parameters => _parameters;

    /// <summary>
    /// True once the network's parameter table was given (<see cref="SetGroups(IReadOnlyList{ParameterInfo}, ParameterGroupRule[])"/>):
    /// tensors can then be frozen by name. A trainer that freezes layers calls <c>SetGroups(network.ParameterTable)</c> when this is false.
    /// </summary>
    public bool HasParameterTable => _namedParameters;

    /// <summary>The names of the per-element state buffers this configuration keeps (PyTorch's state keys).</summary>
    public IReadOnlyList<string> StateNames => _stateNames;

    /// <summary>The live state buffer named <paramref name="name"/> (one float per parameter), or null before the first step.</summary>
    public float[]? StateBuffer(string name)
    {
        int index = Array.IndexOf(_stateNames, name);
        if (index < 0) throw new ArgumentException($"{GetType().Name} keeps no state buffer '{name}' (it keeps: {string.Join(", ", _stateNames)}).", nameof(name));
        return _buffers?[index];
    }

    /// <summary>
    /// Groups the parameters of a network by its <see cref="INetwork.ParameterTable"/>: each rule makes one group, in order,
    /// holding the tensors it matches first; the rest form the last group, <c>"default"</c>. Call before the first step.
    /// With no rules, every tensor is in the default group (PyTorch's <c>optimizer(model.parameters())</c>), and tensors can
    /// then be frozen by name.
    /// </summary>
    /// <exception cref="ArgumentException">A rule matches no tensor, the table overlaps itself, or a setting is negative.</exception>
    /// <remarks>
    /// After the first step, a table without rules can still be given once (to freeze layers of a run that started
    /// without one); every tensor then carries on from the whole buffer's step count and scalars.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The optimizer has already stepped and rules, or a second table, were given (call <see cref="Reset"/> first).</exception>
    public void SetGroups(IReadOnlyList<ParameterInfo> table, params ParameterGroupRule[] rules)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rules);
        // After the first step only the table may be given, to name (and then freeze) the tensors of a run that started
        // without one: every tensor inherits the whole buffer's step count and scalars, so the trajectory is unchanged.
        bool naming = ParameterCount != 0;
        if (naming && (rules.Length > 0 || _namedParameters))
            throw new InvalidOperationException("Groups are set before the first step (after it, only a first parameter table, without rules); call Reset() to start over with new groups.");
        if (!SupportsGroups && rules.Length > 0)
            throw new NotSupportedException($"{GetType().Name} does not support parameter groups (as in PyTorch): give no rules.");
        if (table.Count == 0) throw new ArgumentException("The parameter table is empty.", nameof(table));

        var groups = new List<ParameterGroup>();
        foreach (ParameterGroupRule rule in rules)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(rules));
            if (string.IsNullOrEmpty(rule.Pattern)) throw new ArgumentException("A group rule has an empty pattern.", nameof(rules));
            groups.Add(new ParameterGroup(rule.Pattern, rule.LearningRate, rule.WeightDecay, rule.Frozen, _learningRate, _weightDecay));
        }
        ParameterGroup defaultGroup = naming ? _groups[^1] : new ParameterGroup(DefaultGroupName, null, null, false, _learningRate, _weightDecay);
        groups.Add(defaultGroup);

        var parameters = new List<OptimizedParameter>();
        var used = new bool[rules.Length];
        foreach (ParameterInfo info in table)
        {
            int length = info.Length;
            if (info.Offset < 0 || length <= 0)
                throw new ArgumentException($"Parameter '{info.Name}' has offset {info.Offset} and length {length}.", nameof(table));
            ParameterGroup group = defaultGroup;
            for (int r = 0; r < rules.Length; r++)
            {
                if (info.Layer == rules[r].Pattern || Glob(rules[r].Pattern, info.Name))
                {
                    group = groups[r];
                    used[r] = true;
                    break;
                }
            }
            int rowLength = info.Shape.Length > 1 ? length / info.Shape[0] : 1;
            parameters.Add(new OptimizedParameter(info.Name, info.Layer, info.Offset, length, rowLength, group, _parameterScalarNames.Length));
        }
        for (int r = 0; r < rules.Length; r++)
            if (!used[r]) throw new ArgumentException($"Group rule '{rules[r].Pattern}' matches no parameter (names look like '{table[0].Name}', layers like '{table[0].Layer}').", nameof(rules));
        var sorted = new List<OptimizedParameter>(parameters);
        sorted.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Offset < sorted[i - 1].Offset + sorted[i - 1].Length)
                throw new ArgumentException($"Parameters '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap.", nameof(table));

        if (naming)
        {
            OptimizedParameter whole = _parameters[0];
            foreach (OptimizedParameter p in parameters)
            {
                if (p.Offset + p.Length > ParameterCount)
                    throw new ArgumentException($"Parameter '{p.Name}' ends at {p.Offset + p.Length} but the state is sized for {ParameterCount} floats: the table is not this network's.", nameof(table));
                p.StepCount = whole.StepCount;
                p.Frozen = whole.Frozen;
                whole.Scalars.AsSpan().CopyTo(p.Scalars);
            }
        }
        _groups.Clear();
        _groups.AddRange(groups);
        _parameters.Clear();
        _parameters.AddRange(parameters);
        _namedParameters = true;
        _sorted = null;
    }

    /// <summary>
    /// Freezes (or, with <paramref name="frozen"/> false, unfreezes) every tensor whose layer is <paramref name="pattern"/>
    /// or whose name matches it as a glob: frozen tensors are not updated, keep their state and count no steps.
    /// Returns how many tensors matched. Needs the network's table (<see cref="SetGroups(IReadOnlyList{ParameterInfo}, ParameterGroupRule[])"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">No parameter table was given.</exception>
    /// <exception cref="ArgumentException">The pattern matches no tensor.</exception>
    public int Freeze(string pattern, bool frozen = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        if (!_namedParameters)
            throw new InvalidOperationException("Freezing by name needs the network's parameter table: call SetGroups(network.ParameterTable) first.");
        int count = 0;
        foreach (OptimizedParameter p in _parameters)
        {
            if (p.Layer == pattern || Glob(pattern, p.Name))
            {
                p.Frozen = frozen;
                count++;
            }
        }
        if (count == 0) throw new ArgumentException($"'{pattern}' matches no parameter (names look like '{_parameters[0].Name}').", nameof(pattern));
        return count;
    }

    /// <summary>One update over the flat buffers (PyTorch semantics); state sized lazily to <c>parameters.Length</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ from each other, from the length the state was sized for, or from the parameter table.</exception>
    public virtual void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => Run(parameters, gradients, default);

    /// <summary>
    /// <see cref="Step"/>, then every gradient set to 0 (frozen tensors' too), in one pass over the buffers (each gradient
    /// is read once and overwritten with 0 while its cache line is at hand): what a training loop does after each batch.
    /// The parameters and state end exactly as after <see cref="Step"/>.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Step"/>; nothing is changed then.</exception>
    public virtual void StepAndZeroGradients(Span<float> parameters, Span<float> gradients) => Run(parameters, gradients, gradients);

    // ---- The ranged step (threads each update one range of the buffers, inside a parallel schedule) ----

    /// <summary>
    /// True when a step can be split into ranges of the flat buffers updated independently (<see cref="BeginRangedStep"/>,
    /// <see cref="StepAndZeroGradients(Span{float}, Span{float}, int, int)"/>, <see cref="EndRangedStep"/>): the update rule is
    /// element-wise given the tensor's step count and group settings. False for rules that need values over a whole
    /// tensor or the whole buffer: SparseAdam (whole rows) and L-BFGS; those step after the parallel part, with <see cref="StepAndZeroGradients(Span{float}, Span{float})"/>.
    /// </summary>
    public bool SupportsRangedStep => ElementwiseUpdate;

    /// <summary>
    /// False for update rules that are not element-wise (see <see cref="SupportsRangedStep"/>), and for subclasses that
    /// override <see cref="Step"/> (the ranged path calls <see cref="Update"/> only).
    /// </summary>
    private protected virtual bool ElementwiseUpdate => true;

    private bool _rangedStep;

    /// <summary>
    /// Starts a step that threads then apply range by range: validates the lengths, sizes the state at the first step and
    /// counts the step for the optimizer and for every tensor not frozen, exactly as <see cref="Step"/> does before
    /// updating. Call it on one thread; then <see cref="StepAndZeroGradients(Span{float}, Span{float}, int, int)"/> on
    /// disjoint ranges that cover the buffers (from any threads, after a barrier); then <see cref="EndRangedStep"/>.
    /// Parameters, state and gradients end bitwise as after <see cref="StepAndZeroGradients(Span{float}, Span{float})"/>.
    /// </summary>
    /// <exception cref="NotSupportedException"><see cref="SupportsRangedStep"/> is false.</exception>
    /// <exception cref="ArgumentException">As <see cref="Step"/>; nothing is changed then.</exception>
    public void BeginRangedStep(int parameterLength, int gradientLength)
    {
        if (!SupportsRangedStep)
            throw new NotSupportedException($"{GetType().Name} cannot split a step into ranges (its update needs values over whole tensors); call StepAndZeroGradients over the whole buffers.");
        if (_rangedStep) throw new InvalidOperationException("A ranged step is already open: call EndRangedStep first.");
        BeginStep(parameterLength, gradientLength);
        foreach (OptimizedParameter p in _parameters)
        {
            if (p.IsFrozen) continue;
            p.StepCount++;
            if (p.StepCount == 1) InitializeParameter(p);
            BeginTensorStep(p);
        }
        SortedByOffset();   // built here, once, so the threads only read it
        _rangedStep = true;
    }

    /// <summary>
    /// The part of the open ranged step (<see cref="BeginRangedStep"/>) over the floats <c>[start, start + count)</c>:
    /// updates the parameters of every tensor there, with the tensor's settings and step count, and sets those gradients to
    /// 0 (frozen tensors' and uncovered floats' too). Safe to call concurrently on disjoint ranges.
    /// </summary>
    /// <exception cref="InvalidOperationException">No ranged step is open.</exception>
    /// <exception cref="ArgumentException">The buffers are not the length the step began with, or the range is outside them.</exception>
    public void StepAndZeroGradients(Span<float> parameters, Span<float> gradients, int start, int count)
        => StepAndZeroGradients(parameters, gradients, start, count, streamParameters: false);

    /// <summary>
    /// The range above; with <paramref name="streamParameters"/> the new parameters are written with non-temporal stores
    /// (<see cref="StreamingStore"/>: for a range of parameters that other threads' caches hold). The same bits either way.
    /// </summary>
    internal void StepAndZeroGradients(Span<float> parameters, Span<float> gradients, int start, int count, bool streamParameters)
    {
        if (!_rangedStep) throw new InvalidOperationException("No ranged step is open: call BeginRangedStep first.");
        if (parameters.Length != ParameterCount || gradients.Length != ParameterCount)
            throw new ArgumentException($"The ranged step began over {ParameterCount} parameters; these buffers have {parameters.Length} and {gradients.Length}.", nameof(parameters));
        if (start < 0 || count < 0 || start > ParameterCount - count)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"The range [{start}, {start + (long)count}) is not inside the {ParameterCount} parameters.");
        VectorWidth width = Width ?? Simd.Width;
        int end = start + count;
        int position = start;
        foreach (OptimizedParameter p in _sorted!)
        {
            int from = Math.Max(start, p.Offset), to = Math.Min(end, p.Offset + p.Length);
            if (from >= to) continue;
            if (from > position) gradients[position..from].Clear();   // a gap no tensor covers
            position = Math.Max(position, to);
            Span<float> zero = gradients[from..to];
            if (p.IsFrozen)
            {
                zero.Clear();
                continue;
            }
            var slice = new ParameterSlice(parameters[from..to], zero, zero, p, width, from, to - from, streamParameters);
            Update(in slice);
        }
        if (position < end) gradients[position..end].Clear();
    }

    /// <summary>Closes the ranged step opened by <see cref="BeginRangedStep"/> (every range must have been applied).</summary>
    public void EndRangedStep() => _rangedStep = false;

    /// <summary>Forgets all state (buffers, step counts, per-tensor scalars): the next step is a first step again. Groups and settings stay.</summary>
    public void Reset()
    {
        _buffers = null;
        ParameterCount = 0;
        StepCount = 0;
        if (!_namedParameters) _parameters.Clear();
        foreach (OptimizedParameter p in _parameters)
        {
            p.StepCount = 0;
            Array.Clear(p.Scalars);
        }
        OnReset();
    }

    // ---- Scheduled momentum (torch's group["momentum"] or group["betas"][0], set by OneCycleLR) ----

    /// <summary>Called by a constructor whose optimizer has a momentum a schedule may set: its state name and first value.</summary>
    private protected void DeclareScheduledMomentum(string name, float value)
    {
        _momentumName = name;
        ScheduledValue = value;
    }

    /// <summary>
    /// The live momentum (or β1) the next step uses, part of the state <see cref="WriteState"/> saves. Setting a non-zero
    /// momentum on an optimizer built without one adds its <see cref="MomentumBufferName"/> buffer, which is possible only
    /// before the first step (the state is sized then).
    /// </summary>
    private protected float ScheduledValue
    {
        get => _momentum;
        set
        {
            string name = _momentumName ?? throw new InvalidOperationException($"{StateKind} has no momentum a schedule may set.");
            string? problem = MomentumProblem(name, value, grow: _buffers is null);
            if (problem is not null)
            {
                if (float.IsFinite(value) && value >= 0f && (name != "beta1" || value < 1f)) throw new InvalidOperationException(problem);
                throw new ArgumentOutOfRangeException(name, value, problem);
            }
            GrowMomentumBuffer(value);
            _momentum = value;
        }
    }

    /// <summary>The state buffer a non-zero momentum needs (SGD's and RMSprop's <c>momentum_buffer</c>), or null (β1 needs none).</summary>
    private protected virtual string? MomentumBufferName => null;

    /// <summary>Where <see cref="MomentumBufferName"/> goes among the state names when it is added.</summary>
    private protected virtual int MomentumBufferIndex => 0;

    /// <summary>Why <paramref name="value"/> cannot be the momentum, or null when it can.</summary>
    private string? MomentumProblem(string name, float value, bool grow)
    {
        if (!float.IsFinite(value) || value < 0f || (name == "beta1" && value >= 1f))
            return $"{name} must be finite and in [0, {(name == "beta1" ? "1)" : "inf)")}; got {value.ToString("R", CultureInfo.InvariantCulture)}.";
        if (value != 0f && MomentumBufferName is string buffer && Array.IndexOf(_stateNames, buffer) < 0 && !grow)
            return $"{StateKind} took its first step without momentum, so it keeps no '{buffer}': construct it with a momentum > 0 to change its momentum during training.";
        return null;
    }

    private void GrowMomentumBuffer(float value)
    {
        if (value == 0f || MomentumBufferName is not string buffer || Array.IndexOf(_stateNames, buffer) >= 0) return;
        var names = new List<string>(_stateNames);
        names.Insert(Math.Min(MomentumBufferIndex, names.Count), buffer);
        _stateNames = names.ToArray();
    }

    /// <summary>Index of the state buffer named <paramref name="name"/> among <see cref="StateNames"/>, or -1.</summary>
    private protected int StateIndex(string name) => Array.IndexOf(_stateNames, name);

    // ---- The step ----

    private void Run(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> zero)
    {
        BeginStep(parameters.Length, gradients.Length);
        VectorWidth width = Width ?? Simd.Width;
        int covered = 0;
        foreach (OptimizedParameter p in _parameters)
        {
            Span<float> zeroSlice = zero.IsEmpty ? default : zero.Slice(p.Offset, p.Length);
            covered += p.Length;
            if (p.IsFrozen)
            {
                zeroSlice.Clear();
                continue;
            }
            p.StepCount++;
            if (p.StepCount == 1) InitializeParameter(p);
            BeginTensorStep(p);
            var slice = new ParameterSlice(parameters.Slice(p.Offset, p.Length), gradients.Slice(p.Offset, p.Length), zeroSlice, p, width);
            Update(in slice);
        }
        if (!zero.IsEmpty && covered != zero.Length) ClearUncovered(zero);
    }

    /// <summary>
    /// Validates the lengths, sizes the state at the first call, counts the step and returns its number (1 for the first).
    /// A <see cref="Step"/> override (L-BFGS's) calls it first.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ from each other or from the state's.</exception>
    private protected long BeginStep(int parameterLength, int gradientLength)
    {
        if (parameterLength != gradientLength)
            throw new ArgumentException($"Parameters have {parameterLength} floats but gradients have {gradientLength}; they must have the same layout.", "gradients");
        if (ParameterCount == 0)
        {
            if (parameterLength == 0)
                throw new ArgumentException("There are no parameters to update.", "parameters");
            Allocate(parameterLength);
        }
        else if (parameterLength != ParameterCount)
        {
            throw new ArgumentException($"This optimizer's state is sized for {ParameterCount} parameters but the buffer has {parameterLength}; use one optimizer per network (or Reset()).", "parameters");
        }
        return ++StepCount;
    }

    private void Allocate(int parameterCount)
    {
        if (_namedParameters)
        {
            foreach (OptimizedParameter p in _parameters)
                if (p.Offset + p.Length > parameterCount)
                    throw new ArgumentException($"Parameter '{p.Name}' ends at {p.Offset + p.Length} but the buffer has {parameterCount} floats: the table is not this network's.", "parameters");
        }
        else
        {
            _parameters.Clear();
            _parameters.Add(new OptimizedParameter("parameters", "", 0, parameterCount, DefaultRowLength(parameterCount), _groups[^1], _parameterScalarNames.Length));
        }
        var buffers = new float[_stateNames.Length][];
        for (int i = 0; i < buffers.Length; i++) buffers[i] = new float[parameterCount];
        _buffers = buffers;
        ParameterCount = parameterCount;
        OnAllocated(parameterCount);
    }

    private void ClearUncovered(Span<float> zero)
    {
        // Floats no tensor covers (a table that leaves gaps): never updated, but still cleared as promised.
        int position = 0;
        foreach (OptimizedParameter p in SortedByOffset())
        {
            if (p.Offset > position) zero[position..p.Offset].Clear();
            position = Math.Max(position, p.Offset + p.Length);
        }
        if (position < zero.Length) zero[position..].Clear();
    }

    private List<OptimizedParameter>? _sorted;

    private List<OptimizedParameter> SortedByOffset()
    {
        if (_sorted is null || _sorted.Count != _parameters.Count)
        {
            _sorted = new List<OptimizedParameter>(_parameters);
            _sorted.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        }
        return _sorted;
    }

    // ---- What subclasses provide ----

    /// <summary>False for optimizers that, as in PyTorch, take one group only (L-BFGS).</summary>
    private protected virtual bool SupportsGroups => true;

    /// <summary>Row length of the whole-buffer tensor used when no table was given (SparseAdam's explicit row length).</summary>
    private protected virtual int DefaultRowLength(int parameterCount) => 1;

    /// <summary>One tensor's update: its slices of the buffers, its group's settings and its step count (already counted).</summary>
    private protected virtual void Update(in ParameterSlice slice) =>
        throw new NotSupportedException($"{GetType().Name} overrides Step instead of updating tensor by tensor.");

    /// <summary>Called when a tensor takes its first step, before <see cref="Update"/> (state that starts at a group setting, e.g. Rprop's step sizes).</summary>
    private protected virtual void InitializeParameter(OptimizedParameter parameter)
    {
    }

    /// <summary>
    /// Called once per step for each tensor that steps, after its step is counted and before its update: advances per-tensor
    /// scalar state and leaves the step's values in <see cref="OptimizedParameter.StepValues"/>, so that
    /// <see cref="Update"/> is element-wise and can run as several ranges (a ranged step).
    /// </summary>
    private protected virtual void BeginTensorStep(OptimizedParameter parameter)
    {
    }

    /// <summary>Called once the buffers exist (first step, or a state read).</summary>
    private protected virtual void OnAllocated(int parameterCount)
    {
    }

    /// <summary>Called by <see cref="Reset"/>.</summary>
    private protected virtual void OnReset()
    {
    }

    /// <summary>The state buffer at <paramref name="index"/> of the names given to the constructor (valid once allocated).</summary>
    private protected float[] Buffer(int index) => _buffers![index];

    /// <summary>The constructor's hyperparameters, by PyTorch's argument names, saved with the state and checked when it is read back.</summary>
    private protected virtual void DescribeHyperparameters(Dictionary<string, double> hyperparameters)
    {
    }

    /// <summary>True for buffers <see cref="WriteExtraState"/> writes (checked by <see cref="ValidateExtraState"/>, not as state buffers).</summary>
    private protected virtual bool IsExtraBuffer(string name) => false;

    /// <summary>Writes state beyond buffers, groups and per-tensor scalars (L-BFGS's history).</summary>
    private protected virtual void WriteExtraState(StateBag state)
    {
    }

    /// <summary>Checks <see cref="WriteExtraState"/>'s entries in a bag about to be read; throws <see cref="InvalidDataException"/>.</summary>
    private protected virtual void ValidateExtraState(StateBag state, int parameterCount)
    {
    }

    /// <summary>Applies entries already validated by <see cref="ValidateExtraState"/>.</summary>
    private protected virtual void ReadExtraState(StateBag state)
    {
    }

    // ---- IStateful ----

    /// <summary>The optimizer's class name (<c>"Adam"</c>, <c>"Sgd"</c>, ...).</summary>
    public string StateKind => GetType().Name;

    /// <summary>
    /// Writes the whole state: step counts, default and per-group learning rates and weight decays, frozen flags, the
    /// live momentum or β1 a schedule may have set, the hyperparameters as constructed (checked on reading), every state
    /// buffer (copied) and per-tensor scalars.
    /// </summary>
    public void WriteState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Children[KindPrefix + StateKind] = new StateBag();
        state.Integers["parameter_count"] = ParameterCount;
        state.Integers["step"] = StepCount;
        state.Scalars["lr"] = _learningRate;
        state.Scalars["weight_decay"] = _weightDecay;
        if (_momentumName is not null) state.Scalars[_momentumName] = _momentum;
        var hyper = new Dictionary<string, double>();
        DescribeHyperparameters(hyper);
        foreach (KeyValuePair<string, double> h in hyper) state.Scalars["hyper." + h.Key] = h.Value;
        if (_buffers is not null)
            for (int i = 0; i < _stateNames.Length; i++) state.Buffers[_stateNames[i]] = (float[])_buffers[i].Clone();
        state.Integers["group_count"] = _groups.Count;
        for (int g = 0; g < _groups.Count; g++)
        {
            ParameterGroup group = _groups[g];
            var bag = new StateBag();
            bag.Scalars["lr"] = group.LearningRate;
            bag.Scalars["weight_decay"] = group.WeightDecay;
            bag.Integers["own_lr"] = group.OwnsLearningRate ? 1 : 0;
            bag.Integers["own_weight_decay"] = group.OwnsWeightDecay ? 1 : 0;
            bag.Integers["frozen"] = group.Frozen ? 1 : 0;
            state.Children["group." + g.ToString(CultureInfo.InvariantCulture)] = bag;
        }
        state.Integers["param_count"] = _parameters.Count;
        for (int i = 0; i < _parameters.Count; i++)
        {
            OptimizedParameter p = _parameters[i];
            var bag = new StateBag();
            bag.Integers["offset"] = p.Offset;
            bag.Integers["length"] = p.Length;
            bag.Integers["group"] = _groups.IndexOf(p.Group);
            bag.Integers["step"] = p.StepCount;
            bag.Integers["frozen"] = p.Frozen ? 1 : 0;
            for (int s = 0; s < _parameterScalarNames.Length; s++) bag.Scalars[_parameterScalarNames[s]] = p.Scalars[s];
            state.Children["param." + i.ToString(CultureInfo.InvariantCulture)] = bag;
        }
        WriteExtraState(state);
    }

    /// <summary>
    /// Restores a state written by <see cref="WriteState"/> of an optimizer of the same kind, hyperparameters and groups
    /// (configure the groups, with the same table and rules, before reading). Everything is validated first; on any problem an <see cref="InvalidDataException"/> names the entry and this
    /// optimizer is left unchanged.
    /// </summary>
    public void ReadState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        string? kind = null;
        foreach (string key in state.Children.Keys)
            if (key.StartsWith(KindPrefix, StringComparison.Ordinal)) kind = key[KindPrefix.Length..];
        if (kind is null) throw Bad($"The state names no optimizer kind (no '{KindPrefix}*' entry): it was not written by an optimizer.");
        if (kind != StateKind) throw Bad($"The state is a {kind}'s; this optimizer is a {StateKind}.");

        long count = Integer(state, "parameter_count", "");
        long step = Integer(state, "step", "");
        if (count < 0 || count > int.MaxValue) throw Bad($"'parameter_count' is {count}.");
        if (step < 0) throw Bad($"'step' is {step}.");
        if (ParameterCount != 0 && count != 0 && count != ParameterCount)
            throw Bad($"The state is for {count} parameters; this optimizer has stepped over {ParameterCount} (another network?).");
        float lr = NonNegative(state, "lr", "");
        float wd = NonNegative(state, "weight_decay", "");
        float momentum = 0f;
        if (_momentumName is not null)
        {
            if (!state.Scalars.TryGetValue(_momentumName, out double saved)) throw Bad($"Scalar '{_momentumName}' (the momentum a schedule sets) is missing.");
            momentum = (float)saved;
            if ((double)momentum != saved) throw Bad($"'{_momentumName}' is {saved.ToString("R", CultureInfo.InvariantCulture)}, not a float.");
            string? problem = MomentumProblem(_momentumName, momentum, grow: count == 0);
            if (problem is not null) throw Bad(problem);
        }

        var hyper = new Dictionary<string, double>();
        DescribeHyperparameters(hyper);
        foreach (KeyValuePair<string, double> h in hyper)
        {
            if (!state.Scalars.TryGetValue("hyper." + h.Key, out double saved)) throw Bad($"Hyperparameter 'hyper.{h.Key}' is missing.");
            if (!saved.Equals(h.Value))
                throw Bad($"Hyperparameter {h.Key} was {saved.ToString("R", CultureInfo.InvariantCulture)} when saved; this {StateKind} has {h.Value.ToString("R", CultureInfo.InvariantCulture)}. Construct it with the saved settings.");
        }
        foreach (string key in state.Scalars.Keys)
            if (key.StartsWith("hyper.", StringComparison.Ordinal) && !hyper.ContainsKey(key["hyper.".Length..]))
                throw Bad($"Hyperparameter '{key}' is not one a {StateKind} has.");

        if (count > 0)
        {
            foreach (string name in _stateNames)
            {
                if (!state.Buffers.TryGetValue(name, out float[]? buffer) || buffer is null) throw Bad($"State buffer '{name}' is missing (this {StateKind} keeps {string.Join(", ", _stateNames)}).");
                if (buffer.Length != count) throw Bad($"State buffer '{name}' has {buffer.Length} floats; expected {count}.");
            }
        }
        foreach (string name in state.Buffers.Keys)
            if (!IsExtraBuffer(name) && (Array.IndexOf(_stateNames, name) < 0 || count == 0))
                throw Bad($"State buffer '{name}' is not one this {StateKind} keeps{(count == 0 ? " before its first step" : "")} (it keeps: {string.Join(", ", _stateNames)}). Was it saved with other settings?");

        long groupCount = Integer(state, "group_count", "");
        if (groupCount != _groups.Count) throw Bad($"The state has {groupCount} parameter groups; this optimizer has {_groups.Count}.");
        var groupValues = new (float Lr, float Wd, bool OwnLr, bool OwnWd, bool Frozen)[_groups.Count];
        for (int g = 0; g < _groups.Count; g++)
        {
            string where = "group." + g.ToString(CultureInfo.InvariantCulture);
            StateBag bag = Child(state, where);
            groupValues[g] = (NonNegative(bag, "lr", where), NonNegative(bag, "weight_decay", where),
                Flag(bag, "own_lr", where), Flag(bag, "own_weight_decay", where), Flag(bag, "frozen", where));
        }

        long parameterTensors = Integer(state, "param_count", "");
        bool createWhole = !_namedParameters;   // no table: one tensor, the whole buffer, once there is a buffer
        int expectedTensors = createWhole ? (count == 0 ? 0 : 1) : _parameters.Count;
        if (parameterTensors != expectedTensors)
            throw Bad($"The state has {parameterTensors} parameter tensors; this optimizer has {expectedTensors}{(createWhole ? " (no table was given: one tensor, the whole buffer)" : "")}.");
        var tensorValues = new (long Step, bool Frozen, double[] Scalars)[parameterTensors];
        for (int i = 0; i < parameterTensors; i++)
        {
            string where = "param." + i.ToString(CultureInfo.InvariantCulture);
            StateBag bag = Child(state, where);
            long offset = Integer(bag, "offset", where), length = Integer(bag, "length", where), group = Integer(bag, "group", where);
            int expectedOffset = createWhole ? 0 : _parameters[i].Offset;
            int expectedLength = createWhole ? (int)count : _parameters[i].Length;
            int expectedGroup = createWhole ? _groups.Count - 1 : _groups.IndexOf(_parameters[i].Group);
            if (offset != expectedOffset || length != expectedLength)
                throw Bad($"{where} covers [{offset}, {offset + length}); this optimizer's tensor {i} covers [{expectedOffset}, {expectedOffset + expectedLength}).");
            if (group != expectedGroup) throw Bad($"{where} is in group {group}; here it is in group {expectedGroup}.");
            long tensorStep = Integer(bag, "step", where);
            if (tensorStep < 0 || tensorStep > step) throw Bad($"{where}: 'step' is {tensorStep} (the optimizer's is {step}).");
            var scalars = new double[_parameterScalarNames.Length];
            for (int s = 0; s < scalars.Length; s++)
            {
                if (!bag.Scalars.TryGetValue(_parameterScalarNames[s], out double value)) throw Bad($"{where}: scalar '{_parameterScalarNames[s]}' is missing.");
                if (!double.IsFinite(value)) throw Bad($"{where}: scalar '{_parameterScalarNames[s]}' is {value}.");
                scalars[s] = value;
            }
            tensorValues[i] = (tensorStep, Flag(bag, "frozen", where), scalars);
        }
        ValidateExtraState(state, (int)count);

        // Everything checked: apply.
        _learningRate = lr;
        _weightDecay = wd;
        if (_momentumName is not null) _momentum = momentum;
        for (int g = 0; g < _groups.Count; g++)
        {
            var v = groupValues[g];
            _groups[g].Restore(v.Lr, v.Wd, v.OwnLr, v.OwnWd, v.Frozen);
        }
        if (count == 0)
        {
            Reset();
            if (_momentumName is not null) GrowMomentumBuffer(momentum);
        }
        else
        {
            if (ParameterCount == 0) Allocate((int)count);
            for (int i = 0; i < _stateNames.Length; i++) state.Buffers[_stateNames[i]].AsSpan().CopyTo(_buffers![i]);
            for (int i = 0; i < _parameters.Count; i++)
            {
                _parameters[i].StepCount = tensorValues[i].Step;
                _parameters[i].Frozen = tensorValues[i].Frozen;
                tensorValues[i].Scalars.AsSpan().CopyTo(_parameters[i].Scalars);
            }
        }
        StepCount = step;
        ReadExtraState(state);
    }

    private protected static InvalidDataException Bad(string message) => new("Optimizer state: " + message);

    private static long Integer(StateBag bag, string name, string where)
    {
        if (!bag.Integers.TryGetValue(name, out long value)) throw Bad($"Integer '{Qualified(where, name)}' is missing.");
        return value;
    }

    private static bool Flag(StateBag bag, string name, string where)
    {
        long value = Integer(bag, name, where);
        if (value is not (0 or 1)) throw Bad($"'{Qualified(where, name)}' is {value}; expected 0 or 1.");
        return value == 1;
    }

    private static float NonNegative(StateBag bag, string name, string where)
    {
        if (!bag.Scalars.TryGetValue(name, out double value)) throw Bad($"Scalar '{Qualified(where, name)}' is missing.");
        if (!double.IsFinite(value) || value < 0 || value > float.MaxValue) throw Bad($"'{Qualified(where, name)}' is {value}; expected a finite value >= 0.");
        return (float)value;
    }

    private static StateBag Child(StateBag bag, string name)
    {
        if (!bag.Children.TryGetValue(name, out StateBag? child) || child is null) throw Bad($"Entry '{name}' is missing.");
        return child;
    }

    private static string Qualified(string where, string name) => where.Length == 0 ? name : where + "." + name;

    // ---- Helpers ----

    internal static void RequireNonNegative(float value, string name)
    {
        if (!float.IsFinite(value) || value < 0f)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and >= 0.");
    }

    private protected static void RequireUnitInterval(float value, string name, bool closedAtOne = false)
    {
        if (!(value >= 0f && (closedAtOne ? value <= 1f : value < 1f)))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1{(closedAtOne ? "]" : ")")}.");
    }

    /// <summary>Glob match: <c>*</c> any run of characters (also none), <c>?</c> exactly one; the whole name must match.</summary>
    internal static bool Glob(string pattern, string name)
    {
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n])) { p++; n++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = n; }
            else if (star >= 0) { p = star + 1; n = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}

/// <summary>One tensor's share of a step: slices of the flat buffers at its offset, its settings and step count.</summary>
internal readonly ref struct ParameterSlice
{
    public ParameterSlice(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> zero, OptimizedParameter parameter, VectorWidth width)
        : this(parameters, gradients, zero, parameter, width, parameter.Offset, parameter.Length)
    {
    }

    /// <summary>A part <c>[offset, offset + length)</c> of the tensor's range (a thread's share of a ranged step).</summary>
    public ParameterSlice(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> zero, OptimizedParameter parameter, VectorWidth width,
        int offset, int length, bool streamParameters = false)
    {
        StreamParameters = streamParameters;
        Parameters = parameters;
        Gradients = gradients;
        Zero = zero;
        Parameter = parameter;
        Width = width;
        Offset = offset;
        Length = length;
    }

    public Span<float> Parameters { get; }
    public ReadOnlySpan<float> Gradients { get; }
    /// <summary>Empty, or the gradient slice itself, to be cleared once read.</summary>
    public Span<float> Zero { get; }
    public OptimizedParameter Parameter { get; }
    public VectorWidth Width { get; }
    /// <summary>Store the new parameters with non-temporal stores (a ranged step on several threads, see <see cref="StreamingStore"/>).</summary>
    public bool StreamParameters { get; }
    /// <summary>Offset of this slice in the flat buffers (the tensor's, or a part of it in a ranged step).</summary>
    public int Offset { get; }
    /// <summary>Floats in this slice.</summary>
    public int Length { get; }
    public long Step => Parameter.StepCount;
    public float LearningRate => Parameter.Group.LearningRate;
    public float WeightDecay => Parameter.Group.WeightDecay;

    /// <summary>This slice's part of a state buffer.</summary>
    public Span<float> State(float[] buffer) => buffer.AsSpan(Offset, Length);
}
