using DslNets.Distributed;
using DslNets.MpiRank;

namespace DslNets.Runtime.Tests.Distributed;

public class InProcessCollectivesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void AllReduceSum_GivesEveryRankTheSameSum(int ranks)
    {
        float[][] results = InProcessCollectives.Run(ranks, c =>
        {
            // Rank r holds [r + 1, 10 (r + 1), 0.1 (r + 1)]: the sums are T, 10 T, 0.1 T with T = 1 + 2 + ... + ranks.
            float[] values = [c.Rank + 1, 10f * (c.Rank + 1), 0.1f * (c.Rank + 1)];
            c.AllReduceSum(values);
            return values;
        });

        float total = ranks * (ranks + 1) / 2f;
        Assert.Equal(total, results[0][0]);
        Assert.Equal(10f * total, results[0][1]);
        Assert.Equal(0.1f * total, results[0][2], 1e-6f);
        foreach (float[] result in results)
            Assert.Equal(results[0], result); // bit for bit: every rank sums in rank order
    }

    [Fact]
    public void Broadcast_CopiesTheRootsValues_ToEveryRank()
    {
        float[][] results = InProcessCollectives.Run(3, c =>
        {
            float[] values = [c.Rank, c.Rank * 2f];
            c.Broadcast(values, root: 2);
            return values;
        });

        Assert.All(results, values => Assert.Equal([2f, 4f], values));
    }

    [Fact]
    public void Barrier_ReleasesNoRank_BeforeAllArrive()
    {
        int arrived = 0;
        int[] seen = InProcessCollectives.Run(4, c =>
        {
            Thread.Sleep(20 * c.Rank);
            Interlocked.Increment(ref arrived);
            c.Barrier();
            return Volatile.Read(ref arrived);
        });

        Assert.All(seen, count => Assert.Equal(4, count));
    }

    [Fact]
    public void RankThatThrows_MakesTheOthersFail_NamingIt_InsteadOfHanging()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(3, c =>
        {
            if (c.Rank == 1)
                throw new InvalidOperationException("labels out of range");
            c.AllReduceSum(new float[4]);
        }, timeout: TimeSpan.FromMinutes(1)));

        // Woken by the failure, not by the timeout: a timed-out rank would say it "waited ... ms" instead of naming rank 1.
        Assert.Equal(3, error.InnerExceptions.Count);
        Assert.Contains("rank 1 threw InvalidOperationException: labels out of range", error.Message);
        Assert.IsType<CollectiveException>(error.InnerExceptions[0]);
        Assert.Contains("Rank 0 of 3: AllReduceSum failed because rank 1 threw InvalidOperationException: labels out of range", error.InnerExceptions[0].Message);
        Assert.Equal("labels out of range", error.InnerExceptions[1].Message);
        Assert.Contains("Rank 2 of 3", error.InnerExceptions[2].Message);
    }

    [Fact]
    public void RankThatReturnsEarly_MakesTheWaitingRanksFail()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(2, c =>
        {
            if (c.Rank == 0)
                c.Barrier();
        }, timeout: TimeSpan.FromMinutes(1)));

        var only = Assert.IsType<CollectiveException>(Assert.Single(error.InnerExceptions));
        // Rank 1 returns either while rank 0 waits or before it arrives; both are named as the cause.
        Assert.Matches(@"rank 1 (returned while rank\(s\) 0 wait in Barrier|has already returned, so Barrier can never complete)", only.Message);
    }

    [Fact]
    public void DifferentLengthsOrCollectives_FailOnEveryRank()
    {
        var lengths = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(2, c => c.AllReduceSum(new float[3 + c.Rank])));
        Assert.All(lengths.InnerExceptions, e => Assert.IsType<CollectiveException>(e));
        Assert.Contains("AllReduceSum of 3 values", lengths.Message);
        Assert.Contains("AllReduceSum of 4 values", lengths.Message);

        var kinds = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(2, c =>
        {
            if (c.Rank == 0)
                c.Barrier();
            else
                c.Broadcast(new float[2], root: 0);
        }));
        Assert.Contains("every rank must call the same collectives in the same order", kinds.Message);
        Assert.Equal(2, kinds.InnerExceptions.Count);
    }

    [Fact]
    public void RankThatNeverArrives_TimesOut_NamingTheMissingRank()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(3, c =>
        {
            if (c.Rank == 2)
                Thread.Sleep(2000); // stuck outside any collective (a deadlock, a slow disk)
            else
                c.Barrier();
        }, timeout: TimeSpan.FromMilliseconds(500)));

        // On a loaded machine the other waiting rank may not have arrived yet either: then both are named.
        Assert.Matches(@"waited 500 ms in Barrier for rank\(s\) (\d, )?2 to arrive", error.Message);
        Assert.Equal(2, error.InnerExceptions.Count); // ranks 0 and 1; rank 2 returned normally later
    }

    [Fact]
    public void Collectives_AllocateNothing_AfterWarmUp()
    {
        long[] allocated = InProcessCollectives.Run(3, c => CollectiveAllocations.OfCollectives(c, root: 1));

        Assert.Equal([0L, 0L, 0L], allocated);
    }

    [Fact]
    public void BadArguments_NameTheArgument()
    {
        Assert.Equal("ranks", Assert.Throws<ArgumentOutOfRangeException>(() => InProcessCollectives.Run(0, _ => { })).ParamName);
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => InProcessCollectives.Run(1, _ => { }, TimeSpan.Zero)).ParamName);
        var root = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(2, c => c.Broadcast(new float[1], root: 2)));
        Assert.Equal("root", Assert.IsType<ArgumentOutOfRangeException>(root.InnerExceptions[0]).ParamName);
    }

    [Fact]
    public void CountingCollectives_CountsCallsAndValues_AndPassesThrough()
    {
        (long, long, long, long, long, float)[] counts = InProcessCollectives.Run(2, c =>
        {
            var counting = new CountingCollectives(c);
            float[] values = [1f, 2f, 3f];
            counting.AllReduceSum(values);
            counting.AllReduceSum(values.AsSpan(0, 1));
            counting.Broadcast(values, root: 0);
            counting.Barrier();
            return (counting.AllReduceCalls, counting.AllReducedValues, counting.BroadcastCalls, counting.BroadcastValues, counting.Calls, values[0]);
        });

        Assert.All(counts, count => Assert.Equal((2L, 4L, 1L, 3L, 4L, 4f), count)); // 1 -> 2 -> 4
    }
}
