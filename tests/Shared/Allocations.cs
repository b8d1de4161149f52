namespace DslNets.Testing;

/// <summary>
/// Bytes the current thread allocates in a measured window, for the zero-allocation tests. Now and then
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> counts a few KB that nothing in the window allocated (the
/// runtime's own test of it fails with 6-10 KB extra, dotnet/runtime issue 63487). Here, on 2026-12-02, windows of
/// batched CNN <c>Predict</c> calls and of <c>StepArrays</c> counted 7,016-7,344 B that no rerun reproduced. So a
/// window runs up to <see cref="Windows"/> times and the smallest count is returned: an allocation per call shows in
/// every window, the miscount in one. Only for windows that may run again: nothing after it counts their calls, and
/// no other thread waits on them. Linked into the test projects that use it.
/// </summary>
internal static class Allocations
{
    /// <summary>Runs of a window at most.</summary>
    public const int Windows = 3;

    /// <summary>The fewest bytes this thread allocated in one run of <paramref name="window"/>: 0 as soon as a run allocates nothing.</summary>
    public static long InWindow(Action window)
    {
        long smallest = long.MaxValue;
        for (int run = 0; run < Windows && smallest > 0; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            window();
            smallest = Math.Min(smallest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return smallest;
    }
}
