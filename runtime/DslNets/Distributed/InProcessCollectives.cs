using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading;

namespace DslNets.Distributed;

/// <summary>
/// Collectives between ranks that are threads of one process: for tests, and for replicas on one machine without
/// MPI. <see cref="Run(int, Action{ICollectives}, TimeSpan?)"/> starts one thread per rank and hands each its
/// endpoint.
/// </summary>
/// <remarks>
/// <para>Every rank copies its values into its own slot, waits for the others, and sums all slots in rank order
/// (0, 1, 2, ...), so every rank gets bit-identical sums. Slots grow on first use; later calls allocate nothing.</para>
/// <para>Nothing hangs: a rank that throws, returns while others wait, calls a different collective or passes a
/// different length makes every other rank's pending and later collectives throw <see cref="CollectiveException"/>
/// naming it, and a rank that waits longer than the timeout for the others throws naming the ranks that did not
/// arrive.</para>
/// </remarks>
public sealed class InProcessCollectives : ICollectives
{
    /// <summary>How long a rank waits in a collective for the others when <c>Run</c> is not given a timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    private readonly Group _group;

    private InProcessCollectives(Group group, int rank)
    {
        _group = group;
        Rank = rank;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size => _group.Size;

    /// <summary>
    /// Runs <paramref name="body"/> once per rank, each on its own thread, and returns when all have returned.
    /// </summary>
    /// <param name="ranks">Number of ranks (threads), at least 1.</param>
    /// <param name="body">What each rank does with its endpoint.</param>
    /// <param name="timeout">How long a rank waits in one collective for the others; <see cref="DefaultTimeout"/> when null.</param>
    /// <exception cref="AggregateException">
    /// When any rank threw: the inner exceptions are every failed rank's exception in rank order (the one that threw
    /// first as it was thrown, the others <see cref="CollectiveException"/>s naming it).
    /// </exception>
    public static void Run(int ranks, Action<ICollectives> body, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        Run<bool>(ranks, collectives =>
        {
            body(collectives);
            return true;
        }, timeout);
    }

    /// <summary>
    /// Runs <paramref name="body"/> once per rank, each on its own thread, and returns each rank's result (index = rank).
    /// </summary>
    /// <inheritdoc cref="Run(int, Action{ICollectives}, TimeSpan?)"/>
    public static T[] Run<T>(int ranks, Func<ICollectives, T> body, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (ranks < 1)
            throw new ArgumentOutOfRangeException(nameof(ranks), ranks, "Expected at least one rank.");
        TimeSpan wait = timeout ?? DefaultTimeout;
        if (wait <= TimeSpan.Zero || wait.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"Expected a positive timeout of at most {int.MaxValue} ms.");

        var group = new Group(ranks, (long)wait.TotalMilliseconds);
        var results = new T[ranks];
        var errors = new Exception?[ranks];
        var threads = new Thread[ranks];
        for (int r = 0; r < ranks; r++)
        {
            int rank = r;
            threads[r] = new Thread(() =>
            {
                try
                {
                    results[rank] = body(new InProcessCollectives(group, rank));
                    group.Leave(rank);
                }
                catch (Exception e)
                {
                    errors[rank] = e;
                    group.Fail(rank, e);
                }
            })
            {
                IsBackground = true, // a rank stuck outside a collective must not keep the process alive
                Name = $"DslNets rank {r}",
            };
        }

        foreach (Thread thread in threads)
            thread.Start();
        foreach (Thread thread in threads)
            thread.Join();

        var failed = new List<Exception>();
        foreach (Exception? error in errors)
        {
            if (error is not null)
                failed.Add(error);
        }

        if (failed.Count > 0)
            throw new AggregateException($"{failed.Count} of {ranks} ranks failed; first cause: {group.FailureCause}.", failed);
        return results;
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values)
    {
        Group group = _group;
        float[] slot = group.Slot(Rank, values.Length);
        values.CopyTo(slot);
        group.Arrive(Rank, Operation.AllReduceSum, values.Length, root: 0);
        // Same order on every rank: ((s0 + s1) + s2) + ..., so every rank holds the same bits afterwards.
        group.Slots[0].AsSpan(0, values.Length).CopyTo(values);
        for (int r = 1; r < group.Size; r++)
            TensorPrimitives.Add(values, group.Slots[r].AsSpan(0, values.Length), values);
        group.Arrive(Rank, Operation.AllReduceSum, values.Length, root: 0); // nobody refills a slot before all have read it
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> values, int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"Expected a root rank in [0, {Size}).");
        Group group = _group;
        if (Rank == root)
            values.CopyTo(group.Slot(Rank, values.Length));
        group.Arrive(Rank, Operation.Broadcast, values.Length, root);
        if (Rank != root)
            group.Slots[root].AsSpan(0, values.Length).CopyTo(values);
        group.Arrive(Rank, Operation.Broadcast, values.Length, root);
    }

    /// <inheritdoc/>
    public void Barrier() => _group.Arrive(Rank, Operation.Barrier, 0, root: 0);

    private enum Operation
    {
        AllReduceSum,
        Broadcast,
        Barrier,
    }

    /// <summary>The state the ranks of one <c>Run</c> share; every field below the lock is guarded by it.</summary>
    private sealed class Group(int size, long timeoutMilliseconds)
    {
        private readonly object _gate = new();
        private readonly bool[] _waiting = new bool[size];
        private readonly bool[] _left = new bool[size];
        private int _arrived;
        private long _generation;
        private Operation _operation;
        private int _length;
        private int _root;
        private int _firstRank;
        private string? _failure;

        public int Size { get; } = size;

        /// <summary>Each rank's staging buffer (grown by its own rank before it arrives; read by all after).</summary>
        public float[][] Slots { get; } = CreateSlots(size);

        public string FailureCause
        {
            get
            {
                lock (_gate)
                    return _failure ?? "none";
            }
        }

        private static float[][] CreateSlots(int size)
        {
            var slots = new float[size][];
            for (int r = 0; r < size; r++)
                slots[r] = [];
            return slots;
        }

        public float[] Slot(int rank, int length)
        {
            if (Slots[rank].Length < length)
                Slots[rank] = new float[length];
            return Slots[rank];
        }

        /// <summary>
        /// Waits until every rank has arrived at the same point with the same operation, length and root; throws
        /// <see cref="CollectiveException"/> when that cannot happen.
        /// </summary>
        public void Arrive(int rank, Operation operation, int length, int root)
        {
            lock (_gate)
            {
                ThrowIfFailed(rank, operation);
                for (int r = 0; r < Size; r++)
                {
                    if (_left[r])
                        FailLocked(rank, operation, $"rank {r} has already returned, so {operation} can never complete on all {Size} ranks");
                }

                if (_arrived == 0)
                {
                    (_operation, _length, _root, _firstRank) = (operation, length, root, rank);
                }
                else if (operation != _operation || length != _length || root != _root)
                {
                    FailLocked(rank, operation,
                        $"rank {rank} called {Describe(operation, length, root)} while rank {_firstRank} called {Describe(_operation, _length, _root)}; every rank must call the same collectives in the same order");
                }

                _waiting[rank] = true;
                if (++_arrived == Size)
                {
                    _arrived = 0;
                    _generation++;
                    Array.Clear(_waiting);
                    Monitor.PulseAll(_gate);
                    return;
                }

                long generation = _generation;
                long deadline = Environment.TickCount64 + timeoutMilliseconds;
                while (_generation == generation)
                {
                    ThrowIfFailed(rank, operation);
                    long remaining = deadline - Environment.TickCount64;
                    if (remaining <= 0)
                    {
                        FailLocked(rank, operation,
                            $"rank {rank} waited {timeoutMilliseconds} ms in {operation} for rank(s) {MissingRanks()} to arrive (a rank that never calls it, or is much slower; the timeout is Run's timeout argument)");
                    }

                    Monitor.Wait(_gate, (int)remaining);
                }
            }
        }

        /// <summary>A rank's body threw: every pending and later collective of the others throws, naming it.</summary>
        public void Fail(int rank, Exception exception)
        {
            lock (_gate)
            {
                if (_failure is null)
                {
                    _failure = $"rank {rank} threw {exception.GetType().Name}: {exception.Message}";
                    Monitor.PulseAll(_gate);
                }
            }
        }

        /// <summary>A rank's body returned: ranks waiting for it now (or later) fail instead of waiting forever.</summary>
        public void Leave(int rank)
        {
            lock (_gate)
            {
                _left[rank] = true;
                if (_arrived > 0 && _failure is null)
                {
                    _failure = $"rank {rank} returned while rank(s) {WaitingRanks()} wait in {_operation}, which can never complete on all {Size} ranks";
                    Monitor.PulseAll(_gate);
                }
            }
        }

        private void FailLocked(int rank, Operation operation, string cause)
        {
            _failure ??= cause;
            Monitor.PulseAll(_gate);
            throw new CollectiveException($"Rank {rank} of {Size}: {operation} failed because {cause}.");
        }

        private void ThrowIfFailed(int rank, Operation operation)
        {
            if (_failure is not null)
                throw new CollectiveException($"Rank {rank} of {Size}: {operation} failed because {_failure}.");
        }

        private static string Describe(Operation operation, int length, int root) => operation switch
        {
            Operation.Broadcast => $"Broadcast of {length} values from root {root}",
            Operation.AllReduceSum => $"AllReduceSum of {length} values",
            _ => "Barrier",
        };

        private string MissingRanks()
        {
            var missing = new List<int>();
            for (int r = 0; r < Size; r++)
            {
                if (!_waiting[r])
                    missing.Add(r);
            }

            return string.Join(", ", missing);
        }

        private string WaitingRanks()
        {
            var waiting = new List<int>();
            for (int r = 0; r < Size; r++)
            {
                if (_waiting[r])
                    waiting.Add(r);
            }

            return string.Join(", ", waiting);
        }
    }
}
