using System;

namespace DslNets.Training;

/// <summary>
/// A learning rate as a pure function of a step counter <c>t</c> (0 for the first epoch or batch) and the base
/// learning rate, in the closed forms of PyTorch's <c>torch.optim.lr_scheduler</c>. Being pure, a schedule needs no
/// state in checkpoints: the learning rate at any point follows from the base rate and <c>t</c>.
/// </summary>
/// <remarks>
/// Whether <c>t</c> counts epochs or batches is up to the caller (see
/// <see cref="Training.TrainerOptions.ScheduleUnit"/>). Schedules compose: <see cref="Then"/> switches to another
/// schedule at a milestone (PyTorch <c>SequentialLR</c>), <see cref="Chain"/> applies two schedules on top of each
/// other (PyTorch <c>ChainedScheduler</c>).
/// </remarks>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate at step <paramref name="t"/> (t ≥ 0) for a base learning rate <paramref name="baseLearningRate"/>.</summary>
    public abstract float LearningRateAt(float baseLearningRate, int t);

    /// <summary>Sets <paramref name="optimizer"/>'s learning rate for step <paramref name="t"/>.</summary>
    public void Apply(IOptimizer optimizer, float baseLearningRate, int t)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        optimizer.LearningRate = LearningRateAt(baseLearningRate, t);
    }

    /// <summary>
    /// This schedule for <c>t &lt; milestone</c>, then <paramref name="next"/> restarted from its own step 0
    /// (PyTorch <c>SequentialLR</c>): <c>lr(t) = t &lt; milestone ? this(t) : next(t - milestone)</c>.
    /// </summary>
    public LearningRateSchedule Then(LearningRateSchedule next, int milestone) => new SequentialSchedule(this, next, milestone);

    /// <summary>
    /// Both schedules at once (PyTorch <c>ChainedScheduler</c>): <paramref name="other"/> is applied to this
    /// schedule's output, <c>lr(t) = other(this(base, t), t)</c>; for multiplicative schedules the factors multiply.
    /// </summary>
    public LearningRateSchedule Chain(LearningRateSchedule other) => new ChainedSchedule(this, other);

    /// <summary>A constant learning rate (the base rate).</summary>
    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>
    /// PyTorch <c>StepLR</c>: <c>lr(t) = base * gamma^floor(t / stepSize)</c>.
    /// </summary>
    /// <param name="stepSize">Steps between decays, positive.</param>
    /// <param name="gamma">Multiplicative decay, in (0, 1] typically; positive and finite.</param>
    public static LearningRateSchedule Step(int stepSize, float gamma = 0.1f) => new StepSchedule(stepSize, gamma);

    /// <summary>
    /// PyTorch <c>CosineAnnealingLR</c> (closed form, no restarts):
    /// <c>lr(t) = minimum + (base - minimum) * (1 + cos(pi * t / period)) / 2</c> for <c>t ≤ period</c>, and
    /// <paramref name="minimumLearningRate"/> after (PyTorch keeps following the cosine back up; staying at the
    /// minimum is what a "decay to the end of training" schedule means).
    /// </summary>
    /// <param name="period">PyTorch <c>T_max</c>: steps from the base rate to the minimum, positive.</param>
    /// <param name="minimumLearningRate">PyTorch <c>eta_min</c>, non-negative.</param>
    public static LearningRateSchedule Cosine(int period, float minimumLearningRate = 0f) => new CosineSchedule(period, minimumLearningRate);

    /// <summary>
    /// PyTorch <c>LinearLR</c>: the factor moves linearly from <paramref name="startFactor"/> to
    /// <paramref name="endFactor"/> over <paramref name="steps"/> steps and stays there:
    /// <c>lr(t) = base * (start + (end - start) * min(t, steps) / steps)</c>.
    /// </summary>
    public static LearningRateSchedule Linear(float startFactor, float endFactor, int steps) => new LinearSchedule(startFactor, endFactor, steps);

    /// <summary>
    /// Linear warm-up (PyTorch <c>LinearLR(start_factor, 1.0, total_iters=steps)</c>): from
    /// <c>base * startFactor</c> at t = 0 up to <c>base</c> at t = <paramref name="steps"/>. Usually followed by
    /// another schedule with <see cref="Then"/>.
    /// </summary>
    public static LearningRateSchedule LinearWarmup(int steps, float startFactor = 1f / 3f) => new LinearSchedule(startFactor, 1f, steps);

    private static void CheckStep(int t)
    {
        if (t < 0)
            throw new ArgumentOutOfRangeException(nameof(t), t, "The schedule step must be non-negative.");
    }

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override float LearningRateAt(float baseLearningRate, int t)
        {
            CheckStep(t);
            return baseLearningRate;
        }
    }

    private sealed class StepSchedule : LearningRateSchedule
    {
        private readonly int _stepSize;
        private readonly float _gamma;

        public StepSchedule(int stepSize, float gamma)
        {
            if (stepSize <= 0)
                throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "stepSize must be positive.");
            if (!(gamma > 0f) || float.IsInfinity(gamma))
                throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be positive and finite.");
            _stepSize = stepSize;
            _gamma = gamma;
        }

        public override float LearningRateAt(float baseLearningRate, int t)
        {
            CheckStep(t);
            return (float)(baseLearningRate * Math.Pow(_gamma, t / _stepSize));
        }
    }

    private sealed class CosineSchedule : LearningRateSchedule
    {
        private readonly int _period;
        private readonly float _minimum;

        public CosineSchedule(int period, float minimum)
        {
            if (period <= 0)
                throw new ArgumentOutOfRangeException(nameof(period), period, "period must be positive.");
            if (!(minimum >= 0f) || float.IsInfinity(minimum))
                throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "The minimum learning rate must be non-negative and finite.");
            _period = period;
            _minimum = minimum;
        }

        public override float LearningRateAt(float baseLearningRate, int t)
        {
            CheckStep(t);
            if (t >= _period)
                return _minimum;
            return (float)(_minimum + (baseLearningRate - _minimum) * (1.0 + Math.Cos(Math.PI * t / _period)) / 2.0);
        }
    }

    private sealed class LinearSchedule : LearningRateSchedule
    {
        private readonly float _start;
        private readonly float _end;
        private readonly int _steps;

        public LinearSchedule(float start, float end, int steps)
        {
            if (!(start >= 0f) || float.IsInfinity(start))
                throw new ArgumentOutOfRangeException(nameof(start), start, "The start factor must be non-negative and finite.");
            if (!(end >= 0f) || float.IsInfinity(end))
                throw new ArgumentOutOfRangeException(nameof(end), end, "The end factor must be non-negative and finite.");
            if (steps <= 0)
                throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be positive.");
            _start = start;
            _end = end;
            _steps = steps;
        }

        public override float LearningRateAt(float baseLearningRate, int t)
        {
            CheckStep(t);
            double factor = _start + (_end - (double)_start) * Math.Min(t, _steps) / _steps;
            return (float)(baseLearningRate * factor);
        }
    }

    private sealed class SequentialSchedule : LearningRateSchedule
    {
        private readonly LearningRateSchedule _first;
        private readonly LearningRateSchedule _second;
        private readonly int _milestone;

        public SequentialSchedule(LearningRateSchedule first, LearningRateSchedule second, int milestone)
        {
            ArgumentNullException.ThrowIfNull(second);
            if (milestone <= 0)
                throw new ArgumentOutOfRangeException(nameof(milestone), milestone, "The milestone must be positive.");
            _first = first;
            _second = second;
            _milestone = milestone;
        }

        public override float LearningRateAt(float baseLearningRate, int t)
        {
            CheckStep(t);
            return t < _milestone ? _first.LearningRateAt(baseLearningRate, t) : _second.LearningRateAt(baseLearningRate, t - _milestone);
        }
    }

    private sealed class ChainedSchedule : LearningRateSchedule
    {
        private readonly LearningRateSchedule _inner;
        private readonly LearningRateSchedule _outer;

        public ChainedSchedule(LearningRateSchedule inner, LearningRateSchedule outer)
        {
            ArgumentNullException.ThrowIfNull(outer);
            _inner = inner;
            _outer = outer;
        }

        public override float LearningRateAt(float baseLearningRate, int t) =>
            _outer.LearningRateAt(_inner.LearningRateAt(baseLearningRate, t), t);
    }
}
