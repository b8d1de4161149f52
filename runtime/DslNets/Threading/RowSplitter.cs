using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace DslNets.Threading;

/// <summary>A piece of kernel work over a range of rows; a struct, so handing it to a helper thread boxes nothing.</summary>
internal interface IRowWork
{
    /// <summary>Processes rows <c>[start, end)</c>.</summary>
    void Run(int start, int end);
}

/// <summary>
/// Splits row work across the calling thread and <see cref="KernelThreads.Count"/> - 1 persistent helper threads.
/// The work struct waits in a static slot per work type (no boxing), each helper is woken through its own event
/// (which spins before it sleeps, so back-to-back splits in one training step do not pay a kernel wake-up), and the
/// caller runs the first chunk itself. After the helpers are started, a split allocates nothing.
/// </summary>
internal static class RowSplitter
{
    // One split at a time; a caller that finds the helpers busy runs its whole range itself.
    private static readonly object s_gate = new();
    private static readonly ManualResetEventSlim s_done = new(false, 2047);
    private static Helper[] s_helpers = Array.Empty<Helper>();
    private static int s_remaining;
    private static Exception? s_failure;

    /// <summary>
    /// Runs <paramref name="work"/> over rows <c>[0, rows)</c>, in chunks whose starts are multiples of
    /// <paramref name="alignment"/> (the kernels' row tile), on up to <see cref="KernelThreads.Count"/> threads.
    /// </summary>
    public static void Run<TWork>(ref TWork work, int rows, int alignment)
        where TWork : struct, IRowWork
    {
        int threads = KernelThreads.Count;
        if (threads <= 1 || rows < 2 * alignment || !Monitor.TryEnter(s_gate))
        {
            work.Run(0, rows);
            return;
        }

        try
        {
            if (s_helpers.Length < threads - 1)
                StartHelpers(threads - 1);
            int chunk = (rows + threads - 1) / threads;
            chunk = (chunk + alignment - 1) / alignment * alignment;
            int parts = Math.Min(threads, (rows + chunk - 1) / chunk);
            Slot<TWork>.Work = work;
            s_failure = null;
            s_done.Reset();
            Volatile.Write(ref s_remaining, parts - 1);
            for (int part = 1; part < parts; part++)
                s_helpers[part - 1].Start(Slot<TWork>.RunRange, part * chunk, Math.Min(rows, (part + 1) * chunk));
            work.Run(0, Math.Min(rows, chunk));
            if (parts > 1)
                s_done.Wait();
            Slot<TWork>.Work = default;
            if (s_failure is Exception failure)
                ExceptionDispatchInfo.Capture(failure).Throw();
        }
        finally
        {
            Monitor.Exit(s_gate);
        }
    }

    private static void StartHelpers(int count)
    {
        var helpers = new Helper[count];
        Array.Copy(s_helpers, helpers, s_helpers.Length);
        for (int i = s_helpers.Length; i < count; i++)
            helpers[i] = new Helper(i);
        s_helpers = helpers;

        // The first Wait that outlasts its spin creates the event's lock object (24 B): do it here, once, so that a
        // split which has to block later (a busy second core) allocates nothing.
        s_done.Reset();
        s_done.Wait(1);
    }

    private static void PartDone(Exception? failure)
    {
        if (failure is not null)
            s_failure = failure;
        if (Interlocked.Decrement(ref s_remaining) == 0)
            s_done.Set();
    }

    private static class Slot<TWork>
        where TWork : struct, IRowWork
    {
        public static TWork Work;

        // Created once per work type; reading the slot at call time is what makes it allocation-free.
        public static readonly Action<int, int> RunRange = static (start, end) => Work.Run(start, end);
    }

    private sealed class Helper
    {
        private readonly ManualResetEventSlim _wake = new(false, 2047);
        private Action<int, int>? _action;
        private int _start;
        private int _end;

        public Helper(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"DslNets kernel helper {index + 1}" };
            thread.Start();
        }

        public void Start(Action<int, int> action, int start, int end)
        {
            _action = action;
            _start = start;
            _end = end;
            _wake.Set();
        }

        private void Loop()
        {
            while (true)
            {
                _wake.Wait();
                _wake.Reset();
                Exception? failure = null;
                try
                {
                    _action!(_start, _end);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                _action = null;
                PartDone(failure);
            }
        }
    }
}
