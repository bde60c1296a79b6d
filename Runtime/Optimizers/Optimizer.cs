using System;
using System.Collections.Generic;

namespace Compiled.Optimizers;

/// <summary>
/// An optimizer over a network's single contiguous parameter buffer and its gradient buffer (same layout).
/// Subclasses implement PyTorch's update rules exactly (<c>torch.optim</c>, single-tensor path) in float,
/// with their state allocated once, lazily, at the first <see cref="Step"/> (no allocation per step after that).
/// </summary>
/// <remarks>
/// The state is exposed as named buffers (<see cref="State"/>) and can be restored with <see cref="LoadState"/>,
/// which is what checkpoints need. Each update rule is a static routine over a span with explicit hyperparameters,
/// so per-parameter-group settings (a learning rate per slice of the buffer) can later apply it slice by slice.
/// </remarks>
public abstract class Optimizer
{
    private readonly List<OptimizerStateBuffer> _state = new();
    private float _learningRate;

    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>The step size; schedules change it between steps.</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!float.IsFinite(value) || value < 0f)
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and >= 0.");
            _learningRate = value;
        }
    }

    /// <summary>Steps taken so far (PyTorch's <c>state["step"]</c>).</summary>
    public long StepCount { get; private set; }

    /// <summary>Floats the state is sized for: 0 until the first step, then the parameter count.</summary>
    public int ParameterCount { get; private set; }

    /// <summary>The named state buffers (empty before the first step, and for optimizers without state).</summary>
    public IReadOnlyList<OptimizerStateBuffer> State => _state;

    /// <summary>One update over the flat buffers (PyTorch semantics exactly); state sized lazily to <c>parameters.Length</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ from each other or from the length the state was sized for.</exception>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>
    /// <see cref="Step"/>, then every gradient set to 0, in one pass over the buffers (each gradient is read once and
    /// overwritten with 0 while its cache line is at hand) — what a training loop does after each batch.
    /// The parameters and state end exactly as after <see cref="Step"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ from each other or from the length the state was sized for.</exception>
    public virtual void StepAndZeroGradients(Span<float> parameters, Span<float> gradients)
    {
        Step(parameters, gradients);
        gradients.Clear();
    }

    /// <summary>Forgets all state: the next step is a first step again.</summary>
    public void Reset()
    {
        _state.Clear();
        ParameterCount = 0;
        StepCount = 0;
        OnStateCleared();
    }

    /// <summary>
    /// Restores state saved from <see cref="State"/> and <see cref="StepCount"/>, for <paramref name="parameterCount"/> parameters.
    /// Every buffer this optimizer keeps must be given, by name, with that length.
    /// </summary>
    public void LoadState(int parameterCount, long stepCount, IReadOnlyList<OptimizerStateBuffer> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        if (ParameterCount != parameterCount)
        {
            Reset();
            AllocateState(parameterCount);
        }
        foreach (OptimizerStateBuffer target in _state)
        {
            OptimizerStateBuffer? source = null;
            foreach (OptimizerStateBuffer candidate in state)
                if (candidate.Name == target.Name) source = candidate;
            if (source is null)
                throw new ArgumentException($"The saved state has no buffer '{target.Name}' ({GetType().Name} needs it).", nameof(state));
            if (source.Buffer.Length != parameterCount)
                throw new ArgumentException($"The saved buffer '{target.Name}' has {source.Buffer.Length} floats; expected {parameterCount}.", nameof(state));
            source.Buffer.AsSpan().CopyTo(target.Buffer);
        }
        StepCount = stepCount;
    }

    /// <summary>
    /// Validates the lengths, sizes the state at the first call, counts the step and returns its number (1 for the first step).
    /// Every <see cref="Step"/> implementation calls this first.
    /// </summary>
    protected long BeginStep(int parameterLength, int gradientLength)
    {
        if (parameterLength != gradientLength)
            throw new ArgumentException($"Parameters have {parameterLength} floats but gradients have {gradientLength}; they must have the same layout.", "gradients");
        if (ParameterCount == 0)
        {
            if (parameterLength == 0)
                throw new ArgumentException("There are no parameters to update.", "parameters");
            AllocateState(parameterLength);
        }
        else if (parameterLength != ParameterCount)
        {
            throw new ArgumentException($"This optimizer's state is sized for {ParameterCount} parameters but the buffer has {parameterLength}; use one optimizer per network (or Reset()).", "parameters");
        }
        return ++StepCount;
    }

    /// <summary>Called once with the parameter count; subclasses create their buffers with <see cref="AddState"/>.</summary>
    protected virtual void CreateState(int parameterCount)
    {
    }

    /// <summary>Called by <see cref="Reset"/>: subclasses drop their references to the state buffers.</summary>
    protected virtual void OnStateCleared()
    {
    }

    /// <summary>Allocates a zeroed state buffer named <paramref name="name"/> (PyTorch's state key) and registers it in <see cref="State"/>.</summary>
    protected float[] AddState(string name, int length)
    {
        var buffer = new float[length];
        _state.Add(new OptimizerStateBuffer(name, buffer));
        return buffer;
    }

    private void AllocateState(int parameterCount)
    {
        ParameterCount = parameterCount;
        CreateState(parameterCount);
    }

    private protected static void RequireNonNegative(float value, string name)
    {
        if (!float.IsFinite(value) || value < 0f)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and >= 0.");
    }
}
