using System.Diagnostics;
using System.Globalization;
using DslNets.Distributed;

namespace DslNets.Benchmarks;

/// <summary>
/// <c>-- --dissect [ranks] [--bind-to core|none]</c>: where the time of a data-parallel step goes, per rank. Each
/// rank records monotonic timestamps (the same clock in every process of one machine) around the local
/// <c>ComputeGradients</c>, every collective, the optimizer step and the barrier before the step; rank 0 reads the
/// other ranks' records from files and prints the p50 and best of every phase, including how long each rank waited
/// in the gradient all-reduce for the last rank to arrive. For comparison, in the same run: one process computing the
/// per-rank batch alone (before mpirun starts), the ranks computing their batch at the same time without any
/// collective (what sharing the cores' memory system costs), and the data-parallel step back to back without the
/// benchmark's barrier (the throughput a training loop sees).
/// </summary>
public static class StepDissection
{
    private const int GlobalBatch = CollectivesBenchmark.GlobalBatch;
    private const int Rounds = 6;
    private const int StepsPerRound = 25;

    /// <summary>Launcher (not under mpirun): the one-process rows, then itself under mpirun; under mpirun: the ranks' part.</summary>
    public static int Run(int ranks, string bindTo, string? directory)
    {
        if (!MpiCollectives.IsLaunchedByMpirun)
        {
            Console.WriteLine($"{Environment.ProcessorCount} logical cores, {FmaPeak.CpuModel()}; load {CollectivesBenchmark.LoadAverage()}");
            int perRank = GlobalBatch / ranks;
            Console.WriteLine($"One process, batch {perRank} (= {GlobalBatch} / {ranks}), Sgd with momentum, {Rounds * StepsPerRound} steps:");
            foreach ((string name, Func<INetwork<int>> create) in CollectivesBenchmark.Networks)
            {
                INetwork<int> network = create();
                var optimizer = new Sgd(0.01f, momentum: 0.9f);
                optimizer.Bind(network.Parameters.Length);
                float[] inputs = BenchmarkData.Inputs(perRank * 784, 1);
                int[] labels = BenchmarkData.Labels(perRank, 1);
                var clock = new Clock(Rounds * StepsPerRound, 0);
                for (int i = 0; i < CollectivesBenchmark.WarmUpSteps; i++)
                    LocalStep(network, optimizer, inputs, labels, perRank, null);
                for (int i = 0; i < Rounds * StepsPerRound; i++)
                    LocalStep(network, optimizer, inputs, labels, perRank, clock);
                Console.WriteLine($"  {name,-17} compute {Summary(clock.Phase(Clock.ComputeStart, Clock.ComputeEnd))}  optimizer {Summary(clock.Phase(Clock.OptimizerStart, Clock.OptimizerEnd))}  step {Summary(clock.Phase(Clock.Begin, Clock.End))}");
            }

            Console.WriteLine();
            string records = Directory.CreateTempSubdirectory("dslnets-dissect-").FullName;
            try
            {
                return CollectivesBenchmark.Launch(ranks, $"--dissect {ranks.ToString(CultureInfo.InvariantCulture)} {records}", bindTo);
            }
            finally
            {
                Directory.Delete(records, recursive: true);
            }
        }

        ArgumentNullException.ThrowIfNull(directory);
        using MpiCollectives mpi = MpiCollectives.Initialize();
        bool print = mpi.Rank == 0;
        if (print)
            Console.WriteLine($"{mpi.Size} MPI ranks on {Environment.ProcessorCount} logical cores; load {CollectivesBenchmark.LoadAverage()}");
        foreach ((string name, Func<INetwork<int>> create) in CollectivesBenchmark.Networks)
            Dissect(mpi, name, create, directory, print);
        if (print)
            Console.WriteLine($"load after the run {CollectivesBenchmark.LoadAverage()}");
        return 0;
    }

    private static void Dissect(MpiCollectives mpi, string name, Func<INetwork<int>> create, string directory, bool print)
    {
        int perRank = GlobalBatch / mpi.Size;
        float[] globalInputs = BenchmarkData.Inputs(GlobalBatch * 784, 1);
        int[] globalLabels = BenchmarkData.Labels(GlobalBatch, 1);
        float[] inputs = globalInputs.AsSpan(mpi.Rank * perRank * 784, perRank * 784).ToArray();
        int[] labels = globalLabels.AsSpan(mpi.Rank * perRank, perRank).ToArray();
        int steps = Rounds * StepsPerRound;

        // The replica and its optimizer for the data-parallel steps, another instance for the steps without collectives.
        var parallelClock = new Clock(steps, 8) { Paused = true }; // not the constructor's collectives nor the warm-up
        var timed = new TimedNetwork(create(), parallelClock);
        var recording = new RecordingCollectives(mpi, parallelClock);
        var parallel = new DataParallel<int>(timed, recording);
        var parallelOptimizer = new TimedOptimizer(new Sgd(0.01f, momentum: 0.9f), parallelClock);
        INetwork<int> alone = create();
        var aloneOptimizer = new Sgd(0.01f, momentum: 0.9f);
        aloneOptimizer.Bind(alone.Parameters.Length);
        var aloneClock = new Clock(steps, 0);
        var replicaClock = new Clock(steps, 0);
        var replicaOptimizer = new Sgd(0.01f, momentum: 0.9f);
        replicaOptimizer.Bind(alone.Parameters.Length);
        float[] savedParameters = new float[alone.Parameters.Length], savedBuffers = new float[alone.Buffers.Length];

        for (int i = 0; i < CollectivesBenchmark.WarmUpSteps; i++)
        {
            parallel.TrainStep(inputs, labels, perRank, parallelOptimizer);
            LocalStep(alone, aloneOptimizer, inputs, labels, perRank, null);
        }

        parallelClock.Paused = false;

        // Rounds alternate: the ranks' batch without collectives (together, after a barrier), the replica stepped
        // locally, the data-parallel step after a barrier, then the data-parallel step back to back, so the four see
        // the same machine.
        var backToBack = new double[Rounds];
        for (int round = 0; round < Rounds; round++)
        {
            for (int i = 0; i < StepsPerRound; i++)
            {
                mpi.Barrier();
                LocalStep(alone, aloneOptimizer, inputs, labels, perRank, aloneClock);
            }

            // The data-parallel replica itself, stepped locally (its synchronized batch norms detached): tells a
            // slower replica (memory placement) from a slower step (what the all-reduce does to the caches).
            // Its weights are restored afterwards, so the replicas stay identical across ranks.
            ICollectives? attached = timed.Collectives;
            timed.Collectives = null;
            timed.Parameters.CopyTo(savedParameters);
            timed.Buffers.CopyTo(savedBuffers);
            for (int i = 0; i < StepsPerRound; i++)
            {
                mpi.Barrier();
                LocalStep(timed.Inner, replicaOptimizer, inputs, labels, perRank, replicaClock);
            }

            timed.Collectives = attached;
            savedParameters.CopyTo(timed.Parameters);
            savedBuffers.CopyTo(timed.Buffers);
            timed.OnParametersChanged();

            for (int i = 0; i < StepsPerRound; i++)
            {
                mpi.Barrier();
                parallelClock.Mark(Clock.Begin);
                parallel.TrainStep(inputs, labels, perRank, parallelOptimizer);
                parallelClock.Mark(Clock.End);
                parallelClock.Next();
            }

            mpi.Barrier();
            parallelClock.Paused = true;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < StepsPerRound; i++)
                parallel.TrainStep(inputs, labels, perRank, parallelOptimizer);
            backToBack[round] = Stopwatch.GetElapsedTime(start).TotalSeconds / StepsPerRound;
            parallelClock.Paused = false;
        }

        // Every rank's records to a file; rank 0 reads them all.
        parallelClock.Save(Path.Combine(directory, $"{name}-{mpi.Rank}.parallel"));
        aloneClock.Save(Path.Combine(directory, $"{name}-{mpi.Rank}.alone"));
        replicaClock.Save(Path.Combine(directory, $"{name}-{mpi.Rank}.replica"));
        mpi.Barrier();
        if (!print)
            return;

        var ranks = new Clock[mpi.Size];
        var alones = new Clock[mpi.Size];
        var replicas = new Clock[mpi.Size];
        for (int r = 0; r < mpi.Size; r++)
        {
            ranks[r] = Clock.Load(Path.Combine(directory, $"{name}-{r}.parallel"));
            alones[r] = Clock.Load(Path.Combine(directory, $"{name}-{r}.alone"));
            replicas[r] = Clock.Load(Path.Combine(directory, $"{name}-{r}.replica"));
        }

        Console.WriteLine();
        Console.WriteLine($"{name}: {mpi.Size} x {perRank}, {steps} steps in {Rounds} rounds; p50 / best in us");
        for (int r = 0; r < mpi.Size; r++)
        {
            Clock a = alones[r];
            Console.WriteLine($"  rank {r}, no collectives:   compute {Summary(a.Phase(Clock.ComputeStart, Clock.ComputeEnd))}  optimizer {Summary(a.Phase(Clock.OptimizerStart, Clock.OptimizerEnd))}  step {Summary(a.Phase(Clock.Begin, Clock.End))}");
            Clock p = replicas[r];
            Console.WriteLine($"  rank {r}, replica, local:   compute {Summary(p.Phase(Clock.ComputeStart, Clock.ComputeEnd))}  optimizer {Summary(p.Phase(Clock.OptimizerStart, Clock.OptimizerEnd))}  step {Summary(p.Phase(Clock.Begin, Clock.End))}");
        }

        int collectives = ranks[0].Collectives;
        for (int r = 0; r < mpi.Size; r++)
        {
            Clock c = ranks[r];
            var barrierLate = new double[steps];
            var arrivedFirstBy = new double[steps];
            var transfer = new double[steps];
            var inside = new double[steps];
            var staging = new double[steps];
            for (int s = 0; s < steps; s++)
            {
                long firstBegin = long.MaxValue, lastArrival = long.MinValue;
                foreach (Clock other in ranks)
                {
                    firstBegin = Math.Min(firstBegin, other[s, Clock.Begin]);
                    lastArrival = Math.Max(lastArrival, other.CollectiveEntry(s, collectives - 1));
                }

                barrierLate[s] = Microseconds(c[s, Clock.Begin] - firstBegin);
                arrivedFirstBy[s] = Microseconds(lastArrival - c.CollectiveEntry(s, collectives - 1));
                transfer[s] = Microseconds(c.CollectiveExit(s, collectives - 1) - lastArrival);
                for (int k = 0; k < collectives - 1; k++)
                    inside[s] += Microseconds(c.CollectiveExit(s, k) - c.CollectiveEntry(s, k));
                staging[s] = Microseconds(c.CollectiveEntry(s, collectives - 1) - c[s, Clock.ComputeEnd]);
            }

            var compute = c.Phase(Clock.ComputeStart, Clock.ComputeEnd);
            var computeOnly = new double[steps];
            for (int s = 0; s < steps; s++)
                computeOnly[s] = compute[s] - inside[s];
            var scaleBack = new double[steps];
            for (int s = 0; s < steps; s++)
                scaleBack[s] = Microseconds(c[s, Clock.OptimizerStart] - c.CollectiveExit(s, collectives - 1));

            Console.WriteLine($"  rank {r}, data-parallel:    left the barrier after the first by {Summary(barrierLate)}");
            Console.WriteLine($"      compute {Summary(computeOnly)}" + (collectives > 1 ? $"  + {collectives - 1} batch-norm all-reduces inside {Summary(inside)}" : ""));
            Console.WriteLine($"      scale into staging {Summary(staging)}  gradient all-reduce: waited for the last rank {Summary(arrivedFirstBy)}, then {Summary(transfer)}");
            Console.WriteLine($"      scale back {Summary(scaleBack)}  optimizer {Summary(c.Phase(Clock.OptimizerStart, Clock.OptimizerEnd))}  after {Summary(c.Phase(Clock.OptimizerEnd, Clock.End))}  step {Summary(c.Phase(Clock.Begin, Clock.End))}");
        }

        Spread rounds = Spread.Of(backToBack);
        Console.WriteLine($"  back to back without a barrier ({StepsPerRound} steps a round): median round {rounds.Median * 1e6:F0} us a step, best {rounds.Min * 1e6:F0}");
    }

    private static void LocalStep(INetwork<int> network, IOptimizer optimizer, float[] inputs, int[] labels, int batch, Clock? clock)
    {
        clock?.Mark(Clock.Begin);
        clock?.Mark(Clock.ComputeStart);
        network.ComputeGradients(inputs, labels, batch);
        clock?.Mark(Clock.ComputeEnd);
        clock?.Mark(Clock.OptimizerStart);
        optimizer.Step(network.Parameters, network.Gradients);
        clock?.Mark(Clock.OptimizerEnd);
        network.OnParametersChanged();
        clock?.Mark(Clock.End);
        clock?.Next();
    }

    private static double Microseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency;

    private static string Summary(double[] values)
    {
        Spread spread = Spread.Of(values);
        return $"{spread.Median,5:F0} / {spread.Min,5:F0}";
    }

    /// <summary>Timestamps of the phases of every step, preallocated (no allocation while recording).</summary>
    private sealed class Clock(int steps, int maxCollectives)
    {
        public const int Begin = 0, ComputeStart = 1, ComputeEnd = 2, OptimizerStart = 3, OptimizerEnd = 4, End = 5;
        private const int Marks = 6;

        private readonly long[] _marks = new long[steps * Marks];
        private readonly long[] _collectives = new long[steps * Math.Max(1, maxCollectives) * 2];
        private int _step;
        private int _collective;

        public int Collectives { get; private set; }

        public bool Paused { get; set; }

        public long this[int step, int mark] => _marks[step * Marks + mark];

        public long CollectiveEntry(int step, int k) => _collectives[(step * maxCollectives + k) * 2];

        public long CollectiveExit(int step, int k) => _collectives[(step * maxCollectives + k) * 2 + 1];

        public void Mark(int mark)
        {
            if (!Paused && _step < steps)
                _marks[_step * Marks + mark] = Stopwatch.GetTimestamp();
        }

        public void Collective(long entry, long exit)
        {
            if (Paused || _step >= steps)
                return;
            if (_collective >= maxCollectives)
                throw new InvalidOperationException($"A step made more than the {maxCollectives} collectives the dissection records: raise the count where the Clock is created.");
            _collectives[(_step * maxCollectives + _collective) * 2] = entry;
            _collectives[(_step * maxCollectives + _collective) * 2 + 1] = exit;
            _collective++;
        }

        public void Next()
        {
            if (Paused)
                return;
            Collectives = _collective;
            _collective = 0;
            _step++;
        }

        public double[] Phase(int from, int to)
        {
            var values = new double[_step];
            for (int s = 0; s < values.Length; s++)
                values[s] = Microseconds(this[s, to] - this[s, from]);
            return values;
        }

        public void Save(string path)
        {
            using var writer = new BinaryWriter(File.Create(path));
            writer.Write(_step);
            writer.Write(maxCollectives);
            writer.Write(Collectives);
            for (int i = 0; i < _step * Marks; i++)
                writer.Write(_marks[i]); // the recorded steps only: Load sizes the clock from their count
            for (int i = 0; i < _step * maxCollectives * 2; i++)
                writer.Write(_collectives[i]);
        }

        public static Clock Load(string path)
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            int steps = reader.ReadInt32(), maxCollectives = reader.ReadInt32();
            var clock = new Clock(steps, maxCollectives) { Collectives = reader.ReadInt32(), _step = steps };
            for (int i = 0; i < steps * Marks; i++)
                clock._marks[i] = reader.ReadInt64();
            for (int i = 0; i < steps * maxCollectives * 2; i++)
                clock._collectives[i] = reader.ReadInt64();
            return clock;
        }
    }

    /// <summary>Records the entry and exit of every collective of a step.</summary>
    private sealed class RecordingCollectives(ICollectives inner, Clock clock) : ICollectives
    {
        public int Rank => inner.Rank;

        public int Size => inner.Size;

        public void AllReduceSum(Span<float> values)
        {
            long entry = Stopwatch.GetTimestamp();
            inner.AllReduceSum(values);
            clock.Collective(entry, Stopwatch.GetTimestamp());
        }

        public void Broadcast(Span<float> values, int root) => inner.Broadcast(values, root);

        public void Barrier() => inner.Barrier();
    }

    /// <summary>Marks the optimizer step.</summary>
    private sealed class TimedOptimizer(IOptimizer inner, Clock clock) : IOptimizer
    {
        public float LearningRate { get => inner.LearningRate; set => inner.LearningRate = value; }

        public void Bind(int parameterCount) => inner.Bind(parameterCount);

        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            clock.Mark(Clock.OptimizerStart);
            inner.Step(parameters, gradients);
            clock.Mark(Clock.OptimizerEnd);
        }
    }

    /// <summary>A network that marks its local <c>ComputeGradients</c>; everything else passes through.</summary>
    private sealed class TimedNetwork(INetwork<int> inner, Clock clock) : INetwork<int>, ISyncBatchNormNetwork
    {
        public INetwork<int> Inner => inner;
        public string Name => inner.Name;
        public string Fingerprint => inner.Fingerprint;
        public int InputSize => inner.InputSize;
        public int OutputSize => inner.OutputSize;
        public int MaxBatch => inner.MaxBatch;
        public Loss Loss => inner.Loss;
        public Span<float> Parameters => inner.Parameters;
        public Span<float> Gradients => inner.Gradients;
        public Span<float> Buffers => inner.Buffers;
        public IReadOnlyList<TensorInfo> Tensors => inner.Tensors;
        public IReadOnlyList<OperationInfo> Operations => inner.Operations;
        public SeededRandom NoiseState { get => inner.NoiseState; set => inner.NoiseState = value; }
        public float DataLoss => inner.DataLoss;
        public float RegularizationLoss => inner.RegularizationLoss;
        public int TargetsPerSample => inner.TargetsPerSample;

        public ICollectives? Collectives
        {
            get => (inner as ISyncBatchNormNetwork)?.Collectives;
            set
            {
                if (inner is ISyncBatchNormNetwork synchronized)
                    synchronized.Collectives = value;
            }
        }

        public void ComputeGradientsWithoutSamples() => ((ISyncBatchNormNetwork)inner).ComputeGradientsWithoutSamples();

        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, int batchSize)
        {
            clock.Mark(Clock.ComputeStart);
            float loss = inner.ComputeGradients(inputs, targets, batchSize);
            clock.Mark(Clock.ComputeEnd);
            return loss;
        }

        public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, int batchSize, IOptimizer optimizer) =>
            throw new NotSupportedException("DataParallel calls ComputeGradients.");

        public void Predict(ReadOnlySpan<float> input, Span<float> output) => inner.Predict(input, output);
        public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => inner.Predict(inputs, outputs, batchSize);
        public void PredictLogits(ReadOnlySpan<float> input, Span<float> output) => inner.PredictLogits(input, output);
        public void PredictLogits(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => inner.PredictLogits(inputs, outputs, batchSize);
        public void OnParametersChanged() => inner.OnParametersChanged();
    }
}
