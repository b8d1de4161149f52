using System;
using System.IO;
using System.Numerics.Tensors;
using DslNets.Threading;

namespace DslNets;

/// <summary>
/// What every built-in optimizer shares: the learning rate, a step counter, optional gradient clipping by global
/// norm, one-time state allocation in <see cref="Bind"/>, and saving/restoring the state for checkpoints.
/// </summary>
/// <remarks>
/// <see cref="Step(Span{float}, ReadOnlySpan{float})"/> (or <see cref="StepArrays"/>) checks its arguments, binds, clips (when <see cref="MaxGradientNorm"/> is set), increments
/// <see cref="StepCount"/> and then calls <see cref="Update"/>. Nothing is allocated after the first
/// <see cref="Bind"/>.
/// </remarks>
public abstract class Optimizer : IOptimizer
{
    // Added to the norm before dividing, as torch.nn.utils.clip_grad_norm_ does.
    private const float ClipEpsilon = 1e-6f;
    private const int StateFormatVersion = 1;

    private float _learningRate;
    private float? _maxGradientNorm;
    private float[]? _clippedGradients;
    private int _parameterCount;

    /// <summary>Creates an optimizer with the given initial learning rate.</summary>
    /// <param name="learningRate">Step size, positive and finite.</param>
    protected Optimizer(float learningRate)
    {
        if (!(learningRate > 0f) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        _learningRate = learningRate;
    }

    /// <inheritdoc/>
    /// <remarks>Schedules may set 0 (for example the first step of a warm-up from 0); negative or non-finite values throw.</remarks>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0f) || float.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be non-negative and finite.");
            _learningRate = value;
        }
    }

    /// <summary>
    /// When set, the gradient is rescaled before each step so its global L2 norm is at most this value
    /// (PyTorch <c>clip_grad_norm_</c>: <c>g *= min(1, max / (||g|| + 1e-6))</c>). The caller's gradient buffer is
    /// not modified; the scaled copy lives in a buffer allocated once in <see cref="Bind"/>. Positive and finite.
    /// </summary>
    public float? MaxGradientNorm
    {
        get => _maxGradientNorm;
        init
        {
            if (value is { } norm && (!(norm > 0f) || float.IsInfinity(norm)))
                throw new ArgumentOutOfRangeException(nameof(MaxGradientNorm), norm, "The maximum gradient norm must be positive and finite.");
            _maxGradientNorm = value;
        }
    }

    /// <summary>The global L2 norm of the gradient seen by the last step, before clipping.</summary>
    public float LastGradientNorm { get; private set; }

    /// <summary>Number of steps taken so far (Adam's bias correction uses it; the first step is step 1).</summary>
    public long StepCount { get; private set; }

    /// <summary>The parameter count this optimizer is bound to; 0 before the first <see cref="Bind"/>.</summary>
    public int ParameterCount => _parameterCount;

    /// <inheritdoc/>
    public void Bind(int parameterCount)
    {
        if (parameterCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount, "The parameter count must be positive.");
        if (_parameterCount == parameterCount)
            return;
        if (_parameterCount != 0)
        {
            throw new ArgumentException(
                $"This optimizer is bound to {_parameterCount} parameters and cannot step a buffer of {parameterCount}; create one optimizer per network.",
                nameof(parameterCount));
        }

        if (_maxGradientNorm is not null)
            _clippedGradients = new float[parameterCount];
        AllocateState(parameterCount);
        _parameterCount = parameterCount;
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        float[]? clipped = BeginStep(parameters.Length, gradients);
        Update(parameters, clipped ?? gradients, StepCount);
    }

    /// <inheritdoc/>
    public void StepArrays(float[] parameters, float[] gradients)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        if (!UpdatesElementwise || !KernelThreads.ShouldSplitElementwise(parameters.Length))
        {
            Step(parameters.AsSpan(), gradients);
            return;
        }

        // After a split backward pass each core holds the gradient rows it wrote; updating the same halves on the
        // same threads keeps most of those lines where they are. Two-thread training step at batch 64, p50 of 3,000
        // steps: 607 us with one core updating everything, 480 us split.
        float[] effective = BeginStep(parameters.Length, gradients) ?? gradients;
        var work = new RangeUpdate(this, parameters, effective, StepCount);
        RowSplitter.Run(ref work, parameters.Length, ElementwiseAlignment);
    }

    /// <summary>
    /// Checks the lengths, binds, clips and counts the step; returns the clipped gradients, or null when
    /// <paramref name="gradients"/> are used as they are.
    /// </summary>
    private float[]? BeginStep(int parameterCount, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameterCount)
            throw new ArgumentException($"Expected gradients.Length == parameters.Length = {parameterCount}, got {gradients.Length}.", nameof(gradients));
        Bind(parameterCount);

        float[]? effective = null;
        if (_clippedGradients is not null)
        {
            float norm = TensorPrimitives.Norm(gradients);
            LastGradientNorm = norm;
            float scale = _maxGradientNorm!.Value / (norm + ClipEpsilon);
            if (scale < 1f)
            {
                TensorPrimitives.Multiply(gradients, scale, _clippedGradients);
                effective = _clippedGradients;
            }
        }
        else
        {
            LastGradientNorm = float.NaN;
        }

        StepCount++;
        return effective;
    }

    /// <summary>Split boundaries fall on multiples of 16 floats (a cache line's worth), so the two ranges share at most one line.</summary>
    private const int ElementwiseAlignment = 16;

    /// <summary>
    /// True when <see cref="UpdateRange"/> treats every parameter on its own (the built-in optimizers), so the update
    /// can run over separate ranges on separate threads with the same values.
    /// </summary>
    private protected virtual bool UpdatesElementwise => false;

    /// <summary>
    /// <see cref="Update"/> for parameters <c>[offset, offset + parameters.Length)</c>: state buffers are indexed from
    /// <paramref name="offset"/>. Only called when <see cref="UpdatesElementwise"/> is true.
    /// </summary>
    private protected virtual void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, long step, int offset) =>
        throw new NotSupportedException("This optimizer does not update parameter ranges independently.");

    private readonly struct RangeUpdate(Optimizer optimizer, float[] parameters, float[] gradients, long step) : IRowWork
    {
        public void Run(int start, int end) =>
            optimizer.UpdateRange(parameters.AsSpan(start, end - start), gradients.AsSpan(start, end - start), step, start);
    }

    /// <summary>Allocates the optimizer's state for <paramref name="parameterCount"/> values (called once).</summary>
    protected abstract void AllocateState(int parameterCount);

    /// <summary>
    /// Applies one update. <paramref name="gradients"/> is already clipped; <paramref name="step"/> is 1 on the first
    /// call. Must not allocate.
    /// </summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step);

    /// <summary>The state buffers (momentum, moments) in a fixed order; empty arrays are allowed. Null before binding.</summary>
    protected abstract float[]?[] StateBuffers { get; }

    /// <summary>
    /// A short text naming the optimizer and its fixed hyper-parameters (not the learning rate, which schedules
    /// change); restoring state checks it so Adam state is never loaded into SGD.
    /// </summary>
    public abstract string Description { get; }

    /// <summary>
    /// Writes the state (step count, learning rate, state buffers) so <see cref="LoadState"/> can continue exactly
    /// where this optimizer is. Little-endian binary.
    /// </summary>
    public void SaveState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(StateFormatVersion);
        writer.Write(Description);
        writer.Write(_parameterCount);
        writer.Write(StepCount);
        writer.Write(_learningRate);
        float[]?[] buffers = _parameterCount == 0 ? [] : StateBuffers;
        writer.Write(buffers.Length);
        foreach (float[]? buffer in buffers)
        {
            float[] values = buffer ?? [];
            writer.Write(values.Length);
            foreach (float value in values)
                writer.Write(value);
        }
    }

    /// <summary>
    /// Restores state written by <see cref="SaveState"/> from an optimizer of the same kind and settings. Everything
    /// is read and checked before anything changes, so a bad stream throws <see cref="InvalidDataException"/> and
    /// leaves this optimizer as it was.
    /// </summary>
    public void LoadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            int version = reader.ReadInt32();
            if (version != StateFormatVersion)
                throw new InvalidDataException($"Unknown optimizer state version {version}; expected {StateFormatVersion}.");
            string description = reader.ReadString();
            if (description != Description)
                throw new InvalidDataException($"The saved optimizer state is for '{description}', not '{Description}'.");
            int parameterCount = reader.ReadInt32();
            if (parameterCount < 0 || (_parameterCount != 0 && parameterCount != 0 && parameterCount != _parameterCount))
                throw new InvalidDataException($"The saved optimizer state is for {parameterCount} parameters; this optimizer is bound to {_parameterCount}.");
            long stepCount = reader.ReadInt64();
            float learningRate = reader.ReadSingle();
            if (stepCount < 0 || !(learningRate >= 0f) || float.IsInfinity(learningRate))
                throw new InvalidDataException($"The saved optimizer state has an invalid step count ({stepCount}) or learning rate ({learningRate}).");
            int bufferCount = reader.ReadInt32();
            if (bufferCount < 0 || bufferCount > 16)
                throw new InvalidDataException($"The saved optimizer state has {bufferCount} state buffers.");
            var saved = new float[bufferCount][];
            for (int b = 0; b < bufferCount; b++)
            {
                int length = reader.ReadInt32();
                if (length != 0 && length != parameterCount)
                    throw new InvalidDataException($"Optimizer state buffer {b} has {length} values; expected {parameterCount} or 0.");
                saved[b] = new float[length];
                for (int i = 0; i < length; i++)
                    saved[b][i] = reader.ReadSingle();
            }

            if (parameterCount != 0)
            {
                Bind(parameterCount);
                float[]?[] buffers = StateBuffers;
                if (buffers.Length != bufferCount)
                    throw new InvalidDataException($"The saved optimizer state has {bufferCount} state buffers; '{Description}' has {buffers.Length}.");
                for (int b = 0; b < bufferCount; b++)
                {
                    if ((buffers[b]?.Length ?? 0) != saved[b].Length)
                        throw new InvalidDataException($"Optimizer state buffer {b} has {saved[b].Length} values; expected {buffers[b]?.Length ?? 0}.");
                }

                for (int b = 0; b < bufferCount; b++)
                    saved[b].CopyTo(buffers[b].AsSpan());
            }

            StepCount = stepCount;
            _learningRate = learningRate;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The optimizer state ends early.", e);
        }
    }
}
